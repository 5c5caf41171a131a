package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/iamd/iamd/api/iamapi"
)

// The forms of the group, role, policy and account pages: each is one API
// call, made as the signed-in user; a refusal shows the page again with
// AWS's error above it.

// form reads a trimmed form field.
func form(r *http.Request, name string) string { return strings.TrimSpace(r.PostFormValue(name)) }

// act makes the call and redirects to back with msg, or calls failed.
func (h *Handler) act(w http.ResponseWriter, r *http.Request, q *req, action string, params url.Values, back, msg string, failed func(error)) {
	if _, err := h.call(r, q, action, params); err != nil {
		failed(err)
		return
	}
	h.redirect(w, r, q, back, msg)
}

func (h *Handler) serveCreateGroup(w http.ResponseWriter, r *http.Request, q *req) {
	name := form(r, "group")
	params := url.Values{"GroupName": {name}}
	if p := form(r, "path"); p != "" {
		params.Set("Path", p)
	}
	h.act(w, r, q, "CreateGroup", params, Prefix+"/groups/"+url.PathEscape(name), "Group "+name+" created.", func(err error) {
		lp, _ := list(h, r, q, "ListGroups", url.Values{}, func(o any) ([]iamapi.Group, bool, string) {
			out := o.(*iamapi.ListGroupsOutput)
			t, m := truncated(out.IsTruncated, out.Marker)
			return out.Groups, t, m
		}, func(iamapi.Group) bool { return true })
		h.render(w, r, q.s, "groups", statusOf(err), "User groups", lp, err)
	})
}

func (h *Handler) serveGroupAction(w http.ResponseWriter, r *http.Request, q *req) {
	name := r.PathValue("name")
	back := Prefix + "/groups/" + url.PathEscape(name)
	params := url.Values{"GroupName": {name}}
	var action, msg string
	switch r.PathValue("op") {
	case "delete":
		action, msg, back = "DeleteGroup", "Group "+name+" deleted.", Prefix+"/groups"
	case "attach":
		action, msg = "AttachGroupPolicy", "Policy attached."
		params.Set("PolicyArn", form(r, "policyarn"))
	case "detach":
		action, msg = "DetachGroupPolicy", "Policy detached."
		params.Set("PolicyArn", form(r, "policyarn"))
	case "adduser":
		action, msg = "AddUserToGroup", "User "+form(r, "user")+" added."
		params.Set("UserName", form(r, "user"))
	case "removeuser":
		action, msg = "RemoveUserFromGroup", "User "+form(r, "user")+" removed."
		params.Set("UserName", form(r, "user"))
	default:
		h.render(w, r, q.s, "error", http.StatusNotFound, "Not found", nil, errNoSuchPage)
		return
	}
	h.act(w, r, q, action, params, back, msg, func(err error) {
		d, _ := h.groupData(r, q, name)
		h.render(w, r, q.s, "group", statusOf(err), "Group "+name, d, err)
	})
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
	lp, err := list(h, r, q, "ListRoles", url.Values{}, func(o any) ([]iamapi.Role, bool, string) {
		out := o.(*iamapi.ListRolesOutput)
		t, m := truncated(out.IsTruncated, out.Marker)
		return out.Roles, t, m
	}, func(x iamapi.Role) bool { return contains(x.RoleName, r.URL.Query().Get("q")) })
	return rolesPage{listPage: lp, Trust: defaultTrust}, err
}

func (h *Handler) serveCreateRole(w http.ResponseWriter, r *http.Request, q *req) {
	name := form(r, "role")
	params := url.Values{"RoleName": {name}, "AssumeRolePolicyDocument": {r.PostFormValue("trust")}}
	if d := form(r, "description"); d != "" {
		params.Set("Description", d)
	}
	h.act(w, r, q, "CreateRole", params, Prefix+"/roles/"+url.PathEscape(name), "Role "+name+" created.", func(err error) {
		rp, _ := h.listRoles(r, q)
		rp.Trust = r.PostFormValue("trust")
		h.render(w, r, q.s, "roles", statusOf(err), "Roles", rp, err)
	})
}

func (h *Handler) serveRoleAction(w http.ResponseWriter, r *http.Request, q *req) {
	name := r.PathValue("name")
	back := Prefix + "/roles/" + url.PathEscape(name)
	params := url.Values{"RoleName": {name}}
	var action, msg string
	switch r.PathValue("op") {
	case "delete":
		action, msg, back = "DeleteRole", "Role "+name+" deleted.", Prefix+"/roles"
	case "attach":
		action, msg = "AttachRolePolicy", "Policy attached."
		params.Set("PolicyArn", form(r, "policyarn"))
	case "detach":
		action, msg = "DetachRolePolicy", "Policy detached."
		params.Set("PolicyArn", form(r, "policyarn"))
	case "trust":
		action, msg = "UpdateAssumeRolePolicy", "Trust policy updated."
		params.Set("PolicyDocument", r.PostFormValue("trust"))
	default:
		h.render(w, r, q.s, "error", http.StatusNotFound, "Not found", nil, errNoSuchPage)
		return
	}
	h.act(w, r, q, action, params, back, msg, func(err error) {
		d, _ := h.roleData(r, q, name)
		h.render(w, r, q.s, "role", statusOf(err), "Role "+name, d, err)
	})
}

