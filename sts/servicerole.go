package sts

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/query"
	"github.com/iamd/iamd/api/stsapi"
	"github.com/iamd/iamd/arn"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/policy"
)

// ActionAssumeRoleForService is iamd's own STS action (not an AWS one) by
// which the credential agents (iamd imds, iamd container-credentials) get
// a role's credentials to hand to workloads. It stands for what AWS does
// inside its services:
//
//   - whoever attaches a role to an instance or a task must be allowed
//     iam:PassRole on the role, with iam:PassedToService naming the
//     service: here, the agent's own credentials (the caller);
//   - the service then assumes the role as its service principal: the
//     role's trust policy must allow sts:AssumeRole to
//     {"Service": "ec2.amazonaws.com"} (instance profiles) or
//     {"Service": "ecs-tasks.amazonaws.com"} (container credentials), with
//     aws:SourceAccount and, when given, aws:SourceArn as condition keys.
//
// Parameters: ServicePrincipal (required), InstanceProfileName (for
// ec2.amazonaws.com) or RoleArn (for ecs-tasks.amazonaws.com),
// RoleSessionName (the instance or task id), DurationSeconds, SourceArn
// (the instance or task ARN).
const ActionAssumeRoleForService = "AssumeRoleForService"

// The service principals that may assume roles through the agents.
var servicePrincipals = map[string]bool{"ec2.amazonaws.com": true, "ecs-tasks.amazonaws.com": true}

var sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// AssumeRoleForServiceOutput is the action's result: the credentials, the
// session, and the instance profile they came through.
type AssumeRoleForServiceOutput struct {
	Credentials        *stsapi.Credentials
	AssumedRoleUser    *stsapi.AssumedRoleUser
	RoleArn            string
	InstanceProfileArn string
	InstanceProfileId  string
}

// EncodeXML writes the result in the shape of AssumeRole's.
func (o *AssumeRoleForServiceOutput) EncodeXML(w *query.Writer) {
	w.Start("Credentials")
	w.String("AccessKeyId", o.Credentials.AccessKeyId)
	w.String("SecretAccessKey", o.Credentials.SecretAccessKey)
	w.String("SessionToken", o.Credentials.SessionToken)
	w.Time("Expiration", o.Credentials.Expiration)
	w.End("Credentials")
	w.Start("AssumedRoleUser")
	w.String("AssumedRoleId", o.AssumedRoleUser.AssumedRoleId)
	w.String("Arn", o.AssumedRoleUser.Arn)
	w.End("AssumedRoleUser")
	w.String("RoleArn", o.RoleArn)
	if o.InstanceProfileArn != "" {
		w.String("InstanceProfileArn", o.InstanceProfileArn)
		w.String("InstanceProfileId", o.InstanceProfileId)
	}
}

