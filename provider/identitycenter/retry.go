package identitycenter

import (
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// Retry defaults.
const (
	DefaultMaxAttempts    = 10
	DefaultRetryBaseDelay = 200 * time.Millisecond
	DefaultMaxBackoff     = 20 * time.Second
)

// retryPolicy is how calls are retried.
type retryPolicy struct {
	maxAttempts int
	baseDelay   time.Duration
	maxBackoff  time.Duration
}

// retryer returns an SDK retryer for the policy. It retries what the SDK's
// standard retryer does (throttling codes, HTTP 429 and 5xx, connection
// errors) and, when conflicts is true, ConflictException, which sso-admin
// answers while another operation on the same account and permission set is
// in progress. The SDK's retry quota is off: the Limiter paces calls, and a
// quota would fail operations during a long spell of throttling that the
// backoff is there to ride out.
func (p retryPolicy) retryer(conflicts bool) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = p.maxAttempts
		o.MaxBackoff = p.maxBackoff
		o.Backoff = p
		o.RateLimiter = ratelimit.None
		if conflicts {
			o.Retryables = append(o.Retryables, retry.RetryableErrorCode{
				Codes: map[string]struct{}{"ConflictException": {}},
			})
		}
	})
}

// BackoffDelay returns a full-jitter exponential delay: uniform in
// [0, min(maxBackoff, baseDelay*2^(attempt-1))].
func (p retryPolicy) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	ceiling := p.baseDelay
	for i := 1; i < attempt && ceiling < p.maxBackoff; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, p.maxBackoff)
	if ceiling <= 0 {
		return 0, nil
	}
	return rand.N(ceiling + 1), nil
}
