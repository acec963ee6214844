package iam

import (
	"cmp"
	"context"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/account"
)

var (
	_ stint.EffectProvider = (*Provider)(nil)
	_ stint.Discoverer     = (*Provider)(nil)
)

// Defaults of Config.
const (
	DefaultParallel         = 8
	DefaultMaxAttempts      = 8
	DefaultMaxBackoff       = 20 * time.Second
	DefaultEditAttempts     = 6
	DefaultEditBackoff      = time.Second
	DefaultTrustPolicyLimit = 2048
	DefaultOperationTimeout = 2 * time.Minute
)

// CutoffPolicyName is the inline role policy that a revocation with
// cut-off puts on a role.
const CutoffPolicyName = "stint-cutoff"

// Config configures a Provider. Zero fields take the documented defaults.
type Config struct {
	// AWS is the base SDK configuration (region, endpoint, credentials).
	// It is used only to build the Assumer when Assumer is nil; then it is
	// required. Its retryer is not used: calls are retried as MaxAttempts
	// and MaxBackoff say.
	AWS aws.Config
	// Assumer reaches member accounts. Default: account.New with AWS, which
	// assumes OrganizationAccountAccessRole.
	Assumer *account.Assumer
	// Parallel bounds the accounts Discover reads at once; default 8.
	Parallel int
	// MaxAttempts is the most attempts per IAM call, the first included,
	// when IAM throttles (Throttling), reports ConcurrentModification or a
	// server error, or the connection fails; default 8.
	MaxAttempts int
	// MaxBackoff caps the SDK's backoff between attempts of one call;
	// default 20s.
	MaxBackoff time.Duration
	// EditAttempts bounds the rounds of one trust policy edit (read,
	// write, read back) and of verifying a group membership: another
	// writer's lost update, and IAM's MalformedPolicyDocument for an
	// Identity Center role so new that IAM does not know it yet, are
	// retried this many times in all; default 6.
	EditAttempts int
	// EditBackoff is the ceiling of the first wait between rounds, doubled
	// each round (full jitter, capped at MaxBackoff); default 1s.
	EditBackoff time.Duration
	// TrustPolicyLimit is the most characters (not counting white space)
	// a role trust policy may have: the account's "Role trust policy
	// length" IAM quota. Default 2048, AWS's default quota; set it when the
	// quota was raised.
	TrustPolicyLimit int
	// SkipRoles are role names Discover never lists (IAM names ignore
	// case). Default (nil): the Assumer's role, OrganizationAccountAccessRole
	// unless configured otherwise; an empty, non-nil list skips none.
	// Service-linked roles (path /aws-service-role/) and Identity Center's
	// (path /aws-reserved/) are always skipped.
	SkipRoles []string
	// OperationTimeout bounds one Grant, Revoke or Exists, retries
	// included; default 2m.
	OperationTimeout time.Duration
	// Logger receives operational logs; default slog.Default().
	Logger *slog.Logger
	// Now is the clock of cut-off times; default time.Now.
	Now func() time.Time
}

// Provider makes aws-iam-group and aws-iam-role effects real in member
// accounts and discovers IAM roles and groups. It is safe for concurrent
// use.
type Provider struct {
	assumer     *account.Assumer
	retryer     func() aws.Retryer
	log         *slog.Logger
	now         func() time.Time
	parallel    int
	editTries   int
	editBackoff time.Duration
	maxBackoff  time.Duration
	trustLimit  int
	skipRoles   []string
	opTimeout   time.Duration

	mu      sync.Mutex
	clients map[string]*awsiam.Client // by account ID
	roles   map[string]*sync.Mutex    // by account ID and role name: trust policy edits in this process
}

