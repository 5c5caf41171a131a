package validate

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/catalog"
)

type checker struct {
	text []byte
	opt  Options
	pos  *positions
	cat  *catalog.Catalog
	out  []Finding

	version string
	stmts   []*stmt
	work    int // cells of the two-pattern searches so far (see maxWork)
}

// maxWork bounds the two-pattern searches of one document (a few
// milliseconds): past it, the checks that need them assume the answer
// that reports nothing, so that a document built to be slow is not.
const maxWork = 1 << 22

// overlaps is the package's overlaps within the document's budget (case
// sensitive: ARNs).
func (c *checker) overlaps(p, q string) bool {
	if hasWildcard(p) && hasWildcard(q) {
		if c.work += len(p) * len(q); c.work > maxWork {
			return true
		}
	}
	return overlaps(p, q, false)
}

// contains is the package's contains within the document's budget.
func (c *checker) contains(b, a string, fold bool) bool {
	if hasWildcard(a) && hasWildcard(b) {
		if c.work += len(a) * len(b); c.work > maxWork {
			return false
		}
	}
	return contains(b, a, fold)
}

// path is a JSON path under construction; at copies it.
type path []PathElement

func (p path) value(k string) path { return append(p[:len(p):len(p)], PathElement{Value: &k}) }
func (p path) key(k string) path   { return append(p[:len(p):len(p)], PathElement{Key: &k}) }
func (p path) index(i int) path    { return append(p[:len(p):len(p)], PathElement{Index: &i}) }

// stmt is what the statement-level and cross-statement checks need.
type stmt struct {
	n         *node
	p         path
	effect    string
	sid       string
	hasSid    bool
	action    []str
	notAction []str
	actionSet bool
	notActSet bool
	resource  []str
	notRes    []str
	resSet    bool
	notResSet bool
	principal *node
	notPrinc  *node
	condition *node
	condKeys  map[string]bool // lower-cased keys of the Condition block
}

// str is a string value with its node and path.
type str struct {
	s string
	n *node
	p path
}

func (c *checker) add(code string, n *node, p path, details string) {
	c.addSpan(code, n.start, n.end, p, details)
}

func (c *checker) addKey(code string, m *member, p path, details string) {
	c.addSpan(code, m.start, m.end, p.key(m.key), details)
}

func (c *checker) addSpan(code string, start, end int, p path, details string) {
	t, ok := codeTypes[code]
	if !ok {
		panic("validate: unknown issue code " + code)
	}
	cp := append([]PathElement{}, p...)
	c.out = append(c.out, Finding{FindingDetails: details, FindingType: t, IssueCode: code, LearnMoreLink: learnMoreLink(code, t),
		Locations: []Location{{Path: cp, Span: c.pos.span(start, end)}}})
}

func (c *checker) identity() bool { return c.opt.Type == IdentityPolicy || c.opt.Type == "" }
func (c *checker) scp() bool      { return c.opt.Type == ServiceControlPolicy }
func (c *checker) rcp() bool      { return c.opt.Type == ResourceControlPolicy }
func (c *checker) resourcePolicy() bool {
	return c.opt.Type == ResourcePolicy || c.opt.Type == ResourceControlPolicy
}
func (c *checker) trust() bool {
	return c.opt.Type == ResourcePolicy && c.opt.ResourceType == TrustPolicy
}

