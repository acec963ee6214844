package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// The scale figure: `stint plan` for 1,000 accounts x 20 permission
// sets x 50 groups on moto (with the sso-admin extensions), with no change
// and with a small one: wall time by phase, calls by service and operation,
// the listing strategy the Reader chose against the other's estimate, peak
// memory, and the time the same calls would take at AWS's limits.
//
// The organisation: a nested OU tree (Security, Infrastructure, Sandbox, and
// Workloads/{Prod,Staging,Dev}/{8 business units} with 36 accounts each),
// 50 groups, -scale-users users (default 500) in one or two groups each, 20
// permission sets. The identity file gives each group one or two permission
// sets over an OU subtree, a business unit's tag or every account, and 25
// users standing access to two accounts each: 24,166 assignments.
//
// Seeding. sampleorg builds the organisation and the identity store through
// the API: 3,300 calls, 10-20 s on 2 cores. Its parallelism hardly matters
// (moto is one Python process): 1,000 accounts took 10.0-10.4 s one call at
// a time and 6.8-12.0 s eight at a time. The permission sets and the
// assignments are seeded the honest way: by stint apply of the same identity
// file, limiters off, so live equals the file because stint made it so, and
// the seeding is itself a figure (apply at scale). moto takes one call per
// assignment (its creations are synchronous, so there is no status poll) at
// 150-200 calls/s on 2 cores, so seeding takes minutes: the number of
// assignments is what bounds this section. It was 8 minutes for 30,000
// before ssoadmin_ext.py indexed its duplicate check (a scan of every
// assignment per create). moto's listings still scan every assignment, so
// they slow as state grows (see the probe line); the plan's wall time on
// moto is mostly moto's, and the projections at AWS's limits are the figure
// to read.
const (
	scaleUnits       = 8  // business units
	scalePerUnitEnv  = 36 // accounts per business unit and environment
	scaleSecurity    = 12
	scaleInfra       = 24
	scaleSandbox     = 100
	scaleListingPage = 100 // the most assignments one sso-admin listing returns
)

var (
	scaleBUNames = []string{"payments", "retail", "data", "platform", "identity", "search", "mobile", "media"}
	scaleEnvs    = []string{"Prod", "Staging", "Dev"}
	// scaleTeams are each business unit's groups.
	scaleTeams = []string{"developers", "operators", "data", "leads", "readers"}
	// scaleOrgGroups are the groups that are not a business unit's.
	scaleOrgGroups = []string{"security-auditors", "platform-admins", "finops", "network-admins", "incident-responders",
		"support", "infra-engineers", "sandbox-users", "cloud-ops", "break-glass"}
	// scaleDirectUsers hold standing access of their own (the kind stint
	// wants to turn into requests): two accounts each.
	scaleDirectUsers = 25
)

// scalePermissionSet is one of the 20 permission sets.
type scalePermissionSet struct {
	name, description, duration string
	actions                     []string
}

var scalePermissionSets = []scalePermissionSet{
	{"AdministratorAccess", "Full access", "1h", []string{"*"}},
	{"PowerUserAccess", "Everything but IAM and organisation management", "4h", []string{"ec2:*", "s3:*", "lambda:*", "dynamodb:*"}},
	{"ReadOnlyAccess", "Read-only access to all services", "8h", []string{"ec2:Describe*", "s3:Get*", "s3:List*"}},
	{"ViewOnlyAccess", "Console view of resources", "8h", []string{"ec2:Describe*", "s3:ListAllMyBuckets"}},
	{"SecurityAudit", "Security audit reads", "8h", []string{"iam:Get*", "iam:List*", "config:Describe*"}},
	{"Billing", "Billing console", "4h", []string{"aws-portal:*Billing", "budgets:*"}},
	{"CostExplorer", "Cost Explorer reads", "8h", []string{"ce:Get*", "ce:Describe*"}},
	{"NetworkAdministrator", "VPCs, Transit Gateway and Route 53", "4h", []string{"ec2:*Vpc*", "ec2:*TransitGateway*", "route53:*"}},
	{"IncidentResponder", "Incident triage", "2h", []string{"logs:*", "cloudwatch:*", "ec2:Describe*"}},
	{"SupportUser", "AWS Support cases", "4h", []string{"support:*"}},
	{"SystemAdministrator", "Operating system and fleet administration", "4h", []string{"ssm:*", "ec2:*Instance*"}},
	{"SandboxAdmin", "Full access in sandboxes", "12h", []string{"*"}},
	{"LogReader", "CloudWatch Logs reads", "8h", []string{"logs:Get*", "logs:Describe*", "logs:FilterLogEvents"}},
	{"EC2Operator", "Start, stop and reboot instances", "4h", []string{"ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"}},
	{"BreakGlass", "Emergency access, audited", "1h", []string{"*"}},
	{"DatabaseAdministrator", "RDS and DynamoDB administration", "4h", []string{"rds:*", "dynamodb:*"}},
	{"Developer", "Build and debug services", "4h", []string{"lambda:*", "ecs:*", "logs:*"}},
	{"DataScientist", "Athena, Glue and SageMaker", "8h", []string{"athena:*", "glue:*", "sagemaker:*"}},
	{"S3ReadOnly", "Read S3 objects", "8h", []string{"s3:GetObject", "s3:ListBucket"}},
	{"Deployer", "Deploy through CloudFormation", "2h", []string{"cloudformation:*", "ecs:UpdateService"}},
}

