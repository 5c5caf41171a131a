package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/iamd/iamd/arn"
)

// Canonical ARNs. An operation that takes an ARN (a policy, a SAML or OIDC
// provider, a role to assume) acts on the entity the ARN resolves to, and
// authorization must see that entity's own ARN, not the caller's spelling
// of it: a Deny on arn:aws:iam::aws:policy/AdministratorAccess must also
// stop ...policy/administratoraccess, arn:aws-cn:..., or an ARN with a
// region. So the resolvers below accept an ARN only when it is the
// entity's canonical ARN, character for character: the deployment's
// partition, no region, service iam, the account, the entity's real path
// and name (IAM ARNs are case-sensitive even where names are unique
// without regard to case). Any other spelling names no entity. Authorize
// and the operations resolve through the same functions, so what is
// authorized is what is changed.

// parseEntityARN parses an ARN that must name an IAM entity of the given
// resource type ("policy", "role", "saml-provider", ...) in the caller's
// partition, without a region. ok is false for any other ARN; the account
// is for the caller to check (AWS managed policies are in account "aws").
func parseEntityARN(partition, s, typ string) (a arn.ARN, ok bool) {
	a, err := arn.Parse(s)
	if err != nil || a.Partition != partition || a.Service != "iam" || a.Region != "" || !strings.HasPrefix(a.Resource, typ+"/") {
		return arn.ARN{}, false
	}
	return a, true
}

// splitPathName cuts TYPE/PATH/NAME into its path ("/PATH/") and name.
func splitPathName(resource, typ string) (path, name string) {
	pathName := strings.TrimPrefix(resource, typ)
	i := strings.LastIndexByte(pathName, '/')
	return pathName[:i+1], pathName[i+1:]
}

// ErrBadRoleARN is RoleByARN's answer for text that is not a role ARN at
// all (callers answer ValidationError); an ARN of a role that does not
// exist, or that spells one otherwise than its canonical ARN, is
// ErrNotFound.
var ErrBadRoleARN = errors.New("iam: not a role ARN")

// RoleByARN resolves the role a RoleArn names for STS: the role whose
// canonical ARN the text is, exactly (partition, no region, account, path
// and name as stored: AWS's docs say to "use the exact name of your role,
// because role names are case sensitive" when assuming it). partition ""
// accepts any known partition (unsigned STS calls have no caller to take
// it from). It returns the role and its canonical ARN.
func (s *Service) RoleByARN(ctx context.Context, partition, roleARN string) (*PrincipalData, string, error) {
	a, err := arn.Parse(roleARN)
	if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, "role/") {
		return nil, "", ErrBadRoleARN
	}
	if partition == "" && arn.KnownPartition(a.Partition) {
		partition = a.Partition
	}
	if _, ok := parseEntityARN(partition, roleARN, "role"); !ok {
		return nil, "", ErrNotFound
	}
	path, name := splitPathName(a.Resource, "role")
	role, err := s.PrincipalPolicies(ctx, a.AccountID, "role", name)
	if err != nil {
		return nil, "", err
	}
	canonical := arn.ARN{Partition: partition, Service: "iam", AccountID: a.AccountID, Resource: "role" + role.Path + role.Name}.String()
	if role.Path != path || role.Name != name || canonical != roleARN {
		return nil, "", ErrNotFound
	}
	return role, canonical, nil
}

// PrincipalSource is the user, group or role an ARN names for the
// operations that read an entity's policies by ARN
// (SimulatePrincipalPolicy, GetContextKeysForPrincipalPolicy,
// ListPoliciesGrantingServiceAccess, GenerateServiceLastAccessedDetails):
// its kind ("user", "group", "role") and name. They read the entity by
// name in the caller's account, so ok is true only for an ARN of the
// caller's partition and account, service iam, without a region: an ARN of
// another account must not read the caller's entity of the same name while
// authorization saw the other account's ARN. The path is not checked here:
// authorization builds the entity's real ARN from its record.
func PrincipalSource(c *Caller, s string) (kind, name string, ok bool) {
	for _, typ := range []string{"user", "group", "role"} {
		a, ok := parseEntityARN(c.Partition, s, typ)
		if !ok {
			continue
		}
		_, name := splitPathName(a.Resource, typ)
		if a.AccountID != c.Account || name == "" {
			return "", "", false
		}
		return typ, name, true
	}
	return "", "", false
}
