package iam

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
func awsError(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	code, hint := classify(err)
	msg := fmt.Sprintf(format, args...) + ": " + awsMessage(err)
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
		return stint.EUNAVAILABLE, "cannot reach IAM; check the network and the endpoint"
	}
	switch apiErr.ErrorCode() {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "InvalidClientTokenId", "ExpiredToken":
		return stint.EFORBIDDEN, "the role stint assumes in member accounts needs the IAM permissions listed in docs/providers/iam-role.md and iam-group.md"
	case "NoSuchEntity":
		return stint.ENOTFOUND, ""
	case "MalformedPolicyDocument", "InvalidInput", "ValidationError":
		return stint.EINVALID, ""
	case "LimitExceeded":
		return stint.EINVALID, "an IAM quota of the account is reached"
	case "ConcurrentModification":
		return stint.EUNAVAILABLE, "another change to the same IAM entity kept being in progress; it is retried later"
	case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException":
		return stint.EUNAVAILABLE, "IAM kept throttling after every retry; retry later"
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) && respErr.HTTPStatusCode() >= http.StatusInternalServerError {
		return stint.EUNAVAILABLE, "IAM answered with a server error after every retry; retry later"
	}
	return stint.EINTERNAL, ""
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

// hasCode reports whether err is an AWS API error with the code.
func hasCode(err error, code string) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == code
}

func isNotFound(err error) bool { return hasCode(err, "NoSuchEntity") }

// codedError is a stint error that keeps the SDK error it came from.
type codedError struct {
	coded *stint.Error
	cause error
}

func (e *codedError) Error() string   { return e.coded.Message }
func (e *codedError) Unwrap() []error { return []error{e.coded, e.cause} }
