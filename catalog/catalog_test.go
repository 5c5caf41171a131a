package catalog

import "testing"

func TestCatalog(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Services) < 400 {
		t.Fatalf("%d services", len(c.Services))
	}
	s, a, ok := c.Action("IAM:passrole")
	if !ok || s.Prefix != "iam" || a.Name != "PassRole" || a.AccessLevel != "Write" || len(a.ResourceTypes) != 1 || a.ResourceTypes[0].Name != "role" {
		t.Fatalf("iam:PassRole = %+v", a)
	}
	if rt := s.ResourceTypes["role"]; rt == nil || rt.ARN != "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}" {
		t.Fatalf("role resource type %+v", rt)
	}
	if _, _, ok := c.Action("s3:NoSuchAction"); ok {
		t.Fatal("unknown action found")
	}
	if n := len(c.Services["s3"].ActionNames()); n < 150 {
		t.Fatalf("s3 has %d actions", n)
	}
}
