package console

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/iamd/iamd/api/iamapi"
)

// The entities' remaining forms: inline policies, permissions boundaries,
// role tags, access key status, the console password, instance profiles
// and identity providers. Each is one API call, as the CLI makes it.

// inlinePolicy is an inline policy shown on its entity's page.
type inlinePolicy struct {
	Name, Document string
}

// inlineShown bounds the inline policies whose text a page reads (one
// Get*Policy call each); the others are listed by name.
const inlineShown = 20

// inlinePolicies lists an entity's inline policies (ListUserPolicies and
// friends) with the text of the first inlineShown (GetUserPolicy ...).
func (h *Handler) inlinePolicies(r *http.Request, q *req, list, get, param, name string) section[inlinePolicy] {
	o, err := h.call(r, q, list, url.Values{param: {name}})
	if err != nil {
		return sect[inlinePolicy](nil, err)
	}
	var names []string
	switch out := o.(type) {
	case *iamapi.ListUserPoliciesOutput:
		names = out.PolicyNames
	case *iamapi.ListGroupPoliciesOutput:
		names = out.PolicyNames
	case *iamapi.ListRolePoliciesOutput:
		names = out.PolicyNames
	}
	items := make([]inlinePolicy, 0, len(names))
	for i, n := range names {
		p := inlinePolicy{Name: n}
		if i < inlineShown {
			if o, err := h.call(r, q, get, url.Values{param: {name}, "PolicyName": {n}}); err == nil {
				p.Document = prettyDocument(inlineDocument(o))
			}
		}
		items = append(items, p)
	}
	return sect(items, nil)
}

// inlineGets are the calls reading a user's, group's or role's inline
// policy, and the parameter naming the entity.
var inlineGets = map[string]struct{ call, param string }{
	"user":  {"GetUserPolicy", "UserName"},
	"group": {"GetGroupPolicy", "GroupName"},
	"role":  {"GetRolePolicy", "RoleName"},
}

// inlineDocument is the document of a GetUserPolicy, GetGroupPolicy or
// GetRolePolicy answer.
func inlineDocument(o any) string {
	switch out := o.(type) {
	case *iamapi.GetUserPolicyOutput:
		return out.PolicyDocument
	case *iamapi.GetGroupPolicyOutput:
		return out.PolicyDocument
	case *iamapi.GetRolePolicyOutput:
		return out.PolicyDocument
	}
	return ""
}

// keyLastUsed reads when each of a user's keys was last used
// (GetAccessKeyLastUsed; a user has at most two keys).
func (h *Handler) keyLastUsed(r *http.Request, q *req, keys []iamapi.AccessKeyMetadata) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		id := deref(k.AccessKeyId)
		o, err := h.call(r, q, "GetAccessKeyLastUsed", url.Values{"AccessKeyId": {id}})
		if err != nil {
			continue
		}
		lu := o.(*iamapi.GetAccessKeyLastUsedOutput).AccessKeyLastUsed
		if lu == nil || lu.LastUsedDate == nil || lu.LastUsedDate.IsZero() {
			out[id] = "Never"
			continue
		}
		s := lu.LastUsedDate.UTC().Format("2006-01-02 15:04 UTC")
		if lu.ServiceName != "" && lu.ServiceName != "N/A" {
			s += " (" + lu.ServiceName
			if lu.Region != "" && lu.Region != "N/A" {
				s += ", " + lu.Region
			}
			s += ")"
		}
		out[id] = s
	}
	return out
}

// The forms of one kind, added to each entity's set.
func init() {
	inline := func(put, del string) map[string]formAction {
		return map[string]formAction{
			"putinline": {call: put, fields: map[string]string{"PolicyName": "policyname"}, raw: map[string]string{"PolicyDocument": "document"},
				msg: "Inline policy {PolicyName} saved."},
			"deleteinline": {call: del, fields: map[string]string{"PolicyName": "policyname"}, msg: "Inline policy {PolicyName} deleted."},
		}
	}
	boundary := func(put, del string) map[string]formAction {
		return map[string]formAction{
			"boundary":       {call: put, fields: map[string]string{"PermissionsBoundary": "policyarn"}, msg: "Permissions boundary {PermissionsBoundary} set."},
			"deleteboundary": {call: del, msg: "Permissions boundary removed."},
		}
	}
	add := func(set *formSet, forms map[string]formAction) {
		for k, v := range forms {
			set.forms[k] = v
		}
	}
	add(userForms, inline("PutUserPolicy", "DeleteUserPolicy"))
	add(userForms, boundary("PutUserPermissionsBoundary", "DeleteUserPermissionsBoundary"))
	add(userForms, map[string]formAction{
		"keystatus": {call: "UpdateAccessKey", raw: map[string]string{"AccessKeyId": "keyid"}, fields: map[string]string{"Status": "status"},
			msg: "Access key {AccessKeyId} is {Status} now."},
		// The console password: set, changed (by an administrator) or
		// removed. The password is never in a message or a URL.
		"createlogin": {call: "CreateLoginProfile", raw: map[string]string{"Password": "password"}, flags: map[string]string{"PasswordResetRequired": "reset"},
			msg: "Console password set."},
		"updatelogin": {call: "UpdateLoginProfile", raw: map[string]string{"Password": "password"}, flags: map[string]string{"PasswordResetRequired": "reset"},
			msg: "Console password changed."},
		"deletelogin": {call: "DeleteLoginProfile", msg: "Console access removed."},
	})
	add(groupForms, inline("PutGroupPolicy", "DeleteGroupPolicy"))
	add(roleForms, inline("PutRolePolicy", "DeleteRolePolicy"))
	add(roleForms, boundary("PutRolePermissionsBoundary", "DeleteRolePermissionsBoundary"))
	add(userForms, tagForms("tags/", "TagUser", "UntagUser"))
	add(roleForms, tagForms("", "TagRole", "UntagRole"))
}

