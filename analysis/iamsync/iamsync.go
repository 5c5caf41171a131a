// Package iamsync moves an account dump in and out of an IAM endpoint
// (iamd or AWS) through the IAM API with the AWS SDK, so every rule of the
// API (names, limits, validation, AWS's errors) stays in one place: the
// server. Package analysis itself needs no network.
package iamsync

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

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

// Push creates a dump's entities in the account the client acts for:
// customer managed policies (every version, in order, the default one
// default), groups, users, roles, instance profiles, with their inline and
// attached policies, memberships, boundaries and tags. The server assigns
// new ids and dates, as AWS would; managed policy ARNs are rewritten to the
// target account. Entities that exist already are an error
// (EntityAlreadyExists), so a partial import is visible.
func Push(ctx context.Context, c *iam.Client, d *analysis.Dump) (*ImportStats, error) {
	st := &ImportStats{}
	arns := map[string]string{} // dump ARN -> created ARN
	mapARN := func(a string) string {
		if n, ok := arns[a]; ok {
			return n
		}
		return a
	}
	for _, p := range d.Policies {
		if strings.Contains(p.Arn, ":iam::aws:policy/") {
			continue
		}
		versions := append([]analysis.PolicyVersion{}, p.PolicyVersionList...)
		sort.SliceStable(versions, func(i, j int) bool {
			return versionNumber(versions[i].VersionId) < versionNumber(versions[j].VersionId)
		})
		if len(versions) == 0 {
			return st, fmt.Errorf("policy %s has no versions", p.Arn)
		}
		out, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(p.PolicyName), Path: optional(p.Path),
			Description: optional(p.Description), PolicyDocument: aws.String(string(versions[0].Document))})
		if err != nil {
			return st, fmt.Errorf("CreatePolicy %s: %w", p.PolicyName, err)
		}
		arns[p.Arn] = aws.ToString(out.Policy.Arn)
		for _, v := range versions[1:] {
			if _, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: out.Policy.Arn, PolicyDocument: aws.String(string(v.Document)),
				SetAsDefault: v.IsDefaultVersion || v.VersionId == p.DefaultVersionId}); err != nil {
				return st, fmt.Errorf("CreatePolicyVersion %s %s: %w", p.PolicyName, v.VersionId, err)
			}
		}
		// The first version is the default on creation; a later default
		// was set above. If the first is the default but others followed,
		// set it back.
		if v := versions[0]; len(versions) > 1 && (v.IsDefaultVersion || v.VersionId == p.DefaultVersionId) {
			if _, err := c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: out.Policy.Arn, VersionId: aws.String("v1")}); err != nil {
				return st, fmt.Errorf("SetDefaultPolicyVersion %s: %w", p.PolicyName, err)
			}
		}
		st.Policies++
	}
	for _, g := range d.GroupDetailList {
		if _, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(g.GroupName), Path: optional(g.Path)}); err != nil {
			return st, fmt.Errorf("CreateGroup %s: %w", g.GroupName, err)
		}
		for _, p := range g.GroupPolicyList {
			if _, err := c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String(g.GroupName), PolicyName: aws.String(p.PolicyName), PolicyDocument: aws.String(string(p.PolicyDocument))}); err != nil {
				return st, fmt.Errorf("PutGroupPolicy %s %s: %w", g.GroupName, p.PolicyName, err)
			}
		}
		for _, p := range g.AttachedManagedPolicies {
			if _, err := c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(g.GroupName), PolicyArn: aws.String(mapARN(p.PolicyArn))}); err != nil {
				return st, fmt.Errorf("AttachGroupPolicy %s %s: %w", g.GroupName, p.PolicyArn, err)
			}
		}
		st.Groups++
	}
	for _, u := range d.UserDetailList {
		in := &iam.CreateUserInput{UserName: aws.String(u.UserName), Path: optional(u.Path), Tags: sdkTags(u.Tags)}
		if u.PermissionsBoundary != nil {
			in.PermissionsBoundary = aws.String(mapARN(u.PermissionsBoundary.PermissionsBoundaryArn))
		}
		if _, err := c.CreateUser(ctx, in); err != nil {
			return st, fmt.Errorf("CreateUser %s: %w", u.UserName, err)
		}
		for _, g := range u.GroupList {
			if _, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: aws.String(u.UserName), GroupName: aws.String(g)}); err != nil {
				return st, fmt.Errorf("AddUserToGroup %s %s: %w", u.UserName, g, err)
			}
		}
		for _, p := range u.UserPolicyList {
			if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(u.UserName), PolicyName: aws.String(p.PolicyName), PolicyDocument: aws.String(string(p.PolicyDocument))}); err != nil {
				return st, fmt.Errorf("PutUserPolicy %s %s: %w", u.UserName, p.PolicyName, err)
			}
		}
		for _, p := range u.AttachedManagedPolicies {
			if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(u.UserName), PolicyArn: aws.String(mapARN(p.PolicyArn))}); err != nil {
				return st, fmt.Errorf("AttachUserPolicy %s %s: %w", u.UserName, p.PolicyArn, err)
			}
		}
		st.Users++
	}
	profiles := map[string]bool{}
	for _, r := range d.RoleDetailList {
		in := &iam.CreateRoleInput{RoleName: aws.String(r.RoleName), Path: optional(r.Path), AssumeRolePolicyDocument: aws.String(string(r.AssumeRolePolicyDocument)),
			Description: optional(r.Description), Tags: sdkTags(r.Tags)}
		if r.MaxSessionDuration > 0 {
			in.MaxSessionDuration = aws.Int32(int32(r.MaxSessionDuration))
		}
		if r.PermissionsBoundary != nil {
			in.PermissionsBoundary = aws.String(mapARN(r.PermissionsBoundary.PermissionsBoundaryArn))
		}
		if _, err := c.CreateRole(ctx, in); err != nil {
			return st, fmt.Errorf("CreateRole %s: %w", r.RoleName, err)
		}
		for _, p := range r.RolePolicyList {
			if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(r.RoleName), PolicyName: aws.String(p.PolicyName), PolicyDocument: aws.String(string(p.PolicyDocument))}); err != nil {
				return st, fmt.Errorf("PutRolePolicy %s %s: %w", r.RoleName, p.PolicyName, err)
			}
		}
		for _, p := range r.AttachedManagedPolicies {
			if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(r.RoleName), PolicyArn: aws.String(mapARN(p.PolicyArn))}); err != nil {
				return st, fmt.Errorf("AttachRolePolicy %s %s: %w", r.RoleName, p.PolicyArn, err)
			}
		}
		for _, ip := range r.InstanceProfileList {
			if !profiles[ip.InstanceProfileName] {
				if _, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(ip.InstanceProfileName), Path: optional(ip.Path), Tags: sdkTags(ip.Tags)}); err != nil {
					return st, fmt.Errorf("CreateInstanceProfile %s: %w", ip.InstanceProfileName, err)
				}
				profiles[ip.InstanceProfileName] = true
				st.InstanceProfiles++
			}
			if _, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(ip.InstanceProfileName), RoleName: aws.String(r.RoleName)}); err != nil {
				return st, fmt.Errorf("AddRoleToInstanceProfile %s %s: %w", ip.InstanceProfileName, r.RoleName, err)
			}
		}
		st.Roles++
	}
	return st, nil
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
