package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/identityconfig"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/sampleorg"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// The identity-as-code comparison: Terraform 1.11 with the AWS provider
// against stint's identityconfig, each on a fresh moto (with the sso-admin
// extensions Terraform needs) seeded with the same organisation, behind a
// call-counting proxy.
const (
	idAccounts = 10
	idGroups   = 50
	idPS       = "BenchIdentity"
	// tfMirrorDefault is the filesystem mirror holding
	// registry.terraform.io/hashicorp/aws; STINT_BENCH_TF_MIRROR overrides it.
	tfMirrorDefault = "/opt/tf-plugins"
	awsRealRate     = 20.0 // Identity Center's calls per second
)

// idMoto is one moto with the organisation and a proxy in front of it.
type idMoto struct {
	moto  *motoserver.Server
	proxy *faultproxy.Proxy
	org   *sampleorg.Org
}

func newIDMoto(ctx context.Context) (*idMoto, error) {
	moto, err := motoserver.Run(ctx, motoserver.Options{NoManagedPolicies: true, SSOAdminExtensions: true})
	if err != nil {
		return nil, err
	}
	spec := sampleorg.Spec{OUs: []string{"Bench"}}
	for i := range idAccounts {
		spec.Accounts = append(spec.Accounts, sampleorg.AccountSpec{Name: fmt.Sprintf("id-%02d", i), OU: "Bench"})
	}
	for i := range idGroups {
		spec.Groups = append(spec.Groups, sampleorg.GroupSpec{Name: fmt.Sprintf("team-%02d", i)})
	}
	m := &idMoto{moto: moto}
	if m.org, err = sampleorg.Seed(ctx, moto.AWSConfig(), spec); err != nil {
		_ = moto.Close()
		return nil, err
	}
	if m.proxy, err = faultproxy.New(moto.URL()); err != nil {
		_ = moto.Close()
		return nil, err
	}
	return m, nil
}

func (m *idMoto) close() {
	m.proxy.Close()
	_ = m.moto.Close()
}

// provisionAll marks every permission set provisioned, straight in moto
// (neither timed nor counted). AWS provisions a permission set to an account
// when an assignment is created there; moto 5.2.1 does not, so without this
// ListPermissionSetsProvisionedToAccount would list nothing and the plan
// after the apply would miss the 500 assignments.
func (m *idMoto) provisionAll(ctx context.Context) error {
	sso := ssoadmin.NewFromConfig(m.moto.AWSConfig())
	inst := aws.String(m.org.InstanceARN)
	out, err := sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: inst})
	if err != nil {
		return err
	}
	for _, ps := range out.PermissionSets {
		if _, err := sso.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{
			InstanceArn: inst, PermissionSetArn: aws.String(ps), TargetType: ssotypes.ProvisionTargetTypeAllProvisionedAccounts,
		}); err != nil {
			return err
		}
	}
	return nil
}

// identityBench compares applying 500 assignments and a no-change plan.
func identityBench() error {
	ctx := context.Background()
	n := idAccounts * idGroups
	tfBin, tfErr := exec.LookPath("terraform")
	mirror := os.Getenv("STINT_BENCH_TF_MIRROR")
	if mirror == "" {
		mirror = tfMirrorDefault
	}
	if tfErr == nil {
		if _, err := os.Stat(filepath.Join(mirror, "registry.terraform.io", "hashicorp", "aws")); err != nil {
			tfErr = fmt.Errorf("no AWS provider in the filesystem mirror %s (set STINT_BENCH_TF_MIRROR)", mirror)
		}
	}

	// stint at AWS's real limits.
	at20, err := stintRun(ctx, identitycenter.LimiterConfig{Rate: awsRealRate})
	if err != nil {
		return fmt.Errorf("stint at 20/s: %w", err)
	}
	floor := time.Duration(float64(n) / awsRealRate * float64(time.Second))
	fmt.Printf("   stint apply, limiter at 20/s:   %d assignments in %s (applier %s, %d calls); floor %d/20/s = %s: %+.1f%% (applier %+.1f%%)\n",
		n, secs(at20.apply), secs(at20.applier), at20.applyCalls, n, secs(floor),
		100*(at20.apply.Seconds()/floor.Seconds()-1), 100*(at20.applier.Seconds()/floor.Seconds()-1))
	// stint with the limiter effectively off.
	off, err := stintRun(ctx, identitycenter.LimiterConfig{Rate: 10000, Burst: 1000, MaxCreatesInFlight: 1000})
	if err != nil {
		return fmt.Errorf("stint, limiter off: %w", err)
	}
	fmt.Printf("   stint apply, limiter off:       %d assignments in %s (applier %s, %d calls)\n",
		n, secs(off.apply), secs(off.applier), off.applyCalls)
	fmt.Printf("   stint plan, no change (20/s):   %s, %d calls\n", secs(at20.plan), at20.planCalls)
	fmt.Printf("   stint plan, no change (off):    %s, %d calls\n", secs(off.plan), off.planCalls)
	fmt.Printf("     (calls: %s)\n", opSummary(off.planOps))

	if tfErr != nil {
		fmt.Printf("   (Terraform skipped: %v)\n", tfErr)
		return nil
	}
	tf, err := terraformRun(ctx, tfBin, mirror)
	if err != nil {
		return fmt.Errorf("terraform: %w", err)
	}
	fmt.Printf("   terraform apply -parallelism=50: %d assignments in %s (%d calls; init %s not counted)\n",
		n, secs(tf.apply), tf.applyCalls, secs(tf.init))
	fmt.Printf("   terraform plan -parallelism=50, no change: %s, %d calls\n", secs(tf.plan), tf.planCalls)
	fmt.Printf("     (calls: %.200s)\n", opSummary(tf.planOps))
	fmt.Printf("   apply: stint limiter off %.1fx faster than Terraform (target >= 20x); at 20/s %.1fx\n",
		ratio(tf.apply, off.apply), ratio(tf.apply, at20.apply))
	fmt.Printf("   plan:  stint %.1fx faster (target >= 10x), %.1fx fewer calls (target >= 10x) at 20/s; %.1fx faster with the limiter off\n",
		ratio(tf.plan, at20.plan), float64(tf.planCalls)/float64(max(at20.planCalls, 1)), ratio(tf.plan, off.plan))
	// moto does not throttle, so Terraform ran unlimited while stint held
	// itself to AWS's rate. Against real AWS, Terraform's calls meet the
	// same limit: what they would need at least, as a projection.
	tfFloor := time.Duration(float64(tf.planCalls) / identitycenter.DefaultRateLimit * float64(time.Second))
	fmt.Printf("   plan at AWS's rate for both (projection): Terraform's %d calls need >= %s at %d/s, %.1fx stint's %s\n",
		tf.planCalls, secs(tfFloor), int(identitycenter.DefaultRateLimit), ratio(max(tfFloor, tf.plan), at20.plan), secs(at20.plan))
	return nil
}

