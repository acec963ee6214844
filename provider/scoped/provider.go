package scoped

import (
	"cmp"
	"context"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// DefaultParallel is how many accounts Discover reads at once.
const DefaultParallel = 8

// Config configures a Provider. Zero fields take the documented defaults.
type Config struct {
	// IdentityCenter makes the permission sets and assignments: its
	// sso-admin client, shared limiter, retry policy and verified
	// assignment operations are used for every Identity Center call.
	// Required.
	IdentityCenter *identitycenter.Provider
	// AWS is the base SDK configuration for member accounts: the
	// credentials that assume the member-account role, the endpoint, the
	// region. Required unless Assumer is set.
	AWS aws.Config
	// Assumer reaches member accounts (discovery). Default:
	// account.New(account.Config{AWS: AWS}), which assumes
	// OrganizationAccountAccessRole.
	Assumer *account.Assumer
	// Region is where EC2 instances and RDS databases are discovered, and
	// the region in their policies when the effect does not name one.
	// Default: AWS.Region.
	Region string
	// Parallel bounds how many accounts Discover reads at once, and how many
	// permission sets Collect examines at once; default 8. The Identity
	// Center limiter still paces Identity Center calls.
	Parallel int
	// S3PathStyle makes S3 calls path-style (endpoint/bucket): needed for
	// moto and other S3-compatible endpoints. Default false (virtual-hosted
	// style, as AWS prefers).
	S3PathStyle bool
	// Logger receives operational logs; default slog.Default().
	Logger *slog.Logger
	// Now is the clock: cut-off times, last-use times, Collect's age
	// check. Default time.Now.
	Now func() time.Time
	// BeforeCollect, if set, runs before Collect deletes an unused
	// permission set, with its name and tags (stint:kind, stint:account,
	// stint:target): what other providers made for its role goes first
	// (EKS access entries). An error keeps the permission set for the
	// next run.
	BeforeCollect func(ctx context.Context, name string, tags map[string]string) error
}

// Provider makes scoped permission sets and discovers the resources they
// are for. It is safe for concurrent use.
type Provider struct {
	ic          *identitycenter.Provider
	assumer     *account.Assumer
	instanceARN string
	partition   string
	region      string
	parallel    int
	s3PathStyle bool
	log         *slog.Logger
	now         func() time.Time
	preCollect  func(ctx context.Context, name string, tags map[string]string) error

	locks keyedMutex

	mu      sync.Mutex
	byName  map[string]*permissionSet // stint's permission sets, by name
	arnName map[string]string         // every permission set ARN seen -> name
	touched map[string]time.Time      // name -> last use in this process

	// Test hooks.
	beforeAssign  func(name string)
	beforeCollect func(name string)
}

// permissionSet is what the provider knows of one of its permission sets.
type permissionSet struct {
	arn, name, description, sessionDuration string
	created                                 time.Time
}

var _ stint.EffectProvider = (*Provider)(nil)

// New returns a Provider. It returns EINVALID when IdentityCenter is
// missing or no region is known; it calls no AWS API.
func New(cfg Config) (*Provider, error) {
	if cfg.IdentityCenter == nil {
		return nil, stint.Errorf(stint.EINVALID, "the scoped provider needs the Identity Center provider")
	}
	if cfg.Assumer == nil {
		if reflect.ValueOf(cfg.AWS).IsZero() {
			return nil, stint.Errorf(stint.EINVALID, "the scoped provider needs the AWS configuration that reaches member accounts, or an Assumer")
		}
		cfg.Assumer = account.New(account.Config{AWS: cfg.AWS})
	}
	region := cmp.Or(cfg.Region, cfg.AWS.Region)
	if region == "" {
		return nil, stint.Errorf(stint.EINVALID, "the scoped provider needs a region: where EC2 instances and RDS databases are")
	}
	inst := cfg.IdentityCenter.InstanceARN()
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	partition := "aws"
	if parts := strings.SplitN(inst, ":", 3); len(parts) == 3 && parts[1] != "" {
		partition = parts[1] // arn:PARTITION:sso:::instance/...
	}
	return &Provider{
		ic: cfg.IdentityCenter, assumer: cfg.Assumer, instanceARN: inst, partition: partition, region: region,
		parallel:    cmp.Or(cfg.Parallel, DefaultParallel),
		s3PathStyle: cfg.S3PathStyle,
		log:         cmp.Or(cfg.Logger, slog.Default()),
		now:         now,
		preCollect:  cfg.BeforeCollect,
		byName:      map[string]*permissionSet{},
		arnName:     map[string]string{},
		touched:     map[string]time.Time{},
	}, nil
}

// Partition returns the AWS partition of the Identity Center instance
// ("aws", "aws-cn", "aws-us-gov"): the one in the policies' ARNs.
func (p *Provider) Partition() string { return p.partition }

// keyedMutex serialises work per key (permission set name). Entries go
// away when nobody holds or waits for them.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedEntry
}

type keyedEntry struct {
	ch    chan struct{} // holds a token while locked
	users int
}

// lock waits until the key is free and takes it; it returns the function
// that frees it, or ctx's error.
func (k *keyedMutex) lock(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedEntry{}
	}
	e := k.m[key]
	if e == nil {
		e = &keyedEntry{ch: make(chan struct{}, 1)}
		k.m[key] = e
	}
	e.users++
	k.mu.Unlock()
	done := func() {
		k.mu.Lock()
		defer k.mu.Unlock()
		if e.users--; e.users == 0 {
			delete(k.m, key)
		}
	}
	select {
	case e.ch <- struct{}{}:
	case <-ctx.Done():
		done()
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-e.ch
			done()
		})
	}, nil
}
