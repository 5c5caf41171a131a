package policycheck

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/iamd/iamd/policy"
)

// doc wraps statements in a 2012-10-17 document.
func doc(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

func allow(action, resource string, extra ...string) string {
	return stmt("Allow", action, resource, extra...)
}

func deny(action, resource string, extra ...string) string {
	return stmt("Deny", action, resource, extra...)
}

// stmt builds a statement; action and resource are JSON values (a quoted
// string or an array), extra are further members ("Sid":"x", ...).
func stmt(effect, action, resource string, extra ...string) string {
	parts := []string{`"Effect":"` + effect + `"`}
	if strings.HasPrefix(action, "!") {
		parts = append(parts, `"NotAction":`+action[1:])
	} else {
		parts = append(parts, `"Action":`+action)
	}
	if strings.HasPrefix(resource, "!") {
		parts = append(parts, `"NotResource":`+resource[1:])
	} else if resource != "" {
		parts = append(parts, `"Resource":`+resource)
	}
	parts = append(parts, extra...)
	return "{" + strings.Join(parts, ",") + "}"
}

func q(s string) string { return `"` + s + `"` }

func TestCheckNoNewAccess(t *testing.T) {
	b := q("arn:aws:s3:::b")
	bAll := q("arn:aws:s3:::b/*")
	for _, c := range []struct {
		name        string
		old, new    string
		typ         string
		want        string
		reasons     []int
		description string
		cexAction   string // expected counterexample action (prefix), "" = any
	}{
		{name: "identical", old: doc(allow(q("s3:GetObject"), bAll)), new: doc(allow(q("s3:GetObject"), bAll)), want: Pass},
		{name: "new action", old: doc(allow(`["s3:GetObject","s3:ListBucket"]`, `[`+b+`,`+bAll+`]`)),
			new:  doc(allow(`["s3:GetObject","s3:GetObjectAcl","s3:ListBucket"]`, `[`+b+`,`+bAll+`]`)),
			want: Fail, reasons: []int{0}, description: "New access in the statement with index: 0.", cexAction: "s3:GetObjectAcl"},
		{name: "removed action", old: doc(allow(`["s3:GetObject","s3:PutObject"]`, bAll)), new: doc(allow(q("s3:GetObject"), bAll)), want: Pass},
		{name: "wildcard covers", old: doc(allow(q("s3:Get*"), bAll)), new: doc(allow(`["s3:GetObject","s3:getobjectversion"]`, bAll)), want: Pass},
		{name: "wildcard widens", old: doc(allow(q("s3:GetObject"), bAll)), new: doc(allow(q("s3:Get*"), bAll)), want: Fail, reasons: []int{0}},
		{name: "question mark", old: doc(allow(q("s3:Get*"), bAll)), new: doc(allow(q("s3:Get?bject"), bAll)), want: Pass},
		{name: "unknown action names count", old: doc(allow(q("s3:GetObject*"), bAll)), new: doc(allow(q("s3:GetObjec*"), bAll)), want: Fail},
		{name: "narrower resource", old: doc(allow(q("s3:*"), bAll)), new: doc(allow(q("s3:*"), q("arn:aws:s3:::b/x/*"))), want: Pass},
		{name: "wider resource", old: doc(allow(q("s3:*"), q("arn:aws:s3:::b/x/*"))), new: doc(allow(q("s3:*"), bAll)), want: Fail},
		{name: "star over question", old: doc(allow(q("s3:*"), q("arn:aws:s3:::b*"))), new: doc(allow(q("s3:*"), q("arn:aws:s3:::b?x"))), want: Pass},
		{name: "wildcard vs wildcard", old: doc(allow(q("s3:*"), q("arn:aws:s3:::*-logs/*"))), new: doc(allow(q("s3:*"), q("arn:aws:s3:::app-*-logs/2024/*"))), want: Pass},
		{name: "wildcard vs wildcard wider", old: doc(allow(q("s3:*"), q("arn:aws:s3:::app-*-logs/*"))), new: doc(allow(q("s3:*"), q("arn:aws:s3:::*-logs/*"))), want: Fail},
		{name: "wildcard in service part does not cross colons", old: doc(allow(q("*"), q("arn:aws:*:*:*:x"))), new: doc(allow(q("*"), q("arn:aws:s3:::x"))), want: Pass},
		{name: "resource part wildcard is not a service wildcard", old: doc(allow(q("*"), q("arn:aws:s3:::*"))), new: doc(allow(q("*"), q("arn:aws:*:::x"))), want: Fail},
		{name: "star resource is not an ARN", old: doc(allow(q("s3:*"), q("arn:*:*:*:*:*"))), new: doc(allow(q("s3:*"), q("*"))), want: Fail},
		{name: "every ARN and star", old: doc(allow(q("s3:*"), `["arn:*:*:*:*:*","*"]`)), new: doc(allow(q("s3:*"), q("*"))), want: Pass},
		{name: "region wildcard", old: doc(allow(q("sqs:*"), q("arn:aws:sqs:*:111122223333:q"))), new: doc(allow(q("sqs:SendMessage"), q("arn:aws:sqs:us-east-1:111122223333:q"))), want: Pass},
		{name: "star resource over everything", old: doc(allow(q("s3:*"), q("*"))), new: doc(allow(q("s3:Get*"), bAll), allow(q("s3:List*"), b)), want: Pass},
		{name: "NotAction old covers", old: doc(allow(`!"iam:*"`, q("*"))), new: doc(allow(q("s3:*"), q("*"))), want: Pass},
		{name: "NotAction old misses iam", old: doc(allow(`!"iam:*"`, q("*"))), new: doc(allow(q("*"), q("*"))), want: Fail, cexAction: "iam:"},
		{name: "NotAction new", old: doc(allow(q("s3:*"), q("*"))), new: doc(allow(`!["iam:*","sts:*"]`, q("*"))), want: Fail},
		{name: "NotResource", old: doc(allow(q("s3:*"), `!`+q("arn:aws:s3:::secret/*"))), new: doc(allow(q("s3:*"), bAll)), want: Pass},
		{name: "NotResource new", old: doc(allow(q("s3:*"), bAll)), new: doc(allow(q("s3:*"), `!`+q("arn:aws:s3:::secret/*"))), want: Fail},
		{name: "deny removed", old: doc(allow(q("*"), q("*")), deny(q("iam:*"), q("*"))), new: doc(allow(q("*"), q("*"))), want: Fail, cexAction: "iam:"},
		{name: "deny added", old: doc(allow(q("*"), q("*"))), new: doc(allow(q("*"), q("*")), deny(q("iam:*"), q("*"))), want: Pass},
		{name: "deny kept", old: doc(allow(q("*"), q("*")), deny(q("iam:*"), q("*"))), new: doc(deny(q("iam:*"), q("*")), allow(q("*"), q("*"))), want: Pass},
		{name: "new deny covers new allow", old: doc(allow(q("s3:*"), q("*"))), new: doc(allow(q("*"), q("*")), deny(`!"s3:*"`, q("*"))), want: Pass},
		{name: "condition removed", old: doc(allow(q("s3:*"), q("*"), `"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`)),
			new: doc(allow(q("s3:*"), q("*"))), want: Fail},
		{name: "condition added", old: doc(allow(q("s3:*"), q("*"))),
			new: doc(allow(q("s3:*"), q("*"), `"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`)), want: Pass},
		{name: "condition kept", old: doc(allow(q("s3:*"), q("*"), `"Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}`)),
			new: doc(allow(q("s3:*"), q("*"), `"Condition":{"StringEquals":{"aws:requestedregion":["us-east-1","eu-west-1"]}}`)), want: Pass},
		{name: "condition values narrowed", old: doc(allow(q("s3:*"), q("*"), `"Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}`)),
			new: doc(allow(q("s3:*"), q("*"), `"Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`)), want: Pass},
		{name: "condition values widened", old: doc(allow(q("s3:*"), q("*"), `"Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`)),
			new: doc(allow(q("s3:*"), q("*"), `"Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}`)), want: Fail},
		{name: "negated condition widened", old: doc(allow(q("s3:*"), q("*"), `"Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}`)),
			new: doc(allow(q("s3:*"), q("*"), `"Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}`)), want: Fail},
		{name: "extra condition on new", old: doc(allow(q("s3:*"), q("*"), `"Condition":{"Bool":{"aws:SecureTransport":"true"}}`)),
			new: doc(allow(q("s3:*"), q("*"), `"Condition":{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`)), want: Pass},
		{name: "conditional deny removed", old: doc(allow(q("s3:*"), q("*")), deny(q("s3:Delete*"), q("*"), `"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`)),
			new: doc(allow(q("s3:*"), q("*"))), want: Fail, cexAction: "s3:Delete"},
		{name: "conditional deny kept", old: doc(allow(q("s3:*"), q("*")), deny(q("s3:Delete*"), q("*"), `"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`)),
			new: doc(allow(q("s3:*"), q("*")), deny(q("s3:Delete*"), q("*"), `"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`)), want: Pass},
		{name: "reason by sid", old: doc(allow(q("s3:GetObject"), bAll)), new: doc(allow(q("s3:GetObject"), bAll, `"Sid":"Keep"`), allow(q("s3:PutObject"), bAll, `"Sid":"S3ReadWrite"`)),
			want: Fail, reasons: []int{1}, description: "New access in the statement with sid: S3ReadWrite."},
		{name: "variable kept", old: doc(allow(q("s3:*"), q("arn:aws:s3:::home/${aws:username}/*"))), new: doc(allow(q("s3:*"), q("arn:aws:s3:::home/${aws:username}/*"))), want: Pass},
		{name: "variable narrower than star", old: doc(allow(q("s3:*"), q("arn:aws:s3:::home/*"))), new: doc(allow(q("s3:*"), q("arn:aws:s3:::home/${aws:username}/*"))), want: Pass},
		{name: "star wider than variable", old: doc(allow(q("s3:*"), q("arn:aws:s3:::home/${aws:username}/*"))), new: doc(allow(q("s3:*"), q("arn:aws:s3:::home/*"))), want: Fail},
		{name: "variable meets a literal deny", old: doc(allow(q("s3:*"), q("arn:aws:s3:::home/*")), deny(q("s3:*"), q("arn:aws:s3:::home/alice"))),
			new: doc(allow(q("s3:*"), q("arn:aws:s3:::home/${aws:username}"))), want: Fail},
		{name: "variable meets a literal allow", old: doc(allow(q("s3:*"), q("arn:aws:s3:::home/alice"))),
			new: doc(allow(q("s3:*"), q("arn:aws:s3:::home/${aws:username}"))), want: Fail},
		{name: "literal within variable's reach", old: doc(allow(q("s3:*"), q("arn:aws:s3:::home/${aws:username}"))),
			new: doc(allow(q("s3:*"), q("arn:aws:s3:::home/alice"))), want: Fail},
		{name: "2008 has no variables", old: `{"Version":"2008-10-17","Statement":[` + allow(q("s3:*"), q("arn:aws:s3:::home/${aws:username}")) + `]}`,
			new: doc(allow(q("s3:*"), q("arn:aws:s3:::home/${aws:username}"))), want: Fail},

		// Resource policies: who is named is part of the access.
		{name: "resource same", typ: ResourcePolicy,
			old:  doc(allow(q("s3:GetObject"), bAll, `"Principal":{"AWS":"arn:aws:iam::111122223333:root"}`)),
			new:  doc(allow(q("s3:GetObject"), bAll, `"Principal":{"AWS":"111122223333"}`)),
			want: Pass},
		{name: "resource new account", typ: ResourcePolicy,
			old:  doc(allow(q("s3:GetObject"), bAll, `"Principal":{"AWS":"111122223333"}`)),
			new:  doc(allow(q("s3:GetObject"), bAll, `"Principal":{"AWS":["111122223333","444455556666"]}`)),
			want: Fail},
		{name: "resource user within account", typ: ResourcePolicy,
			old:  doc(allow(q("s3:GetObject"), bAll, `"Principal":{"AWS":"111122223333"}`)),
			new:  doc(allow(q("s3:GetObject"), bAll, `"Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"}`)),
			want: Pass},
		{name: "resource public", typ: ResourcePolicy,
			old:  doc(allow(q("s3:GetObject"), bAll, `"Principal":{"AWS":"111122223333"}`)),
			new:  doc(allow(q("s3:GetObject"), bAll, `"Principal":"*"`)),
			want: Fail},
		{name: "resource narrowed from public", typ: ResourcePolicy,
			old:  doc(allow(q("s3:GetObject"), bAll, `"Principal":"*"`)),
			new:  doc(allow(q("s3:GetObject"), bAll, `"Principal":{"AWS":"arn:aws:iam::111122223333:role/app"}`)),
			want: Pass},
		{name: "resource new service", typ: ResourcePolicy,
			old:  doc(allow(q("sqs:SendMessage"), q("*"), `"Principal":{"Service":"sns.amazonaws.com"}`)),
			new:  doc(allow(q("sqs:SendMessage"), q("*"), `"Principal":{"Service":["sns.amazonaws.com","events.amazonaws.com"]}`)),
			want: Fail},
		{name: "resource account pinned by condition", typ: ResourcePolicy,
			old:  doc(allow(q("s3:GetObject"), bAll, `"Principal":"*"`, `"Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}`)),
			new:  doc(allow(q("s3:GetObject"), bAll, `"Principal":{"AWS":"111122223333"}`)),
			want: Pass},
		{name: "principal ARN condition widened", typ: ResourcePolicy,
			old:  doc(allow(q("s3:GetObject"), bAll, `"Principal":"*"`, `"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/ci-*"}}`)),
			new:  doc(allow(q("s3:GetObject"), bAll, `"Principal":"*"`, `"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}}`)),
			want: Fail},
		{name: "principal ARN condition narrowed", typ: ResourcePolicy,
			old:  doc(allow(q("s3:GetObject"), bAll, `"Principal":"*"`, `"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}}`)),
			new:  doc(allow(q("s3:GetObject"), bAll, `"Principal":"*"`, `"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/ci-deploy"}}`)),
			want: Pass}, // the caller's ARN is the caller's: decided on the callers the patterns name
		{name: "trust policy narrowed to main", typ: ResourcePolicy, old: doc(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:octo-org/app:*"}}}`), new: doc(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:octo-org/app:ref:refs/heads/main"}}}`), want: Pass},
		{name: "trust policy widened to branches", typ: ResourcePolicy, old: doc(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:octo-org/app:ref:refs/heads/main"}}}`), new: doc(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:octo-org/app:ref:refs/heads/*"}}}`), want: Fail},
		{name: "negated condition narrowed by pattern", old: doc(allow(q("s3:*"), q("*"), `"Condition":{"StringNotEquals":{"aws:RequestedRegion":"ap-south-1"}}`)),
			new: doc(allow(q("s3:*"), q("*"), `"Condition":{"StringNotLike":{"aws:RequestedRegion":"ap-*"}}`)), want: Pass},
		{name: "negated condition widened by pattern", old: doc(allow(q("s3:*"), q("*"), `"Condition":{"StringNotLike":{"aws:RequestedRegion":"ap-*"}}`)),
			new: doc(allow(q("s3:*"), q("*"), `"Condition":{"StringNotEquals":{"aws:RequestedRegion":"ap-south-1"}}`)), want: Fail},
		{name: "ArnLike narrowed", typ: ResourcePolicy,
			old:  doc(allow(q("sqs:SendMessage"), q("*"), `"Principal":{"Service":"sns.amazonaws.com"}`, `"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}`)),
			new:  doc(allow(q("sqs:SendMessage"), q("*"), `"Principal":{"Service":"sns.amazonaws.com"}`, `"Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:orders"}}`)),
			want: Pass},
		{name: "trust policy new branch", typ: ResourcePolicy,
			old:  doc(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:octo-org/app:ref:refs/heads/main"}}}`),
			new:  doc(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:octo-org/app:*"}}}`),
			want: Fail},
	} {
		t.Run(c.name, func(t *testing.T) {
			typ := c.typ
			if typ == "" {
				typ = IdentityPolicy
			}
			r, err := CheckNoNewAccess(c.old, c.new, typ)
			if err != nil {
				t.Fatal(err)
			}
			if r.Result != c.want {
				t.Fatalf("result %s, want %s (%+v)", r.Result, c.want, r)
			}
			if c.want == Pass {
				if r.Message != MsgNoNewAccess || len(r.Reasons) != 0 || r.Counterexample != nil {
					t.Fatalf("%+v", r)
				}
				return
			}
			if r.Message != MsgNewAccess {
				t.Errorf("message %q", r.Message)
			}
			if c.reasons != nil {
				var got []int
				for _, re := range r.Reasons {
					got = append(got, re.StatementIndex)
				}
				if fmt.Sprint(got) != fmt.Sprint(c.reasons) {
					t.Errorf("reasons %v, want %v", got, c.reasons)
				}
			}
			if c.description != "" && r.Reasons[0].Description != c.description {
				t.Errorf("description %q, want %q", r.Reasons[0].Description, c.description)
			}
			if r.Counterexample == nil {
				t.Fatal("no counterexample")
			}
			if !strings.HasPrefix(r.Counterexample.Action, c.cexAction) {
				t.Errorf("counterexample %+v, want action %s...", r.Counterexample, c.cexAction)
			}
			confirm(t, typ, c.new, c.old, r.Counterexample)
		})
	}
}

// confirm decides a counterexample independently of the package: the new
// policy must allow it and the old one must not.
func confirm(t *testing.T, typ, newDoc, oldDoc string, cex *Counterexample) {
	t.Helper()
	decide := func(text string) policy.Decision {
		d, err := policy.Parse([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		set := policy.NewSet(policy.Compile(d, policy.Source{ID: "p"}))
		ctx := policy.NewContext(cex.Context)
		if typ == IdentityPolicy {
			p := policy.Principal{Type: policy.TypeUser, ARN: "arn:aws:iam::123456789012:user/tester", Account: "123456789012"}
			acct := policy.NewSet(policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"*","Resource":"*"}]}`, policy.Source{ID: "a"}))
			return policy.Evaluate(&policy.Input{Identity: set, Resource: acct}, &policy.Request{Principal: p, Action: cex.Action, Resource: cex.Resource, Context: ctx})
		}
		var p policy.Principal
		switch {
		case cex.Principal == "*":
			p = policy.Principal{Type: policy.TypeAnonymous}
		case strings.HasSuffix(cex.Principal, ".amazonaws.com"):
			p = policy.Principal{Type: policy.TypeService, ARN: cex.Principal, Service: cex.Principal}
		case strings.Contains(cex.Principal, ":oidc-provider/") || !strings.HasPrefix(cex.Principal, "arn:"):
			p = policy.Principal{Type: policy.TypeWebIdentity, ARN: cex.Principal, Federated: cex.Principal}
		case strings.Contains(cex.Principal, ":role/"):
			p = policy.Principal{Type: policy.TypeAssumedRole, RoleARN: cex.Principal, Account: strings.Split(cex.Principal, ":")[4], ARN: "arn:aws:sts::" + strings.Split(cex.Principal, ":")[4] + ":assumed-role/x/s"}
		default:
			var err error
			if p, err = policy.PrincipalFromARN(cex.Principal); err != nil {
				t.Fatalf("counterexample principal %q: %v", cex.Principal, err)
			}
		}
		policy.AddPrincipalKeys(&ctx, &p)
		all := policy.NewSet(policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.Source{ID: "all"}))
		return policy.Evaluate(&policy.Input{Identity: all, Resource: set}, &policy.Request{Principal: p, Action: cex.Action, Resource: cex.Resource, ResourceAccount: "999999999999", Context: ctx})
	}
	if d := decide(newDoc); d != policy.Allowed {
		t.Errorf("counterexample %+v: new policy decides %s", cex, d)
	}
	if oldDoc != "" {
		if d := decide(oldDoc); d == policy.Allowed {
			t.Errorf("counterexample %+v: old policy allows it too", cex)
		}
	}
}

func TestCheckNoNewAccessErrors(t *testing.T) {
	good := doc(allow(q("s3:*"), q("*")))
	for _, c := range []struct {
		old, new, typ, field string
	}{
		{good, good, "MANAGED_POLICY", "policyType"},
		{good, good, "", "policyType"},
		{good, `{"Version":"2012-10-17","Statement":`, IdentityPolicy, "newPolicyDocument"},
		{`[]`, good, IdentityPolicy, "existingPolicyDocument"},
		{good, "", IdentityPolicy, "newPolicyDocument"},
	} {
		_, err := CheckNoNewAccess(c.old, c.new, c.typ)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%q: error %v, want a ValidationError on %s", c.typ, err, c.field)
		}
	}
}

func TestCheckAccessNotGranted(t *testing.T) {
	policyDoc := doc(allow(`["s3:GetObject","s3:PutObject"]`, q("arn:aws:s3:::my-bucket/*"), `"Sid":"AllowJohnDoe"`),
		allow(q("iam:PutUserPolicy"), q("arn:aws:iam::111122223333:user/*")))
	for _, c := range []struct {
		name    string
		access  Access
		want    string
		msg     string
		reasons []int
	}{
		{"action granted", Access{Actions: []string{"iam:PutUserPolicy", "iam:PutGroupPolicy"}}, Fail,
			"The policy document grants access to perform one or more of the listed actions.", []int{1}},
		{"action not granted", Access{Actions: []string{"iam:PutGroupPolicy", "s3:DeleteObject"}}, Pass,
			"The policy document does not grant access to perform one or more of the listed actions.", nil},
		{"action wildcard", Access{Actions: []string{"iam:Put*"}}, Fail, "", []int{1}},
		{"resource granted", Access{Resources: []string{"arn:aws:s3:::my-bucket/secret/*"}}, Fail,
			"The policy document grants access to perform one or more of the listed resources.", []int{0}},
		{"resource not granted", Access{Resources: []string{"arn:aws:s3:::sensitive-bucket/*"}}, Pass,
			"The policy document does not grant access to perform one or more of the listed resources.", nil},
		{"both granted", Access{Actions: []string{"s3:PutObject"}, Resources: []string{"arn:aws:s3:::my-bucket/x"}}, Fail,
			"The policy document grants access to perform one or more of the listed actions or resources.", []int{0}},
		{"both, not together", Access{Actions: []string{"iam:PutUserPolicy"}, Resources: []string{"arn:aws:s3:::my-bucket/x"}}, Pass, "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := CheckAccessNotGranted(policyDoc, IdentityPolicy, []Access{c.access})
			if err != nil {
				t.Fatal(err)
			}
			if r.Result != c.want || c.msg != "" && r.Message != c.msg {
				t.Fatalf("%+v", r)
			}
			var got []int
			for _, re := range r.Reasons {
				got = append(got, re.StatementIndex)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.reasons) {
				t.Errorf("reasons %v, want %v", got, c.reasons)
			}
			if c.want == Fail {
				if r.Counterexample == nil {
					t.Fatal("no counterexample")
				}
				confirm(t, IdentityPolicy, policyDoc, "", r.Counterexample)
				if len(c.access.Actions) > 0 && !matchesAny(c.access.Actions, r.Counterexample.Action) {
					t.Errorf("counterexample action %s not in the access", r.Counterexample.Action)
				}
			}
		})
	}
	// A resource policy names its principal; AWS's own example.
	rp := `{"Version":"2012-10-17","Id":"123","Statement":[{"Sid":"AllowJohnDoe","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/JohnDoe"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::my-bucket/*"}]}`
	r, err := CheckAccessNotGranted(rp, ResourcePolicy, []Access{{Resources: []string{"arn:aws:s3:::my-bucket/*"}}})
	if err != nil || r.Result != Fail || r.Reasons[0].Description != "One or more of the listed resources in the statement with sid: AllowJohnDoe." || r.Reasons[0].StatementID != "AllowJohnDoe" {
		t.Fatalf("%+v %v", r, err)
	}
	r, err = CheckAccessNotGranted(rp, ResourcePolicy, []Access{{Actions: []string{"s3:GetObject"}}})
	if err != nil || r.Result != Pass {
		t.Fatalf("%+v %v", r, err)
	}
}

func matchesAny(patterns []string, action string) bool {
	for _, p := range patterns {
		pp := strings.ToLower(strings.TrimSuffix(p, "*"))
		if strings.HasPrefix(strings.ToLower(action), pp) {
			return true
		}
	}
	return false
}

func TestCheckAccessNotGrantedErrors(t *testing.T) {
	good := doc(allow(q("s3:*"), q("*")))
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("s3:Action%d", i)
	}
	manyRes := make([]string, 101)
	for i := range manyRes {
		manyRes[i] = fmt.Sprintf("arn:aws:s3:::b%d", i)
	}
	for _, c := range []struct {
		name   string
		access []Access
		field  string
	}{
		{"none", nil, "access"},
		{"two", []Access{{Actions: []string{"s3:GetObject"}}, {Actions: []string{"s3:PutObject"}}}, "access"},
		{"empty", []Access{{}}, "access"},
		{"101 actions", []Access{{Actions: many}}, "access.actions"},
		{"101 resources", []Access{{Resources: manyRes}}, "access.resources"},
		{"action without service", []Access{{Actions: []string{"GetObject"}}}, "access.actions"},
		{"wildcard in region", []Access{{Resources: []string{"arn:aws:sqs:*:111122223333:q"}}}, "access.resources"},
		{"not an ARN", []Access{{Resources: []string{"bucket"}}}, "access.resources"},
	} {
		_, err := CheckAccessNotGranted(good, IdentityPolicy, c.access)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%s: error %v, want a ValidationError on %s", c.name, err, c.field)
		}
	}
	if _, err := CheckAccessNotGranted(good, IdentityPolicy, []Access{{Actions: many[:100], Resources: manyRes[:100]}}); err != nil {
		t.Errorf("100 actions and 100 resources: %v", err)
	}
}

func TestCheckNoPublicAccess(t *testing.T) {
	obj := q("arn:aws:s3:::b/*")
	for _, c := range []struct {
		name, typ, doc string
		want           string
	}{
		{"anyone", "AWS::S3::Bucket", doc(allow(`["s3:GetObject"]`, obj, `"Sid":"Bob"`, `"Principal":"*"`)), Fail},
		{"any AWS principal", "AWS::S3::Bucket", doc(allow(q("s3:GetObject"), obj, `"Principal":{"AWS":"*"}`)), Fail},
		{"one account", "AWS::S3::Bucket", doc(allow(q("s3:GetObject"), obj, `"Principal":{"AWS":"arn:aws:iam::111122223333:user/JohnDoe"}`)), Pass},
		{"organization", "AWS::S3::Bucket", doc(allow(q("s3:GetObject"), obj, `"Principal":"*"`, `"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}`)), Pass},
		{"source account", "AWS::SNS::Topic", doc(allow(q("sns:Publish"), q("*"), `"Principal":"*"`, `"Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}`)), Pass},
		{"vpc endpoint", "AWS::S3::Bucket", doc(allow(q("s3:*"), obj, `"Principal":"*"`, `"Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}`)), Pass},
		{"principal account", "AWS::S3::Bucket", doc(allow(q("s3:*"), obj, `"Principal":"*"`, `"Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}`)), Pass},
		{"address range is still public", "AWS::S3::Bucket", doc(allow(q("s3:GetObject"), obj, `"Principal":"*"`, `"Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`)), Fail},
		{"transport is still public", "AWS::S3::Bucket", doc(allow(q("s3:GetObject"), obj, `"Principal":"*"`, `"Condition":{"Bool":{"aws:SecureTransport":"true"}}`)), Fail},
		{"IfExists does not limit", "AWS::S3::Bucket", doc(allow(q("s3:GetObject"), obj, `"Principal":"*"`, `"Condition":{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}`)), Fail},
		{"any source ARN is public", "AWS::SNS::Topic", doc(allow(q("sns:Publish"), q("*"), `"Principal":{"Service":"s3.amazonaws.com"}`), allow(q("sns:Publish"), q("*"), `"Principal":"*"`, `"Condition":{"ArnLike":{"aws:SourceArn":"*"}}`)), Fail},
		{"one source ARN", "AWS::SNS::Topic", doc(allow(q("sns:Publish"), q("*"), `"Principal":"*"`, `"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::my-bucket"}}`)), Pass},
		{"other service", "AWS::S3::Bucket", doc(allow(q("sqs:SendMessage"), q("*"), `"Principal":"*"`)), Pass},
		{"star action", "AWS::SQS::Queue", doc(allow(q("*"), q("*"), `"Principal":"*"`)), Fail},
		{"denied outside the organization", "AWS::S3::Bucket", doc(allow(q("s3:GetObject"), obj, `"Principal":"*"`),
			deny(q("s3:*"), q("*"), `"Principal":"*"`, `"Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}`)), Pass},
		{"denied only some actions", "AWS::S3::Bucket", doc(allow(q("s3:*"), obj, `"Principal":"*"`), deny(q("s3:Put*"), q("*"), `"Principal":"*"`)), Fail},
		{"NotPrincipal allow", "AWS::S3::Bucket", doc(allow(q("s3:GetObject"), obj, `"NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"}`)), Fail},
		{"service principal", "AWS::SQS::Queue", doc(allow(q("sqs:SendMessage"), q("*"), `"Principal":{"Service":"sns.amazonaws.com"}`)), Pass},
		{"trust policy open", "AWS::IAM::AssumeRolePolicyDocument", doc(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}`), Fail},
		{"trust policy one account", "AWS::IAM::AssumeRolePolicyDocument", doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}`), Pass},
		{"KMS key", "AWS::KMS::Key", doc(allow(q("kms:*"), q("*"), `"Principal":{"AWS":"*"}`, `"Condition":{"StringEquals":{"kms:CallerAccount":"111122223333"}}`)), Pass},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := CheckNoPublicAccess(c.doc, c.typ)
			if err != nil {
				t.Fatal(err)
			}
			if r.Result != c.want {
				t.Fatalf("result %+v, want %s", r, c.want)
			}
			if c.want == Pass {
				if r.Message != MsgNotPublic {
					t.Errorf("message %q", r.Message)
				}
				return
			}
			if r.Message != MsgPublic || len(r.Reasons) == 0 {
				t.Fatalf("%+v", r)
			}
			if c.name == "anyone" && r.Reasons[0].Description != "Public access granted in the following statement with sid: Bob." {
				t.Errorf("description %q", r.Reasons[0].Description)
			}
			if r.Counterexample == nil {
				t.Fatal("no counterexample")
			}
			confirm(t, ResourcePolicy, c.doc, "", r.Counterexample)
		})
	}
	_, err := CheckNoPublicAccess(doc(allow(q("s3:*"), q("*"), `"Principal":"*"`)), "AWS::EC2::Instance")
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "resourceType" {
		t.Fatalf("unknown resource type: %v", err)
	}
	if len(PublicResourceTypes()) != 26 {
		t.Errorf("%d resource types, AWS lists 26", len(PublicResourceTypes()))
	}
}
