package broker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/awsrecord"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/provider/broker"
)

var moto *motoserver.Server

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	if moto, err = motoserver.Run(ctx, motoserver.Options{NoManagedPolicies: true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer moto.Close()
	return m.Run()
}

func s3Grant(bucket, level string) *stint.Grant {
	g := &stint.Grant{ID: "g1", Type: stint.ResourceS3, AccountID: "111111111111", Name: bucket, Level: level, State: stint.GrantActive,
		UserID: "ext:01VERA", UserEmail: "vera@acme.example"}
	ref := g.Ref()
	g.ResourceID = ref.FormatID()
	return g
}

// statements parses a policy into its statements, with Action and
// Resource always lists.
func statements(t *testing.T, policy string) []map[string]any {
	t.Helper()
	var doc struct {
		Version   string
		Statement []map[string]any
	}
	require.NoError(t, json.Unmarshal([]byte(policy), &doc))
	require.Equal(t, "2012-10-17", doc.Version)
	for _, st := range doc.Statement {
		for _, k := range []string{"Action", "Resource"} {
			if s, ok := st[k].(string); ok {
				st[k] = []any{s}
			}
		}
	}
	return doc.Statement
}

// requireOnlyBucket checks an S3 session policy allows the bucket and its
// objects and nothing else: no statement names another resource, and "*"
// only for listing bucket names.
func requireOnlyBucket(t *testing.T, policy, bucket string) {
	t.Helper()
	sts := statements(t, policy)
	require.NotEmpty(t, sts)
	for _, st := range sts {
		require.Equal(t, "Allow", st["Effect"])
		for _, r := range st["Resource"].([]any) {
			switch r {
			case "*":
				require.Equal(t, []any{"s3:ListAllMyBuckets"}, st["Action"], "only bucket names are listed account-wide")
			case "arn:aws:s3:::" + bucket, "arn:aws:s3:::" + bucket + "/*":
			default:
				t.Fatalf("statement %v reaches %v", st["Sid"], r)
			}
		}
		for _, a := range st["Action"].([]any) {
			require.True(t, strings.HasPrefix(a.(string), "s3:"), "action %v", a)
		}
	}
}

func TestSessionPolicy(t *testing.T) {
	t.Parallel()
	p, err := broker.SessionPolicy("aws", "eu-west-1", s3Grant("acme-exchange", "read"))
	require.NoError(t, err)
	requireOnlyBucket(t, p, "acme-exchange")
	require.NotContains(t, p, "s3:PutObject", "read is read")
	w, err := broker.SessionPolicy("aws", "eu-west-1", s3Grant("acme-exchange", "write"))
	require.NoError(t, err)
	requireOnlyBucket(t, w, "acme-exchange")
	require.Contains(t, w, "s3:PutObject")

	ec2 := &stint.Grant{ID: "g2", Type: stint.ResourceEC2, AccountID: "222222222222", Name: "i-0123456789abcdef0",
		ResourceID: "aws-ec2:222222222222/i-0123456789abcdef0", Attributes: map[string]string{"region": "eu-central-1"}}
	p, err = broker.SessionPolicy("aws", "eu-west-1", ec2)
	require.NoError(t, err)
	require.Contains(t, p, "arn:aws:ec2:eu-central-1:222222222222:instance/i-0123456789abcdef0", "the instance's own region")
	require.LessOrEqual(t, len(p), broker.MaxPolicyChars)
	for _, st := range statements(t, p) {
		for _, r := range st["Resource"].([]any) {
			if strings.Contains(r.(string), ":instance/") {
				require.Equal(t, "arn:aws:ec2:eu-central-1:222222222222:instance/i-0123456789abcdef0", r)
			}
		}
	}

	rds := &stint.Grant{ID: "g3", Type: stint.ResourceRDS, AccountID: "222222222222", Name: "ledger-db", Level: "acme_ro",
		ResourceID: "aws-rds:222222222222/ledger-db:acme_ro", Attributes: map[string]string{"dbi_resource_id": "db-ABC123", "iam_auth": "true"}}
	p, err = broker.SessionPolicy("aws", "eu-west-1", rds)
	require.NoError(t, err)
	require.Contains(t, p, "arn:aws:rds-db:eu-west-1:222222222222:dbuser:db-ABC123/acme_ro")

	for _, tt := range []struct {
		name  string
		grant *stint.Grant
		want  string
	}{
		{"an Identity Center grant", &stint.Grant{ID: "g", ResourceID: "aws-sso:111111111111/ReadOnly", AccountID: "111111111111", PermissionSet: "ReadOnly"}, "S3 buckets, EC2 instances and RDS databases only"},
		{"fields that do not match the ID", func() *stint.Grant { g := s3Grant("a-bucket", "read"); g.Name = "other-bucket"; return g }(), "does not match"},
		{"a wildcard", func() *stint.Grant {
			g := s3Grant("a-bucket", "read")
			g.ResourceID = "aws-s3:111111111111/a-*:read"
			g.Name = "a-*"
			return g
		}(), "not a valid S3 bucket name"},
		{"RDS without IAM authentication", func() *stint.Grant {
			g := *rds
			g.Attributes = map[string]string{"dbi_resource_id": "db-ABC123", "iam_auth": "false"}
			return &g
		}(), "IAM database authentication off"},
		{"RDS without its resource ID", func() *stint.Grant { g := *rds; g.Attributes = nil; return &g }(), "dbi_resource_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := broker.SessionPolicy("aws", "eu-west-1", tt.grant)
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
			require.ErrorContains(t, err, tt.want)
		})
	}
	require.Equal(t, "vera-x-y@acme.example", broker.SessionName("vera x/y@acme.example"))
	require.Len(t, broker.SessionName(strings.Repeat("a", 100)+"@x"), 64)
}

