package console

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/iamd/iamd/api/iamapi"
)

// pageSize is how many rows a list page shows.
const pageSize = 50

// searchPages bounds how many API pages a search reads (of 1000 each).
const searchPages = 20

// section is one part of a detail page: its rows, or the refusal that
// kept them from the user.
type section[T any] struct {
	Items []T
	Err   *apiError
}

func sect[T any](items []T, err error) section[T] {
	return section[T]{Items: items, Err: toAPIError(err)}
}

// listPage is a list with search and paging.
type listPage[T any] struct {
	Items      []T
	Query      string
	Next, Prev string // the query strings of the next and previous pages
	// First is the first page's, on a page past it by the API's marker
	// (which leads only forward, as the CLI's --starting-token does).
	First string
	Scope string
}

// nextLink is the next page's query string by the API's own marker.
func nextLink(marker string, extra url.Values) string {
	v := url.Values{}
	for k, vs := range extra {
		v[k] = vs
	}
	v.Set("marker", marker)
	return "?" + v.Encode()
}

// pageOf pages all (a search's matches, or the whole of a list the API
// does not page) by the request's offset, pageSize at a time, the links
// keeping the query and extra.
func pageOf[T any](r *http.Request, lp *listPage[T], all []T, extra url.Values) {
	link := func(offset int) string {
		v := url.Values{}
		for k, vs := range extra {
			v[k] = vs
		}
		if lp.Query != "" {
			v.Set("q", lp.Query)
		}
		v.Set("offset", strconv.Itoa(offset))
		return "?" + v.Encode()
	}
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = max(0, min(offset, len(all)))
	end := min(offset+pageSize, len(all))
	lp.Items = all[offset:end]
	if end < len(all) {
		lp.Next = link(end)
	}
	if offset > 0 {
		lp.Prev = link(max(0, offset-pageSize))
	}
}

// filter is the items that match the search (all of them without one).
func filter[T any](items []T, query string, match func(T) bool) []T {
	if query == "" {
		return items
	}
	var out []T
	for _, it := range items {
		if match(it) {
			out = append(out, it)
		}
	}
	return out
}

// list reads one page of a List* call, or with a search every page (up
// to searchPages) filtered by match.
func list[T any](h *Handler, r *http.Request, q *req, action string, params url.Values, items func(any) ([]T, bool, string), match func(T) bool) (listPage[T], error) {
	query := strings.TrimSpace(r.URL.Query().Get("q"))
	lp := listPage[T]{Query: query}
	if query == "" {
		params.Set("MaxItems", strconv.Itoa(pageSize))
		if m := r.URL.Query().Get("marker"); m != "" {
			params.Set("Marker", m)
			lp.First = "?"
			if sc := scopeOf(params); sc != nil {
				lp.First += sc.Encode()
			}
		}
		out, err := h.call(r, q, action, params)
		if err != nil {
			return lp, err
		}
		var truncated bool
		var marker string
		lp.Items, truncated, marker = items(out)
		if truncated {
			lp.Next = nextLink(marker, scopeOf(params))
		}
		return lp, nil
	}
	every, err := allItems(h, r, q, action, params, items)
	if err != nil {
		return lp, err
	}
	pageOf(r, &lp, filter(every, query, match), scopeOf(params))
	return lp, nil
}

// allItems is every item of a List* call (up to searchPages of 1000),
// kept until the account changes (keptItems), the caller's own call of
// the list allowed.
func allItems[T any](h *Handler, r *http.Request, q *req, action string, params url.Values, items func(any) ([]T, bool, string)) ([]T, error) {
	return keptItems(h, r, q, action, params, func() ([]T, error) {
		var every []T
		marker := ""
		for i := 0; i < searchPages; i++ {
			p := url.Values{}
			for k, v := range params {
				p[k] = v
			}
			p.Set("MaxItems", "1000")
			if marker != "" {
				p.Set("Marker", marker)
			}
			out, err := h.call(r, q, action, p)
			if err != nil {
				return nil, err
			}
			page, truncated, m := items(out)
			every = append(every, page...)
			if !truncated {
				break
			}
			marker = m
		}
		return every, nil
	})
}

func scopeOf(params url.Values) url.Values {
	if s := params.Get("Scope"); s != "" {
		return url.Values{"scope": {s}}
	}
	return nil
}

func contains(s, sub string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(sub)) }

func truncated(p *bool, m *string) (bool, string) {
	if p == nil || !*p || m == nil {
		return false, ""
	}
	return true, *m
}

type homeData struct {
	Summary map[string]int32
	Keys    []string
}

