// Package iamsync moves an account dump in and out of an IAM endpoint
// (iamd or AWS) through the IAM API with the AWS SDK, so every rule of the
// API (names, limits, validation, AWS's errors) stays in one place: the
// server. Package analysis itself needs no network.
package iamsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamd/iamd/analysis"
)

// FetchDump reads the account through GetAccountAuthorizationDetails,
// following the pages, with every entity type (AWS managed policies too,
// the ones in use).
func FetchDump(ctx context.Context, c *iam.Client) (*analysis.Dump, error) {
	d := &analysis.Dump{UserDetailList: []analysis.UserDetail{}, GroupDetailList: []analysis.GroupDetail{}, RoleDetailList: []analysis.RoleDetail{}, Policies: []analysis.ManagedPolicyDetail{}}
	in := &iam.GetAccountAuthorizationDetailsInput{Filter: []types.EntityType{types.EntityTypeUser, types.EntityTypeGroup, types.EntityTypeRole,
		types.EntityTypeLocalManagedPolicy, types.EntityTypeAWSManagedPolicy}}
	p := iam.NewGetAccountAuthorizationDetailsPaginator(c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		// The SDK's shapes carry the member names; their JSON is the
		// dump's (documents URL-encoded, which Document reads).
		b, err := json.Marshal(out)
		if err != nil {
			return nil, err
		}
		var page analysis.Dump
		if err := json.Unmarshal(b, &page); err != nil {
			return nil, err
		}
		d.UserDetailList = append(d.UserDetailList, page.UserDetailList...)
		d.GroupDetailList = append(d.GroupDetailList, page.GroupDetailList...)
		d.RoleDetailList = append(d.RoleDetailList, page.RoleDetailList...)
		d.Policies = append(d.Policies, page.Policies...)
	}
	f := false
	d.IsTruncated = &f
	return d, nil
}

// FetchCredentialReport generates and reads the credential report.
func FetchCredentialReport(ctx context.Context, c *iam.Client) ([]byte, error) {
	if _, err := c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{}); err != nil {
		return nil, err
	}
	out, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil {
		return nil, err
	}
	return out.Content, nil
}

// ImportStats counts what Push created.
type ImportStats struct {
	Users, Groups, Roles, Policies, InstanceProfiles int
}

// DefaultParallel is how many calls PushParallel's callers keep in flight
// by default: enough that the server's group commit puts tens of calls in
// one transaction (each caller waits for its own durable commit, so a
// commit carries at most as many calls as there are callers), few enough
// that a loaded machine is not swamped with goroutines and connections.
const DefaultParallel = 32

// Target is where an import creates a dump's entities: the write
// operations of the IAM API. An *iam.Client (the SDK's, to a server)
// is one; analysis/iamsync/local runs them in process.
type Target interface {
	CreatePolicy(context.Context, *iam.CreatePolicyInput, ...func(*iam.Options)) (*iam.CreatePolicyOutput, error)
	CreatePolicyVersion(context.Context, *iam.CreatePolicyVersionInput, ...func(*iam.Options)) (*iam.CreatePolicyVersionOutput, error)
	SetDefaultPolicyVersion(context.Context, *iam.SetDefaultPolicyVersionInput, ...func(*iam.Options)) (*iam.SetDefaultPolicyVersionOutput, error)
	CreateGroup(context.Context, *iam.CreateGroupInput, ...func(*iam.Options)) (*iam.CreateGroupOutput, error)
	PutGroupPolicy(context.Context, *iam.PutGroupPolicyInput, ...func(*iam.Options)) (*iam.PutGroupPolicyOutput, error)
	AttachGroupPolicy(context.Context, *iam.AttachGroupPolicyInput, ...func(*iam.Options)) (*iam.AttachGroupPolicyOutput, error)
	CreateUser(context.Context, *iam.CreateUserInput, ...func(*iam.Options)) (*iam.CreateUserOutput, error)
	AddUserToGroup(context.Context, *iam.AddUserToGroupInput, ...func(*iam.Options)) (*iam.AddUserToGroupOutput, error)
	PutUserPolicy(context.Context, *iam.PutUserPolicyInput, ...func(*iam.Options)) (*iam.PutUserPolicyOutput, error)
	AttachUserPolicy(context.Context, *iam.AttachUserPolicyInput, ...func(*iam.Options)) (*iam.AttachUserPolicyOutput, error)
	CreateRole(context.Context, *iam.CreateRoleInput, ...func(*iam.Options)) (*iam.CreateRoleOutput, error)
	PutRolePolicy(context.Context, *iam.PutRolePolicyInput, ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error)
	AttachRolePolicy(context.Context, *iam.AttachRolePolicyInput, ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error)
	CreateInstanceProfile(context.Context, *iam.CreateInstanceProfileInput, ...func(*iam.Options)) (*iam.CreateInstanceProfileOutput, error)
	AddRoleToInstanceProfile(context.Context, *iam.AddRoleToInstanceProfileInput, ...func(*iam.Options)) (*iam.AddRoleToInstanceProfileOutput, error)
}

