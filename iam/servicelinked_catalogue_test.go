package iam

// Issue 18, item 1: every entry of the service-linked role catalogue
// (data/service-linked-roles.json) is well formed and names a policy iamd
// actually has, so CreateServiceLinkedRole can attach it.

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestServiceLinkedCatalogue(t *testing.T) {
	var f struct {
		Source string       `json:"source"`
		Roles  []linkedRole `json:"roles"`
	}
	if err := json.Unmarshal(serviceLinkedRolesJSON, &f); err != nil {
		t.Fatal(err)
	}
	if f.Source == "" {
		t.Error("the catalogue has no top-level source")
	}
	// Real catalogue size, so an accidental truncation of the file fails.
	if len(f.Roles) < 112 {
		t.Errorf("catalogue has %d roles, want at least 112", len(f.Roles))
	}
	// A principal is a DNS name under amazonaws.com; a role name is
	// AWSServiceRoleFor and IAM's role-name characters (at most 64).
	principal := regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?\.amazonaws\.com$`)
	roleName := regexp.MustCompile(`^AWSServiceRoleFor[\w+=,.@-]+$`)
	seen := map[string]bool{}
	names := map[string]string{}
	for _, r := range f.Roles {
		if !principal.MatchString(r.Service) {
			t.Errorf("%q: not a service principal", r.Service)
		}
		if seen[r.Service] {
			t.Errorf("%s: listed twice", r.Service)
		}
		seen[r.Service] = true
		if !roleName.MatchString(r.RoleName) || len(r.RoleName) > 64 {
			t.Errorf("%s: role name %q", r.Service, r.RoleName)
		}
		// Two principals sharing a role name would collide in one account
		// (the path differs, but IAM role names are unique per account).
		if other, dup := names[r.RoleName]; dup {
			t.Errorf("%s: role name %s is also %s's", r.Service, r.RoleName, other)
		}
		names[r.RoleName] = r.Service
		if strings.TrimSpace(r.Source) == "" {
			t.Errorf("%s: no source", r.Service)
		}
		pathName, ok := strings.CutPrefix(r.Policy, "arn:aws:iam::aws:policy")
		if !ok {
			t.Errorf("%s: policy %q is not an AWS managed policy ARN", r.Service, r.Policy)
			continue
		}
		p, ok := EmbeddedManagedPolicies().Lookup(pathName)
		switch {
		case !ok:
			t.Errorf("%s: policy %s is not among iamd's AWS managed policies", r.Service, r.Policy)
		case p.Path != "/aws-service-role/":
			t.Errorf("%s: policy %s has path %s, want /aws-service-role/", r.Service, r.Policy, p.Path)
		case p.ARN != r.Policy:
			t.Errorf("%s: policy %s is spelt %s in the managed-policy data", r.Service, r.Policy, p.ARN)
		}
	}
	// The map CreateServiceLinkedRole reads has every entry.
	if got := len(linkedRoles()); got != len(f.Roles) {
		t.Errorf("linkedRoles has %d entries, the file %d", got, len(f.Roles))
	}
}

// The catalogue decides the role's name, path and policy, and a
// CustomSuffix only where the entry takes one.
func TestServiceLinkedCatalogueLookup(t *testing.T) {
	for svc, r := range linkedRoles() {
		path, name, policy, err := linkedRoleFor(svc, nil, true)
		if err != nil || path != "/aws-service-role/"+svc+"/" || name != r.RoleName || policy != r.Policy {
			t.Errorf("%s: %q %q %q %v", svc, path, name, policy, err)
		}
		sfx := "x"
		_, name, _, err = linkedRoleFor(svc, &sfx, true)
		if r.CustomSuffix != (err == nil) {
			t.Errorf("%s: suffix accepted=%v, catalogue says %v", svc, err == nil, r.CustomSuffix)
		}
		if err == nil && name != r.RoleName+"_x" {
			t.Errorf("%s: suffixed name %q", svc, name)
		}
	}
}
