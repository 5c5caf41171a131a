package sts

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/iamd/iamd/api/awserr"
	"github.com/iamd/iamd/policy"
)

// RequestInfo is what the server knows of a request that carries no AWS
// credentials (AssumeRoleWithWebIdentity): its global condition keys.
type RequestInfo struct {
	SourceIP        string
	UserAgent       string
	SecureTransport bool
}

type requestInfoKey struct{}

// WithRequestInfo returns a context carrying what the server knows of an
// unsigned request.
func WithRequestInfo(ctx context.Context, ri RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, ri)
}

func requestInfo(ctx context.Context) RequestInfo {
	ri, _ := ctx.Value(requestInfoKey{}).(RequestInfo)
	return ri
}

// trustAllows evaluates a role's trust policy alone for a principal that
// is not an IAM identity (a web identity, a SAML user, an AWS service):
// such principals have no identity policies, so the trust policy decides.
func trustAllows(trustText string, p policy.Principal, action, roleARN, account string, keys map[string][]string, ri RequestInfo, now time.Time) bool {
	trust, err := policy.Parse([]byte(trustText))
	if err != nil {
		return false
	}
	in := &policy.Input{Resource: policy.NewSet(policy.Compile(trust, policy.Source{ID: "AssumeRolePolicyDocument", Type: "role-trust"}))}
	req := &policy.Request{Principal: p, Action: action, Resource: roleARN, ResourceAccount: account}
	for k, v := range keys {
		req.Context.Set(k, v...)
	}
	set := func(k, v string) {
		if v != "" && len(req.Context.Get(k)) == 0 {
			req.Context.Set(k, v)
		}
	}
	set("aws:CurrentTime", now.UTC().Format(time.RFC3339))
	set("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
	set("aws:SecureTransport", strconv.FormatBool(ri.SecureTransport))
	set("aws:SourceIp", ri.SourceIP)
	set("aws:UserAgent", ri.UserAgent)
	policy.AddPrincipalKeys(&req.Context, &req.Principal)
	return policy.Evaluate(in, req) == policy.Allowed
}

// validation is a ValidationError with a formatted message.
func validation(format string, args ...any) error {
	return awserr.Newf(awserr.CodeValidation, http.StatusBadRequest, format, args...)
}