func (h *Handler) serveHome(w http.ResponseWriter, r *http.Request, q *req) {
	out, err := h.call(r, q, "GetAccountSummary", nil)
	d := homeData{}
	if err == nil {
		d.Summary = out.(*iamapi.GetAccountSummaryOutput).SummaryMap
		for _, k := range []string{"Users", "Groups", "Roles", "Policies", "MFADevices", "AccountMFAEnabled", "AccountAccessKeysPresent"} {
			if _, ok := d.Summary[k]; ok {
				d.Keys = append(d.Keys, k)
			}
		}
	}
	h.render(w, r, q.s, "home", http.StatusOK, "IAM dashboard", d, err)
}

func (h *Handler) serveUsers(w http.ResponseWriter, r *http.Request, q *req) {
	lp, err := h.listUsers(r, q)
	h.render(w, r, q.s, "users", statusOf(err), "Users", lp, err)
}

func (h *Handler) listUsers(r *http.Request, q *req) (listPage[iamapi.User], error) {
	return list(h, r, q, "ListUsers", url.Values{}, usersOf, func(u iamapi.User) bool { return contains(u.UserName, r.URL.Query().Get("q")) })
}

// usersOf and rolesOf read a page of ListUsers and ListRoles.
func usersOf(o any) ([]iamapi.User, bool, string) {
	out := o.(*iamapi.ListUsersOutput)
	t, m := truncated(out.IsTruncated, out.Marker)
	return out.Users, t, m
}

func rolesOf(o any) ([]iamapi.Role, bool, string) {
	out := o.(*iamapi.ListRolesOutput)
	t, m := truncated(out.IsTruncated, out.Marker)
	return out.Roles, t, m
}

// createUser is the create-user form: CreateUser, then the console
// password if one was typed (CreateLoginProfile, as the console does).
func createUser(h *Handler, w http.ResponseWriter, r *http.Request, q *req, _ string) {
	name := form(r, "username")
	params := url.Values{"UserName": {name}}
	if p := form(r, "path"); p != "" {
		params.Set("Path", p)
	}
	if _, err := h.call(r, q, "CreateUser", params); err != nil {
		lp, _ := h.listUsers(r, q) // the page as it was, with the refusal above it
		h.render(w, r, q.s, "users", statusOf(err), "Users", lp, err)
		return
	}
	msg := "User " + name + " created."
	if pw := r.PostFormValue("password"); pw != "" {
		_, err := h.call(r, q, "CreateLoginProfile", url.Values{"UserName": {name}, "Password": {pw}, "PasswordResetRequired": {strconv.FormatBool(r.PostFormValue("reset") != "")}})
		if err != nil {
			msg += " Its console password was not set: " + errText(err)
		}
	}
	h.redirect(w, r, q, Prefix+"/users/"+url.PathEscape(name), msg)
}

func errText(err error) string {
	e := toAPIError(err)
	if e.Code != "" {
		return e.Code + ": " + e.Message
	}
	return e.Message
}

type userData struct {
	Name     string
	User     *iamapi.User
	Tags     []iamapi.Tag
	Groups   section[iamapi.Group]
	Attached section[iamapi.AttachedPolicy]
	Inline   section[inlinePolicy]
	Keys     section[iamapi.AccessKeyMetadata]
	KeyUsed  map[string]string // access key id -> when last used
	MFA      section[iamapi.MFADevice]
	Login    *iamapi.LoginProfile
	LoginErr *apiError
}

func (h *Handler) serveUser(w http.ResponseWriter, r *http.Request, q *req) {
	name := r.PathValue("name")
	d, err := h.userData(r, q, name)
	h.render(w, r, q.s, "user", statusOf(err), "User "+name, d, err)
}