func (c *checker) run() {
	root, err := parseTree(c.text)
	if err != nil {
		off := len(c.text)
		var se *syntaxError
		if errors.As(err, &se) {
			off = min(se.offset, len(c.text))
		}
		p := c.pos.at(off)
		c.addSpan("JSON_SYNTAX_ERROR", off, off, nil, fmt.Sprintf("Fix the JSON syntax error at index %d line %d column %d.", p.Offset, p.Line, p.Column))
		return
	}
	if root.kind != kObject {
		c.add("DATA_TYPE_MISMATCH", root, nil, "The text does not match the expected JSON data type Object.")
		return
	}
	var statement *member
	for i := range root.obj {
		m := &root.obj[i]
		switch m.key {
		case "Version":
			if m.val.kind != kString {
				c.add("DATA_TYPE_MISMATCH", m.val, path{}.value("Version"), "The text does not match the expected JSON data type String.")
				continue
			}
			c.version = m.val.str
			if c.version != "2012-10-17" && c.version != "2008-10-17" {
				c.add("INVALID_VERSION", m.val, path{}.value("Version"), "The version "+m.val.str+" is not valid. Use one of the following versions: 2012-10-17, 2008-10-17")
			}
		case "Id":
			if m.val.kind != kString {
				c.add("DATA_TYPE_MISMATCH", m.val, path{}.value("Id"), "The text does not match the expected JSON data type String.")
			}
		case "Statement":
			statement = m
		default:
			c.addKey("INVALID_POLICY_ELEMENT", m, nil, "The policy element "+m.key+" is not valid.")
		}
	}
	if root.get("Version") == nil {
		c.addSpan("MISSING_VERSION", root.start, root.start+1, nil, "We recommend that you specify the Version element to help you with debugging permission issues.")
	}
	if statement == nil {
		c.addSpan("MISSING_STATEMENT", root.start, root.start+1, nil, "Add a statement to the policy")
		return
	}
	sp := path{}.value("Statement")
	switch statement.val.kind {
	case kObject:
		c.statement(statement.val, sp)
	case kArray:
		if len(statement.val.arr) == 0 {
			c.add("MISSING_STATEMENT", statement.val, sp, "Add a statement to the policy")
		}
		for i, s := range statement.val.arr {
			if s.kind != kObject {
				c.add("DATA_TYPE_MISMATCH", s, sp.index(i), "The text does not match the expected JSON data type Object.")
				continue
			}
			c.statement(s, sp.index(i))
		}
	default:
		c.add("DATA_TYPE_MISMATCH", statement.val, sp, "The text does not match the expected JSON data type Array.")
	}
	c.crossStatement()
	c.size()
}

func (c *checker) size() {
	n := nonSpace(c.text)
	end := len(c.text)
	switch {
	case c.identity() && n > 6144:
		c.addSpan("POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", 0, end, nil, fmt.Sprintf("The %d characters in the identity policy, excluding whitespace, exceed the 6144 character maximum for inline and managed policies. We recommend that you use multiple granular policies.", n))
	case c.scp() && n > 5120:
		c.addSpan("POLICY_SIZE_EXCEEDS_SCP_QUOTA", 0, end, nil, fmt.Sprintf("The %d characters in the service control policy (SCP) exceed the 5120 character maximum for SCPs. We recommend that you use multiple granular policies.", n))
	case c.trust() && n > 2048:
		c.addSpan("POLICY_SIZE_EXCEEDS_TRUST_QUOTA", 0, end, nil, fmt.Sprintf("The %d characters in the trust policy, excluding whitespace, exceed the 2048 character default quota for role trust policies.", n))
	}
}

// strings reads an element that is a string or an array of strings.
func (c *checker) strs(n *node, p path) ([]str, bool) {
	switch n.kind {
	case kString:
		return []str{{s: n.str, n: n, p: p}}, true
	case kArray:
		out := make([]str, 0, len(n.arr))
		for i, e := range n.arr {
			if e.kind != kString {
				c.add("DATA_TYPE_MISMATCH", e, p.index(i), "The text does not match the expected JSON data type String.")
				continue
			}
			out = append(out, str{s: e.str, n: e, p: p.index(i)})
		}
		return out, true
	}
	c.add("DATA_TYPE_MISMATCH", n, p, "The text does not match the expected JSON data type Array.")
	return nil, false
}

var sidPattern = regexp.MustCompile(`^[0-9A-Za-z]*$`)

