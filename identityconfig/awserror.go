package identityconfig

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/smithy-go"

	"github.com/stint-dev/stint"
)

// awsError turns an SDK error into a coded stint error that says what
// failed; the SDK error stays in the chain.
func awsError(err error, action string, args ...any) error {
	what := fmt.Sprintf(action, args...)
	code, hint := stint.EUNAVAILABLE, "cannot reach AWS or it kept failing; check the endpoint and retry later"
	var apiErr smithy.APIError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		hint = "the read was cancelled or timed out"
	case errors.As(err, &apiErr):
		switch apiErr.ErrorCode() {
		case "AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "ExpiredTokenException":
			code, hint = stint.EFORBIDDEN, "check that the credentials allow sso:List*, sso:Describe*, sso:Get* and identitystore:List*"
		case "ResourceNotFoundException":
			code, hint = stint.ENOTFOUND, "check the instance ARN and identity store ID"
		case "ValidationException":
			code, hint = stint.EINVALID, ""
		}
		what += ": " + apiErr.ErrorCode()
		if m := apiErr.ErrorMessage(); m != "" {
			what += ": " + m
		}
	default:
		what += ": " + err.Error()
	}
	if hint != "" {
		what += "; " + hint
	}
	return &codedError{coded: &stint.Error{Code: code, Message: what}, cause: err}
}

// codedError is a stint error that keeps the SDK error it came from.
type codedError struct {
	coded *stint.Error
	cause error
}

func (e *codedError) Error() string   { return e.coded.Message }
func (e *codedError) Unwrap() []error { return []error{e.coded, e.cause} }

// isNotFound reports whether AWS answered ResourceNotFoundException.
func isNotFound(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "ResourceNotFoundException"
}
