package server_test

// Issue 18, item 3: the members of each answer exactly as AWS sends them,
// from responses recorded against AWS (LocalStack's parity snapshots,
// February 2026): which members an operation leaves out, where an empty
// Tags list is always sent, IsTruncated on every paginated list.

import (
	"encoding/xml"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/server"
)

// query sends an IAM (or, with Version 2011-06-15, STS) Query request
// signed by the root key and returns the status and the XML body.
func query(t *testing.T, s *server.Instance, action string, kv ...string) (int, string) {
	t.Helper()
	return queryAs(t, s, rootKey, rootSecret, action, kv...)
}

func queryAs(t *testing.T, s *server.Instance, key, secret, action string, kv ...string) (int, string) {
	t.Helper()
	v := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	service := "iam"
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	if v.Get("Version") == "2011-06-15" {
		service = "sts"
	}
	return rawCall(t, s.URL, v.Encode(), key, secret, service, "us-east-1", time.Now())
}

// mustQuery is query for a call that must succeed.
func mustQuery(t *testing.T, s *server.Instance, action string, kv ...string) string {
	t.Helper()
	code, body := query(t, s, action, kv...)
	if code != 200 {
		t.Fatalf("%s: %d %s", action, code, body)
	}
	return body
}

// element is the first <name>…</name> (or <name/>) inside the first
// <within>…</within> of an XML body; ok is false when there is none.
func element(body, within, name string) (inner string, ok bool) {
	if within != "" {
		i := strings.Index(body, "<"+within+">")
		if i < 0 {
			return "", false
		}
		j := strings.Index(body[i:], "</"+within+">")
		if j < 0 {
			return "", false
		}
		body = body[i : i+j]
	}
	if strings.Contains(body, "<"+name+"/>") {
		return "", true
	}
	i := strings.Index(body, "<"+name+">")
	if i < 0 {
		return "", false
	}
	rest := body[i+len(name)+2:]
	j := strings.Index(rest, "</"+name+">")
	if j < 0 {
		return "", false
	}
	return rest[:j], true
}