func (c *checker) statement(n *node, p path) {
	s := &stmt{n: n, p: p}
	for i := range n.obj {
		m := &n.obj[i]
		ep := p.value(m.key)
		switch m.key {
		case "Sid":
			if m.val.kind != kString {
				c.add("DATA_TYPE_MISMATCH", m.val, ep, "The text does not match the expected JSON data type String.")
				continue
			}
			s.sid, s.hasSid = m.val.str, true
			if s.sid == "" {
				c.add("EMPTY_SID_VALUE", m.val, ep, "Add a value to the empty string in the Sid element.")
			} else if (c.identity() || c.trust()) && !sidPattern.MatchString(s.sid) {
				c.add("UNSUPPORTED_SID", m.val, ep, "Update the characters in the Sid element to use one of the following character types: [a-z, A-Z, 0-9]")
			}
		case "Effect":
			if m.val.kind != kString {
				c.add("DATA_TYPE_MISMATCH", m.val, ep, "The text does not match the expected JSON data type String.")
				continue
			}
			s.effect = m.val.str
			if s.effect != "Allow" && s.effect != "Deny" {
				c.add("INVALID_EFFECT", m.val, ep, "The effect "+s.effect+" is not valid. Use Allow or Deny.")
			}
		case "Action", "NotAction":
			vals, ok := c.strs(m.val, ep)
			if !ok {
				continue
			}
			if m.val.kind == kArray && len(m.val.arr) == 0 {
				c.add("EMPTY_ARRAY_ACTION", m.val, ep, "This statement includes no actions and does not affect the policy. Specify actions.")
			}
			if m.key == "Action" {
				s.action, s.actionSet = vals, true
			} else {
				s.notAction, s.notActSet = vals, true
			}
			valid := vals[:0:0]
			for _, v := range vals {
				if strings.Contains(v.s, "${") {
					c.add("VARIABLE_UNSUPPORTED_IN_ELEMENT", v.n, v.p, "Policy variables are supported in the Resource and Condition elements. Remove the policy variable from this element.")
					continue
				}
				if c.action(v) {
					valid = append(valid, v)
				}
			}
			vals = valid
		case "Resource", "NotResource":
			vals, ok := c.strs(m.val, ep)
			if !ok {
				continue
			}
			if m.val.kind == kArray && len(m.val.arr) == 0 {
				c.add("EMPTY_ARRAY_RESOURCE", m.val, ep, "This statement includes no resources and does not affect the policy. Specify resources.")
			}
			if m.key == "Resource" {
				s.resource, s.resSet = vals, true
			} else {
				s.notRes, s.notResSet = vals, true
			}
			for _, v := range vals {
				c.variables(v)
				c.resource(v)
			}
		case "Principal", "NotPrincipal":
			if m.key == "Principal" {
				s.principal = m.val
			} else {
				s.notPrinc = m.val
			}
			switch {
			case c.identity():
				c.addKey("UNSUPPORTED_PRINCIPAL", m, p, "The policy type IDENTITY_POLICY does not support the "+m.key+" element. Remove the "+m.key+" element.")
				continue
			case c.scp():
				c.addKey("SCP_SYNTAX_ERROR_PRINCIPAL", m, p, "SCPs do not support specifying principals. Remove the Principal or NotPrincipal element.")
				continue
			}
			c.principal(m.val, ep)
		case "Condition":
			s.condition = m.val
			c.condition(s, m.val, ep)
		default:
			c.addKey("INVALID_POLICY_ELEMENT", m, p, "The policy element "+m.key+" is not valid.")
		}
	}
	start := n.start
	head := func(code, details string) { c.addSpan(code, start, start+1, p, details) }
	if n.get("Effect") == nil {
		head("MISSING_EFFECT", "Add an Effect element to the policy statement with a value of Allow or Deny.")
	}
	switch {
	case !s.actionSet && !s.notActSet:
		head("MISSING_ACTION", "Add an Action or NotAction element to the policy statement.")
	case s.actionSet && s.notActSet:
		head("UNSUPPORTED_ELEMENT_COMBINATION", "The policy elements Action and NotAction can not be used in the same statement. Remove one of these elements.")
	}
	if s.resSet && s.notResSet {
		head("UNSUPPORTED_ELEMENT_COMBINATION", "The policy elements Resource and NotResource can not be used in the same statement. Remove one of these elements.")
	}
	if s.principal != nil && s.notPrinc != nil {
		head("UNSUPPORTED_ELEMENT_COMBINATION", "The policy elements Principal and NotPrincipal can not be used in the same statement. Remove one of these elements.")
	}
	if c.trust() {
		if m := n.get("Resource"); m != nil {
			c.addKey("UNSUPPORTED_RESOURCE_IN_TRUST", m, p, "A role trust policy does not support the Resource element. Remove it.")
		}
		if m := n.get("NotResource"); m != nil {
			c.addKey("UNSUPPORTED_RESOURCE_IN_TRUST", m, p, "A role trust policy does not support the NotResource element. Remove it.")
		}
		if m := n.get("NotPrincipal"); m != nil {
			c.addKey("UNSUPPORTED_NOTPRINCIPAL_IN_TRUST", m, p, "A role trust policy does not support the NotPrincipal element. Use Principal.")
		}
		for _, a := range s.action {
			if !trustAction(a.s) {
				c.add("UNSUPPORTED_ACTION_IN_TRUST_POLICY", a.n, a.p, "The action "+a.s+" is not supported in a role trust policy. Use sts:AssumeRole, sts:AssumeRoleWithSAML, sts:AssumeRoleWithWebIdentity, sts:TagSession, sts:SetSourceIdentity or sts:SetContext.")
			}
		}
	} else if !s.resSet && !s.notResSet && !c.scp() {
		head("MISSING_RESOURCE", "Add a Resource or NotResource element to the policy statement.")
	}
	if c.resourcePolicy() && s.principal == nil && s.notPrinc == nil {
		head("MISSING_PRINCIPAL", "Add a Principal element to the policy statement.")
	}
	if s.notPrinc != nil && s.effect == "Allow" && !c.identity() && !c.scp() {
		c.add("ALLOW_WITH_NOT_PRINCIPAL", s.notPrinc, p.value("NotPrincipal"), "Using Allow with NotPrincipal can be overly permissive. We recommend that you use Principal instead.")
	}
	if c.rcp() && s.principal != nil && !(s.principal.kind == kString && s.principal.str == "*") {
		c.add("RCP_SYNTAX_ERROR_PRINCIPAL", s.principal, p.value("Principal"), `Resource control policies must use "Principal": "*". Use conditions to narrow the principals.`)
	}
	if c.trust() && s.effect == "Allow" && s.condition == nil && wildcardPrincipal(s.principal) {
		c.add("TRUST_POLICY_WILDCARD_PRINCIPAL", s.principal, p.value("Principal"), "The trust policy allows any principal to assume the role. Name the principals that may, or add a condition that narrows them.")
	}
	if c.version != "2012-10-17" {
		c.variablesNeedVersion(s)
	}
	c.redundantWithin(s.action, "REDUNDANT_ACTION", true)
	c.redundantWithin(s.resource, "REDUNDANT_RESOURCE", false)
	if s.effect == "Allow" {
		c.sensitiveActions(s)
		if c.identity() {
			c.resourceMismatch(s)
		}
	}
	c.stmts = append(c.stmts, s)
}

