package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"golang.org/x/sync/errgroup"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/discovery"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/sampleorg"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// The discovery figure: `stint discover` of 200 accounts x 30 standing
// assignments + 20 IAM users each, on moto with the sso-admin and IAM
// extensions: wall time, calls by service against the minimum the data
// needs (discovery.MinimumCalls), peak memory, and the time the Identity
// Center and Organizations calls take at AWS's limits.
//
// The organisation: four OUs of 50 accounts (Workloads/Prod,
// Workloads/Staging, Workloads/Dev, Sandbox), 100 identity store users in
// 20 groups (each user in two), 10 permission sets (AWS managed and inline
// policies, two of them admin-equivalent). Each account has 20 group and 10
// user assignments (6,000 in all), the Identity Center roles of the
// permission sets assigned there, a vendor role trusting an outside
// account, two IAM groups and 20 IAM users: a quarter with a console
// password (half of those with MFA), half with an access key, one
// admin-equivalent. Seeding is through the API, 8 accounts at a time.
const (
	discAccountsPerOU = 50
	discUsers         = 100
	discGroups        = 20
	discIAMUsers      = 20
	discGroupAssign   = 20
	discUserAssign    = 10
	discTarget        = 60 * time.Second
	discCallsTarget   = 1.2
	discICRate        = 20.0 // Identity Center's quota, calls/s
	discOrgRate       = 10.0 // stint's Organizations pace, calls/s
)