const ec2TrustDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
const listBucket = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`

// memberCase is one answer and the members AWS sends in it (present) and
// leaves out of it (absent), each as within/name.
type memberCase struct {
	name            string
	action          string
	params          []string
	within          string
	present, absent []string
	empty           []string // present and empty
}

func checkMembers(t *testing.T, s *server.Instance, tc memberCase) {
	t.Helper()
	body := mustQuery(t, s, tc.action, tc.params...)
	for _, m := range tc.present {
		if _, ok := element(body, tc.within, m); !ok {
			t.Errorf("%s: <%s> missing in %s", tc.name, m, body)
		}
	}
	for _, m := range tc.absent {
		if _, ok := element(body, tc.within, m); ok {
			t.Errorf("%s: <%s> present in %s", tc.name, m, body)
		}
	}
	for _, m := range tc.empty {
		if v, ok := element(body, tc.within, m); !ok || v != "" {
			t.Errorf("%s: <%s> should be present and empty (%q, %v) in %s", tc.name, m, v, ok, body)
		}
	}
}

func TestParityRoleMembers(t *testing.T) {
	s := testServer(t)
	mustQuery(t, s, "CreatePolicy", "PolicyName", "boundary", "PolicyDocument", listBucket)
	bARN := "arn:aws:iam::" + testAccount + ":policy/boundary"
	for _, tc := range []memberCase{
		// CreateRole leaves out Description (even when given), MaxSessionDuration and RoleLastUsed.
		{name: "CreateRole", action: "CreateRole", params: []string{"RoleName", "r1", "AssumeRolePolicyDocument", ec2TrustDoc, "Description", "d", "MaxSessionDuration", "7200"},
			within: "Role", present: []string{"Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument"},
			absent: []string{"Description", "MaxSessionDuration", "RoleLastUsed", "Tags", "PermissionsBoundary"}},
		{name: "CreateRole with tags and boundary", action: "CreateRole", params: []string{"RoleName", "r2", "AssumeRolePolicyDocument", ec2TrustDoc,
			"Tags.member.1.Key", "k", "Tags.member.1.Value", "v", "PermissionsBoundary", bARN},
			within: "Role", present: []string{"Tags", "PermissionsBoundary"}, absent: []string{"MaxSessionDuration", "RoleLastUsed"}},
		// GetRole: MaxSessionDuration, an empty RoleLastUsed; no Tags when none.
		{name: "GetRole", action: "GetRole", params: []string{"RoleName", "r1"}, within: "Role",
			present: []string{"Description", "MaxSessionDuration"}, empty: []string{"RoleLastUsed"}, absent: []string{"Tags", "PermissionsBoundary"}},
		{name: "ListRoles", action: "ListRoles", within: "Roles", present: []string{"MaxSessionDuration", "Description"},
			absent: []string{"RoleLastUsed", "Tags", "PermissionsBoundary"}},
		{name: "UpdateRoleDescription", action: "UpdateRoleDescription", params: []string{"RoleName", "r1", "Description", "new"}, within: "Role",
			present: []string{"Description"}, absent: []string{"MaxSessionDuration", "RoleLastUsed"}},
	} {
		checkMembers(t, s, tc)
	}
	// The boundary's type reads "Policy", as AWS sends it.
	for _, action := range []string{"GetRole", "CreateRole"} {
		params := []string{"RoleName", "r2"}
		if action == "CreateRole" {
			params = []string{"RoleName", "r3", "AssumeRolePolicyDocument", ec2TrustDoc, "PermissionsBoundary", bARN}
		}
		body := mustQuery(t, s, action, params...)
		if v, _ := element(body, "PermissionsBoundary", "PermissionsBoundaryType"); v != "Policy" {
			t.Errorf("%s: PermissionsBoundaryType %q, want Policy", action, v)
		}
	}
	mustQuery(t, s, "CreateUser", "UserName", "u", "PermissionsBoundary", bARN)
	if v, _ := element(mustQuery(t, s, "GetUser", "UserName", "u"), "PermissionsBoundary", "PermissionsBoundaryType"); v != "Policy" {
		t.Errorf("GetUser: PermissionsBoundaryType %q, want Policy", v)
	}
}

func TestParityPolicyAndProfileMembers(t *testing.T) {
	s := testServer(t)
	pARN := "arn:aws:iam::" + testAccount + ":policy/p"
	mustQuery(t, s, "CreateRole", "RoleName", "r", "AssumeRolePolicyDocument", ec2TrustDoc)
	cert, key := validCert(t, "example.com")
	mustQuery(t, s, "UploadServerCertificate", "ServerCertificateName", "c", "CertificateBody", cert, "PrivateKey", key)
	oidcBody := mustQuery(t, s, "CreateOpenIDConnectProvider", "Url", "https://oidc.example.com", "ThumbprintList.member.1", strings.Repeat("a", 40))
	oidcARN, _ := element(oidcBody, "", "OpenIDConnectProviderArn")
	samlBody := mustQuery(t, s, "CreateSAMLProvider", "Name", "idp", "SAMLMetadataDocument", samlMetadata(time.Now().Add(time.Hour).UTC().Format(time.RFC3339)))
	samlARN, _ := element(samlBody, "", "SAMLProviderArn")
	for _, tc := range []memberCase{
		{name: "CreatePolicy", action: "CreatePolicy", params: []string{"PolicyName", "p", "PolicyDocument", listBucket, "Description", "d"},
			within: "Policy", present: []string{"PolicyName", "PolicyId", "Arn", "DefaultVersionId", "AttachmentCount", "PermissionsBoundaryUsageCount", "IsAttachable"},
			absent: []string{"Description", "Tags"}},
		{name: "GetPolicy", action: "GetPolicy", params: []string{"PolicyArn", pARN}, within: "Policy", present: []string{"Description"}, empty: []string{"Tags"}},
		{name: "GetPolicy (AWS managed)", action: "GetPolicy", params: []string{"PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess"}, within: "Policy", empty: []string{"Tags"}},
		{name: "ListPolicies", action: "ListPolicies", params: []string{"Scope", "Local"}, within: "Policies", absent: []string{"Description", "Tags"}},
		{name: "CreateInstanceProfile", action: "CreateInstanceProfile", params: []string{"InstanceProfileName", "ip"}, within: "InstanceProfile",
			empty: []string{"Roles"}, absent: []string{"Tags"}},
		{name: "GetInstanceProfile", action: "GetInstanceProfile", params: []string{"InstanceProfileName", "ip"}, within: "InstanceProfile",
			empty: []string{"Roles", "Tags"}},
		{name: "GetServerCertificate", action: "GetServerCertificate", params: []string{"ServerCertificateName", "c"}, within: "ServerCertificate", empty: []string{"Tags"}},
		{name: "GetOpenIDConnectProvider", action: "GetOpenIDConnectProvider", params: []string{"OpenIDConnectProviderArn", oidcARN}, empty: []string{"Tags"}},
		{name: "GetSAMLProvider", action: "GetSAMLProvider", params: []string{"SAMLProviderArn", samlARN}, empty: []string{"Tags"}},
	} {
		checkMembers(t, s, tc)
	}
	// A role inside an instance profile carries neither MaxSessionDuration
	// nor RoleLastUsed; the profile in ListInstanceProfiles no Tags.
	mustQuery(t, s, "AddRoleToInstanceProfile", "InstanceProfileName", "ip", "RoleName", "r")
	for _, tc := range []memberCase{
		{name: "GetInstanceProfile role", action: "GetInstanceProfile", params: []string{"InstanceProfileName", "ip"}, within: "Roles",
			present: []string{"RoleName", "AssumeRolePolicyDocument"}, absent: []string{"MaxSessionDuration", "RoleLastUsed", "Tags"}},
		{name: "ListInstanceProfiles", action: "ListInstanceProfiles", within: "InstanceProfiles", absent: []string{"MaxSessionDuration", "Tags"}},
		{name: "ListInstanceProfilesForRole", action: "ListInstanceProfilesForRole", params: []string{"RoleName", "r"}, within: "InstanceProfiles",
			absent: []string{"MaxSessionDuration", "Tags"}},
	} {
		checkMembers(t, s, tc)
	}
}

// GetAccountAuthorizationDetails as recorded: users and roles always carry
// Tags (empty when none); a user's UserPolicyList is left out when empty
// while RolePolicyList and GroupPolicyList are sent empty.
func TestParityAuthorizationDetailsMembers(t *testing.T) {
	s := testServer(t)
	mustQuery(t, s, "CreateUser", "UserName", "u")
	mustQuery(t, s, "CreateGroup", "GroupName", "g")
	mustQuery(t, s, "CreateRole", "RoleName", "r", "AssumeRolePolicyDocument", ec2TrustDoc)
	for _, tc := range []memberCase{
		{name: "user", action: "GetAccountAuthorizationDetails", within: "UserDetailList",
			empty: []string{"Tags", "GroupList", "AttachedManagedPolicies"}, absent: []string{"UserPolicyList"}},
		{name: "group", action: "GetAccountAuthorizationDetails", within: "GroupDetailList",
			empty: []string{"GroupPolicyList", "AttachedManagedPolicies"}},
		{name: "role", action: "GetAccountAuthorizationDetails", within: "RoleDetailList",
			empty: []string{"Tags", "RolePolicyList", "AttachedManagedPolicies", "InstanceProfileList", "RoleLastUsed"}},
	} {
		checkMembers(t, s, tc)
	}
	// With an inline policy, the user's list is there.
	mustQuery(t, s, "PutUserPolicy", "UserName", "u", "PolicyName", "i", "PolicyDocument", listBucket)
	checkMembers(t, s, memberCase{name: "user with inline policy", action: "GetAccountAuthorizationDetails", within: "UserDetailList", present: []string{"UserPolicyList"}})
}

// GetFederationToken always reports PackedPolicySize (0 without a session
// policy, as recorded); AssumeRole leaves it out without one.
func TestParityFederationTokenPackedPolicySize(t *testing.T) {
	s := testServer(t)
	root := iamClient(s, rootKey, rootSecret)
	_, key, secret := newUser(t, s, root, "fed")
	mustQuery(t, s, "PutUserPolicy", "UserName", "fed", "PolicyName", "fed", "PolicyDocument",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"*"}]}`)
	for _, tc := range []struct {
		params []string
		want   string
	}{
		{[]string{"Name", "bob"}, "0"},
		{[]string{"Name", "bob", "Policy", listBucket}, ""},
	} {
		_, body := queryAs(t, s, key, secret, "GetFederationToken", append([]string{"Version", "2011-06-15"}, tc.params...)...)
		v, ok := element(body, "", "PackedPolicySize")
		if !ok || tc.want != "" && v != tc.want {
			t.Errorf("GetFederationToken %v: PackedPolicySize %q (%v), want %q in %s", tc.params, v, ok, tc.want, body)
		}
	}
}

