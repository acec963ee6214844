package faultproxy_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
)

var moto *motoserver.Server

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	var err error
	moto, err = motoserver.Run(ctx, motoserver.Options{NoManagedPolicies: true})
	cancel()
	if err != nil {
		panic(err)
	}
	code := m.Run()
	_ = moto.Close()
	os.Exit(code)
}

// setup returns a proxy in front of the package's moto and an SDK config
// without retries, so each SDK call is one HTTP call.
func setup(t *testing.T) (*faultproxy.Proxy, aws.Config) {
	t.Helper()
	p := faultproxy.Start(t, moto.URL())
	cfg := motoserver.AWSConfig(p.URL())
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	return p, cfg
}

func TestForwardsAndCounts(t *testing.T) {
	t.Parallel()
	p, cfg := setup(t)
	ctx := context.Background()

	_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	_, err = ssoadmin.NewFromConfig(cfg).ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	require.NoError(t, err)

	require.Equal(t, 1, p.Count("GetCallerIdentity"))
	require.Equal(t, 1, p.Count("ListInstances"))
	require.Equal(t, 2, p.Count(""))
	calls := p.Calls()
	require.Equal(t, "SWBExternalService", calls[1].Service)
	require.Equal(t, http.StatusOK, calls[1].Status)
	require.False(t, calls[1].Fault)
}

func TestInjectsFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		fault    faultproxy.Fault
		code     string
		status   int
		queryAPI bool
	}{
		{name: "throttle json", fault: faultproxy.Throttle, code: "ThrottlingException", status: 400},
		{name: "throttle query", fault: faultproxy.Throttle, code: "Throttling", status: 400, queryAPI: true},
		{name: "429", fault: faultproxy.TooManyRequests, code: "TooManyRequestsException", status: 429},
		{name: "500", fault: faultproxy.InternalError, code: "InternalServerException", status: 500},
		{name: "503", fault: faultproxy.Unavailable, code: "ServiceUnavailableException", status: 503},
		{name: "conflict", fault: faultproxy.Conflict, code: "ConflictException", status: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, cfg := setup(t)
			ctx := context.Background()
			call := func() error {
				if tc.queryAPI {
					_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
					return err
				}
				_, err := ssoadmin.NewFromConfig(cfg).ListInstances(ctx, &ssoadmin.ListInstancesInput{})
				return err
			}
			p.Inject(faultproxy.Rule{Fault: tc.fault, Times: 2})
			for range 2 {
				var apiErr smithy.APIError
				require.True(t, errors.As(call(), &apiErr))
				require.Equal(t, tc.code, apiErr.ErrorCode())
			}
			require.NoError(t, call(), "the rule answers only the next 2 calls")
			require.Equal(t, tc.status, p.Calls()[0].Status)
			require.True(t, p.Calls()[0].Fault)
		})
	}
}

func TestFaultWindowAndOperationMatch(t *testing.T) {
	t.Parallel()
	p, cfg := setup(t)
	ctx := context.Background()
	client := ssoadmin.NewFromConfig(cfg)

	p.Inject(faultproxy.Rule{Op: "ListPermissionSets", Fault: faultproxy.Unavailable, For: 200 * time.Millisecond})
	_, err := client.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	require.NoError(t, err, "other operations pass")
	_, err = client.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String("arn:aws:sso:::instance/ssoins-0000000000000000")})
	require.Error(t, err)
	require.Eventually(t, func() bool {
		_, err := client.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String("arn:aws:sso:::instance/ssoins-0000000000000000")})
		return err == nil
	}, 5*time.Second, 20*time.Millisecond, "the fault ends after its window")
}

func TestStatusInProgressThenMoto(t *testing.T) {
	t.Parallel()
	p, cfg := setup(t)
	ctx := context.Background()
	client := ssoadmin.NewFromConfig(cfg)
	instance := instanceARN(t, client)

	p.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Creation, InProgressPolls: 2})
	out, err := client.CreateAccountAssignment(ctx, assignment(instance, "fp-user-1"))
	require.NoError(t, err)
	st := out.AccountAssignmentCreationStatus
	require.Equal(t, ssotypes.StatusValuesInProgress, st.Status)
	require.Equal(t, 1, p.CreatesInFlight())

	var statuses []ssotypes.StatusValues
	for range 3 {
		d, err := client.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
			InstanceArn: aws.String(instance), AccountAssignmentCreationRequestId: st.RequestId,
		})
		require.NoError(t, err)
		statuses = append(statuses, d.AccountAssignmentCreationStatus.Status)
	}
	require.Equal(t, []ssotypes.StatusValues{"IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"}, statuses)
	require.Zero(t, p.CreatesInFlight())
	require.Equal(t, 1, p.MaxCreatesInFlight())
}