// scaleRule is one assignment of the identity file.
type scaleRule struct {
	principal, permissionSet string
	accounts, except         []string
}

func scaleAccountName(bu, env string, i int) string {
	return fmt.Sprintf("%s-%s-%02d", bu, strings.ToLower(env), i)
}

// scaleSpec is the organisation and identity store; the permission sets and
// assignments come from the identity file.
func scaleSpec(users int) sampleorg.Spec {
	var spec sampleorg.Spec
	add := func(name, ou string, tags map[string]string) {
		spec.Accounts = append(spec.Accounts, sampleorg.AccountSpec{Name: name, OU: ou, Tags: tags})
	}
	for i := range scaleSecurity {
		add(fmt.Sprintf("security-%02d", i), "Security", map[string]string{"env": "security"})
	}
	for i := range scaleInfra {
		add(fmt.Sprintf("infra-%02d", i), "Infrastructure", map[string]string{"env": "shared"})
	}
	for _, bu := range scaleBUNames[:scaleUnits] {
		for _, env := range scaleEnvs {
			for i := range scalePerUnitEnv {
				add(scaleAccountName(bu, env, i), "Workloads/"+env+"/"+bu, map[string]string{"bu": bu, "env": strings.ToLower(env)})
			}
		}
	}
	for i := range scaleSandbox {
		add(fmt.Sprintf("sandbox-%03d", i), "Sandbox", map[string]string{"env": "sandbox"})
	}
	groups := scaleGroupNames()
	for _, g := range groups {
		spec.Groups = append(spec.Groups, sampleorg.GroupSpec{Name: g})
	}
	teams := groups[len(scaleOrgGroups):]
	for i := range users {
		u := sampleorg.UserSpec{UserName: fmt.Sprintf("user-%04d", i), GivenName: "User", FamilyName: strconv.Itoa(i),
			Groups: []string{teams[i%len(teams)]}}
		if i%2 == 0 { // every other user is also in an organisation-wide group
			u.Groups = append(u.Groups, scaleOrgGroups[(i/2)%len(scaleOrgGroups)])
		}
		spec.Users = append(spec.Users, u)
	}
	return spec
}

func scaleGroupNames() []string {
	names := slices.Clone(scaleOrgGroups)
	for _, bu := range scaleBUNames[:scaleUnits] {
		for _, t := range scaleTeams {
			names = append(names, bu+"-"+t)
		}
	}
	return names
}

