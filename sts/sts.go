// Package sts implements AWS STS: who the caller is, and temporary
// credentials for role sessions, session tokens and federated users, in
// sealed session tokens.
package sts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/stsapi"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/authz"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/oidc"
	"github.com/iamd/iamd/policy"
)

// Service implements the STS operations.
type Service struct {
	iam     *iam.Service
	guard   *iam.Guard // authorizes the actions operations check
	decider *authz.Decider
	tokens  *Tokens
	now     func() time.Time

	webIdentity *oidc.Verifier // AssumeRoleWithWebIdentity; see webidentity.go
}

// Options configure a Service.
type Options struct {
	Now func() time.Time // the clock; time.Now when nil
	// WebIdentity verifies OIDC tokens (tests allow http issuers on
	// loopback); when nil, only https issuers are trusted.
	WebIdentity *oidc.Verifier
}

// New returns the STS service: guard authorizes what its operations
// check (iam:PassRole, sts:GetFederationToken, ...), decider evaluates
// trust policies.
func New(svc *iam.Service, guard *iam.Guard, decider *authz.Decider, tokens *Tokens, opt Options) *Service {
	s := &Service{iam: svc, guard: guard, decider: decider, tokens: tokens, now: opt.Now, webIdentity: opt.WebIdentity}
	if s.now == nil {
		s.now = time.Now
	}
	if s.webIdentity == nil {
		s.webIdentity = oidc.NewVerifier(oidc.Options{Now: s.now})
	}
	return s
}

func callerOf(ctx context.Context) (*iam.Caller, error) {
	c, ok := iam.CallerFrom(ctx)
	if !ok {
		return nil, awserr.New("MissingAuthenticationToken", http.StatusForbidden, "Request is missing Authentication Token")
	}
	return c, nil
}

func accessDenied(format string, args ...any) error {
	return awserr.Newf("AccessDenied", http.StatusForbidden, format, args...)
}

// Authorize is the dispatcher's authorization step (stsapi.Authorizer): it
// refuses an operation without an authorization rule, and applies the
// limits of session-token credentials, which may call STS only for
// AssumeRole and GetCallerIdentity, and of federated users, which may call
// GetCallerIdentity only. Other permissions are checked by each
// operation, as its rule says.
func (s *Service) Authorize(ctx context.Context, operation string, _ stsapi.Input) error {
	if _, ok := authorization[operation]; !ok {
		// Fail closed; only operations iamd does not implement lack a rule.
		return awserr.NotImplemented("The operation " + operation + " is not implemented by iamd (it has no authorization rule).")
	}
	c, ok := iam.CallerFrom(ctx)
	if !ok || c.Session == nil {
		return nil
	}
	if c.Session.Type == iam.SessionFederatedUser && operation != "GetCallerIdentity" {
		// "You cannot call any STS operations except GetCallerIdentity"
		// with GetFederationToken credentials: a federated user assumes
		// no role, and so leaves neither its user's ceiling nor its
		// session policy.
		return accessDenied("Cannot call %s with session credentials", operation)
	}
	switch operation {
	case "GetCallerIdentity", "AssumeRole", "GetAccessKeyInfo", "DecodeAuthorizationMessage":
		return nil
	}
	if c.Session.Type == iam.SessionToken || c.Session.Type == iam.SessionFederatedUser || operation == "GetSessionToken" || operation == "GetFederationToken" {
		return accessDenied("Cannot call %s with session credentials", operation)
	}
	return nil
}

// GetCallerIdentity says who the caller is. It needs no permission.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *stsapi.GetCallerIdentityInput) (*stsapi.GetCallerIdentityOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	userID := c.UserID
	if c.Root {
		userID = c.Account
	}
	return &stsapi.GetCallerIdentityOutput{UserId: &userID, Account: &c.Account, Arn: &c.ARN}, nil
}

