package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/identityconfig"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// IdentityOptions say where the AWS settings and the ledger come from, for
// Plan, Apply and Export.
type IdentityOptions struct {
	// ConfigPath is the stint config: its aws section (region, endpoint,
	// instance, rate limit) and its store, whose ledger says which
	// assignments active grants hold. Required.
	ConfigPath string
	// AWS overrides the SDK configuration (tests). Default: the standard
	// chain with the config's region and endpoint.
	AWS *aws.Config
	// ProviderConfig adjusts the Identity Center provider before it is
	// built (tests raise the rate limit).
	ProviderConfig func(*identitycenter.Config)
	// Logger receives warnings. Default: a discarding logger, the CLI
	// prints what matters.
	Logger *slog.Logger
}

// PlanOptions configure Plan.
type PlanOptions struct {
	IdentityOptions
	// File is the identity file, or a folder of them. Required.
	File string
	// Prune also plans deleting what the file does not declare.
	Prune bool
}

// IdentityPlan is a plan with what it was made from, ready to apply.
type IdentityPlan struct {
	Plan     *identityconfig.Plan
	Resolved *identityconfig.Resolved
	Live     *identityconfig.Live
	// Protected are the assignments that the ledger's grants hold.
	Protected map[identityconfig.AssignmentKey]bool
	// Owned is what earlier applies created (the store's records).
	Owned identityconfig.Ownership

	cfg      *config.Config
	file     string
	aws      aws.Config
	provider *identitycenter.Provider
}