// scaleRules are the file's assignments. With change, three things differ
// from the seeded state, as a small everyday edit would: payments-developers
// read one more environment (36 creates), break-glass loses one account (1
// delete); scaleYAML also lengthens Developer's session (1 update).
func scaleRules(users int, change bool) []scaleRule {
	g := func(name, ps string, accounts []string, except ...string) scaleRule {
		return scaleRule{"group:" + name, ps, accounts, except}
	}
	all := []string{"all"}
	breakGlassDB := g("break-glass", "DatabaseAdministrator", []string{"ou:Workloads/Prod"})
	if change {
		breakGlassDB.except = []string{"name:" + scaleAccountName("payments", "Prod", 0)}
	}
	rules := []scaleRule{
		g("security-auditors", "SecurityAudit", all),
		g("security-auditors", "ReadOnlyAccess", all),
		g("platform-admins", "AdministratorAccess", all, "ou:Security"),
		g("finops", "Billing", all),
		g("finops", "CostExplorer", all),
		g("network-admins", "NetworkAdministrator", []string{"ou:Infrastructure", "ou:Workloads/Prod"}),
		g("incident-responders", "IncidentResponder", all, "ou:Sandbox"),
		g("support", "SupportUser", []string{"ou:Workloads"}),
		g("infra-engineers", "SystemAdministrator", []string{"ou:Infrastructure"}),
		g("infra-engineers", "PowerUserAccess", []string{"ou:Workloads/Dev"}),
		g("sandbox-users", "SandboxAdmin", []string{"ou:Sandbox"}),
		g("cloud-ops", "LogReader", all),
		g("cloud-ops", "EC2Operator", []string{"ou:Workloads"}),
		g("break-glass", "BreakGlass", all),
		breakGlassDB,
	}
	for _, bu := range scaleBUNames[:scaleUnits] {
		tag := []string{"tag:bu=" + bu}
		readOnly := []string{"ou:Workloads/Prod/" + bu}
		if change && bu == "payments" {
			readOnly = append(readOnly, "ou:Workloads/Staging/"+bu)
		}
		rules = append(rules,
			g(bu+"-developers", "Developer", []string{"ou:Workloads/Dev/" + bu, "ou:Workloads/Staging/" + bu}),
			g(bu+"-developers", "ReadOnlyAccess", readOnly),
			g(bu+"-operators", "PowerUserAccess", tag),
			g(bu+"-operators", "EC2Operator", []string{"ou:Workloads/Prod/" + bu}),
			g(bu+"-data", "DataScientist", tag),
			g(bu+"-data", "S3ReadOnly", tag),
			g(bu+"-leads", "Deployer", tag),
			g(bu+"-leads", "ViewOnlyAccess", all),
			g(bu+"-readers", "ReadOnlyAccess", tag),
		)
	}
	for i := range min(scaleDirectUsers, users) {
		bu := scaleBUNames[i%scaleUnits]
		rules = append(rules, scaleRule{principal: fmt.Sprintf("user:user-%04d", i), permissionSet: "AdministratorAccess",
			accounts: []string{"name:" + scaleAccountName(bu, "Prod", i%scalePerUnitEnv), "name:" + scaleAccountName(bu, "Dev", i%scalePerUnitEnv)}})
	}
	return rules
}