// Source is a dump read one entity at a time: an *analysis.Dump in
// memory, or an *analysis.DumpFile streamed from its file (each list
// read when its phase starts, so an import holds only the entities its
// callers are working on).
type Source interface {
	EachPolicy(func(*analysis.ManagedPolicyDetail) error) error
	EachGroup(func(*analysis.GroupDetail) error) error
	EachUser(func(*analysis.UserDetail) error) error
	EachRole(func(*analysis.RoleDetail) error) error
}

// Push is PushParallel with one call at a time.
func Push(ctx context.Context, c Target, d Source) (*ImportStats, error) {
	return PushParallel(ctx, c, d, 1)
}

// PushParallel creates a dump's entities in the account the target acts
// for: customer managed policies (every version, in order, the default one
// default), groups, users, roles, instance profiles, with their inline and
// attached policies, memberships, boundaries and tags. The server assigns
// new ids and dates, as AWS would; managed policy ARNs are rewritten to the
// target account. Entities that exist already are an error
// (EntityAlreadyExists), so a partial import is visible.
//
// Up to parallel calls are in flight at once. Each entity's calls run in
// order (a user before its memberships, inline and attached policies), and
// the kinds run in phases, each after the one it depends on has finished:
// policies (attachments and boundaries name them), groups (memberships),
// users, roles, then the instance profiles a role shares with an earlier
// role. The first error stops the import: no call starts after it, the
// calls in flight finish, and that error is returned; the stats count the
// entities whose calls all succeeded.
func PushParallel(ctx context.Context, c Target, d Source, parallel int) (*ImportStats, error) {
	p := &pusher{n: max(parallel, 1)}
	arns := map[string]string{} // dump ARN -> created ARN, complete once the policies' phase is
	mapARN := func(a string) string {
		if n, ok := arns[a]; ok {
			return n
		}
		return a
	}
	err := p.run(ctx, func(emit func(chain) error) error {
		return d.EachPolicy(func(pol *analysis.ManagedPolicyDetail) error {
			if strings.Contains(pol.Arn, ":iam::aws:policy/") {
				return nil
			}
			return emit(policyChain(c, p, pol, arns))
		})
	})
	if err != nil {
		return p.stats(), err
	}
	err = p.run(ctx, func(emit func(chain) error) error {
		return d.EachGroup(func(g *analysis.GroupDetail) error {
			steps := []step{call(fmt.Sprintf("CreateGroup %s", g.GroupName), func(ctx context.Context) (*iam.CreateGroupOutput, error) {
				return c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(g.GroupName), Path: optional(g.Path)})
			})}
			for _, pol := range g.GroupPolicyList {
				steps = append(steps, call(fmt.Sprintf("PutGroupPolicy %s %s", g.GroupName, pol.PolicyName), func(ctx context.Context) (*iam.PutGroupPolicyOutput, error) {
					return c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String(g.GroupName), PolicyName: aws.String(pol.PolicyName), PolicyDocument: aws.String(string(pol.PolicyDocument))})
				}))
			}
			for _, pol := range g.AttachedManagedPolicies {
				steps = append(steps, call(fmt.Sprintf("AttachGroupPolicy %s %s", g.GroupName, pol.PolicyArn), func(ctx context.Context) (*iam.AttachGroupPolicyOutput, error) {
					return c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(g.GroupName), PolicyArn: aws.String(mapARN(pol.PolicyArn))})
				}))
			}
			return emit(chain{steps: steps, done: func() { p.st.Groups++ }})
		})
	})
	if err != nil {
		return p.stats(), err
	}
	err = p.run(ctx, func(emit func(chain) error) error {
		return d.EachUser(func(u *analysis.UserDetail) error {
			steps := []step{func(ctx context.Context) error {
				in := &iam.CreateUserInput{UserName: aws.String(u.UserName), Path: optional(u.Path), Tags: sdkTags(u.Tags)}
				if u.PermissionsBoundary != nil {
					in.PermissionsBoundary = aws.String(mapARN(u.PermissionsBoundary.PermissionsBoundaryArn))
				}
				if _, err := c.CreateUser(ctx, in); err != nil {
					return fmt.Errorf("CreateUser %s: %w", u.UserName, err)
				}
				return nil
			}}
			for _, g := range u.GroupList {
				steps = append(steps, call(fmt.Sprintf("AddUserToGroup %s %s", u.UserName, g), func(ctx context.Context) (*iam.AddUserToGroupOutput, error) {
					return c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: aws.String(u.UserName), GroupName: aws.String(g)})
				}))
			}
			for _, pol := range u.UserPolicyList {
				steps = append(steps, call(fmt.Sprintf("PutUserPolicy %s %s", u.UserName, pol.PolicyName), func(ctx context.Context) (*iam.PutUserPolicyOutput, error) {
					return c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(u.UserName), PolicyName: aws.String(pol.PolicyName), PolicyDocument: aws.String(string(pol.PolicyDocument))})
				}))
			}
			for _, pol := range u.AttachedManagedPolicies {
				steps = append(steps, call(fmt.Sprintf("AttachUserPolicy %s %s", u.UserName, pol.PolicyArn), func(ctx context.Context) (*iam.AttachUserPolicyOutput, error) {
					return c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(u.UserName), PolicyArn: aws.String(mapARN(pol.PolicyArn))})
				}))
			}
			return emit(chain{steps: steps, done: func() { p.st.Users++ }})
		})
	})
	if err != nil {
		return p.stats(), err
	}
	// An instance profile is created by the first role (in dump order)
	// that lists it; a later role listing it joins it after every role's
	// own calls, so that the profile exists whatever the order the roles
	// finished in. The roles are read in order, so the first is known
	// when each is read.
	type join struct{ profile, role string }
	var later []join
	seen := map[string]bool{}
	laterOf := map[string]int{} // role -> joins left before it counts
	addRole := func(profile, role string) step {
		return call(fmt.Sprintf("AddRoleToInstanceProfile %s %s", profile, role), func(ctx context.Context) (*iam.AddRoleToInstanceProfileOutput, error) {
			return c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(profile), RoleName: aws.String(role)})
		})
	}
	err = p.run(ctx, func(emit func(chain) error) error {
		return d.EachRole(func(r *analysis.RoleDetail) error {
			var owned []analysis.InstanceProfile
			p.mu.Lock() // laterOf is read by the chains' done
			for _, ip := range r.InstanceProfileList {
				if seen[ip.InstanceProfileName] {
					later = append(later, join{ip.InstanceProfileName, r.RoleName})
					laterOf[r.RoleName]++
					continue
				}
				seen[ip.InstanceProfileName] = true
				owned = append(owned, ip)
			}
			p.mu.Unlock()
			steps := []step{func(ctx context.Context) error {
				in := &iam.CreateRoleInput{RoleName: aws.String(r.RoleName), Path: optional(r.Path), AssumeRolePolicyDocument: aws.String(string(r.AssumeRolePolicyDocument)),
					Description: optional(r.Description), Tags: sdkTags(r.Tags)}
				if r.MaxSessionDuration > 0 {
					in.MaxSessionDuration = aws.Int32(int32(r.MaxSessionDuration))
				}
				if r.PermissionsBoundary != nil {
					in.PermissionsBoundary = aws.String(mapARN(r.PermissionsBoundary.PermissionsBoundaryArn))
				}
				if _, err := c.CreateRole(ctx, in); err != nil {
					return fmt.Errorf("CreateRole %s: %w", r.RoleName, err)
				}
				return nil
			}}
			for _, pol := range r.RolePolicyList {
				steps = append(steps, call(fmt.Sprintf("PutRolePolicy %s %s", r.RoleName, pol.PolicyName), func(ctx context.Context) (*iam.PutRolePolicyOutput, error) {
					return c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(r.RoleName), PolicyName: aws.String(pol.PolicyName), PolicyDocument: aws.String(string(pol.PolicyDocument))})
				}))
			}
			for _, pol := range r.AttachedManagedPolicies {
				steps = append(steps, call(fmt.Sprintf("AttachRolePolicy %s %s", r.RoleName, pol.PolicyArn), func(ctx context.Context) (*iam.AttachRolePolicyOutput, error) {
					return c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(r.RoleName), PolicyArn: aws.String(mapARN(pol.PolicyArn))})
				}))
			}
			for _, ip := range owned {
				steps = append(steps, func(ctx context.Context) error {
					if _, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(ip.InstanceProfileName), Path: optional(ip.Path), Tags: sdkTags(ip.Tags)}); err != nil {
						return fmt.Errorf("CreateInstanceProfile %s: %w", ip.InstanceProfileName, err)
					}
					// Counted once created, as the profile exists whatever
					// follows.
					p.mu.Lock()
					p.st.InstanceProfiles++
					p.mu.Unlock()
					return nil
				}, addRole(ip.InstanceProfileName, r.RoleName))
			}
			return emit(chain{steps: steps, done: func() {
				if laterOf[r.RoleName] == 0 {
					p.st.Roles++
				}
			}})
		})
	})
	if err != nil {
		return p.stats(), err
	}
	err = p.run(ctx, func(emit func(chain) error) error {
		for _, j := range later {
			err := emit(chain{steps: []step{addRole(j.profile, j.role)}, done: func() {
				if laterOf[j.role]--; laterOf[j.role] == 0 {
					p.st.Roles++
				}
			}})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return p.stats(), err
}

// policyChain is the calls that create a customer managed policy with its
// versions, recording its new ARN in arns.
func policyChain(c Target, p *pusher, pol *analysis.ManagedPolicyDetail, arns map[string]string) chain {
	versions := append([]analysis.PolicyVersion{}, pol.PolicyVersionList...)
	sort.SliceStable(versions, func(i, j int) bool {
		return versionNumber(versions[i].VersionId) < versionNumber(versions[j].VersionId)
	})
	if len(versions) == 0 {
		return chain{steps: []step{func(context.Context) error { return fmt.Errorf("policy %s has no versions", pol.Arn) }}}
	}
	var arn *string
	steps := []step{func(ctx context.Context) error {
		out, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(pol.PolicyName), Path: optional(pol.Path),
			Description: optional(pol.Description), PolicyDocument: aws.String(string(versions[0].Document))})
		if err != nil {
			return fmt.Errorf("CreatePolicy %s: %w", pol.PolicyName, err)
		}
		arn = out.Policy.Arn
		p.mu.Lock()
		arns[pol.Arn] = aws.ToString(arn)
		p.mu.Unlock()
		return nil
	}}
	for _, v := range versions[1:] {
		steps = append(steps, call(fmt.Sprintf("CreatePolicyVersion %s %s", pol.PolicyName, v.VersionId), func(ctx context.Context) (*iam.CreatePolicyVersionOutput, error) {
			return c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(string(v.Document)),
				SetAsDefault: v.IsDefaultVersion || v.VersionId == pol.DefaultVersionId})
		}))
	}
	// The first version is the default on creation; a later default
	// was set above. If the first is the default but others followed,
	// set it back.
	if v := versions[0]; len(versions) > 1 && (v.IsDefaultVersion || v.VersionId == pol.DefaultVersionId) {
		steps = append(steps, call(fmt.Sprintf("SetDefaultPolicyVersion %s", pol.PolicyName), func(ctx context.Context) (*iam.SetDefaultPolicyVersionOutput, error) {
			return c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v1")})
		}))
	}
	return chain{steps: steps, done: func() { p.st.Policies++ }}
}

