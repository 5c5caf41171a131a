package validate

import (
	"sort"
	"strings"

	"github.com/iamd/iamd/arn"
)

// redundantWithin flags values of one element that another value of it
// already covers (iam:GetUser beside iam:Get*; a repeated ARN): of two
// equal values the later one.
func (c *checker) redundantWithin(vals []str, code string, fold bool) {
	if len(vals) < 2 || len(vals) > 200 {
		return
	}
	flagged := make([]bool, len(vals))
	for i, v := range vals {
		for j, w := range vals {
			if i == j || flagged[j] || v.s == "*" && w.s != "*" || complexPattern(v.s) || complexPattern(w.s) {
				continue
			}
			if c.contains(w.s, v.s, fold) && (!c.contains(v.s, w.s, fold) || j < i) {
				flagged[i] = true
				if code == "REDUNDANT_ACTION" {
					c.add(code, v.n, v.p, "The action "+v.s+" is redundant because "+w.s+" provides the same permissions. Update the policy to remove the redundant action such as: "+v.s+".")
				} else {
					c.add(code, v.n, v.p, "The resource ARN "+v.s+" is redundant because "+w.s+" references the same resource. Review the use of wildcards (*)")
				}
				break
			}
		}
	}
}

// sensitive are actions whose grant on every resource AWS warns about.
var sensitive = []struct {
	action, sample, prefix, noun string
}{
	{"iam:PassRole", "arn:aws:iam::111122223333:role/x-any-role", "PASS_ROLE", "iam:PassRole permissions"},
	{"iam:CreateServiceLinkedRole", "arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX", "CREATE_SLR", "iam:CreateServiceLinkedRole permissions"},
}

// sensitiveActions reports an Allow of iam:PassRole or
// iam:CreateServiceLinkedRole on resources named by wildcards or by
// NotResource (identity policies).
func (c *checker) sensitiveActions(s *stmt) {
	if !c.identity() {
		return
	}
	for _, t := range sensitive {
		how, at := "", str{}
		switch {
		case s.actionSet:
			for _, a := range s.action {
				if strings.EqualFold(a.s, t.action) {
					how, at = "literal", a
					break
				}
				if hasWildcard(a.s) && arn.GlobFold(a.s, t.action) && how == "" {
					how, at = "star", a
				}
			}
		case s.notActSet:
			excluded := false
			for _, a := range s.notAction {
				excluded = excluded || arn.GlobFold(a.s, t.action)
			}
			if !excluded {
				how = "notaction"
			}
		}
		if how == "" {
			continue
		}
		if t.prefix == "PASS_ROLE" && s.condKeys["iam:passedtoservice"] {
			continue
		}
		var code, details string
		switch {
		case s.resSet:
			var star *str
			for i, r := range s.resource {
				if strings.Contains(r.s, "*") && arn.GlobFold(variableGlob(r.s), t.sample) {
					star = &s.resource[i]
					break
				}
			}
			if star == nil {
				continue
			}
			at = *star
			switch how {
			case "literal":
				code = t.prefix + "_WITH_STAR_IN_RESOURCE"
				details = "Using the " + t.action + " action with wildcards (*) in the resource can be overly permissive because it allows " + t.noun + " on multiple resources."
			case "star":
				code = t.prefix + "_WITH_STAR_IN_ACTION_AND_RESOURCE"
				details = "Using wildcards (*) in the action and the resource can be overly permissive because it allows " + t.noun + " on all resources."
			default:
				code = t.prefix + "_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION"
				details = "Using a resource with wildcards (*) and NotAction can be overly permissive because it allows " + t.noun + " on all resources."
			}
		case s.notResSet:
			at = str{n: s.n.get("NotResource").val, p: s.p.value("NotResource")}
			switch how {
			case "literal":
				code = t.prefix + "_WITH_NOT_RESOURCE"
				details = "Using the " + t.action + " action with NotResource can be overly permissive because it can allow " + t.noun + " on multiple resources."
			case "star":
				code = t.prefix + "_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE"
				details = "Using an action with a wildcard (*) and NotResource can be overly permissive because it can allow " + t.noun + " on multiple resources."
			default:
				code = t.prefix + "_WITH_NOT_ACTION_AND_NOT_RESOURCE"
				details = "Using NotAction with NotResource can be overly permissive because it can allow " + t.noun + " on multiple resources."
			}
		default:
			continue
		}
		if t.prefix == "PASS_ROLE" {
			details += " We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement."
		} else {
			details += " We recommend that you specify resource ARNs instead."
		}
		c.add(code, at.n, at.p, details)
	}
}