func (h *Handler) userData(r *http.Request, q *req, name string) (*userData, error) {
	d := &userData{Name: name}
	p := func() url.Values { return url.Values{"UserName": {name}} }
	out, err := h.call(r, q, "GetUser", p())
	if err != nil {
		return d, err
	}
	u := out.(*iamapi.GetUserOutput).User
	d.User, d.Tags = &u, u.Tags
	if o, err := h.call(r, q, "ListGroupsForUser", p()); err == nil {
		d.Groups = sect(o.(*iamapi.ListGroupsForUserOutput).Groups, nil)
	} else {
		d.Groups = sect[iamapi.Group](nil, err)
	}
	if o, err := h.call(r, q, "ListAttachedUserPolicies", p()); err == nil {
		d.Attached = sect(o.(*iamapi.ListAttachedUserPoliciesOutput).AttachedPolicies, nil)
	} else {
		d.Attached = sect[iamapi.AttachedPolicy](nil, err)
	}
	d.Inline = h.inlinePolicies(r, q, "ListUserPolicies", "GetUserPolicy", "UserName", name)
	if o, err := h.call(r, q, "ListAccessKeys", p()); err == nil {
		d.Keys = sect(o.(*iamapi.ListAccessKeysOutput).AccessKeyMetadata, nil)
		d.KeyUsed = h.keyLastUsed(r, q, d.Keys.Items)
	} else {
		d.Keys = sect[iamapi.AccessKeyMetadata](nil, err)
	}
	if o, err := h.call(r, q, "ListMFADevices", p()); err == nil {
		d.MFA = sect(o.(*iamapi.ListMFADevicesOutput).MFADevices, nil)
	} else {
		d.MFA = sect[iamapi.MFADevice](nil, err)
	}
	if o, err := h.call(r, q, "GetLoginProfile", p()); err == nil {
		lp := o.(*iamapi.GetLoginProfileOutput).LoginProfile
		d.Login = &lp
	} else if e := toAPIError(err); e.Code != "NoSuchEntity" {
		d.LoginErr = e
	}
	return d, nil
}

// mfaDeviceData is the page that assigns a new virtual MFA device.
type mfaDeviceData struct {
	Root                   bool // the root user's device (its forms post to the security credentials page)
	UserName, Serial, Seed string
	QR                     template.URL // a data: URL of the PNG (CSP allows data: images)
}

// accessKeyData is the page that shows a new key's secret, once.
type accessKeyData struct {
	UserName, AccessKeyID, Secret, CSV string
}

var userPage = entityPage("users")

// userFailed shows the user's page again with the refusal.
func userFailed(h *Handler, w http.ResponseWriter, r *http.Request, q *req, name string, err error) {
	d, _ := h.userData(r, q, name)
	h.render(w, r, q.s, "user", statusOf(err), "User "+name, d, err)
}

var userForms = &formSet{
	param: "UserName", page: userPage, failed: userFailed,
	forms: map[string]formAction{
		"delete":      {call: "DeleteUser", msg: "User {UserName} deleted.", back: Prefix + "/users"},
		"attach":      {call: "AttachUserPolicy", fields: map[string]string{"PolicyArn": "policyarn"}, msg: "Policy {PolicyArn} attached."},
		"detach":      {call: "DetachUserPolicy", fields: map[string]string{"PolicyArn": "policyarn"}, msg: "Policy {PolicyArn} detached."},
		"addgroup":    {call: "AddUserToGroup", fields: map[string]string{"GroupName": "group"}, msg: "Added to group {GroupName}."},
		"removegroup": {call: "RemoveUserFromGroup", fields: map[string]string{"GroupName": "group"}, msg: "Removed from group {GroupName}."},
		"deletekey":   {call: "DeleteAccessKey", raw: map[string]string{"AccessKeyId": "keyid"}, msg: "Access key {AccessKeyId} deleted."},
	},
	custom: map[string]func(*Handler, http.ResponseWriter, *http.Request, *req, string){
		"create": createUser, "createmfa": createMFA, "enablemfa": enableMFA, "removemfa": removeMFA, "createkey": createKey,
	},
}

// createMFA makes a virtual MFA device; its seed and QR code are shown in
// this response only.
func createMFA(h *Handler, w http.ResponseWriter, r *http.Request, q *req, name string) {
	h.showNewDevice(w, r, q, url.Values{"VirtualMFADeviceName": {name}}, name, func(err error) { userFailed(h, w, r, q, name, err) })
}

// showNewDevice makes a virtual MFA device and shows its seed and QR code
// with the form that enables it (user "" for root's).
func (h *Handler) showNewDevice(w http.ResponseWriter, r *http.Request, q *req, params url.Values, user string, failed func(error)) {
	out, err := h.call(r, q, "CreateVirtualMFADevice", params)
	if err != nil {
		failed(err)
		return
	}
	dev := out.(*iamapi.CreateVirtualMFADeviceOutput).VirtualMFADevice
	// Base64 of the server's own PNG: nothing in it can leave the attribute.
	qr := template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(dev.QRCodePNG)) //nolint:gosec // see above
	h.render(w, r, q.s, "mfadevice", http.StatusOK, "Assign MFA device", mfaDeviceData{Root: user == "", UserName: user, Serial: dev.SerialNumber,
		Seed: string(dev.Base32StringSeed), QR: qr}, nil)
}

