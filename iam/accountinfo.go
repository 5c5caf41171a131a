package iam

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/api/iamapi"
)

// Account-wide operations: the alias, the summary, the authorization
// details dump and the credential report.

const (
	kindAlias  = "alias"  // global: alias -> account id
	kindReport = "report" // the account's last credential report
)

// CreateAccountAlias sets the account's alias (one per account, unique
// across accounts).
func (s *Service) CreateAccountAlias(ctx context.Context, in *iamapi.CreateAccountAliasInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		a, err := s.account(tx, c.Account)
		if err != nil {
			return err
		}
		if a.Alias == in.AccountAlias {
			return nil
		}
		if err := tx.Insert("", kindAlias, in.AccountAlias, []byte(c.Account)); err != nil {
			if errors.Is(err, ErrExists) {
				return iamapi.EntityAlreadyExists("The account alias %s already exists.", in.AccountAlias)
			}
			return err
		}
		if a.Alias != "" {
			if err := tx.Delete("", kindAlias, a.Alias); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		a.Alias = in.AccountAlias
		return putJSON(tx, "", kindAccount, a.ID, a)
	})
}

// DeleteAccountAlias removes the account's alias.
func (s *Service) DeleteAccountAlias(ctx context.Context, in *iamapi.DeleteAccountAliasInput) error {
	c, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.updateAccount(ctx, c.Account, func(tx Tx, a *Account) error {
		if a.Alias != in.AccountAlias {
			return iamapi.NoSuchEntity("The account alias %s cannot be found.", in.AccountAlias)
		}
		if err := tx.Delete("", kindAlias, a.Alias); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		a.Alias = ""
		return nil
	})
}

// ListAccountAliases lists the alias (zero or one).
func (s *Service) ListAccountAliases(ctx context.Context, _ *iamapi.ListAccountAliasesInput) (*iamapi.ListAccountAliasesOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.GetAccount(ctx, c.Account)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListAccountAliasesOutput{AccountAliases: []string{}, IsTruncated: ptr(false)}
	if a.Alias != "" {
		out.AccountAliases = append(out.AccountAliases, a.Alias)
	}
	return out, nil
}

// GetAccountSummary reports the account's entity counts and quotas.
func (s *Service) GetAccountSummary(ctx context.Context, _ *iamapi.GetAccountSummaryInput) (*iamapi.GetAccountSummaryOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	m := map[string]int32{}
	tokenVersion := 1
	err = s.view(ctx, func(tx Tx) error {
		if a, err := s.account(tx, c.Account); err == nil && a.TokenVersion != 0 {
			tokenVersion = a.TokenVersion
		}
		count := func(kind string) int32 {
			n, _ := tx.Count(c.Account, kind, "")
			return int32(n)
		}
		m["Users"], m["Groups"], m["Roles"], m["Policies"] = count(kindUser), count(kindGroup), count(kindRole), count(kindPolicy)
		m["InstanceProfiles"], m["Providers"] = count(kindInstanceProfile), count(kindOIDC)+count(kindSAML)
		m["MFADevices"], m["MFADevicesInUse"] = count(kindMFA), count(kindUserMFA)
		m["ServerCertificates"] = count(kindServerCert)
		m["PolicyVersionsInUse"] = count(kindAttachedTo)
		// The root user's credentials are indexed under the empty user name.
		root := key("", "")
		m["AccountMFAEnabled"] = boolInt(mustCount(tx, c.Account, kindUserMFA, root) > 0)
		m["AccountAccessKeysPresent"] = boolInt(mustCount(tx, c.Account, kindUserKey, root) > 0)
		m["AccountSigningCertificatesPresent"] = boolInt(mustCount(tx, c.Account, kindUserCert, root) > 0)
		m["AccountPasswordPresent"] = 0
		return nil
	})
	if err != nil {
		return nil, err
	}
	q := s.quotas
	for k, v := range map[string]int{
		"UsersQuota": q.Users, "GroupsQuota": q.Groups, "RolesQuota": q.Roles, "PoliciesQuota": q.Policies,
		"InstanceProfilesQuota": q.InstanceProfiles, "ServerCertificatesQuota": q.ServerCertificates,
		"GroupsPerUserQuota": q.GroupsPerUser, "AttachedPoliciesPerUserQuota": q.AttachedPerUser,
		"AttachedPoliciesPerGroupQuota": q.AttachedPerGroup, "AttachedPoliciesPerRoleQuota": q.AttachedPerRole,
		"AccessKeysPerUserQuota": q.AccessKeysPerUser, "SigningCertificatesPerUserQuota": q.SigningCertsPerUser,
		"VersionsPerPolicyQuota": q.VersionsPerPolicy, "PolicySizeQuota": 6144, "UserPolicySizeQuota": 2048,
		"GroupPolicySizeQuota": 5120, "RolePolicySizeQuota": 10240, "AssumeRolePolicySizeQuota": q.TrustPolicySize,
		"PolicyVersionsInUseQuota": 10000, "GlobalEndpointTokenVersion": tokenVersion,
	} {
		m[k] = int32(v)
	}
	return &iamapi.GetAccountSummaryOutput{SummaryMap: m}, nil
}