// step is one API call of an entity's.
type step func(ctx context.Context) error

// call is the step that makes one call, its error prefixed with what.
func call[T any](what string, f func(context.Context) (T, error)) step {
	return func(ctx context.Context) error {
		if _, err := f(ctx); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
}

// chain is an entity's calls, run in order, and what to count once they
// have all succeeded.
type chain struct {
	steps []step
	done  func()
}

// pusher runs the chains of an import's phases with bounded parallelism.
type pusher struct {
	n       int
	stopped atomic.Bool
	mu      sync.Mutex // guards st, err and the maps the chains share
	st      ImportStats
	err     error
}

// errStopped ends a phase's reading once the import has stopped.
var errStopped = errors.New("iamsync: import stopped")

// run runs the chains each emits (built as the source is read, so a
// large dump's calls are never all in memory), up to p.n at once, and
// returns the first error once every started call has finished: a
// chain's, else the source's.
func (p *pusher) run(ctx context.Context, each func(emit func(chain) error) error) error {
	work := make(chan chain, p.n)
	var wg sync.WaitGroup
	for range p.n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ch := range work {
				p.runChain(ctx, ch)
			}
		}()
	}
	srcErr := each(func(ch chain) error {
		if p.stopped.Load() {
			return errStopped
		}
		select {
		case work <- ch:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(work)
	wg.Wait()
	if srcErr != nil && !errors.Is(srcErr, errStopped) {
		p.fail(srcErr)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// runChain runs one entity's calls in order, unless the import stopped.
func (p *pusher) runChain(ctx context.Context, ch chain) {
	for _, s := range ch.steps {
		// The chain stops with the import; calls in flight elsewhere
		// finish, so what was written is counted.
		if p.stopped.Load() {
			return
		}
		if err := s(ctx); err != nil {
			p.fail(err)
			return
		}
	}
	if ch.done != nil {
		p.mu.Lock()
		ch.done()
		p.mu.Unlock()
	}
}

func (p *pusher) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil {
		p.err = err
		p.stopped.Store(true)
	}
}

func (p *pusher) stats() *ImportStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.st
	return &st
}

func versionNumber(v string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(strings.ToLower(v), "v"))
	return n
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func sdkTags(tags []analysis.Tag) []types.Tag {
	var out []types.Tag
	for _, t := range tags {
		out = append(out, types.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	return out
}