// issue seals a session and returns its credentials.
func (s *Service) issue(sess *iam.Session) (*stsapi.Credentials, error) {
	sess.AccessKeyID = newSessionKeyID(sess.Account)
	sess.Secret = iam.NewSecretAccessKey()
	token, err := s.tokens.Seal(sess)
	if err != nil {
		return nil, err
	}
	return &stsapi.Credentials{AccessKeyId: sess.AccessKeyID, SecretAccessKey: sess.Secret, SessionToken: token, Expiration: sess.Expires}, nil
}

// sessionPolicy validates the inline and managed session policies of a
// request.
func (s *Service) sessionPolicy(ctx context.Context, account string, text *string, arns []stsapi.PolicyDescriptorType) (string, []string, error) {
	var out []string
	if text != nil {
		if _, err := policy.Check([]byte(*text), policy.KindSession, policy.Options{Partition: "*"}); err != nil {
			pe, _ := errors.AsType[*policy.Error](err)
			if pe != nil && pe.Code == policy.CodeLimit {
				return "", nil, stsapi.PackedPolicyTooLarge("Packed size of session policies and session tags exceeds the maximum: %s", pe.Message)
			}
			if pe != nil {
				return "", nil, stsapi.MalformedPolicyDocument("%s", pe.Message)
			}
			return "", nil, err
		}
	}
	for _, p := range arns {
		if p.Arn == nil {
			continue
		}
		if _, err := s.iam.ManagedPolicyDocument(ctx, account, *p.Arn); err != nil {
			return "", nil, awserr.Newf("InvalidParameterValue", http.StatusBadRequest, "Policy %s does not exist or is not attachable.", *p.Arn)
		}
		out = append(out, *p.Arn)
	}
	return orEmpty(text), out, nil
}

