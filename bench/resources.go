package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/sampleorg"
	"github.com/stint-dev/stint/provider"
	"github.com/stint-dev/stint/provider/account"
	eksprov "github.com/stint-dev/stint/provider/eks"
	iamprov "github.com/stint-dev/stint/provider/iam"
	"github.com/stint-dev/stint/provider/identitycenter"
	"github.com/stint-dev/stint/provider/scoped"
)

// The resource-level access figures: discovery across 50 accounts x (20
// buckets, 20 instances, 5 clusters, 5 databases), and grant and revoke per
// type, on one moto with the test rig's sso-admin and EKS extensions.
const (
	resAccounts  = 50
	resBuckets   = 20
	resInstances = 20
	resClusters  = 5
	resDatabases = 5
	resRounds    = 20 // grant+revoke rounds per type
)

const benchTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// callLog is an HTTP transport that counts calls by service (from the
// SigV4 credential scope) and sums their time.
type callLog struct {
	base http.RoundTripper
	mu   sync.Mutex
	n    map[string]int
	busy time.Duration
}

func newCallLog() *callLog { return &callLog{base: http.DefaultTransport, n: map[string]int{}} }

func (c *callLog) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := c.base.RoundTrip(r)
	d := time.Since(start)
	svc := "?"
	if auth := r.Header.Get("Authorization"); auth != "" {
		// Credential=KEY/DATE/REGION/SERVICE/aws4_request
		if i := strings.Index(auth, "Credential="); i >= 0 {
			parts := strings.Split(strings.SplitN(auth[i+len("Credential="):], ",", 2)[0], "/")
			if len(parts) >= 4 {
				svc = parts[3]
			}
		}
	}
	c.mu.Lock()
	c.n[svc]++
	c.busy += d
	c.mu.Unlock()
	return resp, err
}

// snapshot returns the counts and the summed call time so far.
func (c *callLog) snapshot() (map[string]int, int, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, total := map[string]int{}, 0
	for k, v := range c.n {
		out[k] = v
		total += v
	}
	return out, total, c.busy
}

func resourcesBench() error {
	ctx := context.Background()
	moto, err := motoserver.Run(ctx, motoserver.Options{NoManagedPolicies: true, SSOAdminExtensions: true, EKSExtensions: true})
	if err != nil {
		return err
	}
	defer moto.Close()
	spec := sampleorg.Spec{OUs: []string{"Bench"}, Groups: []sampleorg.GroupSpec{{Name: "benchers"}}}
	for i := range resAccounts {
		spec.Accounts = append(spec.Accounts, sampleorg.AccountSpec{Name: fmt.Sprintf("res-%02d", i), OU: "Bench"})
	}
	for i := range resRounds {
		spec.Users = append(spec.Users, sampleorg.UserSpec{UserName: fmt.Sprintf("user%02d", i), GivenName: "U", FamilyName: fmt.Sprint(i), Groups: []string{"benchers"}})
	}
	start := time.Now()
	org, err := sampleorg.Seed(ctx, moto.AWSConfig(), spec)
	if err != nil {
		return err
	}
	ids := make([]string, 0, resAccounts)
	for _, a := range spec.Accounts {
		ids = append(ids, org.Accounts[a.Name])
	}
	if err := seedBenchResources(ctx, moto.AWSConfig(), ids); err != nil {
		return err
	}
	fmt.Printf("   seeded %d accounts x (%d buckets, %d instances, %d clusters, %d databases) in %s\n",
		resAccounts, resBuckets, resInstances, resClusters, resDatabases, secs(time.Since(start)))

	log := newCallLog()
	cfg := moto.AWSConfig()
	cfg.HTTPClient = &http.Client{Transport: log}
	quiet := slog.New(slog.DiscardHandler)
	ic, err := identitycenter.New(ctx, identitycenter.Config{AWS: cfg, Region: motoserver.Region, Logger: quiet,
		Limiter: identitycenter.NewLimiter(unthrottled), OrganizationsRateLimit: 10000, PollInterval: 20 * time.Millisecond, FirstPoll: time.Millisecond})
	if err != nil {
		return err
	}
	assumer := account.New(account.Config{AWS: cfg})
	iamp, err := iamprov.New(iamprov.Config{Assumer: assumer, Logger: quiet})
	if err != nil {
		return err
	}
	sc, err := scoped.New(scoped.Config{IdentityCenter: ic, Assumer: assumer, Region: motoserver.Region, S3PathStyle: true, Logger: quiet})
	if err != nil {
		return err
	}
	ek, err := eksprov.New(eksprov.Config{Accounts: assumer, PermissionSets: eksprov.Scoped(sc), Regions: []string{motoserver.Region}, Logger: quiet,
		RolePoll: 10 * time.Millisecond, RolePollMax: 50 * time.Millisecond})
	if err != nil {
		return err
	}
	all := []string{"all"}
	wanted := []stint.Selector{{Type: stint.ResourceS3, Accounts: all}, {Type: stint.ResourceEC2, Accounts: all},
		{Type: stint.ResourceEKS, Accounts: all}, {Type: stint.ResourceRDS, Accounts: all}}
	router := &provider.Router{Identity: ic,
		Effects: map[stint.ResourceType]stint.EffectProvider{stint.ResourceS3: sc, stint.ResourceEC2: sc, stint.ResourceRDS: sc,
			stint.ResourceEKS: ek, stint.ResourceIAMGroup: iamp, stint.ResourceIAMRole: iamp},
		Discoverers: []stint.Discoverer{sc, ek, iamp}, Wanted: func() []stint.Selector { return wanted }, Logger: quiet}

	// Discovery: the Identity Center directory, then the four types in
	// every account.
	before, beforeN, _ := log.snapshot()
	t0 := time.Now()
	dir, err := router.Directory(ctx)
	if err != nil {
		return err
	}
	took := time.Since(t0)
	after, afterN, _ := log.snapshot()
	counts := map[stint.ResourceType]int{}
	for _, r := range dir.Resources {
		counts[r.Type]++
	}
	var svc []string
	for _, k := range slices.Sorted(maps.Keys(after)) {
		if d := after[k] - before[k]; d > 0 {
			svc = append(svc, fmt.Sprintf("%s %d", k, d))
		}
	}
	want := resAccounts * (resBuckets + resInstances + resClusters + resDatabases)
	found := counts[stint.ResourceS3] + counts[stint.ResourceEC2] + counts[stint.ResourceEKS] + counts[stint.ResourceRDS]
	fmt.Printf("   discovery (directory + 4 types in %d accounts, 8 accounts at a time): %s, %d calls (%s)\n", resAccounts, secs(took), afterN-beforeN, strings.Join(svc, ", "))
	fmt.Printf("     found %d of %d resources (s3 %d, ec2 %d, eks %d, rds %d), %d accounts unread; target <= 10 s: %.1fx headroom\n",
		found, want, counts[stint.ResourceS3], counts[stint.ResourceEC2], counts[stint.ResourceEKS], counts[stint.ResourceRDS],
		len(dir.DiscoveryErrors), 10/took.Seconds())

	return grantLatencies(ctx, router, log, dir, org, ids[0], cfg)
}

