package server_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// The reads served from memory (GetUser, GetRole, ListUsers, ListRoles,
// the account) show every acknowledged write at once: each case reads
// (filling the cache), writes, and reads again.
func TestReadCacheSeesEveryWrite(t *testing.T) {
	inst := testServer(t)
	c := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Alice")}))
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(ec2Trust)}))

	getUser := func() *types.User {
		return must[*iam.GetUserOutput](t)(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})).User
	}
	userNames := func(prefix string) []string {
		var names []string
		out := must[*iam.ListUsersOutput](t)(c.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String(prefix)}))
		for _, u := range out.Users {
			names = append(names, *u.UserName)
		}
		return names
	}
	roleDescription := func() string {
		return aws.ToString(must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("APP")})).Role.Description)
	}

	if u := getUser(); len(u.Tags) != 0 || *u.Path != "/" {
		t.Fatalf("fresh user: %+v", u)
	}
	must[*iam.TagUserOutput](t)(c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("Alice"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}}))
	if u := getUser(); len(u.Tags) != 1 || *u.Tags[0].Value != "blue" {
		t.Fatalf("GetUser after TagUser: %+v", u.Tags)
	}
	if got := fmt.Sprint(userNames("/")); got != "[Alice]" {
		t.Fatalf("ListUsers: %s", got)
	}
	must[*iam.UpdateUserOutput](t)(c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("Alice"), NewPath: aws.String("/ops/")}))
	if u := getUser(); *u.Path != "/ops/" {
		t.Fatalf("GetUser after UpdateUser: path %s", *u.Path)
	}
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}))
	if got := fmt.Sprint(userNames("/")); got != "[Alice bob]" {
		t.Fatalf("ListUsers after CreateUser: %s", got)
	}
	if got := fmt.Sprint(userNames("/ops/")); got != "[Alice]" {
		t.Fatalf("ListUsers /ops/: %s", got)
	}
	must[*iam.DeleteUserOutput](t)(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")}))
	if got := fmt.Sprint(userNames("/")); got != "[Alice]" {
		t.Fatalf("ListUsers after DeleteUser: %s", got)
	}
	must[*iam.UntagUserOutput](t)(c.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String("Alice"), TagKeys: []string{"team"}}))
	must[*iam.DeleteUserOutput](t)(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("Alice")}))
	var nse *types.NoSuchEntityException
	if _, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")}); !errors.As(err, &nse) {
		t.Fatalf("GetUser of a deleted user: %v", err)
	}

	if d := roleDescription(); d != "" {
		t.Fatalf("fresh role description %q", d)
	}
	must[*iam.UpdateRoleOutput](t)(c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("app"), Description: aws.String("the app")}))
	if d := roleDescription(); d != "the app" {
		t.Fatalf("GetRole after UpdateRole: %q", d)
	}
	roles := must[*iam.ListRolesOutput](t)(c.ListRoles(ctx, &iam.ListRolesInput{}))
	must[*iam.DeleteRoleOutput](t)(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app")}))
	if after := must[*iam.ListRolesOutput](t)(c.ListRoles(ctx, &iam.ListRolesInput{})); len(after.Roles) != len(roles.Roles)-1 {
		t.Fatalf("ListRoles after DeleteRole: %d roles, before %d", len(after.Roles), len(roles.Roles))
	}

	aliases := func() []string {
		return must[*iam.ListAccountAliasesOutput](t)(c.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})).AccountAliases
	}
	if a := aliases(); len(a) != 0 {
		t.Fatalf("aliases %v", a)
	}
	must[*iam.CreateAccountAliasOutput](t)(c.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("cache-test")}))
	if a := aliases(); len(a) != 1 || a[0] != "cache-test" {
		t.Fatalf("aliases after CreateAccountAlias: %v", a)
	}
}

// ListUsers from memory pages as the store does: markers continue after
// the last user returned, across page sizes, and a bad marker is refused.
func TestReadCacheListPaging(t *testing.T) {
	inst := testServer(t)
	c := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	var want []string
	for i := range 25 {
		name := fmt.Sprintf("u%02d", i)
		want = append(want, name)
		path := "/"
		if i%3 == 0 {
			path = "/three/"
		}
		must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String(path)}))
	}
	for _, size := range []int32{1, 7, 25, 100} {
		var got []string
		var marker *string
		for pages := 0; ; pages++ {
			out := must[*iam.ListUsersOutput](t)(c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(size), Marker: marker}))
			for _, u := range out.Users {
				got = append(got, *u.UserName)
			}
			if !out.IsTruncated {
				break
			}
			if len(out.Users) != int(size) || pages > 30 {
				t.Fatalf("size %d: a truncated page of %d", size, len(out.Users))
			}
			marker = out.Marker
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("size %d: %v", size, got)
		}
	}
	out := must[*iam.ListUsersOutput](t)(c.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("/three/"), MaxItems: aws.Int32(4)}))
	if len(out.Users) != 4 || !out.IsTruncated || *out.Users[3].UserName != "u09" {
		t.Fatalf("path-filtered page: %d users, truncated %v", len(out.Users), out.IsTruncated)
	}
	if _, err := c.ListUsers(ctx, &iam.ListUsersInput{Marker: aws.String("!!not-a-marker")}); err == nil {
		t.Fatal("a bad marker was accepted")
	}
}

// Concurrent readers never see a tag value older than the last
// acknowledged TagUser: a read racing a write may fill the cache with the
// old value only if no write arrived meanwhile.
func TestReadCacheConcurrentWrites(t *testing.T) {
	inst := testServer(t)
	c := iamClient(inst, rootKey, rootSecret)
	ctx := context.Background()
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("hot")}))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("hot")}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range 40 {
		v := fmt.Sprint(i)
		must[*iam.TagUserOutput](t)(c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("hot"), Tags: []types.Tag{{Key: aws.String("n"), Value: aws.String(v)}}}))
		u := must[*iam.GetUserOutput](t)(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("hot")})).User
		if len(u.Tags) != 1 || *u.Tags[0].Value != v {
			close(stop)
			wg.Wait()
			t.Fatalf("write %d acknowledged, GetUser shows %+v", i, u.Tags)
		}
	}
	close(stop)
	wg.Wait()
}