// Every operation whose answer the model pages reports IsTruncated, also
// when everything fits on one page. The operations are the API model's
// (every output shape with an IsTruncated member); the cases only supply
// each one's inputs, and an operation the model adds without a case fails.
func TestParityIsTruncatedOnEveryPaginatedOperation(t *testing.T) {
	s := testServer(t)
	mustQuery(t, s, "CreateUser", "UserName", "u")
	mustQuery(t, s, "CreateGroup", "GroupName", "g")
	mustQuery(t, s, "CreateRole", "RoleName", "r", "AssumeRolePolicyDocument", ec2TrustDoc)
	mustQuery(t, s, "CreatePolicy", "PolicyName", "p", "PolicyDocument", listBucket)
	mustQuery(t, s, "CreateInstanceProfile", "InstanceProfileName", "ip")
	mfa := mustQuery(t, s, "CreateVirtualMFADevice", "VirtualMFADeviceName", "m")
	serial, _ := element(mfa, "", "SerialNumber")
	oidc, _ := element(mustQuery(t, s, "CreateOpenIDConnectProvider", "Url", "https://oidc.example.com", "ThumbprintList.member.1", strings.Repeat("a", 40)), "", "OpenIDConnectProviderArn")
	saml, _ := element(mustQuery(t, s, "CreateSAMLProvider", "Name", "idp", "SAMLMetadataDocument", samlMetadata(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))), "", "SAMLProviderArn")
	cert, key := validCert(t, "example.com")
	mustQuery(t, s, "UploadServerCertificate", "ServerCertificateName", "c", "CertificateBody", cert, "PrivateKey", key)
	uARN := "arn:aws:iam::" + testAccount + ":user/u"
	pARN := "arn:aws:iam::" + testAccount + ":policy/p"
	job, _ := element(mustQuery(t, s, "GenerateServiceLastAccessedDetails", "Arn", uARN), "", "JobId")
	cases := map[string][]string{
		"GetAccountAuthorizationDetails":            nil,
		"GetGroup":                                  {"GroupName", "g"},
		"GetServiceLastAccessedDetails":             {"JobId", job},
		"GetServiceLastAccessedDetailsWithEntities": {"JobId", job, "ServiceNamespace", "iam"},
		"ListAccessKeys":                            {"UserName", "u"},
		"ListAccountAliases":                        nil,
		"ListAttachedGroupPolicies":                 {"GroupName", "g"},
		"ListAttachedRolePolicies":                  {"RoleName", "r"},
		"ListAttachedUserPolicies":                  {"UserName", "u"},
		"ListEntitiesForPolicy":                     {"PolicyArn", pARN},
		"ListGroupPolicies":                         {"GroupName", "g"},
		"ListGroups":                                nil,
		"ListGroupsForUser":                         {"UserName", "u"},
		"ListInstanceProfileTags":                   {"InstanceProfileName", "ip"},
		"ListInstanceProfiles":                      nil,
		"ListInstanceProfilesForRole":               {"RoleName", "r"},
		"ListMFADeviceTags":                         {"SerialNumber", serial},
		"ListMFADevices":                            {"UserName", "u"},
		"ListOpenIDConnectProviderTags":             {"OpenIDConnectProviderArn", oidc},
		"ListPolicies":                              {"Scope", "Local"},
		"ListPoliciesGrantingServiceAccess":         {"Arn", uARN, "ServiceNamespaces.member.1", "iam"},
		"ListPolicyTags":                            {"PolicyArn", pARN},
		"ListPolicyVersions":                        {"PolicyArn", pARN},
		"ListRolePolicies":                          {"RoleName", "r"},
		"ListRoleTags":                              {"RoleName", "r"},
		"ListRoles":                                 nil,
		"ListSAMLProviderTags":                      {"SAMLProviderArn", saml},
		"ListSSHPublicKeys":                         {"UserName", "u"},
		"ListServerCertificateTags":                 {"ServerCertificateName", "c"},
		"ListServerCertificates":                    nil,
		"ListServiceSpecificCredentials":            {"UserName", "u"},
		"ListSigningCertificates":                   {"UserName", "u"},
		"ListUserPolicies":                          {"UserName", "u"},
		"ListUserTags":                              {"UserName", "u"},
		"ListUsers":                                 nil,
		"ListVirtualMFADevices":                     nil,
		"SimulateCustomPolicy":                      {"PolicyInputList.member.1", listBucket, "ActionNames.member.1", "s3:ListBucket"},
		"SimulatePrincipalPolicy":                   {"PolicySourceArn", uARN, "ActionNames.member.1", "s3:ListBucket"},
	}
	// Operations no successful call can reach here, and why.
	unreachable := map[string]string{
		// It needs a job of an organization's management account, which
		// a standalone account cannot start.
		"GetOrganizationsAccessReport": "no organization",
	}
	// STS pages nothing; were it to, its operations would need cases too.
	var paginated []string
	for _, name := range []string{"iam-2010-05-08.json.gz", "sts-2011-06-15.json.gz"} {
		m := loadModel(t, name)
		for op, o := range m.Operations {
			if o.Output == nil {
				continue
			}
			if _, ok := m.Shapes[o.Output.Shape].Members["IsTruncated"]; ok {
				paginated = append(paginated, op)
			}
		}
	}
	if len(paginated) < 35 {
		t.Fatalf("the model pages only %d operations: %v", len(paginated), paginated)
	}
	for _, op := range paginated {
		_, tested := cases[op]
		if _, skip := unreachable[op]; !tested && !skip {
			t.Errorf("%s: the model pages it, no case calls it", op)
		}
	}
	for op := range cases {
		if !slices.Contains(paginated, op) {
			t.Errorf("%s: not paginated in the model", op)
		}
	}
	isTruncated := regexp.MustCompile(`<IsTruncated>(true|false)</IsTruncated>`)
	for action, params := range cases {
		code, body := query(t, s, action, params...)
		if code != 200 {
			t.Errorf("%s: %d %s", action, code, body)
			continue
		}
		if !isTruncated.MatchString(body) {
			t.Errorf("%s: no IsTruncated in %s", action, body)
		}
		// The answer is well-formed XML.
		if err := xml.Unmarshal([]byte(body), new(struct{})); err != nil {
			t.Errorf("%s: %v", action, err)
		}
	}
}