func enableMFA(h *Handler, w http.ResponseWriter, r *http.Request, q *req, name string) {
	serial := form(r, "serial")
	_, err := h.call(r, q, "EnableMFADevice", url.Values{"UserName": {name}, "SerialNumber": {serial},
		"AuthenticationCode1": {form(r, "code1")}, "AuthenticationCode2": {form(r, "code2")}})
	if err != nil {
		// The device stays unassigned: the user can try again with it.
		h.render(w, r, q.s, "mfadevice", statusOf(err), "Assign MFA device", mfaDeviceData{UserName: name, Serial: serial}, err)
		return
	}
	h.redirect(w, r, q, userPage(name), "MFA device "+serial+" assigned.")
}

// removeMFA is two calls, as the console makes them: deactivate, delete.
func removeMFA(h *Handler, w http.ResponseWriter, r *http.Request, q *req, name string) {
	serial := form(r, "serial")
	_, err := h.call(r, q, "DeactivateMFADevice", url.Values{"UserName": {name}, "SerialNumber": {serial}})
	if err == nil {
		_, err = h.call(r, q, "DeleteVirtualMFADevice", url.Values{"SerialNumber": {serial}})
	}
	if err != nil {
		userFailed(h, w, r, q, name, err)
		return
	}
	h.redirect(w, r, q, userPage(name), "MFA device "+serial+" removed.")
}

// createKey shows the new key's secret in this response only: no
// redirect, no flash, nothing that would keep it (the page is no-store).
func createKey(h *Handler, w http.ResponseWriter, r *http.Request, q *req, name string) {
	out, err := h.call(r, q, "CreateAccessKey", url.Values{"UserName": {name}})
	if err != nil {
		userFailed(h, w, r, q, name, err)
		return
	}
	k := out.(*iamapi.CreateAccessKeyOutput).AccessKey
	csv := "Access key ID,Secret access key\n" + k.AccessKeyId + "," + k.SecretAccessKey + "\n"
	h.render(w, r, q.s, "accesskey", http.StatusOK, "Access key created", accessKeyData{UserName: name, AccessKeyID: k.AccessKeyId, Secret: k.SecretAccessKey, CSV: csv}, nil)
}

var errNoSuchPage = &apiError{Message: "There is no such page in the console."}

func (e *apiError) Error() string { return e.Message }

func (h *Handler) serveGroups(w http.ResponseWriter, r *http.Request, q *req) {
	lp, err := h.listGroups(r, q)
	h.render(w, r, q.s, "groups", statusOf(err), "User groups", lp, err)
}

func (h *Handler) listGroups(r *http.Request, q *req) (listPage[iamapi.Group], error) {
	return list(h, r, q, "ListGroups", url.Values{}, groupsOf, func(g iamapi.Group) bool { return contains(g.GroupName, r.URL.Query().Get("q")) })
}

// groupsOf reads a page of ListGroups.
func groupsOf(o any) ([]iamapi.Group, bool, string) {
	out := o.(*iamapi.ListGroupsOutput)
	t, m := truncated(out.IsTruncated, out.Marker)
	return out.Groups, t, m
}

type groupData struct {
	Name     string
	Group    *iamapi.Group
	Users    []iamapi.User
	Attached section[iamapi.AttachedPolicy]
	Inline   section[inlinePolicy]
}

func (h *Handler) serveGroup(w http.ResponseWriter, r *http.Request, q *req) {
	name := r.PathValue("name")
	d, err := h.groupData(r, q, name)
	h.render(w, r, q.s, "group", statusOf(err), "Group "+name, d, err)
}

func (h *Handler) groupData(r *http.Request, q *req, name string) (*groupData, error) {
	d := &groupData{Name: name}
	p := func() url.Values { return url.Values{"GroupName": {name}} }
	out, err := h.call(r, q, "GetGroup", p())
	if err == nil {
		o := out.(*iamapi.GetGroupOutput)
		d.Group, d.Users = &o.Group, o.Users
		if o, err := h.call(r, q, "ListAttachedGroupPolicies", p()); err == nil {
			d.Attached = sect(o.(*iamapi.ListAttachedGroupPoliciesOutput).AttachedPolicies, nil)
		} else {
			d.Attached = sect[iamapi.AttachedPolicy](nil, err)
		}
		d.Inline = h.inlinePolicies(r, q, "ListGroupPolicies", "GetGroupPolicy", "GroupName", name)
	}
	return d, err
}

func (h *Handler) serveRoles(w http.ResponseWriter, r *http.Request, q *req) {
	rp, err := h.listRoles(r, q)
	h.render(w, r, q.s, "roles", statusOf(err), "Roles", rp, err)
}

type roleData struct {
	Name     string
	Role     *iamapi.Role
	Trust    string
	Attached section[iamapi.AttachedPolicy]
	Inline   section[inlinePolicy]
}