// seedBenchResources makes the resources of every account, 8 accounts at
// a time.
func seedBenchResources(ctx context.Context, base aws.Config, accounts []string) error {
	assumer := account.New(account.Config{AWS: base})
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for ai, id := range accounts {
		g.Go(func() error {
			cfg, err := assumer.For(gctx, id)
			if err != nil {
				return err
			}
			s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
			for i := range resBuckets {
				if _, err := s3c.CreateBucket(gctx, &s3.CreateBucketInput{Bucket: aws.String(fmt.Sprintf("bench-%02d-%02d", ai, i))}); err != nil {
					return err
				}
			}
			if _, err := ec2.NewFromConfig(cfg).RunInstances(gctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"),
				MinCount: aws.Int32(resInstances), MaxCount: aws.Int32(resInstances)}); err != nil {
				return err
			}
			iamc := iam.NewFromConfig(cfg)
			role, err := iamc.CreateRole(gctx, &iam.CreateRoleInput{RoleName: aws.String("eks-cluster"), AssumeRolePolicyDocument: aws.String(benchTrust)})
			if err != nil {
				return err
			}
			for i := range resClusters {
				if _, err := eks.NewFromConfig(cfg).CreateCluster(gctx, &eks.CreateClusterInput{Name: aws.String(fmt.Sprintf("c%d", i)), RoleArn: role.Role.Arn,
					ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}},
					AccessConfig:       &ekstypes.CreateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}}); err != nil {
					return err
				}
			}
			for i := range resDatabases {
				if _, err := rds.NewFromConfig(cfg).CreateDBInstance(gctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String(fmt.Sprintf("db%d", i)),
					Engine: aws.String("postgres"), DBInstanceClass: aws.String("db.t3.micro"), AllocatedStorage: aws.Int32(20),
					MasterUsername: aws.String("root"), MasterUserPassword: aws.String("bench-only-password-1"),
					EnableIAMDatabaseAuthentication: aws.Bool(true)}); err != nil {
					return err
				}
			}
			if ai == 0 { // the latency rounds' IAM resources
				if _, err := iamc.CreateGroup(gctx, &iam.CreateGroupInput{GroupName: aws.String("ops")}); err != nil {
					return err
				}
				if _, err := iamc.CreateRole(gctx, &iam.CreateRoleInput{RoleName: aws.String("Deployer"), AssumeRolePolicyDocument: aws.String(benchTrust)}); err != nil {
					return err
				}
				if _, err := iamc.CreateRole(gctx, &iam.CreateRoleInput{RoleName: aws.String("AWSReservedSSO_ReadOnly_0123456789abcdef"),
					Path: aws.String("/aws-reserved/sso.amazonaws.com/"), AssumeRolePolicyDocument: aws.String(benchTrust)}); err != nil {
					return err
				}
				for i := range resRounds {
					if _, err := iamc.CreateUser(gctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("user%02d", i))}); err != nil {
						return err
					}
				}
				name := scoped.PermissionSetName(scoped.Permission{AccountID: id, Kind: stint.ResourceEKS, Target: "c0:view"})
				if _, err := iamc.CreateRole(gctx, &iam.CreateRoleInput{RoleName: aws.String("AWSReservedSSO_" + name + "_0123456789abcdef"),
					Path: aws.String("/aws-reserved/sso.amazonaws.com/"), AssumeRolePolicyDocument: aws.String(benchTrust)}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// grantLatencies grants and revokes one resource of each type for
// resRounds users in turn, and reports each operation's wall time and
// stint's own share of it (wall time less the time its AWS calls took).
func grantLatencies(ctx context.Context, router *provider.Router, log *callLog, dir *stint.Directory, org *sampleorg.Org, acct string, _ aws.Config) error {
	var instance, dbi string
	for _, r := range dir.Resources {
		if r.AccountID != acct {
			continue
		}
		if r.Type == stint.ResourceEC2 && instance == "" {
			instance = r.Name
		}
		if r.Type == stint.ResourceRDS && r.Name == "db0" {
			dbi = r.Attributes["dbi_resource_id"]
		}
	}
	types := []struct {
		t                  stint.ResourceType
		name, level, label string
		attrs              map[string]string
	}{
		{stint.ResourceS3, "bench-00-00", "read", "s3", nil},
		{stint.ResourceEC2, instance, "", "ec2", nil},
		{stint.ResourceRDS, "db0", "readonly", "rds", map[string]string{"dbi_resource_id": dbi}},
		{stint.ResourceEKS, "c0", "view", "eks", nil},
		{stint.ResourceIAMGroup, "ops", "", "iam-group", nil},
		{stint.ResourceIAMRole, "Deployer", "", "iam-role", map[string]string{"via_permission_set": "ReadOnly"}},
	}
	fmt.Printf("   grant and revoke, %d users in turn per type (wall time; stint's own = wall - its AWS calls' time):\n", resRounds)
	for _, ty := range types {
		var grantWall, grantOwn, revokeWall, revokeOwn []time.Duration
		calls := 0
		for i := range resRounds {
			user := fmt.Sprintf("user%02d", i)
			g := &stint.Grant{ID: fmt.Sprintf("g-%s-%d", ty.label, i), Type: ty.t, AccountID: acct, Name: ty.name, Level: ty.level,
				UserID: org.Users[user+"@example.com"], UserName: user, Attributes: ty.attrs,
				StartsAt: time.Now(), EndsAt: time.Now().Add(time.Hour)}
			e := stint.NewEffect(g, time.Now())
			_, n0, busy0 := log.snapshot()
			t0 := time.Now()
			if err := router.Grant(ctx, e); err != nil {
				return fmt.Errorf("grant %s: %w", ty.label, err)
			}
			wall := time.Since(t0)
			_, _, busy1 := log.snapshot()
			grantWall, grantOwn = append(grantWall, wall), append(grantOwn, wall-(busy1-busy0))
			t0 = time.Now()
			if err := router.Revoke(ctx, e); err != nil {
				return fmt.Errorf("revoke %s: %w", ty.label, err)
			}
			wall = time.Since(t0)
			_, n2, busy2 := log.snapshot()
			revokeWall, revokeOwn = append(revokeWall, wall), append(revokeOwn, wall-(busy2-busy1))
			calls += n2 - n0
		}
		fmt.Printf("     %-9s grant p50 %s p99 %s (own p50 %s p99 %s); revoke p50 %s p99 %s (own p50 %s p99 %s); %.1f calls per grant+revoke\n",
			ty.label, ms(pct(grantWall, 50)), ms(pct(grantWall, 99)), ms(pct(grantOwn, 50)), ms(pct(grantOwn, 99)),
			ms(pct(revokeWall, 50)), ms(pct(revokeWall, 99)), ms(pct(revokeOwn, 50)), ms(pct(revokeOwn, 99)), float64(calls)/resRounds)
	}
	return nil
}
