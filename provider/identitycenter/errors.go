package identitycenter

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/stint-dev/stint"
)

// awsError translates an SDK error into a coded stint error whose message
// says what failed and what to do. The SDK error stays in the chain for
// errors.As.
func awsError(err error, action string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(action, args...)
	code, hint := classify(err)
	msg := what + ": " + awsMessage(err)
	if hint != "" {
		msg += "; " + hint
	}
	return &codedError{coded: stint.Errorf(code, "%s", msg), cause: err}
}

// classify returns the stint code of an SDK error and advice for the user.
func classify(err error) (code, hint string) {
	switch {
	case errors.Is(err, context.Canceled):
		return stint.EUNAVAILABLE, "the operation was cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		return stint.EUNAVAILABLE, "it timed out; it is retried later"
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return stint.EUNAVAILABLE, "cannot reach AWS; check the network and the endpoint"
	}
	switch apiErr.ErrorCode() {
	case "AccessDeniedException", "AccessDenied", "UnauthorizedException", "UnrecognizedClientException",
		"InvalidClientTokenId", "ExpiredTokenException", "ExpiredToken":
		return stint.EFORBIDDEN, "check that stint's AWS credentials are valid and allow Identity Center administration (sso:*, identitystore:*, organizations:List*, organizations:Describe*)"
	case "ResourceNotFoundException":
		return stint.ENOTFOUND, "check that the instance, permission set, account and user exist"
	case "ValidationException", "InvalidInputException":
		return stint.EINVALID, ""
	case "ConflictException":
		return stint.EUNAVAILABLE, "another operation on this account and permission set is still in progress; it is retried later"
	case "ServiceQuotaExceededException":
		return stint.EUNAVAILABLE, "an Identity Center quota is reached; raise it or remove unused assignments"
	case "AWSOrganizationsNotInUseException":
		return stint.EINVALID, "the account is not the management account of an organisation, or a delegated administrator"
	}
	if isThrottle(apiErr.ErrorCode()) {
		return stint.EUNAVAILABLE, "AWS kept throttling after every retry; lower the request rate or retry later"
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) && respErr.HTTPStatusCode() >= http.StatusInternalServerError {
		return stint.EUNAVAILABLE, "AWS answered with a server error after every retry; retry later"
	}
	return stint.EINTERNAL, ""
}

func isThrottle(code string) bool {
	switch code {
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown":
		return true
	}
	return false
}

// awsMessage returns AWS's own words: "Code: message".
func awsMessage(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		if msg := apiErr.ErrorMessage(); msg != "" {
			return apiErr.ErrorCode() + ": " + msg
		}
		return apiErr.ErrorCode()
	}
	return err.Error()
}

// codedError is a stint error that keeps the SDK error it came from.
type codedError struct {
	coded *stint.Error
	cause error
}

func (e *codedError) Error() string   { return e.coded.Message }
func (e *codedError) Unwrap() []error { return []error{e.coded, e.cause} }
