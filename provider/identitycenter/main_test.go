package identitycenter_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/sampleorg"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// One moto for the package, seeded once with the demo organisation. Tests
// share it, so each one uses its own account, permission set and user
// combination, and none resets it.
var (
	moto *motoserver.Server
	org  *sampleorg.Org
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	// Identity Center needs no IAM managed policies; loading them costs moto
	// ~0.9 s per created account.
	if moto, err = motoserver.Run(ctx, motoserver.Options{NoManagedPolicies: true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer moto.Close()
	if org, err = sampleorg.Seed(ctx, moto.AWSConfig(), sampleorg.DefaultSpec()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// fastConfig returns a provider configuration for tests: short polls and
// backoffs, and a rate limit high enough not to slow tests down.
func fastConfig(endpoint string) identitycenter.Config {
	return identitycenter.Config{
		AWS:                    motoserver.AWSConfig(endpoint),
		RateLimit:              1000,
		OrganizationsRateLimit: 1000,
		PollInterval:           20 * time.Millisecond,
		FirstPoll:              5 * time.Millisecond,
		RetryBaseDelay:         5 * time.Millisecond,
		MaxBackoff:             50 * time.Millisecond,
		Logger:                 slog.New(slog.DiscardHandler),
	}
}

// setup returns a provider that talks to moto through a fault proxy.
func setup(t *testing.T, tweak ...func(*identitycenter.Config)) (*identitycenter.Provider, *faultproxy.Proxy) {
	t.Helper()
	proxy := faultproxy.Start(t, moto.URL())
	cfg := fastConfig(proxy.URL())
	for _, fn := range tweak {
		fn(&cfg)
	}
	p, err := identitycenter.New(context.Background(), cfg)
	require.NoError(t, err)
	proxy.ResetCounts() // forget New's ListInstances
	return p, proxy
}

// effect returns the effect of assigning a permission set to a user.
func effect(account, permissionSet, userID string) *stint.Effect {
	accountID, psARN := org.Accounts[account], org.PermissionSets[permissionSet]
	return &stint.Effect{
		Key: stint.SSOEffectKey(accountID, psARN, userID), Kind: stint.EffectKindSSO,
		AccountID: accountID, PermissionSetARN: psARN, PrincipalType: "USER", PrincipalID: userID,
	}
}
