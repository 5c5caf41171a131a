package policy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/iamd/iamd/arn"
)

// Kind is where a policy is used; it decides which elements are required or
// forbidden and which size quota applies (sections 1.5, 9.4).
type Kind int

const (
	KindManaged     Kind = iota // CreatePolicy, CreatePolicyVersion
	KindInlineUser              // PutUserPolicy
	KindInlineGroup             // PutGroupPolicy
	KindInlineRole              // PutRolePolicy
	KindTrust                   // CreateRole, UpdateAssumeRolePolicy
	KindBoundary                // a managed policy used as a permissions boundary
	KindSession                 // the Policy parameter of STS calls
	KindResource                // resource-based policies (S3, SQS, KMS, ...)
	KindSCP                     // service control policies
	KindRCP                     // resource control policies
)

var kindNames = map[string]Kind{
	"managed": KindManaged, "inline-user": KindInlineUser, "inline-group": KindInlineGroup,
	"inline-role": KindInlineRole, "trust": KindTrust, "boundary": KindBoundary,
	"session": KindSession, "resource": KindResource, "scp": KindSCP, "rcp": KindRCP,
}

// ParseKind maps the names used in test vectors ("managed", "inline-user",
// "trust", ...) to a Kind.
func ParseKind(s string) (Kind, bool) {
	k, ok := kindNames[s]
	return k, ok
}

