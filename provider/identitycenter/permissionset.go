package identitycenter

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/awserr"
)

// This file is what other providers that manage permission sets of their
// own (provider/scoped) share with this one: the rate-limited, retrying
// sso-admin client, verified provisioning, and the verified assignment
// operations for an Assignment rather than an effect.

// SSOAdmin returns the provider's sso-admin client. Every call through it
// takes a token from the shared Limiter and is retried by the provider's
// policy (throttling, server errors and ConflictException), so callers in
// the same process stay within one rate limit.
func (p *Provider) SSOAdmin() *ssoadmin.Client { return p.sso }

// NoConflictRetry is a per-call option for calls whose ConflictException
// means "it exists" rather than "busy, try again", such as
// CreatePermissionSet with a name that is taken: the call is not retried on
// it (other errors are retried as usual).
func NoConflictRetry(o *ssoadmin.Options) { o.Retryer = noConflictRetryer{o.Retryer} }

type noConflictRetryer struct{ aws.Retryer }

func (r noConflictRetryer) IsErrorRetryable(err error) bool {
	if ErrorCode(err) == "ConflictException" {
		return false
	}
	return r.Retryer.IsErrorRetryable(err)
}

// ErrorCode returns the AWS error code in err's chain ("" when there is
// none).
func ErrorCode(err error) string { return awserr.Code(err) }

// AWSError translates an SDK error from an Identity Center call into a coded
// stint error whose message says what failed (action, formatted with args)
// and what to do; the SDK error stays in the chain.
func AWSError(err error, action string, args ...any) error { return awsError(err, action, args...) }

// NamePermissionSet tells the provider a permission set's name, for its
// messages (the directory tells it the others').
func (p *Provider) NamePermissionSet(arn, name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.psNames[arn] = name
}

// Provision provisions the permission set's current version to one account
// and waits until AWS reports it done, polling
// DescribePermissionSetProvisioningStatus as assignment statuses are polled
// (FirstPoll, then every PollInterval, within OperationTimeout). It returns
// EUNAVAILABLE when the provisioning is still in progress when the wait
// ends, and the FAILED reason, coded as for Grant, when AWS reports failure.
func (p *Provider) Provision(ctx context.Context, permissionSetARN, accountID string) error {
	what := fmt.Sprintf("provision %s to account %s", p.psName(permissionSetARN), accountID)
	ctx, cancel := context.WithTimeout(ctx, p.operationTimeout)
	defer cancel()
	start := time.Now()
	out, err := p.sso.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{
		InstanceArn: aws.String(p.instanceARN), PermissionSetArn: aws.String(permissionSetARN),
		TargetType: types.ProvisionTargetTypeAwsAccount, TargetId: aws.String(accountID),
	})
	if err != nil {
		return awsError(err, "%s", what)
	}
	st := out.PermissionSetProvisioningStatus
	delay := p.firstPoll
	for {
		if st == nil {
			return stint.Errorf(stint.EINTERNAL, "%s: AWS answered without a status", what)
		}
		switch st.Status {
		case types.StatusValuesSucceeded:
			p.log.InfoContext(ctx, "permission set provisioned", "permission_set", permissionSetARN, "account", accountID,
				"took", time.Since(start).Round(time.Millisecond))
			return nil
		case types.StatusValuesFailed:
			return newFailedError(what, aws.ToString(st.FailureReason))
		}
		requestID := aws.ToString(st.RequestId)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return stillInProgress(ctx, what, requestID)
		case <-t.C:
		}
		poll, err := p.sso.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{
			InstanceArn: aws.String(p.instanceARN), ProvisionPermissionSetRequestId: aws.String(requestID),
		})
		if err != nil {
			if ctx.Err() != nil {
				return stillInProgress(ctx, what, requestID)
			}
			return awsError(err, "%s: check status of request %s", what, requestID)
		}
		st, delay = poll.PermissionSetProvisioningStatus, p.pollInterval
	}
}

// Assign creates the account assignment and waits until AWS reports it
// done, exactly as Grant does for an effect.
func (p *Provider) Assign(ctx context.Context, a Assignment) error { return p.Grant(ctx, a.effect()) }

// Unassign deletes the account assignment and waits until AWS reports it
// done, exactly as Revoke does for an effect: one already gone, or whose
// permission set is gone, is success.
func (p *Provider) Unassign(ctx context.Context, a Assignment) error {
	return p.Revoke(ctx, a.effect())
}

// Assigned reports whether the account assignment exists.
func (p *Provider) Assigned(ctx context.Context, a Assignment) (bool, error) {
	return p.Exists(ctx, a.effect())
}

func (a Assignment) effect() *stint.Effect {
	return &stint.Effect{
		Key: stint.SSOEffectKey(a.AccountID, a.PermissionSetARN, a.PrincipalID), Kind: stint.EffectKindSSO,
		AccountID: a.AccountID, PermissionSetARN: a.PermissionSetARN, PrincipalType: a.PrincipalType, PrincipalID: a.PrincipalID,
	}
}
