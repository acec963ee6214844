package sampleorg_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/sampleorg"
	"github.com/stint-dev/stint/provider/account"
)

func TestSeedDefaultSpec(t *testing.T) {
	t.Parallel()
	// Without IAM managed policies: with them moto spends ~0.9 s on each
	// CreateAccount (about 14 s for this spec) and Identity Center needs none.
	moto := motoserver.StartWith(t, motoserver.Options{NoManagedPolicies: true})
	ctx := context.Background()

	start := time.Now()
	org, err := sampleorg.Seed(ctx, moto.AWSConfig(), sampleorg.DefaultSpec())
	require.NoError(t, err)
	t.Logf("seeded the default organisation in %s", time.Since(start).Round(time.Millisecond))

	spec := sampleorg.DefaultSpec()
	require.Len(t, org.Accounts, len(spec.Accounts))
	require.Len(t, org.Users, len(spec.Users))
	require.Len(t, org.Groups, len(spec.Groups))
	require.Len(t, org.PermissionSets, 3)
	require.Contains(t, org.OUs, "Prod/Payments")
	require.Equal(t, motoserver.AccountID, org.ManagementAccountID)
	require.NotEmpty(t, org.InstanceARN)
	require.NotEmpty(t, org.IdentityStoreID)
	require.Contains(t, org.Users, "alice@example.com")

	parents, err := organizations.NewFromConfig(moto.AWSConfig()).ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(org.Accounts["prod-payments"])})
	require.NoError(t, err)
	require.Equal(t, org.OUs["Prod/Payments"], aws.ToString(parents.Parents[0].Id))

	_, err = sampleorg.Seed(ctx, moto.AWSConfig(), spec)
	require.ErrorContains(t, err, "already in an organisation")
}

func TestSeedResources(t *testing.T) {
	t.Parallel()
	moto := motoserver.StartWith(t, motoserver.Options{NoManagedPolicies: true, EKSExtensions: true})
	ctx := context.Background()
	org, err := sampleorg.Seed(ctx, moto.AWSConfig(), sampleorg.DefaultSpec())
	require.NoError(t, err)
	require.NoError(t, sampleorg.SeedResources(ctx, moto.AWSConfig(), org, sampleorg.DefaultResources()))

	cfg, err := account.New(account.Config{AWS: moto.AWSConfig()}).For(ctx, org.Accounts["prod-payments"])
	require.NoError(t, err)
	out, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, &s3.ListBucketsInput{})
	require.NoError(t, err)
	var names []string
	for _, b := range out.Buckets {
		names = append(names, aws.ToString(b.Name))
	}
	require.ElementsMatch(t, []string{"payments-logs", "payments-exports"}, names, "buckets live in their own account")
}