// New returns a Provider. It returns EINVALID when neither Assumer nor AWS
// is set.
func New(cfg Config) (*Provider, error) {
	assumer := cfg.Assumer
	if assumer == nil {
		if reflect.ValueOf(cfg.AWS).IsZero() {
			return nil, stint.Errorf(stint.EINVALID, "the IAM provider needs an AWS configuration or an account assumer")
		}
		assumer = account.New(account.Config{AWS: cfg.AWS})
	}
	maxAttempts := cmp.Or(cfg.MaxAttempts, DefaultMaxAttempts)
	maxBackoff := cmp.Or(cfg.MaxBackoff, DefaultMaxBackoff)
	skip := cfg.SkipRoles
	if skip == nil {
		skip = []string{assumer.RoleName()}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Provider{
		assumer: assumer,
		retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = maxAttempts
				o.MaxBackoff = maxBackoff
				// The retry quota would fail calls during a long spell of
				// throttling that the backoff is there to ride out.
				o.RateLimiter = ratelimit.None
				o.Retryables = append(slices.Clone(o.Retryables), retry.RetryableErrorCode{
					Codes: map[string]struct{}{"ConcurrentModification": {}},
				})
			})
		},
		log:         cmp.Or(cfg.Logger, slog.Default()),
		now:         now,
		parallel:    cmp.Or(cfg.Parallel, DefaultParallel),
		editTries:   cmp.Or(cfg.EditAttempts, DefaultEditAttempts),
		editBackoff: cmp.Or(cfg.EditBackoff, DefaultEditBackoff),
		maxBackoff:  maxBackoff,
		trustLimit:  cmp.Or(cfg.TrustPolicyLimit, DefaultTrustPolicyLimit),
		skipRoles:   skip,
		opTimeout:   cmp.Or(cfg.OperationTimeout, DefaultOperationTimeout),
		clients:     map[string]*awsiam.Client{},
		roles:       map[string]*sync.Mutex{},
	}, nil
}

// Types returns the resource types the provider discovers and makes.
func (p *Provider) Types() []stint.ResourceType {
	return []stint.ResourceType{stint.ResourceIAMRole, stint.ResourceIAMGroup}
}

// Grant makes the effect: the IAM user in the group, or the requester's
// trust statement in the role. See the group and role documentation of the
// package for what each checks and returns.
func (p *Provider) Grant(ctx context.Context, e *stint.Effect) error {
	ctx, cancel := context.WithTimeout(ctx, p.opTimeout)
	defer cancel()
	switch e.Type() {
	case stint.ResourceIAMGroup:
		return p.grantGroup(ctx, e)
	case stint.ResourceIAMRole:
		return p.grantRole(ctx, e)
	}
	return wrongKind(e)
}

// Revoke removes the effect; an effect already gone (its user, group or
// role too) is success.
func (p *Provider) Revoke(ctx context.Context, e *stint.Effect) error {
	ctx, cancel := context.WithTimeout(ctx, p.opTimeout)
	defer cancel()
	switch e.Type() {
	case stint.ResourceIAMGroup:
		return p.revokeGroup(ctx, e)
	case stint.ResourceIAMRole:
		return p.revokeRole(ctx, e)
	}
	return wrongKind(e)
}

// Exists reports whether the effect is in IAM now: the user in the group
// (whoever put them there), or stint's statement for the effect in the
// role's trust policy, lasting at least until e.Until.
func (p *Provider) Exists(ctx context.Context, e *stint.Effect) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, p.opTimeout)
	defer cancel()
	switch e.Type() {
	case stint.ResourceIAMGroup:
		return p.groupExists(ctx, e)
	case stint.ResourceIAMRole:
		return p.roleExists(ctx, e)
	}
	return false, wrongKind(e)
}

func wrongKind(e *stint.Effect) error {
	return stint.Errorf(stint.EINVALID, "the IAM provider makes %s and %s effects, not %q (effect %s)",
		stint.ResourceIAMRole, stint.ResourceIAMGroup, e.Kind, e.Key)
}

// client returns an IAM client acting in the account. Reaching the account
// fails as the Assumer says (EFORBIDDEN when AssumeRole is refused).
func (p *Provider) client(ctx context.Context, accountID string) (*awsiam.Client, error) {
	p.mu.Lock()
	c, ok := p.clients[accountID]
	p.mu.Unlock()
	if ok {
		return c, nil
	}
	cfg, err := p.assumer.For(ctx, accountID)
	if err != nil {
		return nil, err
	}
	c = awsiam.NewFromConfig(cfg, func(o *awsiam.Options) {
		o.Retryer, o.RetryMaxAttempts = p.retryer(), 0
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.clients[accountID]; ok {
		return prev, nil
	}
	p.clients[accountID] = c
	return c, nil
}

// lockRole serialises this process's edits of one role's policies.
func (p *Provider) lockRole(accountID, role string) func() {
	key := accountID + "/" + strings.ToLower(role) // IAM names ignore case
	p.mu.Lock()
	m, ok := p.roles[key]
	if !ok {
		m = &sync.Mutex{}
		p.roles[key] = m
	}
	p.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// backoff waits before round attempt+1 (attempt counts from 1): full
// jitter under EditBackoff doubled per round, capped at MaxBackoff. It
// returns ctx's error if ctx ends first.
func (p *Provider) backoff(ctx context.Context, attempt int) error {
	ceiling := p.editBackoff
	for i := 1; i < attempt && ceiling < p.maxBackoff; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, p.maxBackoff)
	if ceiling <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(rand.N(ceiling + 1))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