var trustActions = []string{"sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity", "sts:TagSession", "sts:SetSourceIdentity", "sts:SetContext"}

func trustAction(pattern string) bool {
	for _, a := range trustActions {
		if arn.GlobFold(pattern, a) {
			return true
		}
	}
	return false
}

func wildcardPrincipal(p *node) bool {
	if p == nil {
		return false
	}
	if p.kind == kString {
		return p.str == "*"
	}
	if m := p.get("AWS"); m != nil {
		if m.val.kind == kString {
			return m.val.str == "*"
		}
		for _, e := range m.val.arr {
			if e.kind == kString && e.str == "*" {
				return true
			}
		}
	}
	return false
}

// variablesNeedVersion: policy variables are literal text before
// 2012-10-17.
func (c *checker) variablesNeedVersion(s *stmt) {
	for _, r := range append(append([]str{}, s.resource...), s.notRes...) {
		if strings.Contains(r.s, "${") {
			c.add("VARIABLE_UNSUPPORTED_IN_VERSION", r.n, r.p, "To include variables in your policy, use the policy version 2012-10-17 or later.")
		}
	}
}

// action checks one Action or NotAction value against the catalogue; it
// reports whether the value names actions (the later checks use only those).
func (c *checker) action(v str) bool {
	if v.s == "*" {
		return true
	}
	prefix, name, ok := strings.Cut(v.s, ":")
	if !ok || prefix == "" || name == "" || strings.Contains(name, ":") {
		c.add("INVALID_ACTION", v.n, v.p, "The action "+v.s+" does not exist. Use the format service:action.")
		return false
	}
	if hasWildcard(prefix) {
		c.add("WILDCARD_IN_SERVICE_NAME", v.n, v.p, "Avoid using wildcards (*, ?) in the service name because it might grant unintended access to other AWS services with similar names.")
		return false
	}
	if c.scp() {
		if i := strings.IndexAny(name, "*?"); i >= 0 && i != len(name)-1 || strings.Contains(name, "?") {
			c.add("SCP_SYNTAX_ERROR_ACTION_WILDCARD", v.n, v.p, "SCP actions can include wildcards (*) only at the end of a string. Update "+v.s+".")
		}
	}
	if strings.EqualFold(prefix, "iamd") {
		return true // iamd's own actions (iamd:Authorize) are not AWS's
	}
	svc := c.cat.Services[strings.ToLower(prefix)]
	if svc == nil {
		c.add("INVALID_SERVICE_IN_ACTION", v.n, v.p, "The service "+prefix+" specified in the action does not exist.")
		return false
	}
	if name == "*" || complexPattern(name) {
		return true
	}
	if len(expand(c.cat, svc, name)) == 0 {
		c.add("INVALID_ACTION", v.n, v.p, "The action "+v.s+" does not exist.")
		return false
	}
	return true
}