func mustCount(tx Tx, account, kind, prefix string) int {
	n, _ := tx.Count(account, kind, prefix)
	return n
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// GetAccountAuthorizationDetails dumps every user, group, role and policy
// with their policies, in the shape analysis tools read. MaxItems counts
// the entries of the four lists together, in AWS's order (users, groups,
// roles, then policies: customer managed before AWS managed), and the
// Marker continues after the last one returned.
func (s *Service) GetAccountAuthorizationDetails(ctx context.Context, in *iamapi.GetAccountAuthorizationDetailsInput) (*iamapi.GetAccountAuthorizationDetailsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	startSec, startAfter, err := gaadMarker(in.Marker)
	if err != nil {
		return nil, err
	}
	limit := defaultMaxItems
	if in.MaxItems != nil {
		limit = int(*in.MaxItems)
	}
	want := func(f string) bool { return len(in.Filter) == 0 || slices.Contains(in.Filter, f) }
	out := &iamapi.GetAccountAuthorizationDetailsOutput{
		UserDetailList: []iamapi.UserDetail{}, GroupDetailList: []iamapi.GroupDetail{},
		RoleDetailList: []iamapi.RoleDetail{}, Policies: []iamapi.ManagedPolicyDetail{}, IsTruncated: ptr(false),
	}
	count, lastSec, lastKey := 0, 0, ""
	// room reports whether another entry fits on this page; when it does
	// not, the answer is truncated after the last one taken.
	room := func() bool {
		if count == limit {
			out.IsTruncated, out.Marker = ptr(true), encodeMarker(fmt.Sprintf("gaad|%d|%s", lastSec, lastKey))
			return false
		}
		return true
	}
	took := func(sec int, k string) { count, lastSec, lastKey = count+1, sec, k }
	// after is where section sec starts: after the marker's key in its
	// own section, from the start in later ones; skip says the section
	// was already done.
	after := func(sec int) (string, bool) {
		switch {
		case sec < startSec:
			return "", true
		case sec == startSec:
			return startAfter, false
		}
		return "", false
	}
	err = s.view(ctx, func(tx Tx) error {
		// scan runs one section: it takes the records that fit on the
		// page; the section then reads what they relate to with one scan
		// per kind of record (scanUnder), not a query per entry.
		scan := func(sec int, kind string, fn func(k string, data []byte) error) error {
			from, skip := after(sec)
			if skip {
				return nil
			}
			return tx.Scan(c.Account, kind, "", from, 0, func(k string, data []byte) error {
				if !room() {
					return ErrStop
				}
				if err := fn(k, data); err != nil {
					return err
				}
				took(sec, k)
				return nil
			})
		}
		// related reads an entity kind's inline and attached policies for
		// the page's entities, by lower name.
		related := func(kind string, names []string) (map[string][]iamapi.PolicyDetail, map[string][]iamapi.AttachedPolicy, error) {
			prefixes := make([]string, len(names))
			for i, n := range names {
				prefixes[i] = key(kind, lower(n), "")
			}
			inline := map[string][]iamapi.PolicyDetail{}
			err := scanUnder(tx, c.Account, kindInline, prefixes, func(p, _ string, data []byte) error {
				var v InlinePolicy
				if err := json.Unmarshal(data, &v); err != nil {
					return err
				}
				inline[p] = append(inline[p], iamapi.PolicyDetail{PolicyName: ptr(v.Name), PolicyDocument: ptr(encodeDocument(v.Document))})
				return nil
			})
			if err != nil {
				return nil, nil, err
			}
			entries := map[string][]attachedEntry{}
			err = scanUnder(tx, c.Account, kindAttached, prefixes, func(p, k string, data []byte) error {
				var r attachedRecord
				if err := json.Unmarshal(data, &r); err != nil {
					return err
				}
				entries[p] = append(entries[p], attachedOrder(k, r))
				return nil
			})
			if err != nil {
				return nil, nil, err
			}
			attached := map[string][]iamapi.AttachedPolicy{}
			for p, list := range entries {
				sortAttached(list)
				for _, r := range list {
					attached[p] = append(attached[p], iamapi.AttachedPolicy{PolicyName: ptr(r.Name), PolicyArn: ptr(r.ARN)})
				}
			}
			return inline, attached, nil
		}
		boundary := boundaryAPI
		if want("User") {
			users, err := sectionOf[User](scan, gaadUsers, kindUser)
			if err != nil {
				return err
			}
			names := make([]string, len(users))
			userKeys := make([]string, len(users))
			for i, u := range users {
				names[i], userKeys[i] = u.Name, key(lower(u.Name), "")
			}
			inline, attached, err := related("user", names)
			if err != nil {
				return err
			}
			groupsOf, err := keysUnder(tx, c.Account, kindUserGroup, userKeys)
			if err != nil {
				return err
			}
			groupName := map[string]string{} // the page's groups, read once each
			for i, u := range users {
				d := iamapi.UserDetail{Path: ptr(u.Path), UserName: ptr(u.Name), UserId: ptr(u.ID), Arn: ptr(entityARN(c, "user", u.Path, u.Name)),
					CreateDate: ptr(u.Created), PermissionsBoundary: boundary(u.Boundary), Tags: alwaysTags(u.Tags)}
				p := key("user", lower(u.Name), "")
				d.UserPolicyList = inline[p] // AWS leaves UserPolicyList out when empty (but sends RolePolicyList and GroupPolicyList)
				d.AttachedManagedPolicies = nonNil(attached[p])
				d.GroupList = []string{}
				for _, gk := range groupsOf[userKeys[i]] {
					name, ok := groupName[gk]
					if !ok {
						g, err := getGroup(tx, c.Account, gk)
						if err != nil {
							return err
						}
						name, groupName[gk] = g.Name, g.Name
					}
					d.GroupList = append(d.GroupList, name)
				}
				out.UserDetailList = append(out.UserDetailList, d)
			}
		}
		if want("Group") {
			groups, err := sectionOf[Group](scan, gaadGroups, kindGroup)
			if err != nil {
				return err
			}
			names := make([]string, len(groups))
			for i, g := range groups {
				names[i] = g.Name
			}
			inline, attached, err := related("group", names)
			if err != nil {
				return err
			}
			for _, g := range groups {
				p := key("group", lower(g.Name), "")
				out.GroupDetailList = append(out.GroupDetailList, iamapi.GroupDetail{Path: ptr(g.Path), GroupName: ptr(g.Name), GroupId: ptr(g.ID),
					Arn: ptr(entityARN(c, "group", g.Path, g.Name)), CreateDate: ptr(g.Created),
					GroupPolicyList: nonNil(inline[p]), AttachedManagedPolicies: nonNil(attached[p])})
			}
		}
		if want("Role") {
			roles, err := sectionOf[Role](scan, gaadRoles, kindRole)
			if err != nil {
				return err
			}
			names := make([]string, len(roles))
			roleKeys := make([]string, len(roles))
			for i, r := range roles {
				names[i], roleKeys[i] = r.Name, key(lower(r.Name), "")
			}
			inline, attached, err := related("role", names)
			if err != nil {
				return err
			}
			profilesOf, err := keysUnder(tx, c.Account, kindRoleProfile, roleKeys)
			if err != nil {
				return err
			}
			for i, r := range roles {
				p := key("role", lower(r.Name), "")
				d := iamapi.RoleDetail{Path: ptr(r.Path), RoleName: ptr(r.Name), RoleId: ptr(r.ID), Arn: ptr(entityARN(c, "role", r.Path, r.Name)),
					CreateDate: ptr(r.Created), AssumeRolePolicyDocument: ptr(encodeDocument(r.TrustPolicy)), PermissionsBoundary: boundary(r.Boundary),
					Tags: alwaysTags(r.Tags), RoleLastUsed: &iamapi.RoleLastUsed{LastUsedDate: r.LastUsed, Region: optional(r.LastUsedRegion)},
					RolePolicyList: nonNil(inline[p]), AttachedManagedPolicies: nonNil(attached[p]), InstanceProfileList: []iamapi.InstanceProfile{}}
				for _, pk := range profilesOf[roleKeys[i]] {
					prof, err := getProfile(tx, c.Account, pk)
					if err != nil {
						return err
					}
					api, err := s.profileAPI(tx, c, prof, false)
					if err != nil {
						return err
					}
					d.InstanceProfileList = append(d.InstanceProfileList, api)
				}
				out.RoleDetailList = append(out.RoleDetailList, d)
			}
		}
		if want("LocalManagedPolicy") {
			policies, err := sectionOf[ManagedPolicy](scan, gaadLocalPolicies, kindPolicy)
			if err != nil {
				return err
			}
			arns := make([]string, len(policies))
			arnKeys := make([]string, len(policies))
			nameKeys := make([]string, len(policies))
			for i := range policies {
				arns[i] = s.policyARN(c, &policies[i])
				arnKeys[i], nameKeys[i] = key(arns[i], ""), key(lower(policies[i].Name), "")
			}
			attachments, boundaries, err := usageOf(tx, c.Account, arnKeys)
			if err != nil {
				return err
			}
			versions := map[string][]PolicyVersion{}
			err = scanUnder(tx, c.Account, kindPolicyVersion, nameKeys, func(p, _ string, data []byte) error {
				var v PolicyVersion
				if err := json.Unmarshal(data, &v); err != nil {
					return err
				}
				versions[p] = append(versions[p], v)
				return nil
			})
			if err != nil {
				return err
			}
			for i, p := range policies {
				d := iamapi.ManagedPolicyDetail{PolicyName: ptr(p.Name), PolicyId: ptr(p.ID), Arn: ptr(arns[i]), Path: ptr(p.Path),
					DefaultVersionId: ptr(p.DefaultVersion), AttachmentCount: ptr(int32(attachments[arnKeys[i]])),
					PermissionsBoundaryUsageCount: ptr(int32(boundaries[arnKeys[i]])),
					IsAttachable:                  ptr(true), Description: optional(p.Description), CreateDate: ptr(p.Created), UpdateDate: ptr(p.Updated),
					PolicyVersionList: []iamapi.PolicyVersion{}}
				for _, v := range versions[nameKeys[i]] {
					d.PolicyVersionList = append(d.PolicyVersionList, versionAPI(&v, v.VersionID == p.DefaultVersion, true))
				}
				out.Policies = append(out.Policies, d)
			}
		}
		if want("AWSManagedPolicy") && !*out.IsTruncated {
			// AWS managed policies appear when something in the account uses them.
			// Their position in the (fixed) catalogue is the marker's key.
			from, skip := after(gaadAWSPolicies)
			if skip {
				return nil
			}
			start := 0
			if from != "" {
				n, err := strconv.Atoi(from)
				if err != nil {
					return invalidMarker()
				}
				start = n + 1
			}
			// The account's uses of AWS managed policies, in one scan each
			// of attachments and boundary uses.
			attachments, boundaries, err := awsUsage(tx, c.Account, "arn:"+c.Partition+":iam::aws:policy")
			if err != nil {
				return err
			}
			for i, p := range s.managed.ByName() {
				if i < start {
					continue
				}
				k := strconv.Itoa(i)
				a := awsPolicyARN(c, p)
				n, b := attachments[key(a, "")], boundaries[key(a, "")]
				if n == 0 && b == 0 {
					continue
				}
				if !room() {
					break
				}
				out.Policies = append(out.Policies, iamapi.ManagedPolicyDetail{PolicyName: ptr(p.Name), PolicyId: ptr(p.ID), Arn: ptr(a), Path: ptr(p.Path),
					DefaultVersionId: ptr(p.DefaultVersion), AttachmentCount: ptr(int32(n)), PermissionsBoundaryUsageCount: ptr(int32(b)),
					IsAttachable: ptr(!p.Deprecated), CreateDate: ptr(p.Created), UpdateDate: ptr(p.Updated),
					PolicyVersionList: awsPolicyVersionList(p)})
				took(gaadAWSPolicies, k)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// The sections of GetAccountAuthorizationDetails, in the order it pages
// through them.
const (
	gaadUsers = iota
	gaadGroups
	gaadRoles
	gaadLocalPolicies
	gaadAWSPolicies
)

// gaadMarker reads a GetAccountAuthorizationDetails marker: the section
// and the key of the last entry returned.
func gaadMarker(marker *string) (int, string, error) {
	k, err := decodeMarker(marker)
	if err != nil || k == "" {
		return 0, "", err
	}
	rest, ok := strings.CutPrefix(k, "gaad|")
	secText, after, ok2 := strings.Cut(rest, "|")
	sec, err := strconv.Atoi(secText)
	if !ok || !ok2 || err != nil || sec < gaadUsers || sec > gaadAWSPolicies {
		return 0, "", invalidMarker()
	}
	return sec, after, nil
}

// Credential report.

type credentialReport struct {
	Generated time.Time `json:"generated"`
	CSV       []byte    `json:"csv"`
}

// reportTTL is how long a report stays current (AWS: four hours).
const reportTTL = 4 * time.Hour

// GenerateCredentialReport builds the report at once, answering as AWS
// does: STARTED for the call that starts a report, COMPLETE while it is
// current (clients poll until COMPLETE, then read it).
func (s *Service) GenerateCredentialReport(ctx context.Context, _ *iamapi.GenerateCredentialReportInput) (*iamapi.GenerateCredentialReportOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	var rep credentialReport
	fresh := false
	err = s.update(ctx, func(tx Tx) error {
		if err := getJSON(tx, c.Account, kindReport, "credential", &rep); err == nil && now.Sub(rep.Generated) < reportTTL {
			fresh = true
			return nil
		}
		data, err := s.buildCredentialReport(tx, c, now)
		if err != nil {
			return err
		}
		rep = credentialReport{Generated: now, CSV: data}
		return putJSON(tx, c.Account, kindReport, "credential", &rep)
	})
	if err != nil {
		return nil, err
	}
	if fresh {
		return &iamapi.GenerateCredentialReportOutput{State: ptr("COMPLETE")}, nil
	}
	return &iamapi.GenerateCredentialReportOutput{State: ptr("STARTED"), Description: ptr("No report exists. Starting a new report generation task")}, nil
}

// GetCredentialReport returns the last report.
func (s *Service) GetCredentialReport(ctx context.Context, _ *iamapi.GetCredentialReportInput) (*iamapi.GetCredentialReportOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var rep credentialReport
	err = s.view(ctx, func(tx Tx) error {
		if err := getJSON(tx, c.Account, kindReport, "credential", &rep); err != nil {
			if errors.Is(err, ErrNotFound) {
				return iamapi.CredentialReportNotPresent("") // AWS's has no message
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.now().Sub(rep.Generated) > reportTTL {
		return nil, iamapi.CredentialReportExpired("The credential report is more than four hours old. Generate a new one.")
	}
	return &iamapi.GetCredentialReportOutput{Content: rep.CSV, ReportFormat: ptr("text/csv"), GeneratedTime: ptr(rep.Generated)}, nil
}

// reportColumns are AWS's credential report columns.
var reportColumns = []string{"user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
	"password_next_rotation", "mfa_active", "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
	"access_key_1_last_used_region", "access_key_1_last_used_service", "access_key_2_active", "access_key_2_last_rotated",
	"access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service", "cert_1_active",
	"cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"}

func (s *Service) buildCredentialReport(tx Tx, c *Caller, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(reportColumns)
	iso := func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return "N/A"
		}
		return t.UTC().Format("2006-01-02T15:04:05Z")
	}
	row := func(name, arn string, created time.Time, userKey string, password *LoginProfile, lastUsed *time.Time) error {
		keys, err := userKeys(tx, c.Account, userKey)
		if err != nil {
			return err
		}
		mfa := mustCount(tx, c.Account, kindUserMFA, key(userKey, "")) > 0
		r := []string{name, arn, iso(&created)}
		switch {
		case userKey == "":
			r = append(r, "not_supported", iso(lastUsed), "not_supported", "not_supported")
		case password != nil:
			used := "no_information" // a password never used to sign in, as AWS reports it
			if lastUsed != nil && !lastUsed.IsZero() {
				used = iso(lastUsed)
			}
			set := password.passwordSet()
			r = append(r, "true", used, iso(&set), "N/A")
		default:
			r = append(r, "false", "N/A", "N/A", "N/A")
		}
		r = append(r, boolText(mfa))
		for i := 0; i < 2; i++ {
			if i < len(keys) {
				k := keys[i]
				r = append(r, boolText(k.Status == "Active"), iso(&k.Created), iso(k.LastUsed), orNA(k.LastUsedRegion), orNA(k.LastUsedSvc))
			} else {
				r = append(r, "false", "N/A", "N/A", "N/A", "N/A")
			}
		}
		certs, err := scanKeys(tx, c.Account, kindUserCert, key(userKey, ""))
		if err != nil {
			return err
		}
		sort.Strings(certs)
		for i := 0; i < 2; i++ {
			if i < len(certs) {
				var cert signingCert
				if err := getJSON(tx, c.Account, kindCert, certs[i], &cert); err != nil {
					return err
				}
				r = append(r, boolText(cert.Status == "Active"), iso(&cert.Uploaded))
			} else {
				r = append(r, "false", "N/A")
			}
		}
		return w.Write(r)
	}
	a, err := s.account(tx, c.Account)
	if err != nil {
		return nil, err
	}
	if err := row("<root_account>", "arn:"+c.Partition+":iam::"+c.Account+":root", a.Created, "", nil, nil); err != nil {
		return nil, err
	}
	err = scanJSON(tx, c.Account, kindUser, "", "", 0, func(k string, u *User) error {
		var lp *LoginProfile
		if p, err := getLoginProfile(tx, c.Account, u.Name); err == nil {
			lp = p
		}
		return row(u.Name, entityARN(c, "user", u.Path, u.Name), u.Created, k, lp, u.PasswordLastUsed)
	})
	if err != nil {
		return nil, err
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

func boolText(b bool) string {
	return strings.ToLower(map[bool]string{true: "TRUE", false: "FALSE"}[b])
}

func orNA(s string) string {
	if s == "" {
		return "N/A"
	}
	return s
}

// awsPolicyVersionList is every version of an AWS managed policy with its
// document, newest first, as AWS's GetAccountAuthorizationDetails lists them
// (recorded: AmazonS3FullAccess with its v2 and its v1).
func awsPolicyVersionList(p *AWSManagedPolicy) []iamapi.PolicyVersion {
	var out []iamapi.PolicyVersion
	p.EachVersion(func(v AWSPolicyVersion, doc string) {
		out = append(out, versionAPI(&PolicyVersion{VersionID: v.ID, Document: doc, Created: v.Created}, v.IsDefault, true))
	})
	return out
}

// sectionOf is the records of one GetAccountAuthorizationDetails section
// that fit on the page, decoded in key order.
func sectionOf[T any](scan func(sec int, kind string, fn func(k string, data []byte) error) error, sec int, kind string) ([]T, error) {
	var out []T
	err := scan(sec, kind, func(_ string, data []byte) error {
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// nonNil is list, or an empty list where AWS sends one for none.
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
