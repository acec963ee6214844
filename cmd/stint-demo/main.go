// Command stint-demo runs stint for real against a local moto_server seeded
// with a sample organisation: it starts moto (with the test rig's sso-admin
// and EKS extensions), builds the organisation (OUs, 15 accounts, users,
// groups, permission sets) and resources in member accounts (buckets, an
// instance, a database, an EKS cluster, an IAM role and group), writes
// .demo/stint.yaml and API tokens for the sample users, and runs `stint
// serve` until interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/oidctest"
	"github.com/stint-dev/stint/internal/sampleorg"
)

func main() {
	dir := flag.String("dir", ".demo", "folder for the demo's config, database and tokens (recreated)")
	listen := flag.String("listen", "127.0.0.1:8080", "address stint listens on")
	bin := flag.String("bin", "bin/stint", "path of the stint binary, for the printed instructions")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *dir, *listen, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "stint-demo:", err)
		os.Exit(1)
	}
}

const demoFlows = `admins: [bob@example.com]
flows:
  - name: prod-admin
    requesters: [group:Engineers]
    resources:
      - identity_center: {accounts: ["ou:Prod"], permission_sets: [AdministratorAccess]}
    max_duration: 4h
    approvers: [group:Security]
  - name: sandbox-read
    requesters: [group:Engineers]
    resources:
      - identity_center: {accounts: ["ou:Sandbox", "name:dev-002"], permission_sets: [ReadOnlyAccess]}
    max_duration: 8h
    auto_approve: true
  - name: payments-data
    requesters: [group:Payments]
    resources:
      - s3: {accounts: ["ou:Prod/Payments"], buckets: ["payments-*"], levels: [read, write]}
      - rds: {accounts: ["name:prod-payments"], db_users: [readonly]}
    max_duration: 4h
    approvers: [group:Security]
    immediate_cutoff: true
  - name: web-ops
    requesters: [group:Engineers]
    resources:
      - ec2: {accounts: ["name:prod-web"], tags: {Role: bastion}}
      - eks: {accounts: ["name:prod-web"], levels: [view], namespaces: [web]}
      - iam_role: {accounts: ["name:shared-tooling"], roles: [Deployer], via_permission_set: ReadOnlyAccess}
      - iam_group: {accounts: ["name:shared-tooling"], groups: ["ops-*"]}
    max_duration: 2h
    auto_approve: true
`

func run(ctx context.Context, dir, listen, bin string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(dir, "moto.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Println("starting moto_server ...")
	moto, err := motoserver.Run(ctx, motoserver.Options{Output: logf, NoManagedPolicies: true, SSOAdminExtensions: true, EKSExtensions: true})
	if err != nil {
		return err
	}
	defer moto.Close()
	fmt.Printf("seeding the sample organisation in moto at %s ...\n", moto.URL())
	start := time.Now()
	org, err := sampleorg.Seed(ctx, moto.AWSConfig(), sampleorg.DefaultSpec())
	if err != nil {
		return err
	}
	res := sampleorg.DefaultResources()
	if err := sampleorg.SeedResources(ctx, moto.AWSConfig(), org, res); err != nil {
		return err
	}
	fmt.Printf("  %d OUs, %d accounts, %d users, %d groups, %d permission sets, %d buckets, %d instance, %d database, %d cluster, %d role, %d group in %s\n",
		len(org.OUs), len(org.Accounts), len(org.Users), len(org.Groups), len(org.PermissionSets), len(res.Buckets),
		len(res.Instances), len(res.Databases), len(res.Clusters), len(res.Roles), len(res.Groups), time.Since(start).Round(time.Millisecond))

	// A sign-in page for the portal: a local OpenID Connect provider that
	// signs in any of the sample users at a click (the test rig's).
	var users []oidctest.User
	for _, u := range sampleorg.DefaultSpec().Users {
		users = append(users, oidctest.User{Subject: u.UserName, Email: u.EmailAddress(), Name: u.GivenName + " " + u.FamilyName})
	}
	idp, err := oidctest.New(oidctest.Config{ClientID: "stint-demo", Users: users, TokenTTL: time.Hour})
	if err != nil {
		return err
	}
	defer idp.Close()

	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(abs, "stint.yaml")
	cfg := fmt.Sprintf("store: sqlite://%s\nlisten: %s\naws:\n  region: us-east-1\n  endpoint: %s\nportal:\n  base_url: http://%s\n  issuer: %s\n  client_id: stint-demo\n%s",
		filepath.Join(abs, "stint.db"), listen, moto.URL(), listen, idp.URL(), demoFlows)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return err
	}
	// Static test credentials: moto accepts any; the SDK's chain needs some.
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"} {
		if os.Getenv(k) == "" {
			_ = os.Setenv(k, v)
		}
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- app.Serve(ctx, cfgPath) }()
	if err := waitHealthy(ctx, "http://"+listen, serveErr); err != nil {
		return err
	}
	env, err := writeTokens(ctx, cfgPath, filepath.Join(abs, "env"), "http://"+listen)
	if err != nil {
		return err
	}
	printNext(bin, env, "http://"+listen)
	return <-serveErr
}

func writeTokens(ctx context.Context, cfgPath, envPath, server string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "export STINT_SERVER=%s\n", server)
	for _, u := range []string{"alice", "bob", "carol"} {
		tok, err := app.CreateToken(ctx, cfgPath, u+"@example.com", "demo", 7*24*time.Hour)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "export %s_TOKEN=%s\n", strings.ToUpper(u), tok)
	}
	return envPath, os.WriteFile(envPath, []byte(b.String()), 0o600)
}

func printNext(bin, env, server string) {
	fmt.Printf(`
stint is running at %[3]s against the sample organisation.
  alice (Engineers) requests, carol (Security) approves, bob is an admin.

In a browser: %[3]s (the portal; the sign-in page lets you pick any sample user)

In another terminal:
  source %[2]s
  STINT_TOKEN=$ALICE_TOKEN %[1]s resources
  STINT_TOKEN=$ALICE_TOKEN %[1]s request prod-payments AdministratorAccess --for 1h --reason INC-4211
  STINT_TOKEN=$CAROL_TOKEN %[1]s requests --pending
  STINT_TOKEN=$CAROL_TOKEN %[1]s approve REQUEST_ID --comment "go ahead"
  STINT_TOKEN=$ALICE_TOKEN %[1]s grants
  STINT_TOKEN=$ALICE_TOKEN %[1]s request sandbox-001 ReadOnlyAccess --for 2m --reason "quick look"   # auto-approved
  STINT_TOKEN=$ALICE_TOKEN %[1]s request aws-s3:prod-payments/payments-logs:read --for 1h --reason INC-4211   # a bucket: carol approves
  STINT_TOKEN=$ALICE_TOKEN %[1]s request aws-iam-group:shared-tooling/ops-oncall --for 30m --reason "on call"  # auto-approved
  STINT_TOKEN=$BOB_TOKEN   %[1]s grants --all -o json
  STINT_TOKEN=$BOB_TOKEN   %[1]s audit --since 1h

Press Ctrl-C to stop stint and moto.
`, bin, env, server)
}
