package broker_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/broker"
)

// brokerRole creates the broker role in the account (as the admin does)
// with a permissions policy of its own, and returns an IAM client there.
func brokerRole(t *testing.T, as *account.Assumer, accountID string) *iam.Client {
	t.Helper()
	ctx := context.Background()
	ac, err := as.For(ctx, accountID)
	require.NoError(t, err)
	c := iam.NewFromConfig(ac)
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(broker.DefaultRoleName),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)})
	require.NoError(t, err)
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(broker.DefaultRoleName), PolicyName: aws.String("stint-externals"),
		PolicyDocument: aws.String(ownPolicy)})
	require.NoError(t, err)
	return c
}

const ownPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"SharedBuckets","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`

// rolePolicy returns an inline policy of the broker role as JSON
// statements.
func rolePolicy(t *testing.T, c *iam.Client, name string) []map[string]any {
	t.Helper()
	out, err := c.GetRolePolicy(context.Background(), &iam.GetRolePolicyInput{RoleName: aws.String(broker.DefaultRoleName), PolicyName: aws.String(name)})
	require.NoError(t, err)
	text, err := url.QueryUnescape(aws.ToString(out.PolicyDocument))
	require.NoError(t, err)
	var doc struct{ Statement []map[string]any }
	require.NoError(t, json.Unmarshal([]byte(text), &doc))
	return doc.Statement
}

// TestCutOff: revoking puts, through the member role, a statement on the
// broker role that denies everything to the grant's sessions issued
// before the revocation; a second grant adds its own; doing it again
// changes nothing; the broker role's own policy is untouched; an account
// without the broker role has nothing to cut off.
func TestCutOff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	proxy := faultproxy.Start(t, moto.URL())
	as := account.New(account.Config{AWS: motoserver.AWSConfig(proxy.URL())})
	const member = "210987654321"
	c := brokerRole(t, as, member)
	b, err := broker.New(broker.Config{AWS: motoserver.AWSConfig(proxy.URL()), Assumer: as, CutoffBackoff: 10 * time.Millisecond})
	require.NoError(t, err)

	g1 := s3Grant("acme-exchange", "read")
	g1.AccountID = member
	at := time.Date(2026, 12, 1, 10, 0, 0, 400e6, time.UTC)
	until := time.Now().Add(time.Hour).Truncate(time.Second)
	require.NoError(t, b.CutOff(ctx, g1, at, until))
	sts := rolePolicy(t, c, broker.CutoffPolicyName)
	require.Len(t, sts, 1)
	require.Equal(t, "Deny", sts[0]["Effect"])
	require.Equal(t, "*", sts[0]["Action"])
	require.Equal(t, "*", sts[0]["Resource"])
	require.Equal(t, map[string]any{
		"StringLike":   map[string]any{"aws:userid": "*:g1.*"},
		"DateLessThan": map[string]any{"aws:TokenIssueTime": "2026-12-01T10:00:01Z"}, // rounded up: the condition has seconds
	}, sts[0]["Condition"])
	require.Regexp(t, `^StintGrantg1Until[0-9]+$`, sts[0]["Sid"])
	require.Len(t, rolePolicy(t, c, "stint-externals"), 1, "the broker role's own policy is untouched")

	// The same cut-off again: read, nothing written.
	puts := proxy.Count("PutRolePolicy")
	require.NoError(t, b.CutOff(ctx, g1, at, until))
	require.Equal(t, puts, proxy.Count("PutRolePolicy"))

	// Another grant: its own statement beside the first.
	g2 := s3Grant("acme-exchange", "write")
	g2.ID, g2.AccountID = "g2", member
	require.NoError(t, b.CutOff(ctx, g2, at.Add(time.Minute), until))
	sts = rolePolicy(t, c, broker.CutoffPolicyName)
	require.Len(t, sts, 2)
	require.Equal(t, "*:g2.*", sts[1]["Condition"].(map[string]any)["StringLike"].(map[string]any)["aws:userid"])

	// (TestIssue checks that g1's sessions are named "g1.EMAIL", which
	// the statement matches.)

	// No broker role in the account: nothing to cut off, nothing made.
	g3 := s3Grant("acme-exchange", "read")
	g3.ID, g3.AccountID = "g3", "310987654321"
	require.NoError(t, b.CutOff(ctx, g3, at, until))
	ac, err := as.For(ctx, g3.AccountID)
	require.NoError(t, err)
	_, err = iam.NewFromConfig(ac).GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(broker.DefaultRoleName), PolicyName: aws.String(broker.CutoffPolicyName)})
	require.Error(t, err)

	// Without the member role stint cannot write the policy: said so.
	nb, err := broker.New(broker.Config{AWS: motoserver.AWSConfig(proxy.URL())})
	require.NoError(t, err)
	err = nb.CutOff(ctx, g1, at, until)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	require.Contains(t, err.Error(), "member role")
}

// TestCutOffRefused: IAM refusing the write is reported as forbidden,
// naming what stint needs.
func TestCutOffRefused(t *testing.T) {
	t.Parallel()
	proxy := faultproxy.Start(t, moto.URL())
	as := account.New(account.Config{AWS: motoserver.AWSConfig(proxy.URL())})
	const member = "410987654321"
	brokerRole(t, as, member)
	proxy.Inject(faultproxy.Rule{Op: "PutRolePolicy", Fault: faultproxy.AccessDenied})
	b, err := broker.New(broker.Config{AWS: motoserver.AWSConfig(proxy.URL()), Assumer: as})
	require.NoError(t, err)
	g := s3Grant("acme-exchange", "read")
	g.AccountID = member
	err = b.CutOff(context.Background(), g, time.Now(), time.Now().Add(time.Hour))
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "%v", err)
	require.Contains(t, err.Error(), "iam:PutRolePolicy")
}
