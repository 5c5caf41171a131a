package iamsync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/analysis/iamsync"
)

const acct = "111122223333"

func doc(action, resource string) analysis.Document {
	return analysis.Document(fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":%q,"Resource":%q}]}`, action, resource))
}

// dependentDump is an account whose entities depend on each other every
// way an import orders: managed policies with several versions (the
// default first, last and in the middle) attached to and bounding users,
// groups and roles; users in several groups with inline policies; roles
// in instance profiles.
func dependentDump(users int) *analysis.Dump {
	d := &analysis.Dump{}
	for i := range 6 {
		name := fmt.Sprintf("managed-%d", i)
		p := analysis.ManagedPolicyDetail{PolicyName: name, Arn: "arn:aws:iam::" + acct + ":policy/team/" + name, Path: "/team/",
			Description: "policy " + name}
		nv := 1 + i%3
		def := 1 + i%nv // v1, v2 of 2, v3 of 3, v1 of 1, ...
		for v := 1; v <= nv; v++ {
			p.PolicyVersionList = append(p.PolicyVersionList, analysis.PolicyVersion{VersionId: fmt.Sprintf("v%d", v), IsDefaultVersion: v == def,
				Document: doc(fmt.Sprintf("s3:Get%d%d", i, v), "*")})
		}
		p.DefaultVersionId = fmt.Sprintf("v%d", def)
		d.Policies = append(d.Policies, p)
	}
	arn := func(i int) string { return d.Policies[i%len(d.Policies)].Arn }
	for i := range 8 {
		name := fmt.Sprintf("group-%d", i)
		d.GroupDetailList = append(d.GroupDetailList, analysis.GroupDetail{GroupName: name, Path: "/", Arn: "arn:aws:iam::" + acct + ":group/" + name,
			GroupPolicyList:         []analysis.PolicyDetail{{PolicyName: "inline-" + name, PolicyDocument: doc("sqs:SendMessage", "*")}},
			AttachedManagedPolicies: []analysis.AttachedPolicy{{PolicyArn: arn(i)}}})
	}
	for i := range users {
		name := fmt.Sprintf("user-%04d", i)
		u := analysis.UserDetail{UserName: name, Path: "/", Arn: "arn:aws:iam::" + acct + ":user/" + name,
			GroupList: []string{fmt.Sprintf("group-%d", i%8), fmt.Sprintf("group-%d", (i+3)%8)},
			Tags:      []analysis.Tag{{Key: "team", Value: fmt.Sprint(i % 5)}}}
		for k := range 3 {
			u.UserPolicyList = append(u.UserPolicyList, analysis.PolicyDetail{PolicyName: fmt.Sprintf("inline-%d", k), PolicyDocument: doc(fmt.Sprintf("ec2:Describe%d", k), "*")})
		}
		u.AttachedManagedPolicies = []analysis.AttachedPolicy{{PolicyArn: arn(i)}}
		if i%7 == 0 {
			u.PermissionsBoundary = &analysis.PermissionsBound{PermissionsBoundaryArn: arn(i + 1)}
		}
		d.UserDetailList = append(d.UserDetailList, u)
	}
	for i := range 12 {
		name := fmt.Sprintf("role-%d", i)
		r := analysis.RoleDetail{RoleName: name, Path: "/", Arn: "arn:aws:iam::" + acct + ":role/" + name,
			AssumeRolePolicyDocument: analysis.Document(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
			RolePolicyList:           []analysis.PolicyDetail{{PolicyName: "inline", PolicyDocument: doc("logs:PutLogEvents", "*")}},
			AttachedManagedPolicies:  []analysis.AttachedPolicy{{PolicyArn: arn(i)}}}
		if i%2 == 0 {
			r.InstanceProfileList = []analysis.InstanceProfile{{InstanceProfileName: "profile-" + name, Path: "/"}}
		}
		if i%3 == 0 {
			r.PermissionsBoundary = &analysis.PermissionsBound{PermissionsBoundaryArn: arn(i + 2)}
		}
		d.RoleDetailList = append(d.RoleDetailList, r)
	}
	return d
}

// versions is every version of the customer managed policies of a dump:
// id, default flag, document (as a JSON value).
func versions(t *testing.T, d *analysis.Dump) map[string]any {
	t.Helper()
	m := map[string]any{}
	for _, p := range d.Policies {
		if strings.Contains(p.Arn, ":aws:policy/") {
			continue
		}
		for _, v := range p.PolicyVersionList {
			var doc any
			if err := json.Unmarshal(v.Document, &doc); err != nil {
				t.Fatal(err)
			}
			m[p.Arn+" "+v.VersionId] = []any{v.IsDefaultVersion, doc}
		}
	}
	return m
}

func boundaries(d *analysis.Dump) map[string]string {
	m := map[string]string{}
	for _, r := range d.RoleDetailList {
		if r.PermissionsBoundary != nil {
			m[r.Arn] = r.PermissionsBoundary.PermissionsBoundaryArn
		}
	}
	return m
}

// TestPushParallelSameAsSequential imports the same dumps one call at a
// time and DefaultParallel calls at a time into two servers and checks
// that the exports are the same account, and the dump's.
func TestPushParallelSameAsSequential(t *testing.T) {
	fixture, err := analysis.LoadDump("../testdata/account.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]*analysis.Dump{"dependent": dependentDump(300), "fixture": fixture} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			var exports []*analysis.Dump
			for _, parallel := range []int{1, iamsync.DefaultParallel} {
				_, c := start(t)
				st, err := iamsync.PushParallel(ctx, c, d, parallel)
				if err != nil {
					t.Fatalf("parallel %d: %v", parallel, err)
				}
				want := iamsync.ImportStats{Users: len(d.UserDetailList), Groups: len(d.GroupDetailList), Roles: len(d.RoleDetailList),
					Policies: st.Policies, InstanceProfiles: st.InstanceProfiles}
				if name == "dependent" {
					want.Policies, want.InstanceProfiles = 6, 6
				}
				if *st != want {
					t.Errorf("parallel %d: stats %+v, want %+v", parallel, *st, want)
				}
				got, err := iamsync.FetchDump(ctx, c)
				if err != nil {
					t.Fatal(err)
				}
				exports = append(exports, got)
			}
			seq, par := exports[0], exports[1]
			if a, b := summary(t, seq), summary(t, par); !reflect.DeepEqual(a, b) {
				t.Errorf("the exports differ:\n --parallel 1 %v\n default      %v", a, b)
			}
			if a, b := summary(t, d), summary(t, par); !reflect.DeepEqual(a, b) {
				t.Errorf("the export differs from the dump:\n dump   %v\n export %v", a, b)
			}
			if a, b := versions(t, d), versions(t, par); !reflect.DeepEqual(a, b) || !reflect.DeepEqual(b, versions(t, seq)) {
				t.Errorf("policy versions:\n dump   %v\n export %v", a, b)
			}
			if a, b := boundaries(d), boundaries(par); !reflect.DeepEqual(a, b) {
				t.Errorf("role boundaries:\n dump   %v\n export %v", a, b)
			}
		})
	}
}

