package console

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/iamd/iamd/api/iamapi"
)

// The console's forms. Each is one API call made as the signed-in user,
// described once: the form's fields become the call's parameters, and
// success redirects with a message; a refusal shows the page again with
// AWS's error above it. The few forms that show a page of their own (an
// access key's secret, an MFA device's seed) or make two calls are custom.

// form reads a trimmed form field.
func form(r *http.Request, name string) string { return strings.TrimSpace(r.PostFormValue(name)) }

// formAction is one form: its fields, the call, where it leads.
type formAction struct {
	call string
	// nameField is the form field naming the entity, when the path does
	// not (the create forms, the policy's ARN).
	nameField string
	fields    map[string]string // API parameter <- form field, trimmed
	optional  map[string]string // the same, sent only when not empty
	raw       map[string]string // API parameter <- form field as typed (documents, tag values)
	flags     map[string]string // API parameter <- "true" when the field was sent, else "false"
	extra     func(r *http.Request, p url.Values)
	msg       string // the message after success; {Param} is the call's parameter
	// back is where success leads: "" the entity's page, else this path.
	back   string
	failed pageFunc // the page a refusal shows; nil: the set's
}

// pageFunc shows a page again with err above it.
type pageFunc func(h *Handler, w http.ResponseWriter, r *http.Request, q *req, name string, err error)

// formSet is the forms of one kind of page.
type formSet struct {
	param  string // the API parameter the entity's name fills ("UserName"); "" for none
	page   func(name string) string
	forms  map[string]formAction
	custom map[string]func(h *Handler, w http.ResponseWriter, r *http.Request, q *req, name string)
	failed pageFunc
}

// serveForms serves the set's form named by the path's {op} (with prefix
// before it), or op itself when given.
func (h *Handler) serveForms(set *formSet, prefix, op string) func(http.ResponseWriter, *http.Request, *req) {
	return func(w http.ResponseWriter, r *http.Request, q *req) {
		op := op
		if op == "" {
			op = prefix + r.PathValue("op")
		}
		name := r.PathValue("name")
		if c, ok := set.custom[op]; ok {
			c(h, w, r, q, name)
			return
		}
		fa, ok := set.forms[op]
		if !ok {
			h.render(w, r, q.s, "error", http.StatusNotFound, "Not found", nil, errNoSuchPage)
			return
		}
		if fa.nameField != "" {
			name = form(r, fa.nameField)
		}
		p := fa.params(r)
		if set.param != "" {
			p.Set(set.param, name)
		}
		if _, err := h.call(r, q, fa.call, p); err != nil {
			failed := fa.failed
			if failed == nil {
				failed = set.failed
			}
			failed(h, w, r, q, name, err)
			return
		}
		back := fa.back
		if back == "" {
			back = set.page(name)
		}
		h.redirect(w, r, q, back, expand(fa.msg, p))
	}
}

func (fa formAction) params(r *http.Request) url.Values {
	p := url.Values{}
	for k, f := range fa.fields {
		p.Set(k, form(r, f))
	}
	for k, f := range fa.optional {
		if v := form(r, f); v != "" {
			p.Set(k, v)
		}
	}
	for k, f := range fa.raw {
		p.Set(k, r.PostFormValue(f))
	}
	for k, f := range fa.flags {
		p.Set(k, strconv.FormatBool(r.PostFormValue(f) != ""))
	}
	if fa.extra != nil {
		fa.extra(r, p)
	}
	return p
}

var paramRef = regexp.MustCompile(`\{[A-Za-z.0-9]+\}`)

// expand fills a message's {Param}s from the call's parameters.
func expand(msg string, p url.Values) string {
	return paramRef.ReplaceAllStringFunc(msg, func(ref string) string { return p.Get(ref[1 : len(ref)-1]) })
}

func entityPage(kind string) func(string) string {
	return func(name string) string { return Prefix + "/" + kind + "/" + url.PathEscape(name) }
}

var groupForms = &formSet{
	param: "GroupName", page: entityPage("groups"),
	failed: func(h *Handler, w http.ResponseWriter, r *http.Request, q *req, name string, err error) {
		d, _ := h.groupData(r, q, name)
		h.render(w, r, q.s, "group", statusOf(err), "Group "+name, d, err)
	},
	forms: map[string]formAction{
		"create": {call: "CreateGroup", nameField: "group", optional: map[string]string{"Path": "path"}, msg: "Group {GroupName} created.",
			failed: func(h *Handler, w http.ResponseWriter, r *http.Request, q *req, _ string, err error) {
				lp, _ := h.listGroups(r, q)
				h.render(w, r, q.s, "groups", statusOf(err), "User groups", lp, err)
			}},
		"delete":     {call: "DeleteGroup", msg: "Group {GroupName} deleted.", back: Prefix + "/groups"},
		"attach":     {call: "AttachGroupPolicy", fields: map[string]string{"PolicyArn": "policyarn"}, msg: "Policy attached."},
		"detach":     {call: "DetachGroupPolicy", fields: map[string]string{"PolicyArn": "policyarn"}, msg: "Policy detached."},
		"adduser":    {call: "AddUserToGroup", fields: map[string]string{"UserName": "user"}, msg: "User {UserName} added."},
		"removeuser": {call: "RemoveUserFromGroup", fields: map[string]string{"UserName": "user"}, msg: "User {UserName} removed."},
	},
}

