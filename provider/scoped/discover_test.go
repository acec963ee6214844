package scoped_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
)

// TestDiscover reads each type in two member accounts while a third
// refuses AssumeRole: its failure is reported, the others are read.
func TestDiscover(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	a, b, denied := newAccount(), newAccount(), newAccount()

	// a: two buckets (one tagged), a running and a terminated instance, a
	// database with IAM authentication and one without.
	cfg := member(t, a)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, bkt := range []string{"logs-" + a, "data-" + a} {
		_, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bkt)})
		require.NoError(t, err)
	}
	_, err := s3c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("data-" + a),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}}}})
	require.NoError(t, err)
	ec2c := ec2.NewFromConfig(cfg)
	run, err := ec2c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12c6146b"), MinCount: aws.Int32(2), MaxCount: aws.Int32(2),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("web")}}}}})
	require.NoError(t, err)
	running, gone := aws.ToString(run.Instances[0].InstanceId), aws.ToString(run.Instances[1].InstanceId)
	_, err = ec2c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{gone}})
	require.NoError(t, err)
	rdsc := rds.NewFromConfig(cfg)
	for id, iam := range map[string]bool{"orders-db": true, "legacy-db": false} {
		_, err = rdsc.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
			DBInstanceIdentifier: aws.String(id), Engine: aws.String("mysql"), DBInstanceClass: aws.String("db.t3.micro"),
			MasterUsername: aws.String("master"), MasterUserPassword: aws.String("password123"), AllocatedStorage: aws.Int32(20),
			EnableIAMDatabaseAuthentication: aws.Bool(iam), Tags: []rdstypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}})
		require.NoError(t, err)
	}
	// b: one bucket, nothing else.
	_, err = s3.NewFromConfig(member(t, b), func(o *s3.Options) { o.UsePathStyle = true }).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("only-" + b)})
	require.NoError(t, err)

	e.proxy.Inject(faultproxy.Rule{Op: "AssumeRole", Fault: faultproxy.AccessDenied, BodyContains: denied})
	accounts := []stint.Account{{ID: a}, {ID: denied}, {ID: b}}
	deniedErr := func(t *testing.T, errs []stint.DiscoveryError) {
		t.Helper()
		require.Len(t, errs, 1)
		require.Equal(t, denied, errs[0].AccountID)
		require.Empty(t, errs[0].Type, "the whole account")
		require.Contains(t, errs[0].Error, "AssumeRole of arn:aws:iam::"+denied+":role/OrganizationAccountAccessRole was refused")
	}

	t.Run("s3", func(t *testing.T) {
		found, errs, err := e.p.Discover(ctx, stint.ResourceS3, accounts, stint.DiscoverOptions{Tags: true})
		require.NoError(t, err)
		deniedErr(t, errs)
		require.Equal(t, []stint.Resource{
			{Type: stint.ResourceS3, AccountID: a, Name: "data-" + a, ARN: "arn:aws:s3:::data-" + a, Region: found[0].Region, Tags: map[string]string{"team": "payments"}},
			{Type: stint.ResourceS3, AccountID: a, Name: "logs-" + a, ARN: "arn:aws:s3:::logs-" + a, Region: found[1].Region},
			{Type: stint.ResourceS3, AccountID: b, Name: "only-" + b, ARN: "arn:aws:s3:::only-" + b, Region: found[2].Region},
		}, found)

		// Without Tags (no selector matches tags): the same buckets, and
		// one call fewer per bucket (no GetBucketTagging).
		e.proxy.ResetCounts()
		_, _, err = e.p.Discover(ctx, stint.ResourceS3, accounts, stint.DiscoverOptions{Tags: true})
		require.NoError(t, err)
		withTags := e.proxy.Count("")
		e.proxy.ResetCounts()
		untagged, errs, err := e.p.Discover(ctx, stint.ResourceS3, accounts, stint.DiscoverOptions{})
		require.NoError(t, err)
		deniedErr(t, errs)
		require.Len(t, untagged, 3)
		require.Nil(t, untagged[0].Tags)
		require.Equal(t, withTags-3, e.proxy.Count(""))
	})
	t.Run("ec2", func(t *testing.T) {
		found, errs, err := e.p.Discover(ctx, stint.ResourceEC2, accounts, stint.DiscoverOptions{Tags: true})
		require.NoError(t, err)
		deniedErr(t, errs)
		require.Equal(t, []stint.Resource{{
			Type: stint.ResourceEC2, AccountID: a, Name: running, Region: "us-east-1",
			ARN:        "arn:aws:ec2:us-east-1:" + a + ":instance/" + running,
			Tags:       map[string]string{"Name": "web"},
			Attributes: map[string]string{"state": "running", "platform": "Linux/UNIX", "region": "us-east-1"},
		}}, found, "the terminated one is left out")
	})
	t.Run("rds", func(t *testing.T) {
		found, errs, err := e.p.Discover(ctx, stint.ResourceRDS, accounts, stint.DiscoverOptions{Tags: true})
		require.NoError(t, err)
		deniedErr(t, errs)
		require.Len(t, found, 2)
		legacy, orders := found[0], found[1]
		require.Equal(t, "legacy-db", legacy.Name)
		require.Equal(t, "false", legacy.Attributes["iam_auth"])
		require.Equal(t, "orders-db", orders.Name)
		require.Equal(t, "arn:aws:rds:us-east-1:"+a+":db:orders-db", orders.ARN)
		require.Equal(t, map[string]string{"env": "prod"}, orders.Tags)
		require.Regexp(t, `^db-[A-Z0-9]+$`, orders.Attributes["dbi_resource_id"])
		require.Equal(t, "true", orders.Attributes["iam_auth"])
		require.Equal(t, "mysql", orders.Attributes["engine"])
		require.Equal(t, "us-east-1", orders.Attributes["region"])
	})
	t.Run("not discovered", func(t *testing.T) {
		_, _, err := e.p.Discover(ctx, stint.ResourceEKS, accounts, stint.DiscoverOptions{Tags: true})
		require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	})
}

// TestDiscoverAListingFailure: an account whose listing fails is reported
// for that type; discovery goes on.
func TestDiscoverAListingFailure(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := newAccount()
	e.proxy.Inject(faultproxy.Rule{Op: "DescribeDBInstances", Fault: faultproxy.AccessDenied})
	found, errs, err := e.p.Discover(ctx, stint.ResourceRDS, []stint.Account{{ID: acct}}, stint.DiscoverOptions{Tags: true})
	require.NoError(t, err)
	require.Empty(t, found)
	require.Len(t, errs, 1)
	require.Equal(t, stint.DiscoveryError{AccountID: acct, Type: stint.ResourceRDS, Error: errs[0].Error}, errs[0])
	require.Contains(t, errs[0].Error, "list RDS DB instances in us-east-1: AccessDenied")
}
