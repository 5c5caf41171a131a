package e2e

import (
	"context"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/server"
)

var s3ARN = regexp.MustCompile(`arn:aws:s3:[a-z0-9-]*:[0-9]*:`)

// seed creates a dump's policies, groups, users and roles (memberships and
// attachments) in the instance's account through its IAM service directly:
// the generated account's ~45,000 calls over signed HTTP would take minutes.
// It is the import the API would make, without the wire.
func seed(inst *server.Instance, d *analysis.Dump) error {
	svc := inst.IAM
	ctx := rootCtx(inst)
	acct := func(a string) string {
		if strings.Contains(a, ":iam::aws:policy/") {
			return a
		}
		parts := strings.SplitN(a, ":", 6)
		if len(parts) == 6 {
			parts[4] = inst.Account
		}
		return strings.Join(parts, ":")
	}
	// Each entity's calls are independent of the others' of its kind: a
	// few at a time.
	var first error
	each := func(n int, fn func(i int) error) {
		if first != nil {
			return
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		next := make(chan int)
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					if err := fn(i); err != nil {
						mu.Lock()
						if first == nil {
							first = err
						}
						mu.Unlock()
					}
				}
			}()
		}
		for i := 0; i < n; i++ {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	each(len(d.Policies), func(i int) error {
		p := d.Policies[i]
		if strings.Contains(p.Arn, ":iam::aws:policy/") {
			return nil
		}
		// IAM refuses an S3 ARN with a region and an account, which the
		// generator writes (the analysis does not mind): S3's own form.
		doc := s3ARN.ReplaceAllString(string(p.DefaultDocument()), "arn:aws:s3:::")
		_, err := svc.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: p.PolicyName, Path: &p.Path, PolicyDocument: doc})
		return err
	})
	each(len(d.GroupDetailList), func(i int) error {
		g := d.GroupDetailList[i]
		if _, err := svc.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: g.GroupName, Path: &g.Path}); err != nil {
			return err
		}
		for _, p := range g.AttachedManagedPolicies {
			if err := svc.AttachGroupPolicy(ctx, &iamapi.AttachGroupPolicyInput{GroupName: g.GroupName, PolicyArn: acct(p.PolicyArn)}); err != nil {
				return err
			}
		}
		return nil
	})
	each(len(d.UserDetailList), func(i int) error {
		u := d.UserDetailList[i]
		if _, err := svc.CreateUser(ctx, &iamapi.CreateUserInput{UserName: u.UserName, Path: &u.Path}); err != nil {
			return err
		}
		for _, g := range u.GroupList {
			if err := svc.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: g, UserName: u.UserName}); err != nil {
				return err
			}
		}
		for _, p := range u.AttachedManagedPolicies {
			if err := svc.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: u.UserName, PolicyArn: acct(p.PolicyArn)}); err != nil {
				return err
			}
		}
		return nil
	})
	each(len(d.RoleDetailList), func(i int) error {
		r := d.RoleDetailList[i]
		trust := strings.ReplaceAll(string(r.AssumeRolePolicyDocument), ":210987654321:", ":"+inst.Account+":")
		if _, err := svc.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: r.RoleName, Path: &r.Path, AssumeRolePolicyDocument: trust}); err != nil {
			return err
		}
		for _, p := range r.AttachedManagedPolicies {
			if err := svc.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: r.RoleName, PolicyArn: acct(p.PolicyArn)}); err != nil {
				return err
			}
		}
		return nil
	})
	return first
}

// rootCtx is a context calling the instance's IAM service as its root.
func rootCtx(inst *server.Instance) context.Context {
	return iam.WithCaller(context.Background(), &iam.Caller{Account: inst.Account, Partition: "aws", Root: true,
		ARN: "arn:aws:iam::" + inst.Account + ":root", Region: "us-east-1"})
}

// tempDir is a directory removed when the test binary ends (TestMain).
func tempDir() (string, error) {
	d, err := os.MkdirTemp("", "iamd-e2e-gen-")
	if err == nil {
		tempDirs = append(tempDirs, d)
	}
	return d, err
}

var tempDirs []string