// resourceMismatch reports Allow actions that none of the statement's
// resources can be: s3:GetObject on a bucket's ARN, an action that takes
// only "*" on a named resource. Such a grant allows nothing.
func (c *checker) resourceMismatch(s *stmt) {
	if !s.actionSet || !s.resSet || len(s.resource) == 0 {
		return
	}
	for _, r := range s.resource {
		if r.s == "*" || !strings.HasPrefix(r.s, "arn:") || strings.HasPrefix(r.s, "arn:*") {
			return
		}
	}
	for _, a := range s.action {
		prefix, name, ok := strings.Cut(a.s, ":")
		if !ok || hasWildcard(prefix) || complexPattern(name) {
			continue
		}
		svc := c.cat.Services[strings.ToLower(prefix)]
		if svc == nil {
			continue
		}
		acts := expand(c.cat, svc, name)
		if len(acts) == 0 || len(acts) > 400 {
			continue
		}
		applies := false
		for _, act := range acts {
			if len(act.ResourceTypes) == 0 {
				// The catalogue lists no type, but such actions are often
				// authorized on an ARN (logs:DescribeLogGroups on the
				// region's log-group::log-stream:): not ours to judge.
				applies = true
				break
			}
			for _, ref := range act.ResourceTypes {
				rt := svc.ResourceTypes[ref.Name]
				if rt == nil {
					applies = true // a type of another service: not ours to judge
					break
				}
				for _, r := range s.resource {
					if c.overlaps(variableGlob(r.s), formatOf(rt).glob) {
						applies = true
						break
					}
				}
				if applies {
					break
				}
			}
			if applies {
				break
			}
		}
		if !applies {
			c.add("RESOURCE_MISMATCH", a.n, a.p, "The action "+a.s+" does not apply to any resource in the statement, so the statement grants nothing for it. Use resources of the types the action supports (see the Service Authorization Reference), or \"*\" for actions that support no resource types.")
		}
	}
}

// crossStatement: statement ids that repeat, statements that repeat.
func (c *checker) crossStatement() {
	sids := map[string]bool{}
	canon := map[string]bool{}
	for _, s := range c.stmts {
		if s.hasSid && s.sid != "" {
			if sids[s.sid] {
				m := s.n.get("Sid")
				if c.identity() || c.trust() || c.scp() {
					c.add("UNIQUE_SIDS_REQUIRED", m.val, s.p.value("Sid"), "Duplicate statement IDs are not supported for this policy type. Update the Sid value "+s.sid+".")
				} else {
					c.add("UNIQUE_SIDS_RECOMMENDED", m.val, s.p.value("Sid"), "We recommend that you use statement IDs that are unique to your policy. Update the Sid value "+s.sid+".")
				}
			}
			sids[s.sid] = true
		}
		var b strings.Builder
		canonical(&b, s.n, true)
		k := b.String()
		if canon[k] {
			c.add("REDUNDANT_STATEMENT", s.n, s.p, "The statements are redundant because they provide identical permissions. Update the policy to remove the redundant statement.")
		}
		canon[k] = true
	}
}

// canonical writes a value with sorted keys and string arrays as sets,
// leaving out a statement's Sid.
func canonical(b *strings.Builder, n *node, top bool) {
	switch n.kind {
	case kObject:
		ms := append([]member{}, n.obj...)
		sort.Slice(ms, func(i, j int) bool { return ms[i].key < ms[j].key })
		b.WriteByte('{')
		for _, m := range ms {
			if top && m.key == "Sid" {
				continue
			}
			b.WriteString(m.key)
			b.WriteByte(':')
			canonical(b, m.val, false)
			b.WriteByte(',')
		}
		b.WriteByte('}')
	case kArray:
		parts := make([]string, 0, len(n.arr))
		for _, e := range n.arr {
			var eb strings.Builder
			canonical(&eb, e, false)
			parts = append(parts, eb.String())
		}
		sort.Strings(parts)
		parts = dedupe(parts)
		if len(parts) == 1 && n.arr[0].kind == kString {
			b.WriteString(parts[0]) // ["x"] is "x"
			return
		}
		b.WriteByte('[')
		b.WriteString(strings.Join(parts, ","))
		b.WriteByte(']')
	default:
		b.WriteString(n.kind.String())
		b.WriteByte('"')
		b.WriteString(n.str)
		b.WriteByte('"')
	}
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
