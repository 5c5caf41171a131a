package authz_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/authz"
)

const ipPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`

func strs(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// TestSimulateCustomPolicy: decisions, the keys a condition needed but the
// request lacked (in the policy's spelling), context entries, boundaries.
func TestSimulateCustomPolicy(t *testing.T) {
	f := newFixture(t)
	sim := authz.NewSimulation(f.svc)
	mixedCase := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"AWS:PrincipalTag/Team":"red"}}}]}`
	ip := func(v ...string) []iamapi.ContextEntry {
		return []iamapi.ContextEntry{{ContextKeyName: ptr("aws:SourceIp"), ContextKeyType: ptr("ip"), ContextKeyValues: v}}
	}
	for _, tc := range []struct {
		name     string
		in       iamapi.SimulateCustomPolicyInput
		decision string
		missing  []string
		boundary *bool
	}{
		{"allowed", iamapi.SimulateCustomPolicyInput{PolicyInputList: []string{allow("s3:*", "*")}, ActionNames: []string{"s3:GetObject"}}, "allowed", []string{}, nil},
		{"implicit deny", iamapi.SimulateCustomPolicyInput{PolicyInputList: []string{allow("s3:*", "*")}, ActionNames: []string{"sqs:SendMessage"}}, "implicitDeny", []string{}, nil},
		{"explicit deny", iamapi.SimulateCustomPolicyInput{PolicyInputList: []string{allow("s3:*", "*"), deny("s3:GetObject", "*")}, ActionNames: []string{"s3:GetObject"}}, "explicitDeny", []string{}, nil},
		{"missing key", iamapi.SimulateCustomPolicyInput{PolicyInputList: []string{ipPolicy}, ActionNames: []string{"s3:GetObject"}}, "implicitDeny", []string{"aws:SourceIp"}, nil},
		{"key given, inside", iamapi.SimulateCustomPolicyInput{PolicyInputList: []string{ipPolicy}, ActionNames: []string{"s3:GetObject"}, ContextEntries: ip("10.9.9.9")}, "allowed", []string{}, nil},
		{"key given, outside", iamapi.SimulateCustomPolicyInput{PolicyInputList: []string{ipPolicy}, ActionNames: []string{"s3:GetObject"}, ContextEntries: ip("192.0.2.1")}, "implicitDeny", []string{}, nil},
		{"missing key keeps the policy's spelling", iamapi.SimulateCustomPolicyInput{PolicyInputList: []string{mixedCase}, ActionNames: []string{"s3:GetObject"}}, "implicitDeny", []string{"AWS:PrincipalTag/Team"}, nil},
		{"boundary refuses", iamapi.SimulateCustomPolicyInput{PolicyInputList: []string{allow("*", "*")}, PermissionsBoundaryPolicyInputList: []string{allow("sqs:*", "*")},
			ActionNames: []string{"s3:GetObject"}}, "implicitDeny", []string{}, ptr(false)},
		{"boundary allows", iamapi.SimulateCustomPolicyInput{PolicyInputList: []string{allow("*", "*")}, PermissionsBoundaryPolicyInputList: []string{allow("s3:*", "*")},
			ActionNames: []string{"s3:GetObject"}}, "allowed", []string{}, ptr(true)},
	} {
		out, err := sim.SimulateCustomPolicy(f.root, &tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(out.EvaluationResults) != 1 {
			t.Fatalf("%s: %d results", tc.name, len(out.EvaluationResults))
		}
		r := out.EvaluationResults[0]
		if r.EvalDecision != tc.decision || !reflect.DeepEqual(r.MissingContextValues, tc.missing) || strs(r.EvalResourceName) != "*" {
			t.Errorf("%s: %s missing %q resource %s, want %s missing %q", tc.name, r.EvalDecision, r.MissingContextValues, strs(r.EvalResourceName), tc.decision, tc.missing)
		}
		if (tc.boundary == nil) != (r.PermissionsBoundaryDecisionDetail == nil) ||
			tc.boundary != nil && *r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary != *tc.boundary {
			t.Errorf("%s: boundary detail %+v", tc.name, r.PermissionsBoundaryDecisionDetail)
		}
		if tc.decision != "implicitDeny" && len(r.MatchedStatements) == 0 {
			t.Errorf("%s: no matched statements", tc.name)
		}
		if len(r.MatchedStatements) > 0 && strs(r.MatchedStatements[0].SourcePolicyId) != "PolicyInputList.1" && tc.decision == "allowed" {
			t.Errorf("%s: matched %s", tc.name, strs(r.MatchedStatements[0].SourcePolicyId))
		}
	}
}

