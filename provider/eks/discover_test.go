package eks_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eksapi "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/eks"
)

func TestDiscover(t *testing.T) {
	t.Parallel()
	f := setup(t, func(c *eks.Config) { c.Regions = []string{"us-east-1", "eu-west-1"} })
	ctx := t.Context()
	direct := account.New(account.Config{AWS: moto.AWSConfig()})
	second, unreachable := adminIn(t, direct, newAccount()), newAccount()

	apiARN := f.admin.cluster(t, "payments", ekstypes.AuthenticationModeApi, map[string]string{"team": "payments"})
	f.admin.cluster(t, "legacy", "", nil)
	// A cluster in the second region.
	cfg, err := direct.For(ctx, second.account)
	require.NoError(t, err)
	eu := admin{account: second.account, eks: eksapi.NewFromConfig(cfg, func(o *eksapi.Options) { o.Region = "eu-west-1" })}
	euARN := eu.cluster(t, "analytics", ekstypes.AuthenticationModeApiAndConfigMap, nil)
	f.proxy.Inject(faultproxy.Rule{Op: "AssumeRole", Fault: faultproxy.AccessDenied, BodyContains: unreachable})

	accounts := []stint.Account{{ID: unreachable, Name: "gone"}, {ID: second.account, Name: "data"}, {ID: f.account, Name: "prod"}}
	found, errs, err := f.p.Discover(ctx, stint.ResourceEKS, accounts, stint.DiscoverOptions{Tags: true})
	require.NoError(t, err)
	require.Equal(t, []stint.Resource{
		{Type: stint.ResourceEKS, AccountID: f.account, Name: "legacy", ARN: "arn:aws:eks:us-east-1:" + f.account + ":cluster/legacy", Region: "us-east-1",
			Attributes: map[string]string{"version": "1.31", "authentication_mode": "CONFIG_MAP", "status": "ACTIVE"}},
		{Type: stint.ResourceEKS, AccountID: f.account, Name: "payments", ARN: apiARN, Region: "us-east-1", Tags: map[string]string{"team": "payments"},
			Attributes: map[string]string{"version": "1.31", "authentication_mode": "API", "status": "ACTIVE"}},
		{Type: stint.ResourceEKS, AccountID: second.account, Name: "analytics", ARN: euARN, Region: "eu-west-1",
			Attributes: map[string]string{"version": "1.31", "authentication_mode": "API_AND_CONFIG_MAP", "status": "ACTIVE"}},
	}, found) // by account ID, region and name
	require.Len(t, errs, 1, "one error for the account, not one per region: %v", errs)
	require.Equal(t, unreachable, errs[0].AccountID)
	require.Empty(t, errs[0].Type, "the whole account failed")
	require.Contains(t, errs[0].Error, "AssumeRole of arn:aws:iam::"+unreachable+":role/OrganizationAccountAccessRole was refused")

	// A grant on the cluster of the second region: the effect's ARN says
	// where it is.
	e := effect(t, "aws-eks:"+second.account+"/analytics:view", euARN, "u-mia", "mia")
	require.NoError(t, f.p.Grant(ctx, e))
	ok, err := f.p.Exists(ctx, e)
	require.NoError(t, err)
	require.True(t, ok)
	list, err := eu.eks.ListAccessEntries(ctx, &eksapi.ListAccessEntriesInput{ClusterName: aws.String("analytics")})
	require.NoError(t, err)
	require.Len(t, list.AccessEntries, 2)

	_, _, err = f.p.Discover(ctx, stint.ResourceS3, accounts, stint.DiscoverOptions{Tags: true})
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
}

func TestDiscoverEKSRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := t.Context()
	f.admin.cluster(t, "secret", ekstypes.AuthenticationModeApi, nil)
	accounts := []stint.Account{{ID: f.account}}
	found, errs, err := f.p.Discover(ctx, stint.ResourceEKS, accounts, stint.DiscoverOptions{Tags: true})
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.Empty(t, errs)

	// The account's credentials are cached now; every call is refused.
	f.proxy.Inject(faultproxy.Rule{Fault: faultproxy.AccessDenied})
	found, errs, err = f.p.Discover(ctx, stint.ResourceEKS, accounts, stint.DiscoverOptions{Tags: true})
	require.NoError(t, err)
	require.Empty(t, found)
	require.Len(t, errs, 1)
	require.Equal(t, stint.DiscoveryError{AccountID: f.account, Type: stint.ResourceEKS, Error: errs[0].Error}, errs[0])
	require.Contains(t, errs[0].Error, "list EKS clusters in account "+f.account+", region us-east-1")
}
