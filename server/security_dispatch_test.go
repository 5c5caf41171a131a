package server

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/api/stsapi"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/sts"
)

// implemented lists the operations that the parts embedded in an API's
// operations struct implement (not the generated Unimplemented type,
// which has them all), by asking each part's type.
func implemented(t *testing.T, ops any, list func(any) []string) []string {
	t.Helper()
	typ := reflect.TypeOf(ops)
	var out []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.Anonymous {
			t.Fatalf("%s.%s: only embedded parts expected", typ, f.Name)
		}
		if strings.HasPrefix(f.Name, "Unimplemented") {
			continue
		}
		out = append(out, list(reflect.Zero(f.Type).Interface())...)
	}
	slices.Sort(out)
	return out
}

// Every operation the server implements has an authorization rule: an
// entry of iam's actionResource (a resource type, or "" for "*") or of
// sts's authorization table. The dispatcher refuses operations without
// one, so a new operation whose rule is forgotten fails here, not open.
func TestEveryImplementedOperationHasAnAuthorizationRule(t *testing.T) {
	iamOps := implemented(t, iamOperations{}, iamapi.ImplementedOperations)
	for _, op := range []string{"CreateUser", "SimulatePrincipalPolicy", "GetContextKeysForCustomPolicy"} {
		if !slices.Contains(iamOps, op) {
			t.Errorf("%s is not among the implemented IAM operations %v", op, iamOps)
		}
	}
	if len(iamOps) < 100 {
		t.Errorf("only %d IAM operations found implemented", len(iamOps))
	}
	for _, op := range iamOps {
		if _, ok := iam.AuthorizationRule(op); !ok {
			t.Errorf("IAM operation %s has no authorization rule", op)
		}
	}
	stsOps := implemented(t, stsOperations{}, stsapi.ImplementedOperations)
	for _, op := range []string{"AssumeRole", "DecodeAuthorizationMessage", "GetCallerIdentity"} {
		if !slices.Contains(stsOps, op) {
			t.Errorf("%s is not among the implemented STS operations %v", op, stsOps)
		}
	}
	for _, op := range stsOps {
		if _, ok := sts.AuthorizationRule(op); !ok {
			t.Errorf("STS operation %s has no authorization rule", op)
		}
	}
}
