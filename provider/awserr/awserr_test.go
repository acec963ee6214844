package awserr_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/awserr"
)

func TestWrap(t *testing.T) {
	t.Parallel()
	c := awserr.Classifier{Service: "IAM", Forbidden: "grant iam:* to the member role",
		Codes: map[string]awserr.Rule{"NoSuchEntity": {Code: stint.ENOTFOUND, Hint: "check the name"}}}
	api := func(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }
	serverErr := &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 503}}, Err: errors.New("boom")}}
	for _, tc := range []struct {
		name     string
		err      error
		code     string
		contains string
	}{
		{"service code", api("NoSuchEntity", "The role with name X cannot be found."), stint.ENOTFOUND, "get role X: NoSuchEntity: The role with name X cannot be found.; check the name"},
		{"access denied", api("AccessDenied", "not authorized"), stint.EFORBIDDEN, "AccessDenied: not authorized; grant iam:* to the member role"},
		{"throttling", api("Throttling", "Rate exceeded"), stint.EUNAVAILABLE, "IAM kept throttling"},
		{"server error", serverErr, stint.EUNAVAILABLE, "IAM answered with a server error"},
		{"no API error", errors.New("dial tcp: refused"), stint.EUNAVAILABLE, "cannot reach IAM"},
		{"cancelled", context.Canceled, stint.EUNAVAILABLE, "cancelled"},
		{"unknown code", api("Weird", ""), stint.EINTERNAL, "get role X: Weird"},
		{"already coded", fmt.Errorf("inner: %w", stint.Errorf(stint.EINVALID, "bad name")), stint.EINVALID, "get role X: inner: bad name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Wrap(tc.err, "get role %s", "X")
			require.Equal(t, tc.code, stint.ErrorCode(err))
			require.Contains(t, err.Error(), tc.contains)
			require.ErrorIs(t, err, tc.err, "the cause stays in the chain")
		})
	}
	require.NoError(t, c.Wrap(nil, "x"))
	require.True(t, awserr.Has(c.Wrap(api("NoSuchEntity", ""), "x"), "NoSuchEntity"))
	coded := awserr.Coded(stint.EUNAVAILABLE, api("MalformedPolicyDocument", "Invalid principal"), "retry %d", 3)
	require.Equal(t, stint.EUNAVAILABLE, stint.ErrorCode(coded))
	require.Equal(t, "MalformedPolicyDocument", awserr.Code(coded))
}