var accountPattern = regexp.MustCompile(`^\d{12}$`)

// resource checks one Resource or NotResource value's ARN.
func (c *checker) resource(v str) {
	r := v.s
	if r == "*" {
		return
	}
	if !strings.HasPrefix(r, "arn:") {
		c.add("INVALID_ARN_PREFIX", v.n, v.p, "Add the required prefix (arn) to the resource ARN "+r+".")
		return
	}
	parts := strings.SplitN(r, ":", 6)
	if len(parts) < 6 {
		c.add("MISSING_ARN_FIELD", v.n, v.p, "Resource ARNs must include at least 6 fields in the following structure: arn:partition:service:region:account:resource")
		return
	}
	partition, service, region, account := parts[1], parts[2], parts[3], parts[4]
	if !hasWildcard(partition) && !strings.Contains(partition, "${") && !arn.KnownPartition(partition) {
		c.add("INVALID_PARTITION", v.n, v.p, "The resource ARN for the service "+service+" does not support the partition "+partition+". Use the supported values: aws, aws-cn, aws-us-gov")
	}
	if hasWildcard(service) {
		c.add("WILDCARD_IN_SERVICE_NAME", v.n, v.p, "Avoid using wildcards (*, ?) in the service name because it might grant unintended access to other AWS services with similar names.")
		return
	}
	if service != strings.ToLower(service) {
		c.add("INVALID_ARN_SERVICE_CASE", v.n, v.p, "Update the service name "+service+" in the resource ARN to use all lowercase letters.")
		return
	}
	if account != "" && !hasWildcard(account) && !strings.Contains(account, "${") && !accountPattern.MatchString(account) && account != "aws" {
		c.add("INVALID_ARN_ACCOUNT", v.n, v.p, "The resource ARN account ID "+account+" is not valid. Provide a 12-digit account ID.")
	}
	svc := c.cat.Services[service]
	if svc == nil || len(svc.ResourceTypes) == 0 || complexPattern(r) {
		return
	}
	// The resource types the ARN's resource part can be decide whether it
	// may name a region and an account.
	g := variableGlob(r)
	gparts := strings.SplitN(g, ":", 6)
	var cands []string
	for _, rt := range svc.ResourceTypes {
		if f := formatOf(rt); f.fields != nil && c.overlaps(gparts[5], f.fields[5]) {
			cands = append(cands, rt.ARN)
		}
	}
	if service == "iam" && gparts[5] == "root" {
		cands = append(cands, "arn:aws:iam::${Account}:root") // the account's root user, absent from the catalogue
	}
	if len(cands) == 0 {
		// The catalogue lists every format of these services; of others
		// it misses some (CloudFormation transforms, older Logs ARNs), and
		// AWS's own managed policies name them.
		if completeFormats[service] {
			c.add("INVALID_ARN_RESOURCE", v.n, v.p, "Resource ARN "+r+" does not match the expected ARN format. Update the resource portion of the ARN.")
		}
		return
	}
	noRegion, noAccount, needRegion := true, true, true
	for _, f := range cands {
		fp := strings.SplitN(f, ":", 6)
		if fp[3] != "" {
			noRegion = false
		} else {
			needRegion = false
		}
		if fp[4] != "" {
			noAccount = false
		}
	}
	switch {
	case region != "" && noRegion && !hasWildcard(region):
		c.add("ARN_REGION_NOT_ALLOWED", v.n, v.p, "The service "+service+" does not support specifying a Region in the resource ARN.")
	case region == "" && needRegion:
		c.add("MISSING_ARN_REGION", v.n, v.p, "Add a Region to the resource ARN.")
	case region != "" && !hasWildcard(region) && !strings.Contains(region, "${") && !knownRegion(region):
		c.add("INVALID_ARN_REGION", v.n, v.p, "The Region "+region+" is not valid for this resource. Update the resource ARN to include a supported Region.")
	}
	if account != "" && noAccount && !hasWildcard(account) {
		c.add("ARN_ACCOUNT_NOT_ALLOWED", v.n, v.p, "The service "+service+" does not support specifying an account ID in the resource ARN.")
	}
}

