package scoped

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/awserr"
)

var _ stint.Discoverer = (*Provider)(nil)

// Types returns the resource types Provider discovers: aws-s3, aws-ec2 and
// aws-rds.
func (p *Provider) Types() []stint.ResourceType { return slices.Clone(Types) }

// Discover lists the resources of type t in the accounts, Parallel
// accounts at once, each through the member-account role:
//
//   - aws-s3: every bucket ListBuckets answers, with its region, and its
//     tags when opts.Tags asks (one GetBucketTagging per bucket);
//   - aws-ec2: the instances DescribeInstances answers in the region, but
//     terminated and shutting-down ones, with their tags and the attributes
//     "state", "platform" and "region";
//   - aws-rds: the DB instances DescribeDBInstances answers in the region,
//     with their tags and the attributes "dbi_resource_id", "iam_auth"
//     (true or false), "engine", "status" and "region".
//
// An account whose role cannot be assumed is a DiscoveryError without a
// type; one whose listing fails is a DiscoveryError of the type; a bucket
// whose tags cannot be read is listed without tags and reported as a
// DiscoveryError of the type. Results are sorted by account and name. The
// error return is for ctx ending, and EINVALID for a type it does not
// discover.
func (p *Provider) Discover(ctx context.Context, t stint.ResourceType, accounts []stint.Account, opts stint.DiscoverOptions) ([]stint.Resource, []stint.DiscoveryError, error) {
	if !slices.Contains(Types, t) {
		return nil, nil, stint.Errorf(stint.EINVALID, "the scoped provider does not discover %s resources; it discovers %s", t, typeList())
	}
	var (
		mu    sync.Mutex
		found []stint.Resource
		errs  []stint.DiscoveryError
	)
	_ = forEach(ctx, p.parallel, accounts, func(ctx context.Context, a stint.Account) error {
		res, derrs := p.discoverAccount(ctx, t, a.ID, opts.Tags)
		mu.Lock()
		defer mu.Unlock()
		found, errs = append(found, res...), append(errs, derrs...)
		return nil
	})
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("discover %s resources: %w", t, err)
	}
	slices.SortFunc(found, func(a, b stint.Resource) int {
		return cmp.Or(strings.Compare(a.AccountID, b.AccountID), strings.Compare(a.Name, b.Name))
	})
	slices.SortFunc(errs, func(a, b stint.DiscoveryError) int {
		return cmp.Or(strings.Compare(a.AccountID, b.AccountID), strings.Compare(a.Error, b.Error))
	})
	return found, errs, nil
}

func (p *Provider) discoverAccount(ctx context.Context, t stint.ResourceType, accountID string, tags bool) ([]stint.Resource, []stint.DiscoveryError) {
	cfg, err := p.assumer.For(ctx, accountID)
	if err != nil {
		return nil, []stint.DiscoveryError{{AccountID: accountID, Error: stint.ErrorMessage(err)}}
	}
	fail := func(what string, err error) []stint.DiscoveryError {
		return []stint.DiscoveryError{{AccountID: accountID, Type: t, Error: what + ": " + apiMessage(err)}}
	}
	switch t {
	case stint.ResourceS3:
		return p.buckets(ctx, s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = p.s3PathStyle }), accountID, tags)
	case stint.ResourceEC2:
		res, err := p.instances(ctx, ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = p.region }), accountID)
		if err != nil {
			return nil, fail("list EC2 instances in "+p.region, err)
		}
		return res, nil
	default:
		res, err := p.databases(ctx, rds.NewFromConfig(cfg, func(o *rds.Options) { o.Region = p.region }), accountID)
		if err != nil {
			return nil, fail("list RDS DB instances in "+p.region, err)
		}
		return res, nil
	}
}