// TestIssue assumes the broker role in the resource's account with the
// grant's session policy and duration (recorded as sent: moto does not
// enforce session policies) and the credentials act in that account.
func TestIssue(t *testing.T) {
	t.Parallel()
	rec := &awsrecord.Recorder{}
	cfg := moto.AWSConfig()
	cfg.HTTPClient = rec.Client()
	b, err := broker.New(broker.Config{AWS: cfg, ExternalID: "acme-42"})
	require.NoError(t, err)
	g := s3Grant("acme-exchange", "read")
	c, err := b.Issue(context.Background(), g, "vera@acme.example", 40*time.Minute)
	require.NoError(t, err)
	require.NotEmpty(t, c.AccessKeyID)
	require.NotEmpty(t, c.SecretAccessKey)
	require.NotEmpty(t, c.SessionToken)
	require.Equal(t, "arn:aws:iam::111111111111:role/StintExternalBroker", c.RoleARN)
	require.Equal(t, "us-east-1", c.Region)
	require.WithinDuration(t, time.Now().Add(40*time.Minute), c.Expiration, time.Minute)

	calls := rec.Calls("AssumeRole")
	require.Len(t, calls, 1)
	call := calls[0]
	require.Equal(t, "arn:aws:iam::111111111111:role/StintExternalBroker", call.Get("RoleArn"))
	require.Equal(t, "g1.vera@acme.example", call.Get("RoleSessionName"))
	require.Equal(t, strconv.Itoa(40*60), call.Get("DurationSeconds"))
	require.Equal(t, "acme-42", call.Get("ExternalId"))
	requireOnlyBucket(t, call.Get("Policy"), "acme-exchange")

	sess := aws.Config{Region: cfg.Region, BaseEndpoint: cfg.BaseEndpoint,
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)}
	who, err := sts.NewFromConfig(sess).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	require.Equal(t, "111111111111", aws.ToString(who.Account))
	require.Contains(t, aws.ToString(who.Arn), "assumed-role/StintExternalBroker/g1.vera@acme.example")

	_, err = b.Issue(context.Background(), g, "vera@acme.example", 10*time.Minute)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "STS's minimum")
}

func TestIssueRefused(t *testing.T) {
	t.Parallel()
	proxy := faultproxy.Start(t, moto.URL())
	proxy.Inject(faultproxy.Rule{Op: "AssumeRole", Fault: faultproxy.AccessDenied})
	b, err := broker.New(broker.Config{AWS: motoserver.AWSConfig(proxy.URL()), RoleName: "VendorBroker"})
	require.NoError(t, err)
	_, err = b.Issue(context.Background(), s3Grant("acme-exchange", "read"), "vera@acme.example", time.Hour)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
	require.ErrorContains(t, err, "arn:aws:iam::111111111111:role/VendorBroker")
	require.ErrorContains(t, err, "docs/external.md")
}