func orEmpty(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// packedSize is how much of the packed session-policy space a session
// uses, as a percentage (PackedPolicySize).
func packedSize(sess *iam.Session) *int32 {
	n := len(sess.Policy) + 64*len(sess.PolicyARNs)
	for k, v := range sess.Tags {
		n += len(k) + len(v)
	}
	if n == 0 {
		return nil
	}
	pct := int32((n*100 + 2047) / 2048)
	return &pct
}

// accountOf is the account of a well-formed ARN.
func accountOf(s string) string {
	a, _ := arn.Parse(s)
	return a.AccountID
}

// AssumeRole issues credentials for a role session when the role's trust
// policy (and, across accounts or when it trusts the account, the caller's
// own policies) allow it.
func (s *Service) AssumeRole(ctx context.Context, in *stsapi.AssumeRoleInput) (*stsapi.AssumeRoleOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if c.Root && (c.Session == nil || c.Session.Type == iam.SessionToken) {
		return nil, accessDenied("Roles may not be assumed by root accounts.")
	}
	denied := accessDenied("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.ARN, in.RoleArn)
	// The role the ARN names, only by its canonical ARN (the caller's
	// partition, no region, the role's exact path and name): what is
	// authorized below is that ARN, so that role/dev/admin-role does not
	// pass for role/admin-role, nor role/ADMIN-ROLE for a Deny on it.
	role, roleARN, err := s.iam.RoleByARN(ctx, c.Partition, in.RoleArn)
	switch {
	case errors.Is(err, iam.ErrBadRoleARN):
		return nil, badRoleARN(in.RoleArn)
	case errors.Is(err, iam.ErrNotFound):
		return nil, denied // as AWS: no telling whether the role exists
	case err != nil:
		return nil, err
	}
	account := accountOf(roleARN)
	chained := c.Session != nil && c.Session.Type == iam.SessionAssumedRole
	duration := time.Duration(orDefault(in.DurationSeconds, 3600)) * time.Second
	switch {
	case chained && duration > time.Hour:
		return nil, awserr.ValidationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	case duration > time.Duration(role.MaxSessionDuration)*time.Second:
		return nil, awserr.ValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	policyText, policyARNs, err := s.sessionPolicy(ctx, account, in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	sess := &iam.Session{Type: iam.SessionAssumedRole, Account: account, IssuedAt: now, Expires: now.Add(duration),
		RoleName: role.Name, RoleID: role.ID, RolePath: role.Path, SessionName: in.RoleSessionName, Chained: chained,
		Policy: policyText, PolicyARNs: policyARNs, SourceIdentity: orEmpty(in.SourceIdentity)}
	if err := s.sessionTags(c, sess, in.Tags, in.TransitiveTagKeys); err != nil {
		return nil, err
	}
	if prev := c.Session; prev != nil && prev.SourceIdentity != "" {
		if in.SourceIdentity != nil && *in.SourceIdentity != prev.SourceIdentity {
			return nil, awserr.Newf("InvalidParameterValue", http.StatusBadRequest, "The source identity %q of the session cannot be changed.", prev.SourceIdentity)
		}
		sess.SourceIdentity = prev.SourceIdentity
	}

	// The request's condition keys, for the trust policy.
	keys := map[string][]string{"sts:RoleSessionName": {in.RoleSessionName}}
	if in.ExternalId != nil {
		keys["sts:ExternalId"] = []string{*in.ExternalId}
	}
	if sess.SourceIdentity != "" {
		keys["sts:SourceIdentity"] = []string{sess.SourceIdentity}
	}
	if len(in.TransitiveTagKeys) > 0 {
		keys["sts:TransitiveTagKeys"] = in.TransitiveTagKeys
	}
	if len(in.Tags) > 0 {
		var tagKeys []string
		for _, t := range in.Tags {
			keys["aws:RequestTag/"+t.Key] = []string{t.Value}
			tagKeys = append(tagKeys, t.Key)
		}
		keys["aws:TagKeys"] = tagKeys
	}
	if c.Session != nil && c.Session.MFA {
		sess.MFA, sess.MFAAuthTime = true, c.Session.MFAAuthTime
	}
	if in.SerialNumber != nil || in.TokenCode != nil {
		if in.SerialNumber == nil || in.TokenCode == nil || c.UserName == "" {
			return nil, accessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code.")
		}
		if err := s.iam.VerifyMFACode(ctx, c.Account, c.UserName, *in.SerialNumber, *in.TokenCode); err != nil {
			return nil, err // AWS's AccessDenied answers, limits included
		}
		sess.MFA, sess.MFAAuthTime = true, now
	}
	if sess.MFA {
		keys["aws:MultiFactorAuthPresent"] = []string{"true"}
		keys["aws:MultiFactorAuthAge"] = []string{fmt.Sprint(int64(now.Sub(sess.MFAAuthTime).Seconds()))}
	}

	trust, err := policy.Parse([]byte(role.TrustPolicy))
	if err != nil {
		return nil, denied
	}
	trustSet := policy.NewSet(policy.Compile(trust, policy.Source{ID: "AssumeRolePolicyDocument", Type: "role-trust"}))
	actions := []string{"sts:AssumeRole"}
	if len(in.Tags) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if in.SourceIdentity != nil {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	for _, action := range actions {
		req := &iam.AuthzRequest{Caller: c, Action: action, Resource: roleARN, ResourceAccount: account, Keys: keys}
		e, err := s.decider.Decide(ctx, req, trustSet)
		if err != nil {
			return nil, err
		}
		if e.Decision != policy.Allowed {
			d := authz.AccessDenied(c, action, roleARN, e)
			if e.Decision == policy.ImplicitDeny {
				// STS does not say which side (the caller's policies or the
				// trust policy) failed to allow: its message stops at the
				// resource. It does name an explicit deny.
				d.AWS.Message = fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", c.ARN, action, roleARN)
			}
			return nil, d
		}
	}

	creds, err := s.issue(sess)
	if err != nil {
		return nil, err
	}
	s.iam.RecordRoleUse(account, role.Name, c.Region, now)
	sessionARN := arn.ARN{Partition: c.Partition, Service: "sts", AccountID: account, Resource: "assumed-role/" + role.Name + "/" + in.RoleSessionName}.String()
	out := &stsapi.AssumeRoleOutput{Credentials: creds, PackedPolicySize: packedSize(sess),
		AssumedRoleUser: &stsapi.AssumedRoleUser{AssumedRoleId: role.ID + ":" + in.RoleSessionName, Arn: sessionARN}}
	if sess.SourceIdentity != "" {
		out.SourceIdentity = &sess.SourceIdentity
	}
	return out, nil
}

// sessionTags sets a session's tags: the caller's transitive tags carry
// over and cannot be set again; transitive keys must be among the tags.
func (s *Service) sessionTags(c *iam.Caller, sess *iam.Session, tags []stsapi.Tag, transitive []string) error {
	sess.Tags = map[string]string{}
	if prev := c.Session; prev != nil {
		for _, k := range prev.TransitiveTagKeys {
			if v, ok := prev.Tags[k]; ok {
				sess.Tags[k] = v
				sess.TransitiveTagKeys = append(sess.TransitiveTagKeys, k)
			}
		}
	}
	// AWS's wording (recorded): a key given twice in the request, and a
	// key the calling session already carries as transitive.
	for i, t := range tags {
		for _, u := range tags[:i] {
			if strings.EqualFold(u.Key, t.Key) {
				return awserr.New("InvalidParameterValue", http.StatusBadRequest, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
			}
		}
	}
	inherited := slices.Clone(sess.TransitiveTagKeys)
	for _, t := range tags {
		for _, k := range inherited {
			if strings.EqualFold(k, t.Key) {
				return awserr.New("InvalidParameterValue", http.StatusBadRequest, "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.")
			}
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return awserr.New("InvalidParameterValue", http.StatusBadRequest, "Session tag keys cannot start with aws:.")
		}
		sess.Tags[t.Key] = t.Value
	}
next:
	for _, k := range transitive {
		for _, t := range tags {
			if strings.EqualFold(t.Key, k) {
				sess.TransitiveTagKeys = append(sess.TransitiveTagKeys, t.Key)
				continue next
			}
		}
		return awserr.New("InvalidParameterValue", http.StatusBadRequest, "The specified transitive tag key must be included in the requested tags.")
	}
	if len(sess.Tags) == 0 {
		sess.Tags = nil
	}
	return nil
}

// GetSessionToken issues credentials with the caller's own permissions,
// optionally proven with MFA.
func (s *Service) GetSessionToken(ctx context.Context, in *stsapi.GetSessionTokenInput) (*stsapi.GetSessionTokenOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if c.Session != nil {
		// Also refused by Authorize; here too, since a session without a
		// user name would otherwise be issued as the root user's.
		return nil, accessDenied("Cannot call GetSessionToken with session credentials")
	}
	def, maxD := 43200, 129600
	if c.Root {
		def, maxD = 3600, 3600
	}
	d := int(orDefault(in.DurationSeconds, int32(def)))
	if d > maxD {
		d = maxD // AWS caps the root user's sessions at an hour
	}
	now := s.now().UTC().Truncate(time.Second)
	sess := &iam.Session{Type: iam.SessionToken, Account: c.Account, UserName: c.UserName, UserID: userIDOf(c), IssuedAt: now, Expires: now.Add(time.Duration(d) * time.Second)}
	if in.SerialNumber != nil || in.TokenCode != nil {
		if in.SerialNumber == nil || in.TokenCode == nil {
			return nil, accessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code.")
		}
		if err := s.iam.VerifyMFACode(ctx, c.Account, c.UserName, *in.SerialNumber, *in.TokenCode); err != nil {
			return nil, err // AWS's AccessDenied answers, limits included
		}
		sess.MFA, sess.MFAAuthTime = true, now
	}
	creds, err := s.issue(sess)
	if err != nil {
		return nil, err
	}
	return &stsapi.GetSessionTokenOutput{Credentials: creds}, nil
}

// GetFederationToken issues credentials for a federated user: the
// intersection of the calling user's policies and the session policies.
func (s *Service) GetFederationToken(ctx context.Context, in *stsapi.GetFederationTokenInput) (*stsapi.GetFederationTokenOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if c.Session != nil {
		// Also refused by Authorize; here too, since a session without a
		// user name would otherwise be issued as the root user's.
		return nil, accessDenied("Cannot call GetFederationToken with session credentials")
	}
	federatedARN := arn.ARN{Partition: c.Partition, Service: "sts", AccountID: c.Account, Resource: "federated-user/" + in.Name}.String()
	if err := s.guard.Check(ctx, "sts:GetFederationToken", federatedARN, nil); err != nil {
		return nil, err
	}
	def, maxD := 43200, 129600
	if c.Root {
		def, maxD = 3600, 3600
	}
	d := int(orDefault(in.DurationSeconds, int32(def)))
	if d > maxD {
		d = maxD
	}
	policyText, policyARNs, err := s.sessionPolicy(ctx, c.Account, in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	sess := &iam.Session{Type: iam.SessionFederatedUser, Account: c.Account, UserName: c.UserName, UserID: userIDOf(c), FederatedName: in.Name,
		IssuedAt: now, Expires: now.Add(time.Duration(d) * time.Second), Policy: policyText, PolicyARNs: policyARNs}
	if err := s.sessionTags(c, sess, in.Tags, nil); err != nil {
		return nil, err
	}
	creds, err := s.issue(sess)
	if err != nil {
		return nil, err
	}
	packed := packedSize(sess)
	if packed == nil {
		packed = new(int32) // AWS reports 0 here (AssumeRole leaves it out)
	}
	return &stsapi.GetFederationTokenOutput{Credentials: creds, PackedPolicySize: packed,
		FederatedUser: &stsapi.FederatedUser{FederatedUserId: c.Account + ":" + in.Name, Arn: federatedARN}}, nil
}

// GetAccessKeyInfo tells which account an access key belongs to.
func (s *Service) GetAccessKeyInfo(ctx context.Context, in *stsapi.GetAccessKeyInfoInput) (*stsapi.GetAccessKeyInfoOutput, error) {
	if _, err := callerOf(ctx); err != nil {
		return nil, err
	}
	if account, ok := accountOfSessionKey(in.AccessKeyId); ok {
		return &stsapi.GetAccessKeyInfoOutput{Account: &account}, nil
	}
	cred, err := s.iam.LookupAccessKey(ctx, in.AccessKeyId)
	if err != nil {
		return nil, awserr.Newf("InvalidParameterValue", http.StatusBadRequest, "The access key %s is not known.", in.AccessKeyId)
	}
	return &stsapi.GetAccessKeyInfoOutput{Account: &cred.Account}, nil
}

// userIDOf is the id of the IAM user a session is issued for ("" for the
// root user), which binds the session to that user rather than its name.
func userIDOf(c *iam.Caller) string {
	if c.Root || c.UserName == "" {
		return ""
	}
	return c.UserID
}

func orDefault[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// badRoleARN is AWS's refusal of a RoleArn: a string that is not an ARN at
// all (no partition, service or resource, too few parts) "is invalid", as
// AWS's recorded answers give it; an ARN of something else than a role is
// "not a valid role ARN".
func badRoleARN(s string) error {
	if p, ok := arn.Split(s); !ok || p[0] != "arn" || p[1] == "" || p[2] == "" || p[5] == "" {
		return awserr.ValidationError(s + " is invalid")
	}
	return awserr.ValidationError(fmt.Sprintf("%s is not a valid role ARN.", s))
}
