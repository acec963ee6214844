package motoserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/internal/motoserver"
)

// ssoAdmin starts moto with or without the sso-admin extensions and returns
// a client that does not retry (stock moto's 500s would be retried) and the
// default instance's ARN.
func ssoAdmin(t *testing.T, extensions bool) (*ssoadmin.Client, string) {
	t.Helper()
	s := motoserver.StartWith(t, motoserver.Options{NoManagedPolicies: true, SSOAdminExtensions: extensions})
	client := ssoadmin.NewFromConfig(s.AWSConfig(), func(o *ssoadmin.Options) {
		o.RetryMaxAttempts = 1
	})
	out, err := client.ListInstances(t.Context(), &ssoadmin.ListInstancesInput{})
	require.NoError(t, err)
	require.Len(t, out.Instances, 1)
	return client, *out.Instances[0].InstanceArn
}

func TestSSOAdminExtensions(t *testing.T) {
	t.Parallel()
	client, instance := ssoAdmin(t, true)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	// No SessionDuration: AWS and the wrapper answer "PT1H".
	created, err := client.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{
		InstanceArn: &instance,
		Name:        aws.String("ReadOnly"),
		Tags:        []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}},
	})
	require.NoError(t, err)
	ps := created.PermissionSet.PermissionSetArn
	require.Equal(t, "PT1H", aws.ToString(created.PermissionSet.SessionDuration))

	t.Run("tags", func(t *testing.T) {
		tags := func() map[string]string {
			out, err := client.ListTagsForResource(ctx, &ssoadmin.ListTagsForResourceInput{InstanceArn: &instance, ResourceArn: ps})
			require.NoError(t, err)
			m := map[string]string{}
			for _, tag := range out.Tags {
				m[*tag.Key] = *tag.Value
			}
			return m
		}
		require.Equal(t, map[string]string{"team": "core"}, tags())
		_, err := client.TagResource(ctx, &ssoadmin.TagResourceInput{
			InstanceArn: &instance, ResourceArn: ps,
			Tags: []types.Tag{
				{Key: aws.String("team"), Value: aws.String("platform")},
				{Key: aws.String("env"), Value: aws.String("prod")},
			},
		})
		require.NoError(t, err)
		require.Equal(t, map[string]string{"team": "platform", "env": "prod"}, tags())
		_, err = client.UntagResource(ctx, &ssoadmin.UntagResourceInput{
			InstanceArn: &instance, ResourceArn: ps, TagKeys: []string{"team", "missing"},
		})
		require.NoError(t, err)
		require.Equal(t, map[string]string{"env": "prod"}, tags())

		_, err = client.ListTagsForResource(ctx, &ssoadmin.ListTagsForResourceInput{
			InstanceArn: &instance, ResourceArn: aws.String(instance + "/ps-doesnotexist"),
		})
		var notFound *types.ResourceNotFoundException
		require.ErrorAs(t, err, &notFound)
	})

	t.Run("provisioning status", func(t *testing.T) {
		var ids []string
		for range 2 {
			out, err := client.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{
				InstanceArn: &instance, PermissionSetArn: ps, TargetType: types.ProvisionTargetTypeAllProvisionedAccounts,
			})
			require.NoError(t, err)
			ids = append(ids, *out.PermissionSetProvisioningStatus.RequestId)
		}
		require.NotEqual(t, ids[0], ids[1])
		for _, id := range ids {
			out, err := client.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{
				InstanceArn: &instance, ProvisionPermissionSetRequestId: aws.String(id),
			})
			require.NoError(t, err)
			require.Equal(t, types.StatusValuesSucceeded, out.PermissionSetProvisioningStatus.Status)
			require.Equal(t, *ps, *out.PermissionSetProvisioningStatus.PermissionSetArn)
		}
		_, err := client.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{
			InstanceArn: &instance, ProvisionPermissionSetRequestId: aws.String("unknown"),
		})
		var notFound *types.ResourceNotFoundException
		require.ErrorAs(t, err, &notFound)

		provisioned, err := client.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{
			InstanceArn: &instance, AccountId: aws.String(motoserver.AccountID),
		})
		require.NoError(t, err)
		require.Equal(t, []string{*ps}, provisioned.PermissionSets, "provisioned twice, listed once")
	})

	t.Run("one assignment however often created", func(t *testing.T) {
		const account = "111111111111"
		list := func() []types.AccountAssignment {
			out, err := client.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{
				InstanceArn: &instance, AccountId: aws.String(account), PermissionSetArn: ps,
			})
			require.NoError(t, err)
			return out.AccountAssignments
		}
		var ids []string
		for range 2 {
			out, err := client.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{
				InstanceArn: &instance, PermissionSetArn: ps,
				TargetId: aws.String(account), TargetType: types.TargetTypeAwsAccount,
				PrincipalId: aws.String("group-1"), PrincipalType: types.PrincipalTypeGroup,
			})
			require.NoError(t, err)
			require.Equal(t, types.StatusValuesSucceeded, out.AccountAssignmentCreationStatus.Status)
			ids = append(ids, *out.AccountAssignmentCreationStatus.RequestId)
		}
		require.Equal(t, ids[0], ids[1], "the second create answers the existing assignment")
		require.Len(t, list(), 1)

		del := &ssoadmin.DeleteAccountAssignmentInput{
			InstanceArn: &instance, PermissionSetArn: ps,
			TargetId: aws.String(account), TargetType: types.TargetTypeAwsAccount,
			PrincipalId: aws.String("group-1"), PrincipalType: types.PrincipalTypeGroup,
		}
		out, err := client.DeleteAccountAssignment(ctx, del)
		require.NoError(t, err)
		deletion := *out.AccountAssignmentDeletionStatus.RequestId
		require.NotEqual(t, ids[0], deletion, "a deletion has its own request ID")
		status, err := client.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{
			InstanceArn: &instance, AccountAssignmentDeletionRequestId: &deletion,
		})
		require.NoError(t, err)
		require.Equal(t, types.StatusValuesSucceeded, status.AccountAssignmentDeletionStatus.Status)
		require.Empty(t, list())
		_, err = client.DeleteAccountAssignment(ctx, del)
		var notFound *types.ResourceNotFoundException
		require.ErrorAs(t, err, &notFound)
	})
}

// Without the option moto is stock: the gaps the wrapper fills are still
// there, so tests that forget the option fail loudly rather than pass on
// behaviour that only the wrapper has.
func TestStockMotoLacksSSOAdminExtensions(t *testing.T) {
	t.Parallel()
	client, instance := ssoAdmin(t, false)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	_, err := client.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{
		InstanceArn: &instance, Name: aws.String("NoDuration"),
	})
	require.ErrorContains(t, err, "expected", "stock moto answers SessionDuration as a number")

	created, err := client.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{
		InstanceArn: &instance, Name: aws.String("WithDuration"), SessionDuration: aws.String("PT2H"),
	})
	require.NoError(t, err)
	_, err = client.ListTagsForResource(ctx, &ssoadmin.ListTagsForResourceInput{
		InstanceArn: &instance, ResourceArn: created.PermissionSet.PermissionSetArn,
	})
	require.Error(t, err)
}
