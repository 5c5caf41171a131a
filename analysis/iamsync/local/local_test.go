package local_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/analysis/iamsync"
	"github.com/iamd/iamd/analysis/iamsync/local"
	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/internal/pgtest"
	"github.com/iamd/iamd/internal/sdktest"
	"github.com/iamd/iamd/server"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const (
	acct                = "111122223333"
	rootKey, rootSecret = "AKIAIOSFODNN7LOCAL01", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYLOCALKEY01"
)

func doc(action string) analysis.Document {
	return analysis.Document(fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":%q,"Resource":"*"}]}`, action))
}

// account is a dump using every kind of entity and relation an import
// creates: managed policies with versions (the default first, in the
// middle, last), groups with inline and attached policies, users with
// groups, tags, boundaries, inline and attached policies, roles with
// descriptions, session durations, boundaries, tags and instance
// profiles.
func account(users int) *analysis.Dump {
	d := &analysis.Dump{}
	for i := range 4 {
		name := fmt.Sprintf("managed-%d", i)
		p := analysis.ManagedPolicyDetail{PolicyName: name, Arn: "arn:aws:iam::" + acct + ":policy/team/" + name, Path: "/team/", Description: "policy " + name}
		nv := 1 + i%3
		def := 1 + i%nv
		for v := 1; v <= nv; v++ {
			p.PolicyVersionList = append(p.PolicyVersionList, analysis.PolicyVersion{VersionId: fmt.Sprintf("v%d", v), IsDefaultVersion: v == def,
				Document: doc(fmt.Sprintf("s3:Get%d%d", i, v))})
		}
		p.DefaultVersionId = fmt.Sprintf("v%d", def)
		d.Policies = append(d.Policies, p)
	}
	arn := func(i int) string { return d.Policies[i%len(d.Policies)].Arn }
	for i := range 5 {
		name := fmt.Sprintf("group-%d", i)
		d.GroupDetailList = append(d.GroupDetailList, analysis.GroupDetail{GroupName: name, Path: "/eng/", Arn: "arn:aws:iam::" + acct + ":group/eng/" + name,
			GroupPolicyList:         []analysis.PolicyDetail{{PolicyName: "inline", PolicyDocument: doc("sqs:SendMessage")}},
			AttachedManagedPolicies: []analysis.AttachedPolicy{{PolicyArn: arn(i)}, {PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}}})
	}
	for i := range users {
		name := fmt.Sprintf("user-%04d", i)
		u := analysis.UserDetail{UserName: name, Path: "/", Arn: "arn:aws:iam::" + acct + ":user/" + name,
			GroupList: []string{fmt.Sprintf("group-%d", i%5), fmt.Sprintf("group-%d", (i+2)%5)},
			Tags:      []analysis.Tag{{Key: "team", Value: fmt.Sprint(i % 3)}}}
		for k := range 3 {
			u.UserPolicyList = append(u.UserPolicyList, analysis.PolicyDetail{PolicyName: fmt.Sprintf("p%d", k), PolicyDocument: doc(fmt.Sprintf("ec2:Describe%d", k))})
		}
		u.AttachedManagedPolicies = []analysis.AttachedPolicy{{PolicyArn: arn(i)}}
		if i%7 == 0 {
			u.PermissionsBoundary = &analysis.PermissionsBound{PermissionsBoundaryArn: arn(i + 1)}
		}
		d.UserDetailList = append(d.UserDetailList, u)
	}
	for i := range 6 {
		name := fmt.Sprintf("role-%d", i)
		r := analysis.RoleDetail{RoleName: name, Path: "/svc/", Arn: "arn:aws:iam::" + acct + ":role/svc/" + name, Description: "role " + name,
			MaxSessionDuration:       3600 * (1 + i%3),
			AssumeRolePolicyDocument: analysis.Document(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
			RolePolicyList:           []analysis.PolicyDetail{{PolicyName: "inline", PolicyDocument: doc("logs:PutLogEvents")}},
			AttachedManagedPolicies:  []analysis.AttachedPolicy{{PolicyArn: arn(i)}},
			Tags:                     []analysis.Tag{{Key: "env", Value: "prod"}}}
		if i%2 == 0 {
			r.InstanceProfileList = []analysis.InstanceProfile{{InstanceProfileName: "profile-" + name, Path: "/", Tags: []analysis.Tag{{Key: "k", Value: name}}}}
		}
		if i%3 == 0 {
			r.PermissionsBoundary = &analysis.PermissionsBound{PermissionsBoundaryArn: arn(i + 2)}
		}
		d.RoleDetailList = append(d.RoleDetailList, r)
	}
	return d
}

func writeDump(t *testing.T, d *analysis.Dump) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "dump.json")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := d.Write(f); err != nil {
		t.Fatal(err)
	}
	return p
}