// Several resources give one result per resource and the worst decision;
// results page with MaxItems and Marker.
func TestSimulateCustomPolicyResourcesAndPages(t *testing.T) {
	f := newFixture(t)
	sim := authz.NewSimulation(f.svc)
	out, err := sim.SimulateCustomPolicy(f.root, &iamapi.SimulateCustomPolicyInput{
		PolicyInputList: []string{allow("s3:GetObject", "arn:aws:s3:::open/*"), deny("s3:GetObject", "arn:aws:s3:::closed/*")},
		ActionNames:     []string{"s3:GetObject", "s3:PutObject", "s3:ListBucket"},
		ResourceArns:    []string{"arn:aws:s3:::open/a", "arn:aws:s3:::closed/b", "arn:aws:s3:::other/c"},
		MaxItems:        ptr(int32(2)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.EvaluationResults) != 2 || !*out.IsTruncated || strs(out.Marker) != "2" {
		t.Fatalf("page 1: %d results, truncated %v, marker %s", len(out.EvaluationResults), *out.IsTruncated, strs(out.Marker))
	}
	get := out.EvaluationResults[0]
	if get.EvalActionName != "s3:GetObject" || get.EvalDecision != "explicitDeny" || strs(get.EvalResourceName) != "*" || len(get.ResourceSpecificResults) != 3 {
		t.Fatalf("GetObject: %+v", get)
	}
	want := map[string]string{"arn:aws:s3:::open/a": "allowed", "arn:aws:s3:::closed/b": "explicitDeny", "arn:aws:s3:::other/c": "implicitDeny"}
	for _, rr := range get.ResourceSpecificResults {
		if want[rr.EvalResourceName] != rr.EvalResourceDecision {
			t.Errorf("%s: %s, want %s", rr.EvalResourceName, rr.EvalResourceDecision, want[rr.EvalResourceName])
		}
	}
	page2, err := sim.SimulateCustomPolicy(f.root, &iamapi.SimulateCustomPolicyInput{
		PolicyInputList: []string{allow("s3:GetObject", "*")}, ActionNames: []string{"a:A", "b:B", "c:C"}, Marker: out.Marker})
	if err != nil || len(page2.EvaluationResults) != 1 || page2.EvaluationResults[0].EvalActionName != "c:C" || *page2.IsTruncated {
		t.Fatalf("page 2: %+v %v", page2, err)
	}
	if _, err := sim.SimulateCustomPolicy(f.root, &iamapi.SimulateCustomPolicyInput{PolicyInputList: []string{allow("s3:*", "*")}, ActionNames: []string{"a:A"}, Marker: ptr("9")}); !isCode(err, "ValidationError", "Invalid Marker.") {
		t.Errorf("bad marker: %v", err)
	}
}

// Cross-account simulation: the resource's owner must grant too, and the
// decision details say which side allowed.
func TestSimulateCrossAccount(t *testing.T) {
	f := newFixture(t)
	sim := authz.NewSimulation(f.svc)
	rp := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/simulated"},"Action":"s3:GetObject","Resource":"*"}]}`
	for _, tc := range []struct {
		name      string
		policy    *string
		decision  string
		iam, resp string
	}{
		{"no resource policy", nil, "implicitDeny", "allowed", "implicitDeny"},
		{"resource policy grants", &rp, "allowed", "allowed", "allowed"},
	} {
		out, err := sim.SimulateCustomPolicy(f.root, &iamapi.SimulateCustomPolicyInput{PolicyInputList: []string{allow("s3:GetObject", "*")},
			ActionNames: []string{"s3:GetObject"}, ResourceArns: []string{"arn:aws:s3:::theirs/k"}, ResourceOwner: ptr("arn:aws:iam::210987654321:root"), ResourcePolicy: tc.policy})
		if err != nil {
			t.Fatal(err)
		}
		r := out.EvaluationResults[0]
		if r.EvalDecision != tc.decision || r.EvalDecisionDetails["IAM Policy"] != tc.iam || r.EvalDecisionDetails["Resource Policy"] != tc.resp {
			t.Errorf("%s: %s %v", tc.name, r.EvalDecision, r.EvalDecisionDetails)
		}
	}
}

// SimulatePrincipalPolicy reads a user's (with its groups'), a role's or a
// group's stored policies, the principal's tags and boundary.
func TestSimulatePrincipalPolicy(t *testing.T) {
	f := newFixture(t)
	sim := authz.NewSimulation(f.svc)
	ctx := f.root
	u := f.user("alice", allow("s3:GetObject", "*"))
	f.must(f.svc.TagUser(ctx, &iamapi.TagUserInput{UserName: "alice", Tags: []iamapi.Tag{{Key: "team", Value: "red"}}}))
	f.must(f.svc.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "alice", PolicyName: "tagged", PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}}]}`}))
	_, err := f.svc.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "g"})
	f.must(err)
	f.must(f.svc.PutGroupPolicy(ctx, &iamapi.PutGroupPolicyInput{GroupName: "g", PolicyName: "gp", PolicyDocument: allow("sqs:SendMessage", "*")}))
	f.must(f.svc.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: "g", UserName: "alice"}))
	f.role("app", trustAccount, ipPolicy)
	f.must(f.svc.PutRolePermissionsBoundary(ctx, &iamapi.PutRolePermissionsBoundaryInput{RoleName: "app", PermissionsBoundary: f.managed("bound", allow("s3:*", "*"))}))
	f.must(f.svc.PutRolePolicy(ctx, &iamapi.PutRolePolicyInput{RoleName: "app", PolicyName: "all-sqs", PolicyDocument: allow("sqs:*", "*")}))
	roleARN := "arn:aws:iam::123456789012:role/app"

	type want struct {
		action, decision string
		missing          []string
		source           string
	}
	for _, tc := range []struct {
		name  string
		in    iamapi.SimulatePrincipalPolicyInput
		wants []want
	}{
		{"user with groups and tags", iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: u.ARN, ActionNames: []string{"s3:GetObject", "sqs:SendMessage", "dynamodb:GetItem", "ec2:RunInstances"}},
			[]want{{"s3:GetObject", "allowed", []string{}, "alice-a"}, {"sqs:SendMessage", "allowed", []string{}, "gp"}, {"dynamodb:GetItem", "allowed", []string{}, "tagged"}, {"ec2:RunInstances", "implicitDeny", []string{}, ""}}},
		{"user with an extra policy", iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: u.ARN, PolicyInputList: []string{allow("ec2:RunInstances", "*")}, ActionNames: []string{"ec2:RunInstances"}},
			[]want{{"ec2:RunInstances", "allowed", []string{}, "PolicyInputList.1"}}},
		{"group's own policies", iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: "arn:aws:iam::123456789012:group/g", ActionNames: []string{"sqs:SendMessage", "s3:GetObject"}},
			[]want{{"sqs:SendMessage", "allowed", []string{}, "gp"}, {"s3:GetObject", "implicitDeny", []string{}, ""}}},
		{"role: missing key", iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: roleARN, ActionNames: []string{"s3:GetObject"}},
			[]want{{"s3:GetObject", "implicitDeny", []string{"aws:SourceIp"}, ""}}},
		{"role: key given", iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: roleARN, ActionNames: []string{"s3:GetObject"},
			ContextEntries: []iamapi.ContextEntry{{ContextKeyName: ptr("aws:sourceip"), ContextKeyType: ptr("ip"), ContextKeyValues: []string{"10.0.0.1"}}}},
			[]want{{"s3:GetObject", "allowed", []string{}, "app-a"}}},
		{"role: boundary", iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: roleARN, ActionNames: []string{"sqs:SendMessage"}},
			[]want{{"sqs:SendMessage", "implicitDeny", []string{}, ""}}},
	} {
		out, err := sim.SimulatePrincipalPolicy(ctx, &tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(out.EvaluationResults) != len(tc.wants) {
			t.Fatalf("%s: %d results", tc.name, len(out.EvaluationResults))
		}
		for i, w := range tc.wants {
			r := out.EvaluationResults[i]
			source := ""
			if len(r.MatchedStatements) > 0 {
				source = strs(r.MatchedStatements[0].SourcePolicyId)
			}
			if r.EvalActionName != w.action || r.EvalDecision != w.decision || !reflect.DeepEqual(r.MissingContextValues, w.missing) || source != w.source {
				t.Errorf("%s: %s %s missing %q source %q, want %+v", tc.name, r.EvalActionName, r.EvalDecision, r.MissingContextValues, source, w)
			}
		}
	}

	for _, tc := range []struct {
		name string
		in   iamapi.SimulatePrincipalPolicyInput
		code string
		msg  string
	}{
		{"no such user", iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: "arn:aws:iam::123456789012:user/nobody", ActionNames: []string{"s3:GetObject"}},
			"NoSuchEntity", "The user with name nobody cannot be found."},
		{"no such group", iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: "arn:aws:iam::123456789012:group/nobody", ActionNames: []string{"s3:GetObject"}},
			"NoSuchEntity", "The group with name nobody cannot be found."},
		{"another account's user", iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: "arn:aws:iam::210987654321:user/alice", ActionNames: []string{"s3:GetObject"}},
			"InvalidInput", "Invalid PolicySourceArn arn:aws:iam::210987654321:user/alice: it must be a user, group or role of this account."},
		{"not an entity", iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: "arn:aws:s3:::bucket", ActionNames: []string{"s3:GetObject"}},
			"InvalidInput", "Invalid PolicySourceArn arn:aws:s3:::bucket: it must be a user, group or role of this account."},
		{"bad extra policy", iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: u.ARN, PolicyInputList: []string{"{"}, ActionNames: []string{"s3:GetObject"}},
			"MalformedPolicyDocument", ""},
		{"bad context type", iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: u.ARN, ActionNames: []string{"s3:GetObject"},
			ContextEntries: []iamapi.ContextEntry{{ContextKeyName: ptr("aws:MultiFactorAuthAge"), ContextKeyType: ptr("numeric"), ContextKeyValues: []string{"ten"}}}},
			"InvalidInput", `Context key aws:MultiFactorAuthAge: "ten" is not a numeric.`},
		{"bad caller ARN", iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: u.ARN, ActionNames: []string{"s3:GetObject"}, CallerArn: ptr("arn:aws:iam::123456789012:role/app")},
			"InvalidInput", "Invalid CallerArn arn:aws:iam::123456789012:role/app: it must be an IAM user."},
	} {
		_, err := sim.SimulatePrincipalPolicy(ctx, &tc.in)
		if code, msg := awsCode(err); code != tc.code || (tc.msg != "" && msg != tc.msg) {
			t.Errorf("%s: %s %q, want %s %q", tc.name, code, msg, tc.code, tc.msg)
		}
	}
	if _, err := sim.SimulatePrincipalPolicy(context.Background(), &iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: u.ARN}); !isCode(err, "MissingAuthenticationToken", "") {
		t.Errorf("no caller: %v", err)
	}
}

// Principals in the custom policies are refused: they are identity-based.
func TestSimulateCustomPolicyRefusesPrincipals(t *testing.T) {
	f := newFixture(t)
	sim := authz.NewSimulation(f.svc)
	withPrincipal := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`
	_, err := sim.SimulateCustomPolicy(f.root, &iamapi.SimulateCustomPolicyInput{PolicyInputList: []string{withPrincipal}, ActionNames: []string{"s3:GetObject"}})
	if !isCode(err, "InvalidInput", "PolicyInputList policies are identity-based: they cannot have a Principal.") {
		t.Fatalf("%v", err)
	}
}