type runFigures struct {
	apply, applier, plan, init time.Duration
	applyCalls, planCalls      int
	planOps                    map[string]int
}

// opSummary lists the operations by count, most first.
func opSummary(ops map[string]int) string {
	names := slices.Collect(maps.Keys(ops))
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(ops[b]-ops[a], strings.Compare(a, b)) })
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, ops[n])
	}
	return strings.Join(parts, ", ")
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func ratio(a, b time.Duration) float64 { return a.Seconds() / max(b.Seconds(), 1e-9) }

// identityYAML declares the permission set and every group in every account
// of the Bench OU: the same 500 assignments as main.tf.
func identityYAML() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "permission_sets:\n  - name: %s\n    session_duration: 1h\nassignments:\n", idPS)
	for g := range idGroups {
		fmt.Fprintf(&b, "  - principal: group:team-%02d\n    permission_set: %s\n    accounts: [\"ou:Bench\"]\n", g, idPS)
	}
	return []byte(b.String())
}

// stintRun applies identityYAML to a fresh moto (plan and apply, timed as
// `stint apply --yes` would run), then times a no-change plan. Both go
// through the proxy, which counts the calls.
func stintRun(ctx context.Context, lc identitycenter.LimiterConfig) (*runFigures, error) {
	m, err := newIDMoto(ctx)
	if err != nil {
		return nil, err
	}
	defer m.close()
	desired, err := identityconfig.Parse(map[string][]byte{"identity.yaml": identityYAML()})
	if err != nil {
		return nil, err
	}
	f := &runFigures{}
	m.proxy.ResetCounts()
	start := time.Now()
	p, prov, err := stintPlan(ctx, m, lc, desired)
	if err != nil {
		return nil, err
	}
	if got := p.Counts()[identityconfig.KindAssignment][identityconfig.OpCreate]; got != idAccounts*idGroups {
		return nil, fmt.Errorf("plan creates %d assignments, want %d", got, idAccounts*idGroups)
	}
	a, err := identityconfig.NewApplier(identityconfig.ApplierConfig{
		AWS: motoserver.AWSConfig(m.proxy.URL()), InstanceARN: prov.InstanceARN(), IdentityStoreID: prov.IdentityStoreID(),
		Limiter: prov.Limiter(),
	})
	if err != nil {
		return nil, err
	}
	res, err := a.Apply(ctx, p)
	if err != nil {
		return nil, err
	}
	if res.Failed > 0 {
		return nil, fmt.Errorf("%d actions failed: %s", res.Failed, strings.Join(res.Errors, "; "))
	}
	f.apply, f.applier, f.applyCalls = time.Since(start), res.Duration, m.proxy.Count("")
	if err := m.provisionAll(ctx); err != nil {
		return nil, err
	}

	m.proxy.ResetCounts()
	start = time.Now()
	p, _, err = stintPlan(ctx, m, lc, desired)
	if err != nil {
		return nil, err
	}
	f.plan, f.planCalls = time.Since(start), m.proxy.Count("")
	ops := map[string]int{}
	for _, c := range m.proxy.Calls() {
		ops[c.Op]++
	}
	f.planOps = ops
	if p.HasChanges() {
		var b strings.Builder
		_ = identityconfig.RenderText(&b, p, identityconfig.RenderOptions{})
		return nil, fmt.Errorf("no-change plan has %d actions: %.1500s", len(p.Actions), b.String())
	}
	return f, nil
}

