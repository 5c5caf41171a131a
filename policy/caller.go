package policy

import (
	"fmt"
	"strings"

	"github.com/iamd/iamd/arn"
)

// PrincipalFromARN describes the caller an ARN names: an IAM user, a role
// session (assumed-role ARN), a federated user, an account root, or a
// service principal such as ec2.amazonaws.com. A role session's RoleARN is
// built without a path, which its ARN does not carry.
func PrincipalFromARN(s string) (Principal, error) {
	if strings.HasSuffix(s, ".amazonaws.com") && !strings.HasPrefix(s, "arn:") {
		return Principal{Type: TypeService, ARN: s, Service: s}, nil
	}
	a, err := arn.Parse(s)
	if err != nil {
		return Principal{}, fmt.Errorf("principal %q is not an ARN or a service principal", s)
	}
	p := Principal{ARN: s, Account: a.AccountID}
	kind, rest, _ := strings.Cut(a.Resource, "/")
	switch {
	case a.Service == "iam" && a.Resource == "root":
		p.Type = TypeAccount
	case a.Service == "iam" && kind == "user" && rest != "":
		p.Type = TypeUser
	case a.Service == "sts" && kind == "assumed-role" && strings.Contains(rest, "/"):
		role, _, _ := strings.Cut(rest, "/")
		p.Type = TypeAssumedRole
		p.RoleARN = arn.ARN{Partition: a.Partition, Service: "iam", AccountID: a.AccountID, Resource: "role/" + role}.String()
	case a.Service == "sts" && kind == "federated-user" && rest != "":
		p.Type = TypeFederatedUser
	default:
		return Principal{}, fmt.Errorf("principal %q is not a user, role session, federated user or account root ARN", s)
	}
	return p, nil
}

// AddPrincipalKeys sets the context keys AWS derives from the caller
// (section 6): aws:PrincipalArn (the role ARN for role sessions),
// aws:PrincipalAccount, aws:PrincipalType, aws:username for IAM users and
// aws:userid when the id is known. Keys already present are left alone.
func AddPrincipalKeys(ctx *Context, p *Principal) {
	setDefault := ctx.SetDefault // keys lower-cased: nothing to copy per request
	if p.Type == TypeService {
		setDefault("aws:principalisawsservice", "true")
		return
	}
	principalARN := p.ARN
	if p.Type == TypeAssumedRole && p.RoleARN != "" {
		principalARN = p.RoleARN
	}
	setDefault("aws:principalarn", principalARN)
	setDefault("aws:principalaccount", p.Account)
	setDefault("aws:principaltype", string(p.Type))
	switch p.Type {
	case TypeUser:
		if a, err := arn.Parse(p.ARN); err == nil {
			setDefault("aws:username", a.Resource[strings.LastIndexByte(a.Resource, '/')+1:])
		}
		setDefault("aws:userid", p.ID)
	case TypeAccount:
		setDefault("aws:userid", p.Account)
	case TypeFederatedUser:
		if a, err := arn.Parse(p.ARN); err == nil {
			setDefault("aws:userid", p.Account+":"+strings.TrimPrefix(a.Resource, "federated-user/"))
		}
	default:
		setDefault("aws:userid", p.ID)
	}
}