// scaleYAML is the identity file.
func scaleYAML(users int, change bool) []byte {
	var b strings.Builder
	b.WriteString("permission_sets:\n")
	for _, ps := range scalePermissionSets {
		duration := ps.duration
		if change && ps.name == "Developer" {
			duration = "8h"
		}
		actions := make([]string, len(ps.actions))
		for i, a := range ps.actions {
			actions[i] = strconv.Quote(a)
		}
		fmt.Fprintf(&b, "  - name: %s\n    description: %s\n    session_duration: %s\n", ps.name, ps.description, duration)
		fmt.Fprintf(&b, "    inline_policy: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Action: [%s], Resource: \"*\"}]}\n", strings.Join(actions, ", "))
		b.WriteString("    tags: {owner: platform, managed-by: stint}\n")
	}
	b.WriteString("assignments:\n")
	quote := func(sels []string) string {
		q := make([]string, len(sels))
		for i, s := range sels {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	for _, r := range scaleRules(users, change) {
		fmt.Fprintf(&b, "  - principal: %s\n    permission_set: %s\n    accounts: %s\n", r.principal, r.permissionSet, quote(r.accounts))
		if len(r.except) > 0 {
			fmt.Fprintf(&b, "    except: %s\n", quote(r.except))
		}
	}
	return []byte(b.String())
}

// unthrottled is a limiter configuration that never waits on moto.
var unthrottled = identitycenter.LimiterConfig{Rate: 10000, Burst: 1000, MaxCreatesInFlight: 1000}

// scaleBench seeds the organisation and measures the two plans.
func scaleBench(users int) error {
	ctx := context.Background()
	moto, err := motoserver.Run(ctx, motoserver.Options{NoManagedPolicies: true, SSOAdminExtensions: true})
	if err != nil {
		return err
	}
	defer moto.Close()
	proxy, err := faultproxy.New(moto.URL())
	if err != nil {
		return err
	}
	defer proxy.Close()
	ac := motoserver.AWSConfig(proxy.URL())

	spec := scaleSpec(users)
	start := time.Now()
	org, err := sampleorg.Seed(ctx, ac, spec)
	if err != nil {
		return err
	}
	seedCalls, memberships := proxy.Count(""), 0
	for _, u := range spec.Users {
		memberships += len(u.Groups)
	}
	took := time.Since(start)
	fmt.Printf("   seed organisation (sampleorg, parallelism 8): %d accounts in %d OUs, %d groups, %d users (%d memberships): %s, %d calls (%.0f calls/s)\n",
		len(org.Accounts), len(org.OUs), len(org.Groups), len(org.Users), memberships, secs(took), seedCalls, float64(seedCalls)/took.Seconds())
	empty, err := probeMoto(ctx, moto, org)
	if err != nil {
		return err
	}

	// The permission sets and assignments, by stint apply of the file.
	desired, err := identityconfig.Parse(map[string][]byte{"identity.yaml": scaleYAML(users, false)})
	if err != nil {
		return err
	}
	proxy.ResetCounts()
	start = time.Now()
	seed, err := scalePlan(ctx, proxy, unthrottled, 10000, desired)
	if err != nil {
		return fmt.Errorf("seed plan: %w", err)
	}
	n := seed.plan.Counts()[identityconfig.KindAssignment][identityconfig.OpCreate]
	prov, err := identitycenter.New(ctx, identitycenter.Config{AWS: ac, Region: motoserver.Region, Limiter: identitycenter.NewLimiter(unthrottled),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	a, err := identityconfig.NewApplier(identityconfig.ApplierConfig{AWS: ac, InstanceARN: prov.InstanceARN(),
		IdentityStoreID: prov.IdentityStoreID(), Limiter: prov.Limiter()})
	if err != nil {
		return err
	}
	res, err := a.Apply(ctx, seed.plan)
	if err != nil {
		return err
	}
	if res.Failed > 0 {
		return fmt.Errorf("seed apply: %d actions failed: %.1000s", res.Failed, strings.Join(res.Errors, "; "))
	}
	took, applyCalls := time.Since(start), 0
	for _, c := range res.Calls {
		applyCalls += c
	}
	fmt.Printf("   seed assignments (stint apply of the file, limiters off): %d permission sets, %d assignments in %s: plan %s (%d calls), apply %s (%d calls, %.0f calls/s)\n",
		len(scalePermissionSets), n, secs(took), secs(seed.wall), len(seed.dirCalls)+len(seed.readCalls), secs(res.Duration), applyCalls,
		float64(applyCalls)/res.Duration.Seconds())
	fmt.Printf("     at AWS's 20 calls/s that apply needs >= %s (%d calls / 20)\n", minutes(float64(applyCalls)/awsRealRate), applyCalls)
	if err := provisionEverywhere(ctx, moto, org.InstanceARN); err != nil {
		return err
	}
	full, err := probeMoto(ctx, moto, org)
	if err != nil {
		return err
	}
	fmt.Printf("   moto per call (median of 5), empty -> %d assignments: ListAccountAssignmentsForPrincipal (100 items) %s -> %s, ListAccountAssignments %s -> %s\n",
		n, ms(empty[0]), ms(full[0]), ms(empty[1]), ms(full[1]))

	for _, c := range []struct {
		name   string
		change bool
	}{{"no change (file == live)", false}, {"small change (+36 assignments, -1 assignment, 1 permission set updated)", true}} {
		desired, err := identityconfig.Parse(map[string][]byte{"identity.yaml": scaleYAML(users, c.change)})
		if err != nil {
			return err
		}
		proxy.ResetCounts()
		r, err := scalePlan(ctx, proxy, unthrottled, 10000, desired)
		if err != nil {
			return err
		}
		if !c.change && r.plan.HasChanges() {
			var b strings.Builder
			_ = identityconfig.RenderText(&b, r.plan, identityconfig.RenderOptions{})
			return fmt.Errorf("no-change plan has %d actions: %.1500s", len(r.plan.Actions), b.String())
		}
		r.print(c.name)
	}
	return nil
}

// scaleRun is one measured plan.
type scaleRun struct {
	plan                         *identityconfig.Plan
	resolved                     *identityconfig.Resolved
	live                         *identityconfig.Live
	dir                          *stint.Directory
	wall, dirT, resolveT, readT  time.Duration
	diffT                        time.Duration
	dirCalls, readCalls          []faultproxy.Call
	heapPeak, allocated, mallocs uint64
	rssBefore, rssPeak           int // kB
}

// scalePlan is `stint plan` (the provider, Directory, Resolve, Reader.Read,
// Diff, as app.Plan runs them), timed by phase, with the calls split at the
// end of the directory read, and the process's peak memory: heap objects
// sampled every millisecond, and VmHWM after resetting it.
func scalePlan(ctx context.Context, proxy *faultproxy.Proxy, lc identitycenter.LimiterConfig, orgRate float64, desired *identityconfig.Desired) (*scaleRun, error) {
	r := &scaleRun{}
	runtime.GC()
	debug.FreeOSMemory()
	r.rssBefore = resetPeakRSS()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := sampleHeap(&r.heapPeak)

	ac := motoserver.AWSConfig(proxy.URL())
	start := time.Now()
	lim := identitycenter.NewLimiter(lc)
	prov, err := identitycenter.New(ctx, identitycenter.Config{AWS: ac, Region: motoserver.Region, Limiter: lim,
		OrganizationsRateLimit: orgRate, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		stop()
		return nil, err
	}
	if r.dir, err = prov.DirectoryWith(ctx, identityconfig.DirectoryOptions(desired)); err != nil {
		stop()
		return nil, err
	}
	t1 := time.Now()
	reader, err := identityconfig.NewReader(identityconfig.ReaderConfig{
		AWS: ac, InstanceARN: prov.InstanceARN(), IdentityStoreID: prov.IdentityStoreID(), Limiter: lim,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		stop()
		return nil, err
	}
	// Resolve runs inside the read, once the permission sets are known;
	// its time is measured there and left out of the read's.
	var resolveT time.Duration
	// (The directory was read first, to time it apart; stint plan reads it
	// alongside the permission sets.)
	r.live, _, err = reader.ReadAlong(ctx, func(context.Context) (*stint.Directory, error) { return r.dir, nil }, func(dir *stint.Directory) (err error) {
		t := time.Now()
		r.resolved, err = identityconfig.Resolve(desired, dir)
		resolveT = time.Since(t)
		return err
	})
	if err != nil {
		stop()
		return nil, err
	}
	t3 := time.Now()
	r.plan = identityconfig.Diff(r.resolved, r.live, identityconfig.DiffOptions{})
	end := time.Now()
	stop()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	r.rssPeak = peakRSS()
	r.wall, r.dirT, r.resolveT, r.readT, r.diffT = end.Sub(start), t1.Sub(start), resolveT, t3.Sub(t1)-resolveT, end.Sub(t3)
	r.allocated, r.mallocs = after.TotalAlloc-before.TotalAlloc, after.Mallocs-before.Mallocs
	for _, c := range proxy.Calls() {
		if c.At.Before(t1) {
			r.dirCalls = append(r.dirCalls, c)
		} else {
			r.readCalls = append(r.readCalls, c)
		}
	}
	return r, nil
}

// Services as the proxy names them (the X-Amz-Target prefix).
const (
	svcOrganizations = "AWSOrganizationsV20161128"
	svcSSOAdmin      = "SWBExternalService"
	svcIdentityStore = "AWSIdentityStore"
)

func (r *scaleRun) print(name string) {
	counts := r.plan.Counts()
	var parts []string
	for _, k := range identityconfig.Kinds {
		for _, op := range []identityconfig.Op{identityconfig.OpCreate, identityconfig.OpUpdate, identityconfig.OpDelete} {
			if n := counts[k][op]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d %s", op, n, k))
			}
		}
	}
	actions := "no actions"
	if len(parts) > 0 {
		actions = strings.Join(parts, ", ")
	}
	fmt.Printf("   plan, %s: %s; %d assignments declared, %d live\n", name, actions, len(r.resolved.Targets), len(r.live.Assignments))
	fmt.Printf("     wall on moto, limiters off: %s = directory %s + resolve %s + read %s + diff %s\n",
		secs(r.wall), secs(r.dirT), secs(r.resolveT), secs(r.readT), secs(r.diffT))

	all := slices.Concat(r.dirCalls, r.readCalls)
	bySvc := func(calls []faultproxy.Call, svc ...string) int {
		n := 0
		for _, c := range calls {
			if slices.Contains(svc, c.Service) {
				n++
			}
		}
		return n
	}
	fmt.Printf("     calls: %d\n", len(all))
	for _, svc := range []struct{ id, name string }{{svcOrganizations, "Organizations"}, {svcIdentityStore, "identity store"}, {svcSSOAdmin, "sso-admin"}} {
		ops := map[string]int{}
		for _, c := range all {
			if c.Service == svc.id {
				ops[c.Op]++
			}
		}
		fmt.Printf("       %s %d: %s\n", svc.name, bySvc(all, svc.id), opSummary(ops))
	}

	est := r.live.Estimates
	// The runner-up: the cheapest of the strategies not chosen.
	var other identityconfig.Strategy
	for _, s := range []identityconfig.Strategy{identityconfig.StrategyPerPermissionSet, identityconfig.StrategyPerAccount, identityconfig.StrategyPerPrincipal} {
		if s != r.live.Strategy && (other == "" || est[s] < est[other]) {
			other = s
		}
	}
	var listed int
	switch r.live.Strategy {
	case identityconfig.StrategyPerPrincipal:
		listed = r.live.Calls["ListAccountAssignmentsForPrincipal"]
	case identityconfig.StrategyPerAccount:
		listed = r.live.Calls["ListAccountAssignments"] + r.live.Calls["ListPermissionSetsProvisionedToAccount"]
	default: // the listing of accounts also counts the not-provisioned reads, one a set
		listed = r.live.Calls["ListAccountAssignments"] + r.live.Calls["ListAccountsForProvisionedPermissionSet"] - len(r.live.PermissionSets)
	}
	fmt.Printf("     reader: strategy %s, %d calls in all, %d listing assignments (Estimate: %d, one page per principal); %s: %d by Estimate (%.1fx)\n",
		r.live.Strategy, r.live.TotalCalls(), listed, est[r.live.Strategy], other, est[other], float64(est[other])/float64(max(listed, 1)))

	f := r.floors()
	fmt.Printf("     assignment listing vs the minimum the data needs: %d calls; floor %d (every principal asked once, 100 per page): %.2fx; %d assignments / 100 per page = %d\n",
		listed, f.perPrincipal, float64(listed)/float64(max(f.perPrincipal, 1)), len(r.live.Assignments), f.data)
	fmt.Printf("     on AWS, if a user's listing also returns what their groups hold (moto returns only their own): %d calls for users instead of %d; per account, with permission sets provisioned only where assigned: %d\n",
		f.usersWithGroups, f.usersOwn, f.perAccountAWS)

	fmt.Printf("     memory: heap objects peak %s, %s allocated in %s objects (about %s of it the in-process proxy's 32 KiB copy buffer per call); RSS peak %s (VmHWM, reset before; %s before)\n",
		mib(r.heapPeak), mib(r.allocated), thousands(r.mallocs), mib(uint64(len(all))<<15), mib(uint64(r.rssPeak)<<10), mib(uint64(r.rssBefore)<<10))

	orgs := bySvc(r.dirCalls, svcOrganizations)
	icDir, icRead := bySvc(r.dirCalls, svcSSOAdmin, svcIdentityStore), bySvc(r.readCalls, svcSSOAdmin, svcIdentityStore)
	orgRate := identitycenter.DefaultOrganizationsRateLimit
	dirAt := max(float64(orgs)/orgRate, float64(icDir)/awsRealRate)
	readAt := float64(icRead) / awsRealRate
	fmt.Printf("     projected on AWS: %d calls / 20/s = %s; with stint's limiters (Identity Center 20/s, Organizations %g/s): directory %s (%d Organizations calls) + read %s = %s\n",
		len(all), minutes(float64(len(all))/awsRealRate), orgRate, minutes(dirAt), orgs, minutes(readAt), minutes(dirAt+readAt))
}

// scaleFloors are call counts the data needs.
type scaleFloors struct {
	// perPrincipal is Σ over the directory's users and groups of
	// max(1, ⌈held/100⌉): a principal holding nothing must still be asked
	// once, and no listing returns more than 100 assignments. data is
	// ⌈assignments/100⌉, what even a perfect index could not beat.
	perPrincipal, data int
	// usersOwn and usersWithGroups are the user part of perPrincipal, and
	// what it would be if a user's listing also returned the assignments
	// of their groups.
	usersOwn, usersWithGroups int
	// perAccountAWS is the per-account strategy on AWS, where a permission
	// set is provisioned only to accounts with an assignment of it: one
	// listing of provisioned sets per account plus one listing per
	// (account, permission set) pair with assignments (more pages above
	// 100).
	perAccountAWS int
}

func (r *scaleRun) floors() scaleFloors {
	pages := func(n int) int { return max(1, (n+scaleListingPage-1)/scaleListingPage) }
	held := map[string]int{}
	byName := map[string]int{} // group name -> held
	perAcctPS := map[[2]string]int{}
	for _, a := range r.live.Assignments {
		held[a.PrincipalID]++
		perAcctPS[[2]string{a.AccountID, a.PermissionSetARN}]++
	}
	for _, g := range r.dir.Groups {
		byName[g.Name] = held[g.ID]
	}
	var f scaleFloors
	for _, g := range r.dir.Groups {
		f.perPrincipal += pages(held[g.ID])
	}
	for _, u := range r.dir.Users {
		f.usersOwn += pages(held[u.ID])
		n := held[u.ID]
		for _, g := range u.Groups {
			n += byName[g]
		}
		f.usersWithGroups += pages(n)
	}
	f.perPrincipal += f.usersOwn
	f.data = (len(r.live.Assignments) + scaleListingPage - 1) / scaleListingPage
	f.perAccountAWS = len(r.dir.Accounts)
	for _, n := range perAcctPS {
		f.perAccountAWS += pages(n)
	}
	return f
}

// provisionEverywhere provisions every permission set, straight in moto, as
// AWS does when assignments are created (see idMoto.provisionAll).
func provisionEverywhere(ctx context.Context, moto *motoserver.Server, instanceARN string) error {
	m := &idMoto{moto: moto, org: &sampleorg.Org{InstanceARN: instanceARN}}
	return m.provisionAll(ctx)
}

// probeMoto times moto's two assignment listings straight (median of 5):
// the largest group's listing and one account's listing of one set.
func probeMoto(ctx context.Context, moto *motoserver.Server, org *sampleorg.Org) ([2]time.Duration, error) {
	sso := ssoadmin.NewFromConfig(moto.AWSConfig())
	inst := aws.String(org.InstanceARN)
	ps, err := sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: inst})
	if err != nil {
		return [2]time.Duration{}, err
	}
	psARN := "arn:aws:sso:::permissionSet/none"
	if len(ps.PermissionSets) > 0 {
		psARN = ps.PermissionSets[0]
	}
	calls := []func() error{
		func() error {
			_, err := sso.ListAccountAssignmentsForPrincipal(ctx, &ssoadmin.ListAccountAssignmentsForPrincipalInput{InstanceArn: inst,
				PrincipalId: aws.String(org.Groups["security-auditors"]), PrincipalType: ssotypes.PrincipalTypeGroup, MaxResults: aws.Int32(scaleListingPage)})
			return err
		},
		func() error {
			_, err := sso.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: inst,
				AccountId: aws.String(org.Accounts[scaleAccountName("payments", "Prod", 0)]), PermissionSetArn: aws.String(psARN)})
			return err
		},
	}
	var out [2]time.Duration
	for i, call := range calls {
		var d []time.Duration
		for range 5 {
			start := time.Now()
			if err := call(); err != nil {
				return out, err
			}
			d = append(d, time.Since(start))
		}
		slices.Sort(d)
		out[i] = d[len(d)/2]
	}
	return out, nil
}

// sampleHeap records the peak of live and unswept heap objects until the
// returned function is called.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(sample)
		*peak = max(*peak, sample[0].Value.Uint64())
	}
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				read()
				return
			case <-t.C:
				read()
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// resetPeakRSS resets the process's VmHWM to its current RSS (Linux:
// "5" to clear_refs) and returns the RSS in kB.
func resetPeakRSS() int {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	return procStatus("VmRSS")
}

func peakRSS() int { return procStatus("VmHWM") }

// procStatus returns a kB field of /proc/self/status, or 0.
func procStatus(field string) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func minutes(s float64) string {
	d := time.Duration(s * float64(time.Second)).Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%.0f s", d.Seconds())
	}
	return d.String()
}

func thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