// The context keys the policies use, once each, in their spelling.
func TestGetContextKeys(t *testing.T) {
	f := newFixture(t)
	sim := authz.NewSimulation(f.svc)
	custom, err := sim.GetContextKeysForCustomPolicy(f.root, &iamapi.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{ipPolicy, ipPolicy,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`}})
	if err != nil || !reflect.DeepEqual(custom.ContextKeyNames, []string{"aws:SourceIp", "aws:MultiFactorAuthPresent"}) {
		t.Fatalf("custom: %+v %v", custom, err)
	}
	f.user("keys", ipPolicy)
	principal, err := sim.GetContextKeysForPrincipalPolicy(f.root, &iamapi.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: "arn:aws:iam::123456789012:user/keys",
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringLike":{"s3:prefix":"home/*"}}}]}`}})
	if err != nil || !reflect.DeepEqual(principal.ContextKeyNames, []string{"aws:SourceIp", "s3:prefix"}) {
		t.Fatalf("principal: %+v %v", principal, err)
	}
	if _, err := sim.GetContextKeysForPrincipalPolicy(f.root, &iamapi.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: "arn:aws:iam::123456789012:user/none"}); !isCode(err, "NoSuchEntity", "") {
		t.Errorf("missing user: %v", err)
	}
	if _, err := sim.GetContextKeysForCustomPolicy(f.root, &iamapi.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{"nope"}}); !isCode(err, "MalformedPolicyDocument", "") {
		t.Errorf("bad policy: %v", err)
	}
}