// TestPushParallelStopsAtFirstError breaks one user's inline policy in the
// middle of the users: the import reports that call and that user, starts
// nothing after it (no role is created), and counts only the users
// whose calls all succeeded.
func TestPushParallelStopsAtFirstError(t *testing.T) {
	const users, bad = 400, 120
	for _, parallel := range []int{1, iamsync.DefaultParallel} {
		t.Run(fmt.Sprint(parallel), func(t *testing.T) {
			ctx := context.Background()
			d := dependentDump(users)
			d.UserDetailList[bad].UserPolicyList[1].PolicyDocument = analysis.Document(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`)
			_, c := start(t)
			st, err := iamsync.PushParallel(ctx, c, d, parallel)
			if err == nil || !strings.Contains(err.Error(), "PutUserPolicy user-0120 inline-1") || !strings.Contains(err.Error(), "MalformedPolicyDocument") {
				t.Fatalf("error %v", err)
			}
			if st == nil || st.Policies != 6 || st.Groups != 8 || st.Roles != 0 || st.InstanceProfiles != 0 {
				t.Fatalf("stats %+v", st)
			}
			roles, err := c.ListRoles(ctx, &iam.ListRolesInput{})
			if err != nil || len(roles.Roles) != 0 {
				t.Fatalf("roles created after the error: %v %v", roles, err)
			}
			var created []string
			for p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{}); p.HasMorePages(); {
				out, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range out.Users {
					created = append(created, aws.ToString(u.UserName))
				}
			}
			// The failing user was created (its policy failed); after it,
			// at most the calls then in flight: a chain per worker.
			if len(created) > bad+parallel || st.Users > len(created)-1 || st.Users < bad+1-parallel {
				t.Errorf("parallel %d: %d users created, %d counted", parallel, len(created), st.Users)
			}
			if parallel == 1 && (st.Users != bad || len(created) != bad+1) {
				t.Errorf("sequential: %d users created, %d counted; want %d and %d", len(created), st.Users, bad+1, bad)
			}
			pols, err := c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("user-0120")})
			if err != nil || !reflect.DeepEqual(pols.PolicyNames, []string{"inline-0"}) {
				t.Errorf("user-0120's policies %v, %v", pols, err)
			}
		})
	}
}
