package iam_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/iam"
)

// One moto for the package. Moto keeps every account's IAM apart and lets
// the static credentials assume a role in any account ID, so each test
// takes fresh accounts (nextAccount) and none resets it.
var moto *motoserver.Server

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

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

var accounts atomic.Int64

// nextAccount returns an account ID no other test uses.
func nextAccount() string {
	return fmt.Sprintf("%012d", 300000000000+accounts.Add(1))
}

// env is a provider talking to moto through a fault proxy, and an
// administrator who changes IAM directly, as people do outside stint.
type env struct {
	p     *iam.Provider
	proxy *faultproxy.Proxy
	admin *account.Assumer
	now   time.Time
}

// setup returns an env; tweak may change the provider's configuration.
func setup(t *testing.T, tweak ...func(*iam.Config)) *env {
	t.Helper()
	proxy := faultproxy.Start(t, moto.URL())
	e := &env{proxy: proxy, admin: account.New(account.Config{AWS: moto.AWSConfig()}),
		now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	cfg := iam.Config{
		AWS:          motoserver.AWSConfig(proxy.URL()),
		MaxAttempts:  3,
		MaxBackoff:   10 * time.Millisecond,
		EditBackoff:  time.Millisecond,
		EditAttempts: 4,
		Logger:       slog.New(slog.DiscardHandler),
		Now:          func() time.Time { return e.now },
	}
	for _, fn := range tweak {
		fn(&cfg)
	}
	p, err := iam.New(cfg)
	require.NoError(t, err)
	e.p = p
	return e
}

// iam returns an administrator's IAM client in the account.
func (e *env) iam(t *testing.T, accountID string) *awsiam.Client {
	t.Helper()
	cfg, err := e.admin.For(t.Context(), accountID)
	require.NoError(t, err)
	return awsiam.NewFromConfig(cfg)
}

// ssoRole creates an Identity Center role in the account. Moto's
// Identity Center does not make the roles in member accounts that AWS
// makes when a permission set is first provisioned there, so the test
// creates one as Identity Center would: path
// /aws-reserved/sso.amazonaws.com/, name AWSReservedSSO_<set>_<16 hex
// digits>, trusting the organisation's SAML provider.
func (e *env) ssoRole(t *testing.T, accountID, permissionSet string) string {
	t.Helper()
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::%s:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`, accountID)
	out, err := e.iam(t, accountID).CreateRole(t.Context(), &awsiam.CreateRoleInput{
		RoleName: aws.String("AWSReservedSSO_" + permissionSet + "_0123456789abcdef"), Path: aws.String("/aws-reserved/sso.amazonaws.com/"),
		AssumeRolePolicyDocument: aws.String(trust),
	})
	require.NoError(t, err)
	return aws.ToString(out.Role.Arn)
}

// role creates a role with the trust policy.
func (e *env) role(t *testing.T, accountID, name, trust string, tags ...string) {
	t.Helper()
	in := &awsiam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}
	for i := 0; i+1 < len(tags); i += 2 {
		in.Tags = append(in.Tags, iamTag(tags[i], tags[i+1]))
	}
	_, err := e.iam(t, accountID).CreateRole(t.Context(), in)
	require.NoError(t, err)
}

// trust returns the role's trust policy, decoded.
func (e *env) trust(t *testing.T, accountID, role string) string {
	t.Helper()
	out, err := e.iam(t, accountID).GetRole(t.Context(), &awsiam.GetRoleInput{RoleName: aws.String(role)})
	require.NoError(t, err)
	doc, err := unescape(aws.ToString(out.Role.AssumeRolePolicyDocument))
	require.NoError(t, err)
	return doc
}

// roleEffect returns the effect of a grant of the role to the user until
// the time, as the service makes it.
func roleEffect(accountID, role, userID, userName string, until time.Time, attrs ...string) *stint.Effect {
	g := &stint.Grant{ID: "g-" + userID, Type: stint.ResourceIAMRole, AccountID: accountID, Name: role,
		UserID: userID, UserName: userName, EndsAt: until, Attributes: map[string]string{}}
	for i := 0; i+1 < len(attrs); i += 2 {
		g.Attributes[attrs[i]] = attrs[i+1]
	}
	return stint.NewEffect(g, until.Add(-time.Hour))
}

// groupEffect returns the effect of a grant of the group to the user.
func groupEffect(accountID, group, userID, userName string) *stint.Effect {
	g := &stint.Grant{ID: "g-" + userID, Type: stint.ResourceIAMGroup, AccountID: accountID, Name: group,
		UserID: userID, UserName: userName, EndsAt: time.Now().Add(time.Hour)}
	return stint.NewEffect(g, time.Now())
}

// requireCode checks an error's stint code and that its message says
// each of the parts.
func requireCode(t *testing.T, err error, code string, parts ...string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, stint.ErrorCode(err), "%v", err)
	for _, part := range parts {
		require.True(t, strings.Contains(err.Error(), part), "%q does not say %q", err.Error(), part)
	}
}

func iamTag(k, v string) iamtypes.Tag { return iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)} }

// unescape decodes a policy document as IAM returns it (URL-encoded).
func unescape(doc string) (string, error) { return url.PathUnescape(doc) }