// defaultTrust is the create-role form's starting trust policy.
const defaultTrust = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Service": "ec2.amazonaws.com"},
      "Action": "sts:AssumeRole"
    }
  ]
}`

type rolesPage struct {
	listPage[iamapi.Role]
	Trust string
}

func (h *Handler) listRoles(r *http.Request, q *req) (rolesPage, error) {
	lp, err := list(h, r, q, "ListRoles", url.Values{}, rolesOf, func(x iamapi.Role) bool { return contains(x.RoleName, r.URL.Query().Get("q")) })
	return rolesPage{listPage: lp, Trust: defaultTrust}, err
}

var roleForms = &formSet{
	param: "RoleName", page: entityPage("roles"),
	failed: func(h *Handler, w http.ResponseWriter, r *http.Request, q *req, name string, err error) {
		d, _ := h.roleData(r, q, name)
		h.render(w, r, q.s, "role", statusOf(err), "Role "+name, d, err)
	},
	forms: map[string]formAction{
		"create": {call: "CreateRole", nameField: "role", raw: map[string]string{"AssumeRolePolicyDocument": "trust"},
			optional: map[string]string{"Description": "description"}, msg: "Role {RoleName} created.",
			failed: func(h *Handler, w http.ResponseWriter, r *http.Request, q *req, _ string, err error) {
				rp, _ := h.listRoles(r, q)
				rp.Trust = r.PostFormValue("trust")
				h.render(w, r, q.s, "roles", statusOf(err), "Roles", rp, err)
			}},
		"delete": {call: "DeleteRole", msg: "Role {RoleName} deleted.", back: Prefix + "/roles"},
		"attach": {call: "AttachRolePolicy", fields: map[string]string{"PolicyArn": "policyarn"}, msg: "Policy attached."},
		"detach": {call: "DetachRolePolicy", fields: map[string]string{"PolicyArn": "policyarn"}, msg: "Policy detached."},
		"trust":  {call: "UpdateAssumeRolePolicy", raw: map[string]string{"PolicyDocument": "trust"}, msg: "Trust policy updated."},
	},
}

// The policy's forms name it by the form's "arn".
var policyForms = &formSet{
	param: "PolicyArn", page: func(a string) string { return Prefix + "/policy?arn=" + url.QueryEscape(a) },
	failed: func(h *Handler, w http.ResponseWriter, r *http.Request, q *req, a string, err error) {
		d, _ := h.policyData(r, q, a)
		h.render(w, r, q.s, "policy", statusOf(err), "Policy", d, err)
	},
	forms: map[string]formAction{
		"delete": {call: "DeletePolicy", nameField: "arn", msg: "Policy deleted.", back: Prefix + "/policies"},
		"version": {call: "CreatePolicyVersion", nameField: "arn", raw: map[string]string{"PolicyDocument": "document"},
			flags: map[string]string{"SetAsDefault": "default"}, msg: "New version created."},
		"default":       {call: "SetDefaultPolicyVersion", nameField: "arn", fields: map[string]string{"VersionId": "version"}, msg: "Default version set."},
		"deleteversion": {call: "DeletePolicyVersion", nameField: "arn", fields: map[string]string{"VersionId": "version"}, msg: "Version deleted."},
	},
}

// The account page: alias and password policy.

type accountData struct {
	Aliases   []string
	AliasErr  *apiError
	Policy    *iamapi.PasswordPolicy
	PolicyErr *apiError
}

func (h *Handler) accountData(r *http.Request, q *req) *accountData {
	d := &accountData{}
	if o, err := h.call(r, q, "ListAccountAliases", nil); err == nil {
		d.Aliases = o.(*iamapi.ListAccountAliasesOutput).AccountAliases
	} else {
		d.AliasErr = toAPIError(err)
	}
	if o, err := h.call(r, q, "GetAccountPasswordPolicy", nil); err == nil {
		p := o.(*iamapi.GetAccountPasswordPolicyOutput).PasswordPolicy
		d.Policy = &p
	} else if e := toAPIError(err); e.Code != "NoSuchEntity" {
		d.PolicyErr = e
	}
	return d
}

func (h *Handler) serveAccount(w http.ResponseWriter, r *http.Request, q *req) {
	h.render(w, r, q.s, "account", http.StatusOK, "Account settings", h.accountData(r, q), nil)
}

var accountForms = &formSet{
	page: func(string) string { return Prefix + "/account" },
	failed: func(h *Handler, w http.ResponseWriter, r *http.Request, q *req, _ string, err error) {
		h.render(w, r, q.s, "account", statusOf(err), "Account settings", h.accountData(r, q), err)
	},
	forms: map[string]formAction{
		"alias":       {call: "CreateAccountAlias", fields: map[string]string{"AccountAlias": "alias"}, msg: "Alias set."},
		"deletealias": {call: "DeleteAccountAlias", fields: map[string]string{"AccountAlias": "alias"}, msg: "Alias removed."},
		"passwordpolicy": {call: "UpdateAccountPasswordPolicy", fields: map[string]string{"MinimumPasswordLength": "min"},
			flags: map[string]string{"RequireSymbols": "RequireSymbols", "RequireNumbers": "RequireNumbers", "RequireUppercaseCharacters": "RequireUppercaseCharacters",
				"RequireLowercaseCharacters": "RequireLowercaseCharacters", "AllowUsersToChangePassword": "AllowUsersToChangePassword"},
			extra: func(r *http.Request, p url.Values) {
				if v := form(r, "maxage"); v != "" && v != "0" { // 0: passwords never expire
					p.Set("MaxPasswordAge", v)
				}
			},
			msg: "Password policy updated."},
		"deletepasswordpolicy": {call: "DeleteAccountPasswordPolicy", msg: "Password policy removed (AWS's default applies)."},
	},
}

// Policy versions side by side.

// diffRow is a line of two versions: Op is "=" (both), "-" (left only),
// "+" (right only).
type diffRow struct {
	Op          string
	Left, Right string
}

// diff compares the versions the query names (default: the default
// version and the newest other one).
func (d *policyData) diff(h *Handler, r *http.Request, q *req) {
	if len(d.Versions) < 2 {
		return
	}
	left, right := r.URL.Query().Get("left"), r.URL.Query().Get("right")
	if left == "" || right == "" {
		left = d.Version
		for _, v := range d.Versions {
			if id := deref(v.VersionId); id != d.Version {
				right = id
				break
			}
		}
	}
	doc := func(id string) []string {
		o, err := h.call(r, q, "GetPolicyVersion", url.Values{"PolicyArn": {d.ARN}, "VersionId": {id}})
		if err != nil || o.(*iamapi.GetPolicyVersionOutput).PolicyVersion == nil {
			return nil
		}
		return strings.Split(prettyDocument(deref(o.(*iamapi.GetPolicyVersionOutput).PolicyVersion.Document)), "\n")
	}
	d.Left, d.Right = left, right
	d.Compare = lineDiff(doc(left), doc(right))
}

// lineDiff is the longest-common-subsequence diff of two short texts
// (policy documents: at most a few hundred lines).
func lineDiff(a, b []string) []diffRow {
	if len(a)*len(b) > 1_000_000 {
		return nil
	}
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffRow
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out = append(out, diffRow{Op: "=", Left: a[i], Right: b[j]})
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, diffRow{Op: "+", Right: b[j]})
			j++
		default:
			out = append(out, diffRow{Op: "-", Left: a[i]})
			i++
		}
	}
	return out
}

// Instance profiles: the list (identity providers are in providers.go).

type profilesData struct {
	Profiles listPage[iamapi.InstanceProfile]
}

func (h *Handler) serveProfiles(w http.ResponseWriter, r *http.Request, q *req) {
	h.profilesPage(w, r, q, nil)
}

// profilesPage shows the instance profiles, with err (a refused form)
// above them.
func (h *Handler) profilesPage(w http.ResponseWriter, r *http.Request, q *req, ferr error) {
	lp, err := list(h, r, q, "ListInstanceProfiles", url.Values{}, func(o any) ([]iamapi.InstanceProfile, bool, string) {
		out := o.(*iamapi.ListInstanceProfilesOutput)
		t, m := truncated(out.IsTruncated, out.Marker)
		return out.InstanceProfiles, t, m
	}, func(p iamapi.InstanceProfile) bool { return contains(p.InstanceProfileName, r.URL.Query().Get("q")) })
	if ferr != nil {
		err = ferr
	}
	h.render(w, r, q.s, "profiles", statusOf(err), "Instance profiles", profilesData{Profiles: lp}, err)
}