// stintPlan is `stint plan`: the provider, the directory, Resolve, Read and
// Diff, with a fresh limiter.
func stintPlan(ctx context.Context, m *idMoto, lc identitycenter.LimiterConfig, desired *identityconfig.Desired) (*identityconfig.Plan, *identitycenter.Provider, error) {
	ac := motoserver.AWSConfig(m.proxy.URL())
	lim := identitycenter.NewLimiter(lc)
	prov, err := identitycenter.New(ctx, identitycenter.Config{
		AWS: ac, Region: "us-east-1", Limiter: lim, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return nil, nil, err
	}
	r, err := identityconfig.NewReader(identityconfig.ReaderConfig{
		AWS: ac, InstanceARN: prov.InstanceARN(), IdentityStoreID: prov.IdentityStoreID(), Limiter: lim,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return nil, nil, err
	}
	var resolved *identityconfig.Resolved
	// The directory is read alongside the permission sets, as stint plan
	// does.
	live, _, err := r.ReadAlong(ctx, func(ctx context.Context) (*stint.Directory, error) {
		return prov.DirectoryWith(ctx, identityconfig.DirectoryOptions(desired))
	}, func(dir *stint.Directory) (err error) {
		resolved, err = identityconfig.Resolve(desired, dir)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return identityconfig.Diff(resolved, live, identityconfig.DiffOptions{}), prov, nil
}

const tfCLIConfig = `provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`

const tfMain = `terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "moto_url" {
  type = string
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    ssoadmin      = var.moto_url
    identitystore = var.moto_url
    sts           = var.moto_url
    iam           = var.moto_url
    organizations = var.moto_url
  }
}

data "aws_ssoadmin_instances" "this" {}

locals {
  instance_arn = tolist(data.aws_ssoadmin_instances.this.arns)[0]
  assignments = {
%s  }
}

resource "aws_ssoadmin_permission_set" "bench" {
  name             = %q
  instance_arn     = local.instance_arn
  session_duration = "PT1H"
}

resource "aws_ssoadmin_account_assignment" "bench" {
  for_each           = local.assignments
  instance_arn       = local.instance_arn
  permission_set_arn = aws_ssoadmin_permission_set.bench.arn
  principal_type     = "GROUP"
  principal_id       = each.value.group
  target_type        = "AWS_ACCOUNT"
  target_id          = each.value.account
}
`

// terraformRun writes main.tf for the 500 assignments on a fresh moto,
// runs init (offline, from the mirror), a timed apply and a timed
// no-change plan, counting calls at the proxy.
func terraformRun(ctx context.Context, bin, mirror string) (*runFigures, error) {
	m, err := newIDMoto(ctx)
	if err != nil {
		return nil, err
	}
	defer m.close()
	dir, err := os.MkdirTemp("", "stint-bench-tf")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var entries strings.Builder
	for a := range idAccounts {
		for g := range idGroups {
			fmt.Fprintf(&entries, "    \"id-%02d/team-%02d\" = { account = %q, group = %q }\n", a, g,
				m.org.Accounts[fmt.Sprintf("id-%02d", a)], m.org.Groups[fmt.Sprintf("team-%02d", g)])
		}
	}
	rc := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(rc, fmt.Appendf(nil, tfCLIConfig, mirror), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), fmt.Appendf(nil, tfMain, entries.String(), idPS), 0o644); err != nil {
		return nil, err
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1",
		"TF_VAR_moto_url="+m.proxy.URL())
	tf := func(args ...string) (time.Duration, int, error) {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir, cmd.Env = dir, env
		start := time.Now()
		out, err := cmd.CombinedOutput()
		d := time.Since(start)
		code := 0
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			return d, -1, err
		}
		if code != 0 && !(args[0] == "plan" && code == 2) {
			tail := string(out)
			if len(tail) > 2000 {
				tail = tail[len(tail)-2000:]
			}
			return d, code, fmt.Errorf("terraform %s exited %d:\n%s", args[0], code, tail)
		}
		return d, code, nil
	}
	f := &runFigures{}
	if f.init, _, err = tf("init", "-input=false", "-no-color"); err != nil {
		return nil, err
	}
	m.proxy.ResetCounts()
	if f.apply, _, err = tf("apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=50"); err != nil {
		return nil, err
	}
	f.applyCalls = m.proxy.Count("")
	m.proxy.ResetCounts()
	var code int
	if f.plan, code, err = tf("plan", "-detailed-exitcode", "-input=false", "-no-color", "-parallelism=50"); err != nil {
		return nil, err
	}
	f.planCalls, f.planOps = m.proxy.Count(""), map[string]int{}
	for _, c := range m.proxy.Calls() {
		f.planOps[c.Op]++
	}
	if code != 0 {
		return nil, fmt.Errorf("no-change terraform plan exited %d (changes)", code)
	}
	return f, nil
}
