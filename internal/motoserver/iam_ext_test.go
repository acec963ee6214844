package motoserver_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/internal/motoserver"
)

func TestIAMExtensionsBackdate(t *testing.T) {
	t.Parallel()
	s := motoserver.StartWith(t, motoserver.Options{NoManagedPolicies: true, IAMExtensions: true})
	ctx := t.Context()
	c := iam.NewFromConfig(s.AWSConfig(), func(o *iam.Options) { o.RetryMaxAttempts = 1 })
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("old")})
	require.NoError(t, err)
	_, err = c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("old"), Password: aws.String("Sample-only-1")})
	require.NoError(t, err)
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("old")})
	require.NoError(t, err)
	_, err = c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("old"), Tags: []iamtypes.Tag{
		{Key: aws.String("moto-ext:created"), Value: aws.String("2023-01-02T03:04:05Z")},
		{Key: aws.String("moto-ext:access-keys-created"), Value: aws.String("2023-02-02T03:04:05Z")},
		{Key: aws.String("moto-ext:access-keys-last-used"), Value: aws.String("2023-03-02T03:04:05Z")},
		{Key: aws.String("moto-ext:password-last-used"), Value: aws.String("2023-04-02T03:04:05Z")},
		{Key: aws.String("team"), Value: aws.String("ops")},
	}})
	require.NoError(t, err)

	used, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: key.AccessKey.AccessKeyId})
	require.NoError(t, err)
	require.Equal(t, time.Date(2023, 3, 2, 3, 4, 5, 0, time.UTC), aws.ToTime(used.AccessKeyLastUsed.LastUsedDate).UTC())
	_, err = c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	require.NoError(t, err)
	rep, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	require.NoError(t, err)
	var row string
	for _, line := range strings.Split(string(rep.Content), "\n") {
		if strings.HasPrefix(line, "old,") {
			row = line
		}
	}
	f := strings.Split(row, ",")
	require.Len(t, f, 22, row)
	require.Equal(t, "2023-01-02T03:04:05+00:00", f[2], "user_creation_time")
	require.Equal(t, "2023-04-02T03:04:05+00:00", f[4], "password_last_used")
	require.Equal(t, "2023-02-02T03:04:05+00:00", f[9], "access_key_1_last_rotated")
	require.Equal(t, "2023-03-02T03:04:05+00:00", f[10], "access_key_1_last_used_date")
	tags, err := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("old")})
	require.NoError(t, err)
	require.Len(t, tags.Tags, 5, "the tags are kept like any other")

	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("idle"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
	require.NoError(t, err)
	_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("idle"), Tags: []iamtypes.Tag{
		{Key: aws.String("moto-ext:created"), Value: aws.String("2022-01-01T00:00:00Z")},
		{Key: aws.String("moto-ext:last-used"), Value: aws.String("2022-06-01T00:00:00Z")},
	}})
	require.NoError(t, err)
	role, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("idle")})
	require.NoError(t, err)
	require.Equal(t, time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), aws.ToTime(role.Role.CreateDate).UTC())
	require.Equal(t, time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC), aws.ToTime(role.Role.RoleLastUsed.LastUsedDate).UTC())

	_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("idle"), Tags: []iamtypes.Tag{
		{Key: aws.String("moto-ext:last-used"), Value: aws.String("last week")}}})
	var apiErr smithy.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, "ValidationError", apiErr.ErrorCode())
	require.Contains(t, apiErr.ErrorMessage(), "moto-ext:last-used")
}
