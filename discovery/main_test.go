package discovery_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
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
// what stint itself holds there; tests only read it (but for the propose
// test, whose plan app and cli tests apply on their own moto).
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
	if org, ledger, err = seedMessy(ctx, moto); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// seedMessy builds sampleorg.MessySpec and what stint holds in it for
// grants, as stint would have made it, with the ledger that records it:
// alice's just-in-time AdministratorAccess in prod-web, bob's assignment
// of a stint-s3 permission set (tagged stint:managed=true) in
// prod-payments, alice's IAM group membership in shared-tooling (ops, admin
// equivalent), and bob's ReadOnlyAccess in prod-web, which existed before a
// grant adopted it (so it is standing access that a grant holds too).
func seedMessy(ctx context.Context, s *motoserver.Server) (*sampleorg.Org, []*stint.Effect, error) {
	seeded = time.Now().UTC()
	spec, iamSpec := sampleorg.MessySpec(seeded)
	o, err := sampleorg.Seed(ctx, s.AWSConfig(), spec)
	if err != nil {
		return nil, nil, err
	}
	if err := sampleorg.SeedIAM(ctx, s.AWSConfig(), o, iamSpec, 0); err != nil {
		return nil, nil, err
	}
	sso := ssoadmin.NewFromConfig(s.AWSConfig())
	ps, err := sso.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(o.InstanceARN),
		Name: aws.String("stint-s3-0123456789abcdef"), Description: aws.String("stint: read on S3 bucket payments-logs in " + o.Accounts["prod-payments"]),
		SessionDuration: aws.String("PT1H"), Tags: []ssotypes.Tag{{Key: aws.String("stint:managed"), Value: aws.String("true")}}})
	if err != nil {
		return nil, nil, err
	}
	stintPS := aws.ToString(ps.PermissionSet.PermissionSetArn)
	assign := func(account, psARN, user string) error {
		_, err := sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(o.InstanceARN),
			TargetType: ssotypes.TargetTypeAwsAccount, TargetId: aws.String(o.Accounts[account]), PermissionSetArn: aws.String(psARN),
			PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String(o.Users[user+"@example.com"])})
		return err
	}
	for _, a := range []struct{ account, ps, user string }{
		{"prod-web", o.PermissionSets["AdministratorAccess"], "alice"},
		{"prod-payments", stintPS, "bob"},
		{"prod-web", o.PermissionSets["ReadOnlyAccess"], "bob"},
	} {
		if err := assign(a.account, a.ps, a.user); err != nil {
			return nil, nil, err
		}
	}
	effect := func(account, psARN, user string, preexisting bool) *stint.Effect {
		id := o.Users[user+"@example.com"]
		return &stint.Effect{Key: stint.SSOEffectKey(o.Accounts[account], psARN, id), Kind: stint.EffectKindSSO, AccountID: o.Accounts[account],
			PermissionSetARN: psARN, PrincipalType: "USER", PrincipalID: id, Subject: user, State: stint.EffectPresent,
			Preexisting: preexisting, Holders: []string{"g-" + user}}
	}
	led := []*stint.Effect{
		effect("prod-web", o.PermissionSets["AdministratorAccess"], "alice", false),
		effect("prod-payments", stintPS, "bob", false),
		effect("prod-web", o.PermissionSets["ReadOnlyAccess"], "bob", true),
		{Key: "aws-iam-group:" + o.Accounts["shared-tooling"] + "|ops|alice", Kind: string(stint.ResourceIAMGroup), AccountID: o.Accounts["shared-tooling"],
			PrincipalType: "USER", PrincipalID: o.Users["alice@example.com"], Subject: "alice", Target: "ops",
			Spec: map[string]string{"name": "ops"}, State: stint.EffectPresent, Holders: []string{"g-alice-ops"}},
	}
	return o, led, nil
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
