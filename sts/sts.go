// Package sts implements AWS STS: who the caller is, and temporary
// credentials for roles and sessions.
package sts

import (
	"context"

	"github.com/iamd/iamd/awserr"
	"github.com/iamd/iamd/iam"
	"github.com/iamd/iamd/protocol/stsapi"
)

// Service implements the STS operations.
type Service struct {
	iam *iam.Service
}

// New returns the STS service over IAM.
func New(svc *iam.Service) *Service { return &Service{iam: svc} }

// GetCallerIdentity says who the caller is. It needs no permission.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *stsapi.GetCallerIdentityInput) (*stsapi.GetCallerIdentityOutput, error) {
	c, ok := iam.CallerFrom(ctx)
	if !ok {
		return nil, awserr.New("MissingAuthenticationToken", 403, "Request is missing Authentication Token")
	}
	userID := c.UserID
	if c.Root {
		userID = c.Account
	}
	return &stsapi.GetCallerIdentityOutput{UserId: &userID, Account: &c.Account, Arn: &c.ARN}, nil
}