var (
	discOUs            = []string{"Workloads/Prod", "Workloads/Staging", "Workloads/Dev", "Sandbox"}
	discPermissionSets = []sampleorg.PermissionSetSpec{
		{Name: "AdministratorAccess", ManagedPolicies: []string{"AdministratorAccess"}},
		{Name: "PowerUserAccess", ManagedPolicies: []string{"PowerUserAccess"}},
		{Name: "ReadOnlyAccess", ManagedPolicies: []string{"ReadOnlyAccess"}},
		{Name: "ViewOnly", InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","s3:ListAllMyBuckets"],"Resource":"*"}]}`},
		{Name: "SecurityAudit", ManagedPolicies: []string{"SecurityAudit"}},
		{Name: "Billing", InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ce:Get*","budgets:View*"],"Resource":"*"}]}`},
		{Name: "Deployer", InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudformation:*","ecs:UpdateService"],"Resource":"*"}]}`},
		{Name: "NetworkAdmin", InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:*Vpc*","route53:*"],"Resource":"*"}]}`},
		{Name: "DataReader", InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","athena:Get*"],"Resource":"*"}]}`},
		{Name: "BreakGlass", InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
	}
)

const (
	discDocRead  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}`
	discDocWrite = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","sqs:SendMessage"],"Resource":"*"}]}`
	discDocAdmin = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
)

func discoveryBench() error {
	ctx := context.Background()
	moto, err := motoserver.Run(ctx, motoserver.Options{NoManagedPolicies: true, SSOAdminExtensions: true, IAMExtensions: true})
	if err != nil {
		return err
	}
	defer moto.Close()
	start := time.Now()
	org, err := seedDiscovery(ctx, moto.AWSConfig())
	if err != nil {
		return err
	}
	fmt.Printf("   seeded %d accounts x (%d assignments, %d IAM users), %d users in %d groups, %d permission sets in %s\n",
		len(org.Accounts), discGroupAssign+discUserAssign, discIAMUsers, discUsers, discGroups, len(discPermissionSets), secs(time.Since(start)))

	calls := discovery.NewCalls()
	cfg := calls.Wrap(moto.AWSConfig())
	quiet := slog.New(slog.DiscardHandler)
	ic, err := identitycenter.New(ctx, identitycenter.Config{AWS: cfg, Region: motoserver.Region, Logger: quiet,
		Limiter: identitycenter.NewLimiter(unthrottled), OrganizationsRateLimit: 10000})
	if err != nil {
		return err
	}
	scanner, err := discovery.New(discovery.Config{AWS: cfg, IdentityCenter: ic, Assumer: account.New(account.Config{AWS: cfg}),
		Calls: calls, Logger: quiet, Poll: 50 * time.Millisecond})
	if err != nil {
		return err
	}

	runtime.GC()
	debug.FreeOSMemory()
	rssBefore := resetPeakRSS()
	var heapPeak uint64
	stop := sampleHeap(&heapPeak)
	t0 := time.Now()
	scan, err := scanner.Scan(ctx)
	took := time.Since(t0)
	stop()
	rssPeak := peakRSS()
	if err != nil {
		return err
	}
	got := calls.ByService()
	total := calls.Total()
	minimum, why := discovery.MinimumCalls(scan)
	minTotal := 0
	for _, n := range minimum {
		minTotal += n
	}
	sum := scan.Summary
	fmt.Printf("   scan: %s wall (target <= %s: %.1fx headroom), %d accounts read 8 at a time, %d scanned\n",
		secs(took), discTarget, discTarget.Seconds()/took.Seconds(), sum.Accounts, sum.AccountsScanned)
	fmt.Printf("   found: %d standing assignments reaching %d people, %d IAM users, %d roles trusting others, %d findings (%s)\n",
		sum.StandingAssignments, sum.StandingPeople, sum.IAMUsers, sum.IAMRoles, sum.Findings, kindCounts(sum))
	fmt.Printf("   calls: %d (%s); minimum the data needs: %d; ratio %.3f (target <= %.1f)\n",
		total, serviceCounts(got), minTotal, float64(total)/float64(minTotal), discCallsTarget)
	for _, svc := range slices.Sorted(maps.Keys(minimum)) {
		fmt.Printf("     %-14s %5d of %5d minimum (%.2f): %s\n", svc, got[svc], minimum[svc], float64(got[svc])/float64(max(1, minimum[svc])), why[svc])
	}
	var extra []string
	for op, n := range calls.ByOperation() {
		if strings.Contains(op, "ListAccountsForProvisionedPermissionSet") || strings.Contains(op, "ServiceLastAccessed") {
			extra = append(extra, fmt.Sprintf("%s %d", op, n))
		}
	}
	slices.Sort(extra)
	fmt.Printf("     beyond the minimum: %s\n", strings.Join(extra, ", "))
	fmt.Printf("   memory: heap objects peak %s, RSS peak %s (%s before the scan)\n",
		mib(heapPeak), mib(uint64(rssPeak)*1024), mib(uint64(rssBefore)*1024))
	icCalls := got["sso-admin"] + got["identitystore"]
	fmt.Printf("   at AWS's limits: %d Identity Center calls at %.0f/s = %s, %d Organizations calls at %.0f/s = %s (alongside IAM, %d calls, 8 accounts at a time)\n",
		icCalls, discICRate, minutes(float64(icCalls)/discICRate), got["organizations"], discOrgRate, minutes(float64(got["organizations"])/discOrgRate), got["iam"]+got["sts"])
	for _, n := range scan.Notes {
		fmt.Printf("   note: %s\n", n)
	}
	return nil
}

func kindCounts(s stint.ScanSummary) string {
	var out []string
	for _, k := range stint.FindingKinds {
		if n := s.ByKind[k]; n > 0 {
			out = append(out, fmt.Sprintf("%s %d", k, n))
		}
	}
	return strings.Join(out, ", ")
}

func serviceCounts(m map[string]int) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(out, ", ")
}

// seedDiscovery builds the figure's organisation.
func seedDiscovery(ctx context.Context, cfg aws.Config) (*sampleorg.Org, error) {
	spec := sampleorg.Spec{OUs: discOUs, PermissionSets: discPermissionSets}
	for _, ou := range discOUs {
		for i := range discAccountsPerOU {
			spec.Accounts = append(spec.Accounts, sampleorg.AccountSpec{Name: fmt.Sprintf("%s-%02d", strings.ToLower(strings.ReplaceAll(ou, "/", "-")), i), OU: ou})
		}
	}
	for g := range discGroups {
		spec.Groups = append(spec.Groups, sampleorg.GroupSpec{Name: fmt.Sprintf("team-%02d", g)})
	}
	for u := range discUsers {
		spec.Users = append(spec.Users, sampleorg.UserSpec{UserName: fmt.Sprintf("user-%03d", u), GivenName: "User", FamilyName: fmt.Sprint(u),
			Groups: []string{fmt.Sprintf("team-%02d", u%discGroups), fmt.Sprintf("team-%02d", (u/discGroups+u+1)%discGroups)}})
	}
	org, err := sampleorg.Seed(ctx, cfg, spec)
	if err != nil {
		return nil, err
	}
	type assignment struct {
		account, ps, principal string
		group                  bool
	}
	var assignments []assignment
	iamSpec := sampleorg.IAMSpec{}
	now := time.Now().UTC()
	for ai, a := range spec.Accounts {
		used := map[string]bool{}
		for g := range discGroupAssign {
			ps := discPermissionSets[(ai+g)%len(discPermissionSets)].Name
			used[ps] = true
			assignments = append(assignments, assignment{a.Name, ps, fmt.Sprintf("team-%02d", g), true})
		}
		for u := range discUserAssign {
			ps := discPermissionSets[(ai*3+u)%len(discPermissionSets)].Name
			used[ps] = true
			assignments = append(assignments, assignment{a.Name, ps, fmt.Sprintf("user-%03d@example.com", (ai*discUserAssign+u)%discUsers), false})
		}
		for ps := range used {
			r := sampleorg.SSORoleSpec{Account: a.Name, PermissionSet: ps, Created: now.Add(-400 * 24 * time.Hour)}
			if len(ps)%3 != 0 { // some idle
				r.LastUsed = now.Add(-time.Duration(len(ps)) * 24 * time.Hour)
			}
			iamSpec.SSORoles = append(iamSpec.SSORoles, r)
		}
		iamSpec.Policies = append(iamSpec.Policies, sampleorg.IAMPolicySpec{Account: a.Name, Name: "admin-all", Document: discDocAdmin})
		iamSpec.Groups = append(iamSpec.Groups, sampleorg.IAMGroupSpec{Account: a.Name, Name: "ops", InlinePolicy: discDocWrite},
			sampleorg.IAMGroupSpec{Account: a.Name, Name: "readers", InlinePolicy: discDocRead})
		iamSpec.Roles = append(iamSpec.Roles, sampleorg.IAMRoleSpec{Account: a.Name, Name: "vendor-support", InlinePolicy: discDocRead,
			Trust: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}`})
		for u := range discIAMUsers {
			us := sampleorg.IAMUserSpec{Account: a.Name, Name: fmt.Sprintf("svc-%02d", u), Groups: []string{[]string{"ops", "readers"}[u%2]},
				InlinePolicy: discDocRead, Password: u%4 == 0, MFA: u%8 == 0, AccessKeys: (u + 1) % 2}
			if u == 0 {
				us.Policies = []string{"admin-all"}
			}
			iamSpec.Users = append(iamSpec.Users, us)
		}
	}
	sso := ssoadmin.NewFromConfig(cfg)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, as := range assignments {
		g.Go(func() error {
			pt, id := ssotypes.PrincipalTypeUser, org.Users[as.principal]
			if as.group {
				pt, id = ssotypes.PrincipalTypeGroup, org.Groups[as.principal]
			}
			_, err := sso.CreateAccountAssignment(gctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(org.InstanceARN),
				TargetType: ssotypes.TargetTypeAwsAccount, TargetId: aws.String(org.Accounts[as.account]),
				PermissionSetArn: aws.String(org.PermissionSets[as.ps]), PrincipalType: pt, PrincipalId: aws.String(cmp.Or(id, "missing"))})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("seed assignments: %w", err)
	}
	if err := sampleorg.SeedIAM(ctx, cfg, org, iamSpec, 8); err != nil {
		return nil, err
	}
	return org, nil
}
