package eks

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/stint-dev/stint"
)

// permissionsHint says what stint's role in member accounts needs.
const permissionsHint = "check that the role stint assumes in member accounts allows eks:ListClusters, eks:DescribeCluster, " +
	"eks:*AccessEntr*, eks:*AccessPolic* and iam:ListRoles (docs/providers/eks.md)"

// awsError translates an SDK error into a coded stint error whose message
// says what failed and what to do; the SDK error stays in the chain.
func awsError(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var coded *stint.Error
	if errors.As(err, &coded) {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
	}
	code, hint := classify(err)
	msg := fmt.Sprintf(format, args...) + ": " + awsMessage(err)
	if hint != "" {
		msg += "; " + hint
	}
	return &codedError{coded: stint.Errorf(code, "%s", msg), cause: err}
}

func classify(err error) (code, hint string) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return stint.EUNAVAILABLE, "it was cancelled or timed out; it is retried later"
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return stint.EUNAVAILABLE, "cannot reach AWS; check the network and the endpoint"
	}
	switch apiErr.ErrorCode() {
	case "AccessDeniedException", "AccessDenied", "UnauthorizedException", "UnrecognizedClientException",
		"InvalidClientTokenId", "ExpiredTokenException", "ExpiredToken":
		return stint.EFORBIDDEN, permissionsHint
	case "ResourceNotFoundException", "NoSuchEntity":
		return stint.ENOTFOUND, ""
	case "InvalidParameterException", "InvalidRequestException", "ValidationError", "ValidationException":
		return stint.EINVALID, ""
	case "ResourceLimitExceededException":
		return stint.EUNAVAILABLE, "an EKS quota (access entries per cluster) is reached; remove unused access entries or raise the quota"
	case "ResourceInUseException":
		return stint.ECONFLICT, ""
	case "ThrottlingException", "Throttling", "TooManyRequestsException":
		return stint.EUNAVAILABLE, "AWS kept throttling after every retry; it is retried later"
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) && respErr.HTTPStatusCode() >= http.StatusInternalServerError {
		return stint.EUNAVAILABLE, "AWS answered with a server error after every retry; it is retried later"
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

// codedError is a stint error that keeps the SDK error it came from.
type codedError struct {
	coded *stint.Error
	cause error
}

func (e *codedError) Error() string   { return e.coded.Message }
func (e *codedError) Unwrap() []error { return []error{e.coded, e.cause} }