// AssumeRoleForService issues a role session for a service principal on
// behalf of a caller allowed to pass the role to that service.
func (s *Service) AssumeRoleForService(ctx context.Context, params url.Values) (query.Output, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	partition := c.Partition
	if partition == "" {
		partition = "aws"
	}
	service := params.Get("ServicePrincipal")
	if !servicePrincipals[service] {
		return nil, validation("ServicePrincipal must be ec2.amazonaws.com or ecs-tasks.amazonaws.com.")
	}
	sessionName := params.Get("RoleSessionName")
	if sessionName == "" {
		sessionName = "iamd-" + strconv.FormatInt(s.now().Unix(), 10)
	}
	if !sessionNamePattern.MatchString(sessionName) {
		return nil, validation("RoleSessionName must be 2 to 64 characters of letters, digits and +=,.@_-.")
	}
	duration := 3600
	if d := params.Get("DurationSeconds"); d != "" {
		if duration, err = strconv.Atoi(d); err != nil || duration < 900 || duration > 43200 {
			return nil, validation("DurationSeconds must be between 900 and 43200.")
		}
	}
	out := &AssumeRoleForServiceOutput{}
	account, roleName := c.Account, ""
	switch service {
	case "ec2.amazonaws.com":
		name := params.Get("InstanceProfileName")
		if name == "" || params.Get("RoleArn") != "" {
			return nil, validation("ec2.amazonaws.com takes an InstanceProfileName and no RoleArn.")
		}
		p, err := s.iam.InstanceProfileByName(ctx, account, name)
		if err != nil {
			return nil, err
		}
		if p.Role == "" {
			return nil, validation("The instance profile %s has no role.", name)
		}
		roleName = p.Role
		out.InstanceProfileArn = arn.ARN{Partition: partition, Service: "iam", AccountID: account, Resource: "instance-profile" + p.Path + p.Name}.String()
		out.InstanceProfileId = p.ID
	default:
		a, err := arn.Parse(params.Get("RoleArn"))
		if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, "role/") {
			return nil, validation("%s takes the RoleArn of a role.", service)
		}
		if a.AccountID != account {
			return nil, accessDenied("User: %s is not authorized to perform: iam:PassRole on resource: %s", c.ARN, a.String())
		}
		roleName = a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
		// PassRole before the lookup: no telling whether a role exists to
		// callers that may not pass it.
		if err := s.guard.Check(ctx, "iam:PassRole", a.String(), map[string][]string{"iam:PassedToService": {service}}); err != nil {
			return nil, err
		}
	}
	role, err := s.iam.PrincipalPolicies(ctx, account, "role", roleName)
	if errors.Is(err, iam.ErrNotFound) {
		return nil, iamNoSuchRole(roleName)
	}
	if err != nil {
		return nil, err
	}
	roleARN := arn.ARN{Partition: partition, Service: "iam", AccountID: account, Resource: "role" + role.Path + role.Name}.String()
	out.RoleArn = roleARN

	if service == "ec2.amazonaws.com" {
		// The caller hands the profile's role to the service: iam:PassRole.
		if err := s.guard.Check(ctx, "iam:PassRole", roleARN, map[string][]string{"iam:PassedToService": {service}}); err != nil {
			return nil, err
		}
	} else if params.Get("RoleArn") != roleARN {
		return nil, iamNoSuchRole(roleName) // the ARN's path is not the role's
	}
	if time.Duration(duration)*time.Second > time.Duration(role.MaxSessionDuration)*time.Second {
		duration = role.MaxSessionDuration // a service asks for what the role allows
	}
	// The service assumes the role: the trust policy must trust it.
	keys := map[string][]string{"aws:SourceAccount": {account}, "sts:RoleSessionName": {sessionName}}
	sourceARN := params.Get("SourceArn")
	if sourceARN == "" && service == "ec2.amazonaws.com" && strings.HasPrefix(sessionName, "i-") && c.Region != "" {
		// An instance's session is named for the instance: its ARN.
		sourceARN = arn.ARN{Partition: partition, Service: "ec2", Region: c.Region, AccountID: account, Resource: "instance/" + sessionName}.String()
	}
	if sourceARN != "" {
		keys["aws:SourceArn"] = []string{sourceARN}
	}
	now := s.now().UTC().Truncate(time.Second)
	principal := policy.Principal{Type: policy.TypeService, Service: service}
	if !trustAllows(role.TrustPolicy, principal, "sts:AssumeRole", roleARN, account, keys, RequestInfo{SourceIP: c.SourceIP, UserAgent: c.UserAgent, SecureTransport: c.SecureTransport}, now) {
		return nil, accessDenied("The role %s does not trust %s: its trust policy must allow sts:AssumeRole to the service principal.", roleARN, service)
	}
	sess := &iam.Session{Type: iam.SessionAssumedRole, Account: account, IssuedAt: now, Expires: now.Add(time.Duration(duration) * time.Second),
		RoleName: role.Name, RoleID: role.ID, RolePath: role.Path, SessionName: sessionName}
	if service == "ec2.amazonaws.com" && sourceARN != "" {
		// The key AWS adds to every request made with instance credentials.
		sess.WebIdentity = map[string]string{"ec2:SourceInstanceARN": sourceARN}
	}
	creds, err := s.issue(sess)
	if err != nil {
		return nil, err
	}
	s.iam.RecordRoleUse(account, role.Name, c.Region, now)
	out.Credentials = creds
	out.AssumedRoleUser = &stsapi.AssumedRoleUser{AssumedRoleId: role.ID + ":" + sessionName,
		Arn: arn.ARN{Partition: partition, Service: "sts", AccountID: account, Resource: "assumed-role/" + role.Name + "/" + sessionName}.String()}
	return out, nil
}

func iamNoSuchRole(name string) error {
	return awserr.Newf("NoSuchEntity", http.StatusNotFound, "The role with name %s cannot be found.", name)
}