// serve starts a server on a data directory (or database), with the root
// key, and returns its SDK client.
func serve(t *testing.T, data, store string) *sdk.Client {
	t.Helper()
	inst, err := server.Start(context.Background(), server.Options{Addr: "127.0.0.1:0", DataDir: data, Store: store, AccountID: acct,
		RootKeyID: rootKey, RootSecret: rootSecret,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		inst.Close(c)
	})
	return sdk.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(rootKey, rootSecret, ""),
		BaseEndpoint: aws.String(inst.URL), Retryer: sdktest.Retryer, HTTPClient: &http.Client{Timeout: 30 * time.Second}})
}

// offline imports src into a data directory (or database) as iamd import
// --data does, and returns the error of the import.
func offline(t *testing.T, data, store string, src iamsync.Source, parallel int) (*iamsync.ImportStats, error) {
	t.Helper()
	o, err := server.OpenOffline(context.Background(), server.Options{DataDir: data, Store: store, AccountID: acct})
	if err != nil {
		t.Fatal(err)
	}
	st, err := iamsync.PushParallel(context.Background(), local.New(o.IAM, o.Guard, o.Caller), src, parallel)
	if cerr := o.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	return st, err
}

// normalized is an export without what a store assigns anew (ids, dates,
// last use), as one JSON value: two imports of a dump must agree on all
// the rest.
func normalized(t *testing.T, d *analysis.Dump) any {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var strip func(any)
	strip = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				switch k {
				case "UserId", "GroupId", "RoleId", "PolicyId", "InstanceProfileId", "CreateDate", "UpdateDate", "RoleLastUsed":
					delete(v, k)
				default:
					strip(e)
				}
			}
		case []any:
			for _, e := range v {
				strip(e)
			}
		}
	}
	strip(v)
	return v
}

// TestOfflineImportSameAsAPI imports the same dump through the API of a
// running server (the SDK, --endpoint-url's path) and offline (the dump
// streamed from its file into the store in process), then reads both
// accounts back with GetAccountAuthorizationDetails through a server on
// each store: they must be the same account, on SQLite and PostgreSQL.
func TestOfflineImportSameAsAPI(t *testing.T) {
	fixture, err := analysis.LoadDump("../../testdata/account.json")
	if err != nil {
		t.Fatal(err)
	}
	dumps := map[string]*analysis.Dump{"generated": account(150), "fixture": fixture}
	for _, backend := range []string{"sqlite", "postgres"} {
		for name, d := range dumps {
			t.Run(backend+"/"+name, func(t *testing.T) {
				ctx := context.Background()
				store := func() string {
					if backend == "postgres" {
						return pgtest.DB(t)
					}
					return ""
				}
				api := serve(t, t.TempDir(), store())
				if _, err := iamsync.PushParallel(ctx, api, d, iamsync.DefaultParallel); err != nil {
					t.Fatalf("API import: %v", err)
				}
				viaAPI, err := iamsync.FetchDump(ctx, api)
				if err != nil {
					t.Fatal(err)
				}
				file, err := analysis.OpenDump(writeDump(t, d))
				if err != nil {
					t.Fatal(err)
				}
				defer file.Close()
				data, db := t.TempDir(), store()
				st, err := offline(t, data, db, file, 256)
				if err != nil {
					t.Fatalf("offline import: %v", err)
				}
				if st.Users != len(d.UserDetailList) || st.Groups != len(d.GroupDetailList) || st.Roles != len(d.RoleDetailList) {
					t.Errorf("offline stats %+v", st)
				}
				viaOffline, err := iamsync.FetchDump(ctx, serve(t, data, db))
				if err != nil {
					t.Fatal(err)
				}
				if len(viaOffline.UserDetailList) != len(d.UserDetailList) {
					t.Fatalf("offline: %d users, want %d", len(viaOffline.UserDetailList), len(d.UserDetailList))
				}
				if a, b := normalized(t, viaAPI), normalized(t, viaOffline); !reflect.DeepEqual(a, b) {
					ja, _ := json.Marshal(a)
					jb, _ := json.Marshal(b)
					t.Errorf("the accounts differ:\n API     %.2000s\n offline %.2000s", ja, jb)
				}
			})
		}
	}
}