func (h *Handler) servePolicyAction(w http.ResponseWriter, r *http.Request, q *req) {
	a := form(r, "arn")
	back := Prefix + "/policy?arn=" + url.QueryEscape(a)
	params := url.Values{"PolicyArn": {a}}
	var action, msg string
	switch r.PathValue("op") {
	case "delete":
		action, msg, back = "DeletePolicy", "Policy deleted.", Prefix+"/policies"
	case "version":
		action, msg = "CreatePolicyVersion", "New version created."
		params.Set("PolicyDocument", r.PostFormValue("document"))
		if r.PostFormValue("default") != "" {
			params.Set("SetAsDefault", "true")
		}
	case "default":
		action, msg = "SetDefaultPolicyVersion", "Default version set."
		params.Set("VersionId", form(r, "version"))
	case "deleteversion":
		action, msg = "DeletePolicyVersion", "Version deleted."
		params.Set("VersionId", form(r, "version"))
	default:
		h.render(w, r, q.s, "error", http.StatusNotFound, "Not found", nil, errNoSuchPage)
		return
	}
	h.act(w, r, q, action, params, back, msg, func(err error) {
		d, _ := h.policyData(r, q, a)
		h.render(w, r, q.s, "policy", statusOf(err), "Policy", d, err)
	})
}

func (h *Handler) serveUserTag(w http.ResponseWriter, r *http.Request, q *req) {
	name := r.PathValue("name")
	back := Prefix + "/users/" + url.PathEscape(name)
	params := url.Values{"UserName": {name}}
	action, msg := "TagUser", "Tag set."
	if r.PathValue("op") == "untag" {
		action, msg = "UntagUser", "Tag removed."
		params.Set("TagKeys.member.1", form(r, "key"))
	} else {
		params.Set("Tags.member.1.Key", form(r, "key"))
		params.Set("Tags.member.1.Value", r.PostFormValue("value"))
	}
	h.act(w, r, q, action, params, back, msg, func(err error) { h.userActionFailed(w, r, q, name, err) })
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

func (h *Handler) serveAccountAction(w http.ResponseWriter, r *http.Request, q *req) {
	back := Prefix + "/account"
	var action, msg string
	params := url.Values{}
	switch r.PathValue("op") {
	case "alias":
		action, msg = "CreateAccountAlias", "Alias set."
		params.Set("AccountAlias", form(r, "alias"))
	case "deletealias":
		action, msg = "DeleteAccountAlias", "Alias removed."
		params.Set("AccountAlias", form(r, "alias"))
	case "passwordpolicy":
		action, msg = "UpdateAccountPasswordPolicy", "Password policy updated."
		params.Set("MinimumPasswordLength", form(r, "min"))
		for _, k := range []string{"RequireSymbols", "RequireNumbers", "RequireUppercaseCharacters", "RequireLowercaseCharacters", "AllowUsersToChangePassword"} {
			params.Set(k, map[bool]string{true: "true", false: "false"}[r.PostFormValue(k) != ""])
		}
		if v := form(r, "maxage"); v != "" && v != "0" {
			params.Set("MaxPasswordAge", v)
		}
	case "deletepasswordpolicy":
		action, msg = "DeleteAccountPasswordPolicy", "Password policy removed (AWS's default applies)."
	default:
		h.render(w, r, q.s, "error", http.StatusNotFound, "Not found", nil, errNoSuchPage)
		return
	}
	h.act(w, r, q, action, params, back, msg, func(err error) {
		h.render(w, r, q.s, "account", statusOf(err), "Account settings", h.accountData(r, q), err)
	})
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

// Instance profiles and identity providers: the lists.

type profilesData struct {
	Profiles listPage[iamapi.InstanceProfile]
	OIDC     []string
	SAML     []iamapi.SAMLProviderListEntry
	OIDCErr  *apiError
	SAMLErr  *apiError
}

func (h *Handler) serveProfiles(w http.ResponseWriter, r *http.Request, q *req) {
	lp, err := list(h, r, q, "ListInstanceProfiles", url.Values{}, func(o any) ([]iamapi.InstanceProfile, bool, string) {
		out := o.(*iamapi.ListInstanceProfilesOutput)
		t, m := truncated(out.IsTruncated, out.Marker)
		return out.InstanceProfiles, t, m
	}, func(p iamapi.InstanceProfile) bool { return contains(p.InstanceProfileName, r.URL.Query().Get("q")) })
	h.render(w, r, q.s, "profiles", statusOf(err), "Instance profiles", profilesData{Profiles: lp}, err)
}

func (h *Handler) serveProviders(w http.ResponseWriter, r *http.Request, q *req) {
	d := profilesData{}
	if o, err := h.call(r, q, "ListOpenIDConnectProviders", nil); err == nil {
		for _, p := range o.(*iamapi.ListOpenIDConnectProvidersOutput).OpenIDConnectProviderList {
			d.OIDC = append(d.OIDC, deref(p.Arn))
		}
	} else {
		d.OIDCErr = toAPIError(err)
	}
	if o, err := h.call(r, q, "ListSAMLProviders", nil); err == nil {
		d.SAML = o.(*iamapi.ListSAMLProvidersOutput).SAMLProviderList
	} else {
		d.SAMLErr = toAPIError(err)
	}
	h.render(w, r, q.s, "providers", http.StatusOK, "Identity providers", d, nil)
}
