package discovery_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/discovery"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/sampleorg"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// One moto for the package, seeded once with the messy organisation and
// what stint itself holds there, which tests only read (package app's test
// applies a proposal, on a moto of its own).
var (
	moto   *motoserver.Server
	org    *sampleorg.Org
	ledger []*stint.Effect
	seeded time.Time
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var err error
	// The sso-admin extensions give permission sets tags (stint:managed);
	// the IAM ones backdate keys, passwords and roles, which moto stamps
	// with the time of the call.
	if moto, err = motoserver.Run(ctx, motoserver.Options{NoManagedPolicies: true, SSOAdminExtensions: true, IAMExtensions: true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer moto.Close()
	seeded = time.Now().UTC()
	if org, ledger, err = sampleorg.SeedMessy(ctx, moto.AWSConfig(), seeded); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// env is a scanner against the package's moto, through a fault proxy.
type env struct {
	scanner *discovery.Scanner
	proxy   *faultproxy.Proxy
	calls   *discovery.Calls
	ic      *identitycenter.Provider
}

func setup(t *testing.T, tweak ...func(*discovery.Config)) *env {
	t.Helper()
	proxy := faultproxy.Start(t, moto.URL())
	calls := discovery.NewCalls()
	cfg := calls.Wrap(motoserver.AWSConfig(proxy.URL()))
	quiet := slog.New(slog.DiscardHandler)
	ic, err := identitycenter.New(t.Context(), identitycenter.Config{AWS: cfg, RateLimit: 1000, OrganizationsRateLimit: 1000,
		RetryBaseDelay: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Logger: quiet})
	require.NoError(t, err)
	dc := discovery.Config{AWS: cfg, IdentityCenter: ic, Assumer: account.New(account.Config{AWS: cfg}), Ledger: ledger,
		Calls: calls, Poll: 10 * time.Millisecond, MaxAttempts: 2, Logger: quiet, Thresholds: discovery.Thresholds{WidePeople: 5}}
	for _, fn := range tweak {
		fn(&dc)
	}
	s, err := discovery.New(dc)
	require.NoError(t, err)
	return &env{scanner: s, proxy: proxy, calls: calls, ic: ic}
}