func TestStatusFailedChangesNothing(t *testing.T) {
	t.Parallel()
	p, cfg := setup(t)
	ctx := context.Background()
	client := ssoadmin.NewFromConfig(cfg)
	instance := instanceARN(t, client)

	p.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Creation, InProgressPolls: 1, FailureReason: "Principal not found", PrincipalID: "fp-user-2"})
	out, err := client.CreateAccountAssignment(ctx, assignment(instance, "fp-user-2"))
	require.NoError(t, err)
	id := out.AccountAssignmentCreationStatus.RequestId
	poll := func() *ssotypes.AccountAssignmentOperationStatus {
		d, err := client.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
			InstanceArn: aws.String(instance), AccountAssignmentCreationRequestId: id,
		})
		require.NoError(t, err)
		return d.AccountAssignmentCreationStatus
	}
	require.Equal(t, ssotypes.StatusValuesInProgress, poll().Status)
	final := poll()
	require.Equal(t, ssotypes.StatusValuesFailed, final.Status)
	require.Equal(t, "Principal not found", aws.ToString(final.FailureReason))
	require.Equal(t, 0, p.CreatesInFlight())

	list, err := client.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{
		InstanceArn: aws.String(instance), AccountId: aws.String("222222222222"), PermissionSetArn: aws.String(testPermissionSet),
	})
	require.NoError(t, err)
	for _, a := range list.AccountAssignments {
		require.NotEqual(t, "fp-user-2", aws.ToString(a.PrincipalId), "a failed creation must not reach moto")
	}
}

const testPermissionSet = "arn:aws:sso:::permissionSet/ssoins-0000000000000000/ps-0000000000000000"

func assignment(instance, user string) *ssoadmin.CreateAccountAssignmentInput {
	return &ssoadmin.CreateAccountAssignmentInput{
		InstanceArn: aws.String(instance), TargetType: ssotypes.TargetTypeAwsAccount, TargetId: aws.String("222222222222"),
		PermissionSetArn: aws.String(testPermissionSet), PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String(user),
	}
}

func instanceARN(t *testing.T, client *ssoadmin.Client) string {
	t.Helper()
	out, err := client.ListInstances(context.Background(), &ssoadmin.ListInstancesInput{})
	require.NoError(t, err)
	require.Len(t, out.Instances, 1)
	return aws.ToString(out.Instances[0].InstanceArn)
}

func TestStatusProvisioningFails(t *testing.T) {
	t.Parallel()
	p, cfg := setup(t)
	ctx := context.Background()
	client := ssoadmin.NewFromConfig(cfg)
	instance := instanceARN(t, client)

	p.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Provisioning, InProgressPolls: 1, FailureReason: "Simulated: policy not found in account"})
	out, err := client.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{
		InstanceArn: aws.String(instance), PermissionSetArn: aws.String(testPermissionSet),
		TargetType: ssotypes.ProvisionTargetTypeAwsAccount, TargetId: aws.String("222222222222"),
	})
	require.NoError(t, err)
	st := out.PermissionSetProvisioningStatus
	require.Equal(t, ssotypes.StatusValuesInProgress, st.Status)
	poll := func() *ssotypes.PermissionSetProvisioningStatus {
		d, err := client.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{
			InstanceArn: aws.String(instance), ProvisionPermissionSetRequestId: st.RequestId,
		})
		require.NoError(t, err)
		return d.PermissionSetProvisioningStatus
	}
	require.Equal(t, ssotypes.StatusValuesInProgress, poll().Status)
	final := poll()
	require.Equal(t, ssotypes.StatusValuesFailed, final.Status)
	require.Equal(t, "Simulated: policy not found in account", aws.ToString(final.FailureReason))
	require.Equal(t, testPermissionSet, aws.ToString(final.PermissionSetArn))
	require.Zero(t, p.CreatesInFlight(), "provisioning is not an assignment creation")
}