func (h *Handler) serveRole(w http.ResponseWriter, r *http.Request, q *req) {
	name := r.PathValue("name")
	d, err := h.roleData(r, q, name)
	h.render(w, r, q.s, "role", statusOf(err), "Role "+name, d, err)
}

func (h *Handler) roleData(r *http.Request, q *req, name string) (*roleData, error) {
	d := &roleData{Name: name}
	p := func() url.Values { return url.Values{"RoleName": {name}} }
	out, err := h.call(r, q, "GetRole", p())
	if err == nil {
		role := out.(*iamapi.GetRoleOutput).Role
		d.Role = &role
		d.Trust = prettyDocument(deref(role.AssumeRolePolicyDocument))
		if o, err := h.call(r, q, "ListAttachedRolePolicies", p()); err == nil {
			d.Attached = sect(o.(*iamapi.ListAttachedRolePoliciesOutput).AttachedPolicies, nil)
		} else {
			d.Attached = sect[iamapi.AttachedPolicy](nil, err)
		}
		d.Inline = h.inlinePolicies(r, q, "ListRolePolicies", "GetRolePolicy", "RoleName", name)
	}
	return d, err
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// prettyDocument decodes a document as the API returns it (URL-encoded)
// and indents it.
func prettyDocument(doc string) string {
	if dec, err := url.PathUnescape(doc); err == nil {
		doc = dec
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(doc), "", "  "); err != nil {
		return doc
	}
	return buf.String()
}

func (h *Handler) servePolicies(w http.ResponseWriter, r *http.Request, q *req) {
	scope := r.URL.Query().Get("scope")
	if scope != "AWS" && scope != "All" {
		scope = "Local"
	}
	lp, err := list(h, r, q, "ListPolicies", url.Values{"Scope": {scope}}, func(o any) ([]iamapi.Policy, bool, string) {
		out := o.(*iamapi.ListPoliciesOutput)
		t, m := truncated(out.IsTruncated, out.Marker)
		return out.Policies, t, m
	}, func(p iamapi.Policy) bool { return contains(deref(p.PolicyName), r.URL.Query().Get("q")) })
	lp.Scope = scope
	h.render(w, r, q.s, "policies", statusOf(err), "Policies", lp, err)
}

type policyData struct {
	ARN string
	// AWSManaged: an AWS managed policy, which no one can change (its
	// forms are left out, as on AWS).
	AWSManaged bool
	Policy     *iamapi.Policy
	Document   string
	Version    string
	Users      []iamapi.PolicyUser
	Groups     []iamapi.PolicyGroup
	Roles      []iamapi.PolicyRole
	UsedErr    *apiError
	Versions   []iamapi.PolicyVersion
	// Compare is the side-by-side diff of two versions (?left=&right=).
	Left, Right string
	Compare     []diffRow
}

func (h *Handler) servePolicy(w http.ResponseWriter, r *http.Request, q *req) {
	d, err := h.policyData(r, q, r.URL.Query().Get("arn"))
	h.render(w, r, q.s, "policy", statusOf(err), "Policy", d, err)
}

func (h *Handler) policyData(r *http.Request, q *req, a string) (*policyData, error) {
	d := &policyData{ARN: a, AWSManaged: strings.Contains(a, ":iam::aws:policy/")}
	out, err := h.call(r, q, "GetPolicy", url.Values{"PolicyArn": {a}})
	if err == nil && out.(*iamapi.GetPolicyOutput).Policy != nil {
		p := out.(*iamapi.GetPolicyOutput).Policy
		d.Policy, d.Version = p, deref(p.DefaultVersionId)
		if o, verr := h.call(r, q, "GetPolicyVersion", url.Values{"PolicyArn": {a}, "VersionId": {d.Version}}); verr == nil {
			if v := o.(*iamapi.GetPolicyVersionOutput).PolicyVersion; v != nil {
				d.Document = prettyDocument(deref(v.Document))
			}
		} else {
			err = verr
		}
		if o, uerr := h.call(r, q, "ListEntitiesForPolicy", url.Values{"PolicyArn": {a}}); uerr == nil {
			e := o.(*iamapi.ListEntitiesForPolicyOutput)
			d.Users, d.Groups, d.Roles = e.PolicyUsers, e.PolicyGroups, e.PolicyRoles
		} else {
			d.UsedErr = toAPIError(uerr)
		}
		if o, verr := h.call(r, q, "ListPolicyVersions", url.Values{"PolicyArn": {a}}); verr == nil {
			d.Versions = o.(*iamapi.ListPolicyVersionsOutput).Versions
		}
		d.diff(h, r, q)
	}
	return d, err
}
