package iamsync

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamd/iamd/analysis"
)

// CachedCredentialReport reads the report the server holds without asking
// for a new one (nil when there is none, or it expired) and when it was
// generated.
func CachedCredentialReport(ctx context.Context, c *iam.Client) ([]byte, time.Time, error) {
	out, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	var notPresent *types.CredentialReportNotPresentException
	var expired *types.CredentialReportExpiredException
	if errors.As(err, &notPresent) || errors.As(err, &expired) {
		return nil, time.Time{}, nil
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	return out.Content, aws.ToTime(out.GeneratedTime), nil
}

// BuildCredentialReport builds the rows of a credential report from the
// API (users, login profiles, MFA devices, access keys and their last
// use), as GenerateCredentialReport would now, leaving out the access key
// skip (the one-off key a command reads the store with) and caching
// nothing on the server.
func BuildCredentialReport(ctx context.Context, c *iam.Client, account, partition, skip string) ([]analysis.CredentialRow, error) {
	keys := func(user *string) ([2]analysis.KeyInfo, error) {
		var out [2]analysis.KeyInfo
		p := iam.NewListAccessKeysPaginator(c, &iam.ListAccessKeysInput{UserName: user})
		n := 0
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return out, err
			}
			for _, k := range page.AccessKeyMetadata {
				if aws.ToString(k.AccessKeyId) == skip || n == 2 {
					continue
				}
				info := analysis.KeyInfo{Active: k.Status == types.StatusTypeActive, LastRotated: k.CreateDate}
				if lu, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKeyId}); err == nil && lu.AccessKeyLastUsed != nil {
					info.LastUsed, info.Service, info.Region = lu.AccessKeyLastUsed.LastUsedDate, aws.ToString(lu.AccessKeyLastUsed.ServiceName), aws.ToString(lu.AccessKeyLastUsed.Region)
				}
				out[n] = info
				n++
			}
		}
		return out, nil
	}
	mfa := func(user *string) (bool, error) {
		out, err := c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: user})
		if err != nil {
			return false, err
		}
		return len(out.MFADevices) > 0, nil
	}
	root := analysis.CredentialRow{User: "<root_account>", ARN: "arn:" + partition + ":iam::" + account + ":root", Root: true}
	if u, err := c.GetUser(ctx, &iam.GetUserInput{}); err == nil && u.User != nil {
		root.Created = u.User.CreateDate
	}
	var err error
	if root.Keys, err = keys(nil); err != nil {
		return nil, err
	}
	if sum, err := c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{}); err == nil {
		root.MFAActive = sum.SummaryMap["AccountMFAEnabled"] > 0
	} else if root.MFAActive, err = mfa(nil); err != nil {
		return nil, err
	}
	rows := []analysis.CredentialRow{root}
	p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range page.Users {
			row := analysis.CredentialRow{User: aws.ToString(u.UserName), ARN: aws.ToString(u.Arn), Created: u.CreateDate, PasswordSupported: true}
			var nse *types.NoSuchEntityException
			lp, err := c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: u.UserName})
			switch {
			case err == nil:
				row.PasswordEnabled, row.PasswordChanged, row.PasswordLastUsed = true, lp.LoginProfile.CreateDate, u.PasswordLastUsed
			case !errors.As(err, &nse):
				return nil, err
			}
			if row.MFAActive, err = mfa(u.UserName); err != nil {
				return nil, err
			}
			if row.Keys, err = keys(u.UserName); err != nil {
				return nil, err
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}
