package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/sampleorg"
	"github.com/stint-dev/stint/provider/identitycenter"
)

const (
	benchUsers    = 50
	benchAccounts = 24
	benchPS       = "BenchAccess"
)

// bench holds one moto with an organisation of benchUsers x benchAccounts,
// and a call-recording proxy in front of it.
type bench struct {
	moto  *motoserver.Server
	proxy *faultproxy.Proxy
	org   *sampleorg.Org
	tmp   string
	pairs [][2]string // (user email, account name), distinct
	n     int
}

func newBench(ctx context.Context) (*bench, error) {
	moto, err := motoserver.Run(ctx, motoserver.Options{NoManagedPolicies: true})
	if err != nil {
		return nil, err
	}
	b := &bench{moto: moto}
	spec := sampleorg.Spec{OUs: []string{"Bench"}, Groups: []sampleorg.GroupSpec{{Name: "Bench"}, {Name: "Approvers"}},
		PermissionSets: []sampleorg.PermissionSetSpec{{Name: benchPS, SessionDuration: "PT1H"}}}
	for i := range benchAccounts {
		spec.Accounts = append(spec.Accounts, sampleorg.AccountSpec{Name: fmt.Sprintf("bench-%03d", i), OU: "Bench"})
	}
	spec.Accounts = append(spec.Accounts, sampleorg.AccountSpec{Name: "bench-approval"})
	for i := range benchUsers {
		spec.Users = append(spec.Users, sampleorg.UserSpec{UserName: fmt.Sprintf("user%03d", i), GivenName: "U", FamilyName: fmt.Sprint(i), Groups: []string{"Bench"}})
	}
	spec.Users = append(spec.Users, sampleorg.UserSpec{UserName: "approver", GivenName: "A", FamilyName: "P", Groups: []string{"Approvers"}})
	start := time.Now()
	if b.org, err = sampleorg.Seed(ctx, moto.AWSConfig(), spec); err != nil {
		moto.Close()
		return nil, err
	}
	for a := range benchAccounts {
		for u := range benchUsers {
			b.pairs = append(b.pairs, [2]string{fmt.Sprintf("user%03d@example.com", u), fmt.Sprintf("bench-%03d", a)})
		}
	}
	if b.proxy, err = faultproxy.New(moto.URL()); err != nil {
		moto.Close()
		return nil, err
	}
	b.tmp, _ = os.MkdirTemp("", "stint-bench")
	fmt.Printf("moto at %s; seeded %d accounts x %d users in %s\n", moto.URL(), benchAccounts, benchUsers, time.Since(start).Round(time.Millisecond))
	return b, nil
}

func (b *bench) close() {
	b.proxy.Close()
	_ = b.moto.Close()
	_ = os.RemoveAll(b.tmp)
}

// storeDSN returns a fresh store location of the kind.
func (b *bench) storeDSN(kind string) (string, bool) {
	b.n++
	if kind == "sqlite" {
		return "sqlite://" + filepath.Join(b.tmp, fmt.Sprintf("bench-%d.db", b.n)), true
	}
	admin := os.Getenv("STINT_BENCH_POSTGRES")
	if admin == "" {
		return "", false
	}
	name := fmt.Sprintf("stint_bench_%d_%d", os.Getpid(), b.n)
	conn, err := pgx.Connect(context.Background(), admin)
	if err != nil {
		fmt.Println("   cannot reach STINT_BENCH_POSTGRES:", err)
		return "", false
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE DATABASE "+name); err != nil {
		fmt.Println("   create database:", err)
		return "", false
	}
	cfg, _ := pgx.ParseConfig(admin)
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name), true
}

const benchFlows = `
flows:
  - name: bench-auto
    requesters: [group:Bench]
    resources:
      - identity_center: {accounts: ["ou:Bench"], permission_sets: [BenchAccess]}
    max_duration: 8h
    auto_approve: true
  - name: bench-approval
    requesters: [group:Bench]
    resources:
      - identity_center: {accounts: ["name:bench-approval"], permission_sets: [BenchAccess]}
    max_duration: 8h
    approvers: [group:Approvers]
`

func (b *bench) config(dsn string, rate float64) (*config.Config, error) {
	text := fmt.Sprintf("store: %s\nlisten: 127.0.0.1:0\nadmins: [approver@example.com]\nlog_level: warn\naws:\n  region: us-east-1\n  endpoint: %s\n  rate_limit: %g\n%s",
		dsn, b.proxy.URL(), rate, benchFlows)
	return config.Parse("bench.yaml", []byte(text))
}

// startMain runs stint in-process against the proxy at the given rate.
func (b *bench) startMain(ctx context.Context, cfg *config.Config, hook func(*app.Main)) (*app.Main, error) {
	ac := motoserver.AWSConfig(b.proxy.URL())
	m := &app.Main{Config: cfg, Addr: "127.0.0.1:0", AWS: &ac,
		ProviderConfig: func(c *identitycenter.Config) { c.PollInterval = 200 * time.Millisecond }}
	if hook != nil {
		hook(m)
	}
	if err := m.Run(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// assignDirect creates assignments straight in moto (not through stint).
func (b *bench) assignDirect(ctx context.Context, pairs [][2]string) error {
	sso := ssoadmin.NewFromConfig(b.moto.AWSConfig())
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, p := range pairs {
		g.Go(func() error {
			_, err := sso.CreateAccountAssignment(gctx, &ssoadmin.CreateAccountAssignmentInput{
				InstanceArn: aws.String(b.org.InstanceARN), PermissionSetArn: aws.String(b.org.PermissionSets[benchPS]),
				PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String(b.org.Users[p[0]]),
				TargetType: ssotypes.TargetTypeAwsAccount, TargetId: aws.String(b.org.Accounts[p[1]]),
			})
			return err
		})
	}
	return g.Wait()
}

// latencies summarises durations.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) { l.mu.Lock(); l.d = append(l.d, d); l.mu.Unlock() }

func (l *latencies) summary() (n int, p50, p99, maxd time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0, 0, 0, 0
	}
	s := append([]time.Duration(nil), l.d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	q := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return len(s), q(0.50), q(0.99), s[len(s)-1]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// waitGrants polls the store until n grants are in state, or timeout.
func waitGrants(ctx context.Context, store stint.Store, state stint.GrantState, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		list, err := store.GrantList(ctx, &stint.GrantListParams{States: []stint.GrantState{state}, Limit: 10000})
		if err != nil {
			return err
		}
		if len(list) >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d grants %s after %s", len(list), n, state, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
