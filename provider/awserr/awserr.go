// Package awserr turns AWS SDK errors into stint's coded errors, once for
// every provider: a message that says what failed in AWS's own words and
// what to do, the code the HTTP API and CLI map, and the SDK error kept in
// the chain for errors.As.
package awserr

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/stint-dev/stint"
)

// Rule is the stint code of an AWS error code, and advice for the user.
type Rule struct {
	Code string // stint.EINVALID, ...
	Hint string // "" for none
}

// Classifier classifies one service's errors: its own codes first, then
// the codes every AWS service shares (access denied, throttling, server
// errors).
type Classifier struct {
	// Service names the service in messages ("IAM", "AWS").
	Service string
	// Forbidden is the advice for access denied errors: the permissions
	// stint needs.
	Forbidden string
	// Codes are the service's own error codes.
	Codes map[string]Rule
}

// Wrap translates err (nil stays nil) into a coded error whose message is
// the action, AWS's words and the advice. An error already coded keeps
// its code, with the action in front.
func (c Classifier) Wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	var coded *stint.Error
	if errors.As(err, &coded) && !IsAPI(err) {
		return fmt.Errorf("%s: %w", what, err)
	}
	code, hint := c.Classify(err)
	msg := what + ": " + Message(err)
	if hint != "" {
		msg += "; " + hint
	}
	return &codedError{coded: stint.Errorf(code, "%s", msg), cause: err}
}

// Classify returns the stint code of an SDK error and advice for the user.
func (c Classifier) Classify(err error) (code, hint string) {
	service := c.Service
	if service == "" {
		service = "AWS"
	}
	switch {
	case errors.Is(err, context.Canceled):
		return stint.EUNAVAILABLE, "the operation was cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		return stint.EUNAVAILABLE, "it timed out; it is retried later"
	}
	var respErr *awshttp.ResponseError
	serverError := errors.As(err, &respErr) && respErr.HTTPStatusCode() >= http.StatusInternalServerError
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		if serverError {
			return stint.EUNAVAILABLE, service + " answered with a server error after every retry; retry later"
		}
		return stint.EUNAVAILABLE, "cannot reach " + service + "; check the network and the endpoint"
	}
	if r, ok := c.Codes[apiErr.ErrorCode()]; ok {
		return r.Code, r.Hint
	}
	switch apiErr.ErrorCode() {
	case "AccessDeniedException", "AccessDenied", "UnauthorizedException", "UnauthorizedOperation", "UnrecognizedClientException",
		"InvalidClientTokenId", "ExpiredTokenException", "ExpiredToken":
		return stint.EFORBIDDEN, c.Forbidden
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown":
		return stint.EUNAVAILABLE, service + " kept throttling after every retry; lower the request rate or retry later"
	}
	if serverError {
		return stint.EUNAVAILABLE, service + " answered with a server error after every retry; retry later"
	}
	return stint.EINTERNAL, ""
}

// Message returns AWS's own words: "Code: message", or the error's text.
func Message(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		if msg := apiErr.ErrorMessage(); msg != "" {
			return apiErr.ErrorCode() + ": " + msg
		}
		return apiErr.ErrorCode()
	}
	return err.Error()
}

// Code returns the AWS error code of err, or "".
func Code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// Has reports whether err is an AWS API error with the code.
func Has(err error, code string) bool { return err != nil && Code(err) == code }

// IsAPI reports whether err carries an AWS API error.
func IsAPI(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr)
}

// codedError is a stint error that keeps the SDK error it came from.
type codedError struct {
	coded *stint.Error
	cause error
}

func (e *codedError) Error() string   { return e.coded.Message }
func (e *codedError) Unwrap() []error { return []error{e.coded, e.cause} }

// Coded returns a coded error with the message and code given that keeps
// cause (the SDK error) in the chain.
func Coded(code string, cause error, format string, args ...any) error {
	return &codedError{coded: stint.Errorf(code, format, args...), cause: cause}
}

// NotImplemented reports whether err is a server error whose body is not
// an AWS error, as moto answers operations it lacks (an HTML 500 page):
// callers of optional reads degrade instead of failing.
func NotImplemented(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return false
	}
	var respErr *awshttp.ResponseError
	var deserErr *smithy.DeserializationError
	return errors.As(err, &respErr) && respErr.HTTPStatusCode() >= http.StatusInternalServerError && errors.As(err, &deserErr)
}