// apiError is the AWS error code and message of an import's error, from
// the SDK's error or iamd's own.
func apiError(err error) (code, message string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	var e *awserr.Error
	if errors.As(err, &e) {
		return e.Code, e.Message
	}
	return "", ""
}

// TestOfflineImportStopsAtInvalidRecord: a record the API refuses (a
// policy document without a resource, a user name outside the model's
// pattern, a path without its slashes) stops the offline import with the
// API's own error code and message, naming the call and the record, and
// nothing after that record's phase is created.
func TestOfflineImportStopsAtInvalidRecord(t *testing.T) {
	cases := []struct {
		name, what string
		spoil      func(d *analysis.Dump)
	}{
		{"bad policy document", "PutUserPolicy user-0040 p1", func(d *analysis.Dump) {
			d.UserDetailList[40].UserPolicyList[1].PolicyDocument = analysis.Document(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`)
		}},
		{"bad user name", "CreateUser bad/name", func(d *analysis.Dump) { d.UserDetailList[40].UserName = "bad/name" }},
		{"bad group path", "CreateGroup group-3", func(d *analysis.Dump) { d.GroupDetailList[3].Path = "eng" }},
		{"bad managed policy", "CreatePolicyVersion managed-2 v2", func(d *analysis.Dump) {
			d.Policies[2].PolicyVersionList[1].Document = analysis.Document(`{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := account(80)
			tc.spoil(d)
			_, apiErr := iamsync.PushParallel(context.Background(), serve(t, t.TempDir(), ""), d, 1)
			data := t.TempDir()
			_, err := offline(t, data, "", d, 1)
			if err == nil || !strings.Contains(err.Error(), tc.what+":") {
				t.Fatalf("offline error %v, want one naming %q", err, tc.what)
			}
			code, msg := apiError(err)
			wantCode, wantMsg := apiError(apiErr)
			if code == "" || code != wantCode || msg != wantMsg {
				t.Errorf("offline error %s: %s\nAPI's           %s: %s", code, msg, wantCode, wantMsg)
			}
			roles, err := serve(t, data, "").ListRoles(context.Background(), &sdk.ListRolesInput{})
			if err != nil || len(roles.Roles) != 0 {
				t.Errorf("roles created after the error: %v %v", roles, err)
			}
		})
	}
}

// TestOfflineTargetActsOnlyAsRoot: the offline target authorizes every
// call with the Guard; its authorizer refuses all that the root user's
// rule does not admit, so a target given any other caller fails closed
// (attack), while the account's root imports (allowed, above and here).
func TestOfflineTargetActsOnlyAsRoot(t *testing.T) {
	o, err := server.OpenOffline(context.Background(), server.Options{DataDir: t.TempDir(), AccountID: acct})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	ctx := context.Background()
	for name, c := range map[string]iam.Caller{
		"user":              {Account: acct, Partition: "aws", ARN: "arn:aws:iam::" + acct + ":user/alice", UserName: "alice"},
		"root's federated":  {Account: acct, Partition: "aws", ARN: "arn:aws:sts::" + acct + ":federated-user/x", Root: true, Session: &iam.Session{Type: iam.SessionFederatedUser}},
		"no account at all": {Partition: "aws", ARN: "arn:aws:iam::" + acct + ":root", Root: true},
	} {
		_, err := local.New(o.IAM, o.Guard, c).CreateUser(ctx, &sdk.CreateUserInput{UserName: aws.String("mallory")})
		if code, _ := apiError(err); code != "AccessDenied" && code != "InvalidClientTokenId" && code != "MissingAuthenticationToken" {
			t.Errorf("%s: CreateUser %v, want a refusal", name, err)
		}
	}
	if _, err := o.IAM.GetUser(iam.WithCaller(ctx, &o.Caller), &iamapi.GetUserInput{UserName: aws.String("mallory")}); err == nil {
		t.Fatal("a refused call created the user")
	}
	if _, err := local.New(o.IAM, o.Guard, o.Caller).CreateUser(ctx, &sdk.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatalf("root: %v", err)
	}
}
