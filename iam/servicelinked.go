package iam

import (
	_ "embed"
	"encoding/json"
	"strings"
	"sync"

	"github.com/iamd/iamd/api/iamapi"
)

// The service-linked roles AWS creates, kept as data with its source (see
// the file's "source"): for each service principal, the role's name, the
// AWS managed policy attached to it and whether a CustomSuffix is taken.
//
//go:embed data/service-linked-roles.json
var serviceLinkedRolesJSON []byte

// linkedRole is one service's entry in the catalogue.
type linkedRole struct {
	Service      string `json:"service"`
	RoleName     string `json:"role_name"`
	Policy       string `json:"policy"` // in the aws partition
	CustomSuffix bool   `json:"custom_suffix"`
	Source       string `json:"source"` // where the entry's facts come from
}

var linkedRoles = sync.OnceValue(func() map[string]linkedRole {
	var f struct {
		Roles []linkedRole `json:"roles"`
	}
	if err := json.Unmarshal(serviceLinkedRolesJSON, &f); err != nil {
		panic("iam: data/service-linked-roles.json: " + err.Error()) // embedded data, checked by the tests
	}
	m := make(map[string]linkedRole, len(f.Roles))
	for _, r := range f.Roles {
		m[r.Service] = r
	}
	return m
})

// serviceLinkedRole is the path and name of the role CreateServiceLinkedRole
// creates for a service (and authorization authorizes it on), and the
// managed policy AWS attaches ("" when the catalogue does not know the
// service: its name then follows AWS's usual rule, AWSServiceRoleFor and
// the service's name). Authorization names the role even with a suffix
// the service does not take: the operation refuses that after.
func serviceLinkedRole(svc string, suffix *string) (path, name string, err error) {
	path, name, _, err = linkedRoleFor(svc, suffix, false)
	return path, name, err
}

// linkedRoleFor is serviceLinkedRole with the managed policy; strict
// refuses a CustomSuffix where AWS does.
func linkedRoleFor(svc string, suffix *string, strict bool) (path, name, policyARN string, err error) {
	if !strings.HasSuffix(svc, ".amazonaws.com") {
		return "", "", "", iamapi.InvalidInput("Invalid service name: %s", svc)
	}
	path = "/aws-service-role/" + svc + "/"
	r, known := linkedRoles()[svc]
	switch {
	case known:
		name, policyARN = r.RoleName, r.Policy
		if strict && suffix != nil && !r.CustomSuffix {
			return "", "", "", iamapi.InvalidInput("Custom suffix is not allowed for %s", svc)
		}
	default:
		name = "AWSServiceRoleFor" + serviceRoleName(strings.TrimSuffix(svc, ".amazonaws.com"))
	}
	if suffix != nil {
		name += "_" + *suffix
	}
	return path, name, policyARN, nil
}

// serviceRoleName turns "elasticbeanstalk" or "ecs.application-autoscaling"
// into the CamelCase AWS uses in service-linked role names.
func serviceRoleName(short string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(short, func(r rune) bool { return r == '.' || r == '-' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}
