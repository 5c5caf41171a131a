// Package sdktest holds what tests that drive iamd with the AWS SDK for Go
// v2 share.
package sdktest

import (
	"errors"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// Retryer retries a call only when the client's own connection was closed
// under it, and nothing else, so that a test still sees every error the
// server answers. The SDK's transport closes a connection when it finds
// the request body closed after a fast answer ("read tcp ...: use of
// closed network connection" while decoding a 200 response; aws-sdk-go-v2
// issues 1825 and 2737), which its standard retryer retries too.
func Retryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 5
		o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			if errors.Is(err, net.ErrClosed) {
				return aws.TrueTernary
			}
			return aws.FalseTernary
		})}
		o.RateLimiter = ratelimit.None // tests make bursts of calls
	})
}