func (k Kind) String() string {
	for name, v := range kindNames {
		if v == k {
			return name
		}
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// identityLike kinds take no Principal and need a Resource in every statement.
func (k Kind) identityLike() bool {
	switch k {
	case KindManaged, KindInlineUser, KindInlineGroup, KindInlineRole, KindBoundary, KindSession, KindSCP:
		return true
	}
	return false
}

// iamKind reports whether IAM itself stores the policy, and so applies its
// own stricter rules (alphanumeric Sid).
func (k Kind) iamKind() bool { return k != KindResource && k != KindSCP && k != KindRCP }

// SizeQuota is the default size limit for one document of the kind, in
// characters excluding whitespace (section 9.4); 0 means none is enforced.
// For inline policies the limit applies to the sum over the entity, which
// the caller adds up.
func (k Kind) SizeQuota() (limit int, quotaName string) {
	switch k {
	case KindManaged, KindBoundary:
		return 6144, "PolicySize"
	case KindInlineUser:
		return 2048, "UserPolicySize"
	case KindInlineGroup:
		return 5120, "GroupPolicySize"
	case KindInlineRole:
		return 10240, "RolePolicySize"
	case KindTrust:
		return 2048, "AssumeRolePolicySize"
	case KindSession:
		return 2048, "SessionPolicySize"
	}
	return 0, ""
}

// Size counts a document's characters excluding whitespace, as AWS does for
// its quotas.
func Size(text []byte) int {
	n := 0
	for _, r := range string(text) {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// Options tune validation to the account it happens in.
type Options struct {
	// Partition is the partition of the account; resources in other
	// partitions are rejected. Empty means "aws"; "*" accepts every known
	// partition (for tools that read policies from anywhere).
	Partition string
	// SizeQuota overrides the kind's default quota when positive (the trust
	// policy quota can be raised to 4096).
	SizeQuota int
}

// Check parses and validates a document for the given kind: everything the
// IAM write APIs do except the checks that need the store (that principals
// exist, the sum of an entity's inline policies). The error is an *Error.
func Check(text []byte, kind Kind, opt Options) (*Document, error) {
	doc, err := Parse(text)
	if err != nil {
		return nil, err
	}
	if err := Validate(doc, kind, opt); err != nil {
		return nil, err
	}
	limit, quota := kind.SizeQuota()
	if opt.SizeQuota > 0 {
		limit = opt.SizeQuota
	}
	if limit > 0 && Size(text) > limit {
		return nil, &Error{Code: CodeLimit, Message: fmt.Sprintf("Cannot exceed quota for %s: %d", quota, limit)}
	}
	return doc, nil
}

// Validate applies the kind-specific rules to a parsed document, returning
// the first failure in the order AWS reports them (section 10).
func Validate(doc *Document, kind Kind, opt Options) error {
	partition := opt.Partition
	if partition == "" {
		partition = "aws"
	}
	v := validator{doc: doc, kind: kind, partition: partition}
	for _, step := range []func() *Error{
		v.version, v.legacy, v.sids, v.actionsPresent, v.resourcesPresent,
		v.resourceFormat, v.actionPrefixes, v.principals, v.trustRules, v.conditionValues,
	} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

type validator struct {
	doc       *Document
	kind      Kind
	partition string
	// resourceErr is the first resource format error; AWS reports it only
	// after the Sid and presence checks (section 10, step 7).
	resourceErr *Error
}

func stmtErr(s *Statement, code, msg string) *Error {
	return &Error{Code: code, Message: msg, Pos: s.Start, Detail: fmt.Sprintf("statement %d", s.Index)}
}

func (v *validator) version() *Error {
	if (v.kind == KindManaged || v.kind == KindBoundary) && v.doc.Version != Version2012 {
		return &Error{Code: CodeMalformed, Message: MsgVersion}
	}
	return nil
}

// legacy reproduces AWS's "legacy parsing" stage: the exact case of Effect,
// parsable Date values and, for statements whose resources are otherwise
// well formed, ARNs with at least six parts.
func (v *validator) legacy() *Error {
	for _, s := range v.doc.Statements {
		if s.Effect != Allow && s.Effect != Deny {
			return stmtErr(s, CodeMalformed, MsgLegacy)
		}
		for _, c := range s.Condition {
			op, err := parseOperator(c.Operator)
			if err != nil || op.fam != famDate {
				continue
			}
			for _, e := range c.Entries {
				for _, val := range e.Values.List {
					if _, ok := parseDate(val); !ok {
						return &Error{Code: CodeMalformed, Message: MsgLegacy, Pos: s.Start, Detail: fmt.Sprintf("date value %q", val)}
					}
				}
			}
		}
		for _, vals := range []Values{s.Resource, s.NotResource} {
			// A list with a malformed resource is reported by its format
			// error, not as a legacy failure, whichever statement's
			// resource error comes first.
			bad := false
			for _, r := range vals.List {
				if e := resourceFormatError(r, v.partition); e != nil {
					bad = true
					if v.resourceErr == nil {
						e.Pos = s.Start
						v.resourceErr = e
					}
				}
			}
			if bad {
				continue
			}
			for _, r := range vals.List {
				if r == "*" {
					continue
				}
				parts := strings.Split(r, ":")
				if len(parts) < 6 && strings.Contains(r, "::") || len(parts) < 3 || parts[2] == "" {
					return &Error{Code: CodeMalformed, Message: MsgLegacy, Pos: s.Start, Detail: fmt.Sprintf("resource %q", r)}
				}
			}
		}
	}
	return nil
}

var sidPattern = regexp.MustCompile(`^[0-9A-Za-z]*$`)

func (v *validator) sids() *Error {
	seen := map[string]bool{}
	for _, s := range v.doc.Statements {
		if v.kind.iamKind() && !sidPattern.MatchString(s.Sid) {
			return stmtErr(s, CodeMalformed, MsgSidAlnum)
		}
		if s.Sid == "" {
			continue
		}
		if seen[s.Sid] {
			return stmtErr(s, CodeMalformed, MsgSidUnique)
		}
		seen[s.Sid] = true
	}
	return nil
}

func (v *validator) actionsPresent() *Error {
	for _, s := range v.doc.Statements {
		if len(s.Action.List) == 0 && len(s.NotAction.List) == 0 {
			return stmtErr(s, CodeMalformed, MsgNoActions)
		}
	}
	return nil
}

func (v *validator) resourcesPresent() *Error {
	if v.kind == KindTrust {
		return nil
	}
	for _, s := range v.doc.Statements {
		if len(s.Resource.List) == 0 && len(s.NotResource.List) == 0 {
			return stmtErr(s, CodeMalformed, MsgNoResources)
		}
	}
	return nil
}

func (v *validator) resourceFormat() *Error { return v.resourceErr }

// resourceFormatError checks the shape of a Resource or NotResource value
// the way IAM does (section 10, step 7), returning nil when it is fine.
func resourceFormatError(r, partition string) *Error {
	if r == "*" {
		return nil
	}
	malformed := func(msg string) *Error { return &Error{Code: CodeMalformed, Message: msg} }
	_, rest, ok := strings.Cut(r, ":")
	if !ok {
		return malformed(fmt.Sprintf(`Resource %s must be in ARN format or "*".`, r))
	}
	// IAM does not look at the text before the first colon: "aws:s3:::b"
	// is read as partition "s3".
	part, rest, ok := strings.Cut(rest, ":")
	if part != partition && part != "*" && !(partition == "*" && arn.KnownPartition(part)) {
		return malformed(fmt.Sprintf(`Partition "%s" is not valid for resource "%s".`, part, rebuildARN(part, rest, ok)))
	}
	if !ok {
		return malformed(MsgResourceVendor)
	}
	service, rest, _ := strings.Cut(rest, ":")
	if !strings.HasPrefix(rest, ":") {
		switch service {
		case "s3":
			// Bucket and object ARNs have no region; access points,
			// batch jobs, Storage Lens and Access Grants do.
			if !s3RegionalResource(rest) {
				return malformed(fmt.Sprintf("Resource %s can not contain region information.", r))
			}
		case "iam":
			return malformed(fmt.Sprintf(MsgIAMRegionFormat, r))
		}
	}
	if service == "iam" {
		parts := strings.SplitN(rest, ":", 3) // "", account, resource
		if len(parts) == 3 && parts[2] != "*" && !hasIAMResourcePrefix(parts[2]) {
			return malformed(MsgIAMResourcePath)
		}
	}
	return nil
}

// s3RegionalResource reports whether the region:account:resource part of an
// S3 ARN names one of the S3 resource types that live in a region.
func s3RegionalResource(rest string) bool {
	parts := strings.SplitN(rest, ":", 3) // region, account, resource
	if len(parts) < 3 {
		return false
	}
	typ, _, _ := strings.Cut(parts[2], "/")
	switch typ {
	case "accesspoint", "job", "storage-lens", "storage-lens-group", "access-grants", "async-request":
		return true
	}
	return false
}

// rebuildARN shows the resource as IAM reinterprets it in its partition
// error: missing parts are shown as "*".
func rebuildARN(part, rest string, hadColon bool) string {
	var fields []string
	if hadColon {
		fields = strings.Split(rest, ":")
	}
	get := func(i int) string {
		if i < len(fields) {
			return fields[i]
		}
		return "*"
	}
	tail := "*"
	if len(fields) > 3 {
		tail = strings.Join(fields[3:], ":")
	}
	return "arn:" + part + ":" + get(0) + ":" + get(1) + ":" + get(2) + ":" + tail
}

var iamResourcePrefixes = []string{"user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/",
	"server-certificate/", "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/", "access-report/"}

func hasIAMResourcePrefix(r string) bool {
	// The account itself, as AWS's message says: "*", root, or a prefix.
	if r == "root" {
		return true
	}
	for _, p := range iamResourcePrefixes {
		if strings.HasPrefix(r, p) {
			return true
		}
	}
	return false
}

var vendorPattern = regexp.MustCompile(`^[A-Za-z0-9.-]+$`)

func (v *validator) actionPrefixes() *Error {
	for _, s := range v.doc.Statements {
		for _, list := range [][]string{s.Action.List, s.NotAction.List} {
			for _, a := range list {
				if a == "*" {
					continue
				}
				vendor, _, ok := strings.Cut(a, ":")
				switch {
				case !ok:
					return stmtErr(s, CodeMalformed, MsgVendor)
				case strings.Count(a, ":") > 1:
					return stmtErr(s, CodeMalformed, MsgOneColon)
				case !vendorPattern.MatchString(vendor):
					return stmtErr(s, CodeMalformed, fmt.Sprintf("Vendor %s is not valid", vendor))
				}
			}
		}
	}
	return nil
}

func (v *validator) principals() *Error {
	for _, s := range v.doc.Statements {
		switch {
		case v.kind.identityLike() && s.Principal != nil:
			return stmtErr(s, CodeMalformed, MsgHasPrincipal)
		case v.kind.identityLike() && s.NotPrincipal != nil:
			return stmtErr(s, CodeMalformed, MsgHasNotPrincipal)
		case v.kind == KindTrust && s.NotPrincipal != nil:
			return stmtErr(s, CodeMalformed, MsgTrustNotPrincipal)
		case (v.kind == KindTrust || v.kind == KindResource || v.kind == KindRCP) && s.Principal == nil && s.NotPrincipal == nil:
			return stmtErr(s, CodeMalformed, MsgMissingPrincipal)
		}
		for _, p := range []*PrincipalElement{s.Principal, s.NotPrincipal} {
			if p == nil {
				continue
			}
			if v.kind == KindRCP && !p.Wildcard {
				return stmtErr(s, CodeMalformed, `Resource control policies must use "Principal": "*"`)
			}
			for _, e := range p.Entries {
				for _, val := range e.Values.List {
					if !validPrincipalValue(e.Type, val) {
						return stmtErr(s, CodeMalformed, InvalidPrincipalMessage(e.Type, val))
					}
				}
			}
		}
	}
	return nil
}

// InvalidPrincipalMessage is AWS's message for a principal it cannot accept
// (malformed, or naming an entity that does not exist).
func InvalidPrincipalMessage(typ, value string) string {
	return fmt.Sprintf(`Invalid principal in policy: "%s":"%s"`, typ, value)
}

var (
	accountIDPattern = regexp.MustCompile(`^\d{12}$`)
	uniqueIDPattern  = regexp.MustCompile(`^A[A-Z]{2}A[A-Z0-9]{8,124}$`)
)

// validPrincipalValue checks one Principal value (section 1.4): "*" only as
// the whole value, account ids, IAM and STS principal ARNs, unique ids.
func validPrincipalValue(typ, val string) bool {
	switch typ {
	case "AWS":
		if val == "*" || accountIDPattern.MatchString(val) || uniqueIDPattern.MatchString(val) {
			return true
		}
		a, err := arn.Parse(val)
		if err != nil || strings.ContainsAny(val, "*?") || a.Region != "" || !accountIDPattern.MatchString(a.AccountID) {
			return false
		}
		switch a.Service {
		case "iam":
			return a.Resource == "root" || strings.HasPrefix(a.Resource, "user/") || strings.HasPrefix(a.Resource, "role/")
		case "sts":
			return strings.HasPrefix(a.Resource, "assumed-role/") || strings.HasPrefix(a.Resource, "federated-user/")
		}
		return false
	case "Service", "Federated", "CanonicalUser":
		return val != "" && (val == "*" || !strings.ContainsAny(val, "*?"))
	}
	return false
}

// stsRoleActions are the actions a trust policy may grant (section 10.9).
var stsRoleActions = []string{"sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity",
	"sts:TagSession", "sts:SetSourceIdentity", "sts:SetContext"}

func (v *validator) trustRules() *Error {
	if v.kind != KindTrust {
		return nil
	}
	for _, s := range v.doc.Statements {
		if s.Resource.Present || s.NotResource.Present {
			return stmtErr(s, CodeMalformed, MsgTrustResource)
		}
		for _, a := range s.Action.List {
			if !matchesAnyRoleAction(a) {
				if strings.HasPrefix(strings.ToLower(a), "sts:") {
					// An STS action that assumes nothing, in AWS's words (recorded).
					return stmtErr(s, CodeMalformed, MsgTrustSTSActions)
				}
				return stmtErr(s, CodeMalformed, MsgTrustActions)
			}
		}
	}
	return nil
}

func matchesAnyRoleAction(pattern string) bool {
	for _, a := range stsRoleActions {
		if arn.GlobFold(pattern, a) {
			return true
		}
	}
	return false
}

// conditionValues rejects numeric values that are not plain decimals
// (section 4.3: iamd rejects 1e3, 0x10 and the like on write).
func (v *validator) conditionValues() *Error {
	for _, s := range v.doc.Statements {
		for _, c := range s.Condition {
			op, err := parseOperator(c.Operator)
			if err != nil {
				continue
			}
			for _, e := range c.Entries {
				for _, val := range e.Values.List {
					if op.fam == famNumeric && !isPlainDecimal(val) {
						return &Error{Code: CodeMalformed, Message: MsgSyntax, Pos: s.Start, Detail: fmt.Sprintf("%s value %q is not a number", c.Operator, val)}
					}
				}
			}
		}
	}
	return nil
}