// tagForms are an entity kind's tag forms, named prefix+"tag" and
// prefix+"untag": one tag set or removed a form, as the CLI's
// `tag-role --tags Key=k,Value=v` and `untag-role --tag-keys k` make the
// calls.
func tagForms(prefix, tag, untag string) map[string]formAction {
	return map[string]formAction{
		prefix + "tag": {call: tag, fields: map[string]string{"Tags.member.1.Key": "key"},
			raw: map[string]string{"Tags.member.1.Value": "value"}, msg: "Tag set."},
		prefix + "untag": {call: untag, fields: map[string]string{"TagKeys.member.1": "key"}, msg: "Tag removed."},
	}
}

// Instance profiles: created, deleted, a role added or removed, on the
// list page.
var profileForms = &formSet{
	param: "InstanceProfileName", page: func(string) string { return Prefix + "/instance-profiles" },
	failed: func(h *Handler, w http.ResponseWriter, r *http.Request, q *req, _ string, err error) {
		h.profilesPage(w, r, q, err)
	},
	forms: map[string]formAction{
		"create": {call: "CreateInstanceProfile", nameField: "profile", optional: map[string]string{"Path": "path"},
			msg: "Instance profile {InstanceProfileName} created."},
		"delete":     {call: "DeleteInstanceProfile", msg: "Instance profile {InstanceProfileName} deleted."},
		"addrole":    {call: "AddRoleToInstanceProfile", fields: map[string]string{"RoleName": "role"}, msg: "Role {RoleName} added to {InstanceProfileName}."},
		"removerole": {call: "RemoveRoleFromInstanceProfile", fields: map[string]string{"RoleName": "role"}, msg: "Role {RoleName} removed from {InstanceProfileName}."},
	},
}

// Identity providers: OIDC and SAML, created and deleted.
var providerForms = &formSet{
	page: func(string) string { return Prefix + "/identity-providers" },
	failed: func(h *Handler, w http.ResponseWriter, r *http.Request, q *req, _ string, err error) {
		h.providersPage(w, r, q, statusOf(err), err)
	},
	forms: map[string]formAction{
		"createoidc": {call: "CreateOpenIDConnectProvider", fields: map[string]string{"Url": "url"},
			extra: func(r *http.Request, p url.Values) {
				for i, c := range splitList(r.PostFormValue("clients")) {
					p.Set("ClientIDList.member."+strconv.Itoa(i+1), c)
				}
				for i, c := range splitList(r.PostFormValue("thumbprints")) {
					p.Set("ThumbprintList.member."+strconv.Itoa(i+1), c)
				}
			},
			msg: "Provider {Url} created."},
		"deleteoidc": {call: "DeleteOpenIDConnectProvider", fields: map[string]string{"OpenIDConnectProviderArn": "arn"}, msg: "Provider {OpenIDConnectProviderArn} deleted."},
		"createsaml": {call: "CreateSAMLProvider", fields: map[string]string{"Name": "name"}, raw: map[string]string{"SAMLMetadataDocument": "metadata"},
			msg: "Provider {Name} created."},
		"deletesaml": {call: "DeleteSAMLProvider", fields: map[string]string{"SAMLProviderArn": "arn"}, msg: "Provider {SAMLProviderArn} deleted."},
	},
}

// inlineView is what the "inline" template shows: an entity's inline
// policies, with the forms its page's user may use.
type inlineView struct {
	P              pageData
	Kind, Name     string // the page's path kind (users, groups, roles) and the entity
	Param          string // UserName, GroupName, RoleName
	Put, Del       string // the calls the forms make
	Inline         section[inlinePolicy]
	CanPut, CanDel bool
}

// InlineOf is the inline policies' section of an entity's page.
func (p pageData) InlineOf(kind, name string, s section[inlinePolicy]) inlineView {
	v := inlineView{P: p, Kind: kind, Name: name, Inline: s}
	switch kind {
	case "users":
		v.Param, v.Put, v.Del = "UserName", "PutUserPolicy", "DeleteUserPolicy"
	case "groups":
		v.Param, v.Put, v.Del = "GroupName", "PutGroupPolicy", "DeleteGroupPolicy"
	default:
		v.Param, v.Put, v.Del = "RoleName", "PutRolePolicy", "DeleteRolePolicy"
	}
	v.CanPut = p.Can(v.Put, v.Param, name, "PolicyName", formPlaceholder, "PolicyDocument", "{}")
	v.CanDel = p.Can(v.Del, v.Param, name, "PolicyName", formPlaceholder)
	return v
}

// boundaryView is what the "boundary" template shows.
type boundaryView struct {
	P              pageData
	Kind, Name     string
	Set            bool // a boundary is set
	CanSet, CanDel bool
}

// BoundaryOf is the permissions boundary's forms of a user or role page.
func (p pageData) BoundaryOf(kind, name string, set bool) boundaryView {
	v := boundaryView{P: p, Kind: kind, Name: name, Set: set}
	if kind == "users" {
		v.CanSet = p.Can("PutUserPermissionsBoundary", "UserName", name, "PermissionsBoundary", p.PolicyPlaceholder())
		v.CanDel = set && p.Can("DeleteUserPermissionsBoundary", "UserName", name)
	} else {
		v.CanSet = p.Can("PutRolePermissionsBoundary", "RoleName", name, "PermissionsBoundary", p.PolicyPlaceholder())
		v.CanDel = set && p.Can("DeleteRolePermissionsBoundary", "RoleName", name)
	}
	return v
}