// Plan runs `stint plan`: it loads the config and the identity file, reads
// the directory and the live Identity Center state, and diffs them. The
// assignments that the store's ledger records for grants (every aws-sso
// effect) are protected: never deleted, not counted as drift. A config or
// identity file that does not parse fails with EINVALID before any AWS
// call; names and selectors that the organisation does not know fail with
// EINVALID before anything is changed.
func Plan(ctx context.Context, opts PlanOptions) (*IdentityPlan, error) {
	if opts.File == "" {
		return nil, stint.Errorf(stint.EINVALID, "say which identity file to plan with -f FILE")
	}
	cfg, err := config.Load(opts.ConfigPath)
	if err != nil {
		return nil, err
	}
	desired, err := identityconfig.Load(opts.File)
	if err != nil {
		return nil, err
	}
	led, err := readLedger(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s, err := openIdentity(ctx, cfg, opts.IdentityOptions)
	if err != nil {
		return nil, err
	}
	// Account tags cost a call per account; only tag selectors need them.
	// Memberships come from the reader when the file manages identities;
	// binding names needs none. The permission sets come from the read.
	ip, err := s.plan(ctx, desired, s.directory(identityconfig.DirectoryOptions(desired)), led, opts.Prune)
	if err != nil {
		return nil, err
	}
	ip.cfg, ip.file = cfg, opts.File
	return ip, nil
}

// plan reads the directory with readDir alongside the live state, binds
// desired to the directory once its permission sets are known, and diffs.
func (s *identitySession) plan(ctx context.Context, desired *identityconfig.Desired, readDir func(context.Context) (*stint.Directory, error), led *ledger, prune bool) (*IdentityPlan, error) {
	var resolved *identityconfig.Resolved
	live, _, err := s.read(ctx, readDir, desired.ManagesIdentities, func(dir *stint.Directory) (err error) {
		resolved, err = identityconfig.Resolve(desired, dir)
		return err
	})
	if err != nil {
		return nil, err
	}
	p := identityconfig.Diff(resolved, live, identityconfig.DiffOptions{Prune: prune, Protected: led.protected, Owned: led.owned})
	return &IdentityPlan{Plan: p, Resolved: resolved, Live: live, Protected: led.protected, Owned: led.owned,
		aws: s.aws, provider: s.provider}, nil
}

// ExportOptions configure Export.
type ExportOptions struct {
	IdentityOptions
	// Identities also exports users, groups and memberships.
	Identities bool
}

// Export runs `stint export`: it reads the live Identity Center set-up and
// writes it as an identity file that Plan then reports as no changes.
// Assignments that the ledger's grants hold are left out: they are
// just-in-time access, not the standing set-up.
func Export(ctx context.Context, opts ExportOptions) ([]byte, error) {
	cfg, err := config.Load(opts.ConfigPath)
	if err != nil {
		return nil, err
	}
	led, err := readLedger(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s, err := openIdentity(ctx, cfg, opts.IdentityOptions)
	if err != nil {
		return nil, err
	}
	// Exported selectors name accounts by name or ID: no account tags needed.
	live, dir, err := s.read(ctx, s.directory(identitycenter.DirectoryOptions{NoAccountTags: true, NoMemberships: true, NoPermissionSets: true}), opts.Identities, nil)
	if err != nil {
		return nil, err
	}
	return identityconfig.Export(live, dir, identityconfig.ExportOptions{Identities: opts.Identities, Exclude: led.protected})
}

// ErrApplyCancelled is returned by Apply when the plan was not confirmed.
var ErrApplyCancelled = errors.New("apply cancelled; nothing was changed")

// ApplyOptions configure Apply.
type ApplyOptions struct {
	PlanOptions
	// Out receives the plan before it is confirmed. Default: discarded.
	Out io.Writer
	// Color renders the plan with ANSI colours.
	Color bool
	// Yes applies without asking.
	Yes bool
	// Confirm asks whether to apply the plan (written to Out already); it
	// is called unless Yes is set and the plan has changes. Without Yes,
	// a nil Confirm refuses with EINVALID.
	Confirm func(p *identityconfig.Plan) bool
	// Progress is called as actions complete.
	Progress func(done, total int, action string)
	// PollInterval is the time between status checks; default the
	// applier's.
	PollInterval time.Duration
}

// Apply runs `stint apply`: Plan, the plan written to Out, confirmation
// (Yes or Confirm), then the changes. It returns a nil result and no error
// when there is nothing to do, ErrApplyCancelled when the plan is not
// confirmed, EINVALID when it cannot ask, and otherwise the applier's
// result, whose Failed counts the actions that failed.
func Apply(ctx context.Context, opts ApplyOptions) (*identityconfig.ApplyResult, error) {
	ip, err := Plan(ctx, opts.PlanOptions)
	if err != nil {
		return nil, err
	}
	out := cmp.Or[io.Writer](opts.Out, io.Discard)
	if err := identityconfig.RenderText(out, ip.Plan, identityconfig.RenderOptions{Color: opts.Color}); err != nil {
		return nil, err
	}
	if !ip.Plan.HasChanges() {
		return nil, nil
	}
	if !opts.Yes {
		if opts.Confirm == nil {
			return nil, stint.Errorf(stint.EINVALID, "refusing to apply %d changes without confirmation; pass --yes", len(ip.Plan.Actions))
		}
		if !opts.Confirm(ip.Plan) {
			return nil, ErrApplyCancelled
		}
	}
	return ip.Apply(ctx, opts.Progress, opts.PollInterval)
}

// Apply applies the plan through the provider's limiter. It records in the
// store what it creates and deletes (so that a later plan deletes what
// stint made once the file drops it) and ends with an identity.applied
// event. The store is created if it does not exist yet; when it cannot be
// opened nothing is applied.
func (ip *IdentityPlan) Apply(ctx context.Context, progress func(done, total int, action string), poll time.Duration) (*identityconfig.ApplyResult, error) {
	store, _, err := OpenStore(ctx, ip.cfg)
	if err != nil {
		return nil, fmt.Errorf("open the store to record what apply creates: %w", err)
	}
	defer store.Close()
	a, err := identityconfig.NewApplier(identityconfig.ApplierConfig{
		AWS: ip.aws, InstanceARN: ip.provider.InstanceARN(), IdentityStoreID: ip.provider.IdentityStoreID(),
		Limiter: ip.provider.Limiter(), PollInterval: poll, Progress: progress,
		Record: func(ctx context.Context, m stint.Managed, created bool) error {
			return store.Tx(ctx, func(tx stint.Tx) error {
				if created {
					return tx.ManagedPut(ctx, &m)
				}
				return tx.ManagedDelete(ctx, m.Kind, m.Key)
			})
		},
	})
	if err != nil {
		return nil, err
	}
	res, applyErr := a.Apply(ctx, ip.Plan)
	if res != nil {
		if err := appendApplied(context.WithoutCancel(ctx), store, ip, res); err != nil {
			return res, errors.Join(applyErr, err)
		}
	}
	return res, applyErr
}

// appendApplied records the apply in the audit trail: the file, the
// plan's counts, what succeeded and failed, and the calls made.
func appendApplied(ctx context.Context, store stint.Store, ip *IdentityPlan, res *identityconfig.ApplyResult) error {
	counts := map[string]int{}
	for kind, ops := range ip.Plan.Counts() {
		for op, n := range ops {
			counts[string(op)+" "+string(kind)] = n
		}
	}
	calls := 0
	for _, n := range res.Calls {
		calls += n
	}
	data := map[string]any{"file": ip.file, "planned": counts, "applied": res.Applied, "failed": res.Failed,
		"calls": calls, "duration_ms": res.Duration.Milliseconds()}
	if len(res.Errors) > 0 {
		data["errors"] = res.Errors
	}
	return store.Tx(ctx, func(tx stint.Tx) error {
		return tx.EventAppend(ctx, &stint.Event{ID: stint.NewID(), Time: time.Now().UTC().Truncate(time.Microsecond),
			Actor: "cli", Type: stint.EventIdentityApplied, Subject: ip.provider.InstanceARN(), Data: data})
	})
}

// identitySession is the AWS side of Plan, Apply and Export.
type identitySession struct {
	aws      aws.Config
	provider *identitycenter.Provider
	log      *slog.Logger
}

func openIdentity(ctx context.Context, cfg *config.Config, opts IdentityOptions) (*identitySession, error) {
	log := cmp.Or(opts.Logger, slog.New(slog.DiscardHandler))
	ac, err := awsFor(ctx, cfg, opts.AWS)
	if err != nil {
		return nil, err
	}
	pc := identitycenter.Config{
		AWS: ac, Region: cfg.AWS.Region, InstanceARN: cfg.AWS.InstanceARN,
		RateLimit: cfg.AWS.RateLimit, MaxCreatesInFlight: cfg.AWS.MaxCreatesInFlight, Logger: log,
	}
	if opts.ProviderConfig != nil {
		opts.ProviderConfig(&pc)
	}
	p, err := identitycenter.New(ctx, pc)
	if err != nil {
		return nil, err
	}
	return &identitySession{aws: ac, provider: p, log: log}, nil
}

// directory returns a reader of the organisation and identity store.
func (s *identitySession) directory(opts identitycenter.DirectoryOptions) func(context.Context) (*stint.Directory, error) {
	return func(ctx context.Context) (*stint.Directory, error) {
		dir, err := s.provider.DirectoryWith(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("read the organisation and identity store: %w", err)
		}
		return dir, nil
	}
}

// read reads Identity Center with identityconfig.Reader.ReadAlong;
// errors from readDir and bind are returned as they are.
func (s *identitySession) read(ctx context.Context, readDir func(context.Context) (*stint.Directory, error), identities bool, bind func(*stint.Directory) error) (*identityconfig.Live, *stint.Directory, error) {
	r, err := identityconfig.NewReader(identityconfig.ReaderConfig{
		AWS: s.aws, InstanceARN: s.provider.InstanceARN(), IdentityStoreID: s.provider.IdentityStoreID(),
		Limiter: s.provider.Limiter(), ReadIdentities: identities, Logger: s.log,
	})
	if err != nil {
		return nil, nil, err
	}
	var passThrough error // from readDir or bind
	live, dir, err := r.ReadAlong(ctx, func(ctx context.Context) (*stint.Directory, error) {
		dir, err := readDir(ctx)
		if err != nil {
			passThrough = err
		}
		return dir, err
	}, func(dir *stint.Directory) error {
		if bind != nil {
			passThrough = bind(dir)
		}
		return passThrough
	})
	if err != nil && err == passThrough {
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read Identity Center: %w", err)
	}
	return live, dir, nil
}

// ledger is what the store says about Identity Center: the assignments
// grants hold, and what earlier applies created.
type ledger struct {
	protected map[identityconfig.AssignmentKey]bool
	owned     identityconfig.Ownership
}

// readLedger reads the ledger from the configured store, when it exists; a
// SQLite file is never created here (a plan changes nothing).
func readLedger(ctx context.Context, cfg *config.Config) (*ledger, error) {
	kind, target := cfg.StoreKind()
	if kind == "sqlite" {
		if _, err := os.Stat(target); err != nil {
			return &ledger{}, nil
		}
	}
	store, _, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open the store to read which assignments grants hold: %w", err)
	}
	defer store.Close()
	return ledgerOf(ctx, store)
}

// ledgerOf reads the ledger from an open store.
func ledgerOf(ctx context.Context, store stint.Reader) (*ledger, error) {
	effects, err := store.EffectList(ctx, &stint.EffectListParams{Kind: stint.EffectKindSSO})
	if err != nil {
		return nil, fmt.Errorf("list the assignments grants hold: %w", err)
	}
	led := &ledger{protected: make(map[identityconfig.AssignmentKey]bool, len(effects))}
	for _, e := range effects {
		led.protected[identityconfig.AssignmentKey{AccountID: e.AccountID, PermissionSetARN: e.PermissionSetARN, PrincipalID: e.PrincipalID}] = true
	}
	managed, err := store.ManagedList(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("list what earlier applies created: %w", err)
	}
	led.owned = identityconfig.OwnershipOf(managed)
	return led, nil
}