var completeFormats = map[string]bool{"iam": true, "sts": true, "s3": true, "sqs": true, "sns": true, "kms": true,
	"dynamodb": true, "lambda": true}

var partitions = []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

func knownRegion(region string) bool {
	for _, p := range partitions {
		if arn.RegionInPartition(region, p) {
			return true
		}
	}
	return false
}

// variables checks the policy variables of a value: ${name} or
// ${name, 'default'}.
func (c *checker) variables(v str) {
	s := v.s
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return
		}
		s = s[i+2:]
		j := strings.IndexByte(s, '}')
		if j < 0 {
			c.add("MISSING_BRACE_IN_VARIABLE", v.n, v.p, "The policy variable is missing a closing curly brace. Add } after the variable text.")
			return
		}
		body := s[:j]
		s = s[j+1:]
		name, _, _ := strings.Cut(body, ",")
		switch {
		case strings.TrimSpace(name) == "":
			c.add("EMPTY_VARIABLE", v.n, v.p, "Empty policy variable. Remove the variable structure or provide a variable within the structure.")
		case strings.ContainsAny(name, " \t"):
			c.add("UNSUPPORTED_SPACE_IN_VARIABLE", v.n, v.p, "A space is not supported within the policy variable text. Remove the space.")
		}
	}
}

var principalKeys = map[string]bool{"AWS": true, "Service": true, "Federated": true, "CanonicalUser": true}

func (c *checker) principal(n *node, p path) {
	switch n.kind {
	case kString:
		if n.str != "*" {
			c.add("INVALID_PRINCIPAL_FORMAT", n, p, "The Principal element contents are not valid. Specify a key-value pair in the Principal element.")
		}
		return
	case kObject:
	default:
		c.add("DATA_TYPE_MISMATCH", n, p, "The text does not match the expected JSON data type Object.")
		return
	}
	if len(n.obj) == 0 {
		c.add("EMPTY_OBJECT_PRINCIPAL", n, p, "This statement includes no principals and does not affect the policy. Specify principals.")
		return
	}
	for i := range n.obj {
		m := &n.obj[i]
		if !principalKeys[m.key] {
			c.addKey("INVALID_PRINCIPAL_KEY", m, p, "The principal key "+m.key+" is not valid.")
			continue
		}
		vals, ok := c.strs(m.val, p.value(m.key))
		if !ok {
			continue
		}
		if m.val.kind == kArray && len(m.val.arr) == 0 {
			c.add("EMPTY_ARRAY_PRINCIPAL", m.val, p.value(m.key), "This statement includes no principals and does not affect the policy. Specify principals.")
		}
		for _, v := range vals {
			c.principalValue(m.key, v)
		}
	}
}

var uniqueID = regexp.MustCompile(`^A[A-Z]{2}A[A-Z0-9]{8,124}$`)

func (c *checker) principalValue(typ string, v str) {
	if v.s == "*" {
		return
	}
	if hasWildcard(v.s) {
		c.add("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", v.n, v.p, "Wildcards (*, ?) are not supported with the principal key "+typ+". Replace the wildcard with a valid principal value.")
		return
	}
	if typ != "AWS" {
		return
	}
	switch {
	case accountPattern.MatchString(v.s):
	case uniqueID.MatchString(v.s):
		switch v.s[:4] {
		case "AROA":
			c.add("INVALID_ROLE_REFERENCE", v.n, v.p, "The Principal element includes the IAM role ID "+v.s+". We recommend that you use a role ARN instead.")
		case "AIDA":
			c.add("INVALID_USER_REFERENCE", v.n, v.p, "The Principal element includes the IAM user ID "+v.s+". We recommend that you use a user ARN instead.")
		}
	default:
		a, err := arn.Parse(v.s)
		if err != nil || a.Service != "iam" && a.Service != "sts" {
			c.add("INVALID_PRINCIPAL_FORMAT", v.n, v.p, "The Principal element contents are not valid. The AWS principal "+v.s+" is neither an account ID nor an IAM or STS principal ARN.")
		}
	}
}
