package account_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/provider/account"
)

func TestAssumer(t *testing.T) {
	t.Parallel()
	moto := motoserver.StartWith(t, motoserver.Options{NoManagedPolicies: true})
	proxy := faultproxy.Start(t, moto.URL())
	ctx := t.Context()
	a := account.New(account.Config{AWS: motoserver.AWSConfig(proxy.URL())})

	self, err := a.Self(ctx)
	require.NoError(t, err)
	require.Equal(t, motoserver.AccountID, self)

	whoami := func(cfg aws.Config) string {
		out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		require.NoError(t, err)
		return aws.ToString(out.Account)
	}
	// The base credentials' own account: no AssumeRole.
	cfg, err := a.For(ctx, self)
	require.NoError(t, err)
	require.Equal(t, self, whoami(cfg))
	require.Zero(t, proxy.Count("AssumeRole"))

	// A member account: one AssumeRole, cached.
	for range 3 {
		cfg, err = a.For(ctx, "111111111111")
		require.NoError(t, err)
		require.Equal(t, "111111111111", whoami(cfg))
	}
	require.Equal(t, 1, proxy.Count("AssumeRole"))

	// Refused: EFORBIDDEN naming the role and the account; nothing cached.
	proxy.Inject(faultproxy.Rule{Op: "AssumeRole", Fault: faultproxy.AccessDenied, BodyContains: "222222222222"})
	_, err = a.For(ctx, "222222222222")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
	require.ErrorContains(t, err, "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole")
	require.ErrorContains(t, err, "AccessDenied")
	proxy.Clear()
	cfg, err = a.For(ctx, "222222222222")
	require.NoError(t, err)
	require.Equal(t, "222222222222", whoami(cfg))
}