func (p *Provider) buckets(ctx context.Context, client *s3.Client, accountID string, tags bool) ([]stint.Resource, []stint.DiscoveryError) {
	var out []stint.Resource
	pages := s3.NewListBucketsPaginator(client, &s3.ListBucketsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, []stint.DiscoveryError{{AccountID: accountID, Type: stint.ResourceS3, Error: "list S3 buckets: " + apiMessage(err)}}
		}
		for _, b := range page.Buckets {
			name := aws.ToString(b.Name)
			out = append(out, stint.Resource{
				Type: stint.ResourceS3, AccountID: accountID, Name: name, ARN: "arn:" + p.partition + ":s3:::" + name,
				Region: aws.ToString(b.BucketRegion),
			})
		}
	}
	if !tags {
		return out, nil
	}
	var mu sync.Mutex
	var errs []stint.DiscoveryError
	_ = forEach(ctx, 4, indexes(out), func(ctx context.Context, i int) error {
		tags, err := bucketTags(ctx, client, out[i].Name, out[i].Region)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, stint.DiscoveryError{AccountID: accountID, Type: stint.ResourceS3,
				Error: fmt.Sprintf("read the tags of bucket %s (listed without them): %s", out[i].Name, apiMessage(err))})
		}
		out[i].Tags = tags
		return nil
	})
	return out, errs
}

func bucketTags(ctx context.Context, client *s3.Client, bucket, region string) (map[string]string, error) {
	out, err := client.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)}, func(o *s3.Options) {
		if region != "" {
			o.Region = region // a bucket answers in its own region
		}
	})
	if code := errorCode(err); code == "NoSuchTagSet" || code == "NoSuchTagSetError" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return tagMap(out.TagSet, func(t s3types.Tag) (string, string) { return aws.ToString(t.Key), aws.ToString(t.Value) }), nil
}

func (p *Provider) instances(ctx context.Context, client *ec2.Client, accountID string) ([]stint.Resource, error) {
	var out []stint.Resource
	pages := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Reservations {
			for _, in := range r.Instances {
				state := ""
				if in.State != nil {
					state = string(in.State.Name)
				}
				if state == string(ec2types.InstanceStateNameTerminated) || state == string(ec2types.InstanceStateNameShuttingDown) {
					continue
				}
				id := aws.ToString(in.InstanceId)
				out = append(out, stint.Resource{
					Type: stint.ResourceEC2, AccountID: accountID, Name: id, Region: p.region,
					ARN:        fmt.Sprintf("arn:%s:ec2:%s:%s:instance/%s", p.partition, p.region, accountID, id),
					Tags:       tagMap(in.Tags, func(t ec2types.Tag) (string, string) { return aws.ToString(t.Key), aws.ToString(t.Value) }),
					Attributes: map[string]string{"state": state, "platform": platform(in), "region": p.region},
				})
			}
		}
	}
	return out, nil
}

// platform is the instance's platform as AWS spells it ("Linux/UNIX",
// "Windows", ...).
func platform(in ec2types.Instance) string {
	if d := aws.ToString(in.PlatformDetails); d != "" {
		return d
	}
	if in.Platform == ec2types.PlatformValuesWindows {
		return "Windows"
	}
	return "Linux/UNIX"
}

func (p *Provider) databases(ctx context.Context, client *rds.Client, accountID string) ([]stint.Resource, error) {
	var out []stint.Resource
	pages := rds.NewDescribeDBInstancesPaginator(client, &rds.DescribeDBInstancesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, db := range page.DBInstances {
			name := aws.ToString(db.DBInstanceIdentifier)
			out = append(out, stint.Resource{
				Type: stint.ResourceRDS, AccountID: accountID, Name: name, Region: p.region,
				ARN:  cmp.Or(aws.ToString(db.DBInstanceArn), fmt.Sprintf("arn:%s:rds:%s:%s:db:%s", p.partition, p.region, accountID, name)),
				Tags: tagMap(db.TagList, func(t rdstypes.Tag) (string, string) { return aws.ToString(t.Key), aws.ToString(t.Value) }),
				Attributes: map[string]string{
					"dbi_resource_id": aws.ToString(db.DbiResourceId),
					"iam_auth":        strconv.FormatBool(aws.ToBool(db.IAMDatabaseAuthenticationEnabled)),
					"engine":          aws.ToString(db.Engine),
					"status":          aws.ToString(db.DBInstanceStatus),
					"region":          p.region,
				},
			})
		}
	}
	return out, nil
}

func tagMap[T any](tags []T, kv func(T) (string, string)) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		k, v := kv(t)
		m[k] = v
	}
	return m
}

func indexes[T any](s []T) []int {
	out := make([]int, len(s))
	for i := range out {
		out[i] = i
	}
	return out
}

func errorCode(err error) string { return awserr.Code(err) }

// apiMessage is AWS's own words: "Code: message", or the error.
func apiMessage(err error) string { return awserr.Message(err) }
