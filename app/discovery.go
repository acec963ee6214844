package app

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/discovery"
	"github.com/stint-dev/stint/jobs"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// DiscoverOptions configure Discover.
type DiscoverOptions struct {
	IdentityOptions
	Thresholds discovery.Thresholds
	// Parallel bounds the accounts read at once; default 8.
	Parallel int
	// Progress is told of each step of the scan.
	Progress func(done, total int, step string)
	// Propose, when set, is the folder the proposal is written into.
	Propose string
	// Approvers approve admin-equivalent access in proposed flows;
	// default a flagged placeholder. PermissionSets limits the proposal.
	Approvers      []string
	PermissionSets []string
	// Scanner adjusts the scanner's configuration (tests: short polls).
	Scanner func(*discovery.Config)
}

// DiscoverResult is what Discover did.
type DiscoverResult struct {
	Scan *stint.Scan
	// Diff compares the scan with the one before, when there is one.
	Diff *stint.ScanDiff
	// Proposal is what was written into DiscoverOptions.Propose.
	Proposal *discovery.Proposal
	// Calls counts the scan's AWS requests by operation.
	Calls map[string]int
}

// Discover runs `stint discover`: it scans the organisation's standing
// access (Identity Center through the shared limiter, each member account's
// IAM through the member role), leaving out what the store's ledger says
// stint holds for grants, stores the scan with a discovery.scanned event,
// compares it with the previous scan and, with Propose, writes the
// proposal there. It changes nothing in AWS. The store is created when it
// does not exist. A config that does not load fails with EINVALID before
// any AWS call; Identity Center failing fails the scan; an account that
// cannot be read is reported in the scan.
func Discover(ctx context.Context, opts DiscoverOptions) (*DiscoverResult, error) {
	cfg, err := config.Load(opts.ConfigPath)
	if err != nil {
		return nil, err
	}
	store, _, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open the store to keep the scan: %w", err)
	}
	defer store.Close()
	led, err := ledgerOf(ctx, store)
	if err != nil {
		return nil, err
	}
	ac, err := awsFor(ctx, cfg, opts.AWS)
	if err != nil {
		return nil, err
	}
	log := cmp.Or(opts.Logger, slog.New(slog.DiscardHandler))
	pc := identitycenter.Config{Region: cfg.AWS.Region, InstanceARN: cfg.AWS.InstanceARN,
		RateLimit: cfg.AWS.RateLimit, MaxCreatesInFlight: cfg.AWS.MaxCreatesInFlight, Logger: log}
	if opts.ProviderConfig != nil {
		opts.ProviderConfig(&pc)
	}
	res, scanner, err := scanAndStore(ctx, scanJob{cfg: cfg, store: store, aws: ac, provider: pc, actor: "cli", opts: opts})
	if err != nil || opts.Propose == "" {
		return res, err
	}
	p, err := discovery.Propose(ctx, res.Scan, discovery.ProposeOptions{Config: cfg, Directory: scanner.Directory(), Live: scanner.Live(),
		Protected: led.protected, Owned: led.owned, Approvers: opts.Approvers, PermissionSets: opts.PermissionSets})
	if err == nil {
		err = p.Write(opts.Propose)
	}
	if err != nil {
		return res, fmt.Errorf("scan %s is stored, but the proposal failed: %w", res.Scan.ID, err)
	}
	res.Proposal = p
	return res, nil
}

// scanJob is what one scan needs: the config, the store that keeps the
// scan and whose ledger says what stint holds, the SDK configuration, the
// Identity Center provider's settings (its AWS is set to the counting
// one), and who runs it (the audit event's actor).
type scanJob struct {
	cfg      *config.Config
	store    stint.Store
	aws      aws.Config
	provider identitycenter.Config
	actor    string
	opts     DiscoverOptions
}

// scanAndStore scans the organisation and stores the scan with a
// discovery.scanned event, diffed with the scan before it.
func scanAndStore(ctx context.Context, j scanJob) (*DiscoverResult, *discovery.Scanner, error) {
	effects, err := j.store.EffectList(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("list what stint holds for grants: %w", err)
	}
	calls := discovery.NewCalls()
	ac := calls.Wrap(j.aws)
	j.provider.AWS = ac
	ic, err := identitycenter.New(ctx, j.provider)
	if err != nil {
		return nil, nil, err
	}
	log := cmp.Or(j.provider.Logger, slog.New(slog.DiscardHandler))
	dc := discovery.Config{AWS: ac, IdentityCenter: ic, Assumer: account.New(account.Config{AWS: ac, RoleName: j.cfg.AWS.MemberRole}),
		Ledger: effects, Thresholds: j.opts.Thresholds, Parallel: j.opts.Parallel, Calls: calls, Progress: j.opts.Progress, Logger: log}
	if j.opts.Scanner != nil {
		j.opts.Scanner(&dc)
	}
	scanner, err := discovery.New(dc)
	if err != nil {
		return nil, nil, err
	}
	previous, _ := stint.ScanByRef(ctx, j.store, "latest")
	scan, err := scanner.Scan(ctx)
	if err != nil {
		return nil, nil, err
	}
	res := &DiscoverResult{Scan: scan, Calls: calls.ByOperation()}
	err = j.store.Tx(ctx, func(tx stint.Tx) error {
		if err := tx.ScanCreate(ctx, scan); err != nil {
			return err
		}
		return tx.EventAppend(ctx, &stint.Event{ID: stint.NewID(), Time: time.Now().UTC().Truncate(time.Microsecond), Actor: j.actor,
			Type: stint.EventDiscoveryScanned, Subject: scan.ID, Data: map[string]any{
				"accounts": scan.Summary.Accounts, "accounts_scanned": scan.Summary.AccountsScanned, "findings": scan.Summary.Findings,
				"by_severity": scan.Summary.BySeverity, "standing_assignments": scan.Summary.StandingAssignments, "calls": calls.Total()}})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store scan %s: %w", scan.ID, err)
	}
	if previous != nil {
		res.Diff = stint.DiffScans(previous, scan)
	}
	return res, scanner, nil
}

// discoveryTask scans the organisation every interval, on the leader,
// with the server's store and its Identity Center limiter (shared with
// grants), so the portal's trend fills itself.
func (m *Main) discoveryTask(interval time.Duration) jobs.Task {
	return jobs.Task{Name: "discovery_scan", Interval: interval, Timeout: discoveryTimeout, RunOnStart: true,
		Run: func(ctx context.Context) error {
			// At start (and after restarts that would otherwise postpone
			// it forever), scan only when the last scan is due.
			if last, err := m.Store.ScanList(ctx, &stint.ScanListParams{Limit: 1}); err == nil && len(last) == 1 &&
				time.Since(last[0].StartedAt) < interval*9/10 {
				return nil
			}
			_, err := m.ScanNow(ctx)
			return err
		}}
}

// discoveryTimeout bounds a scheduled scan: an organisation of thousands of
// accounts at Identity Center's 20 calls/s takes minutes, not hours.
const discoveryTimeout = time.Hour

// ScanNow runs a discovery scan with the server's store and Identity
// Center limiter, as the scheduled task does, and stores it.
func (m *Main) ScanNow(ctx context.Context) (*stint.Scan, error) {
	if m.identity == nil || m.awsConfig == nil {
		return nil, stint.Errorf(stint.EINVALID, "discovery needs the Identity Center provider")
	}
	cfg := m.cfg.Load()
	pc := identitycenter.Config{Region: cfg.AWS.Region, InstanceARN: m.identity.InstanceARN(), Limiter: m.identity.Limiter(), Logger: m.log()}
	if m.ProviderConfig != nil {
		m.ProviderConfig(&pc)
		pc.Limiter = m.identity.Limiter()
	}
	start := time.Now()
	res, _, err := scanAndStore(ctx, scanJob{cfg: cfg, store: m.Store, aws: *m.awsConfig, provider: pc, actor: "system",
		opts: DiscoverOptions{Parallel: cfg.Discovery.Parallel}})
	if err != nil {
		m.log().Error("scheduled discovery scan failed", "err", err)
		return nil, err
	}
	sum := res.Scan.Summary
	m.log().Info("discovery scan stored", "scan", res.Scan.ID, "accounts", sum.Accounts, "accounts_scanned", sum.AccountsScanned,
		"findings", sum.Findings, "took", time.Since(start).Round(time.Millisecond))
	return res.Scan, nil
}

// discoveryStore opens the configured store to read scans; a SQLite file
// that does not exist yet holds none.
func discoveryStore(ctx context.Context, configPath string) (stint.Store, error) {
	cfg, err := config.Load(configPath)
	if err != nil {
		return nil, err
	}
	if kind, target := cfg.StoreKind(); kind == "sqlite" {
		if _, err := os.Stat(target); err != nil {
			return nil, stint.Errorf(stint.ENOTFOUND, "no scans yet (store %s does not exist); run `stint discover` first", target)
		}
	}
	store, _, err := OpenStore(ctx, cfg)
	return store, err
}

// DiscoverScans lists the stored scans, newest first (`stint discover
// scans`).
func DiscoverScans(ctx context.Context, configPath string, limit int) ([]*stint.Scan, error) {
	store, err := discoveryStore(ctx, configPath)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	return store.ScanList(ctx, &stint.ScanListParams{Limit: limit})
}

// DiscoverFindings returns a stored scan ("latest", "previous" or an ID)
// with its findings filtered by p (whose ScanID it sets), without its
// inventory (`stint discover findings`).
func DiscoverFindings(ctx context.Context, configPath, ref string, p stint.FindingListParams) (*stint.Scan, error) {
	store, err := discoveryStore(ctx, configPath)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	scan, err := stint.ScanByRef(ctx, store, ref)
	if err != nil {
		return nil, err
	}
	p.ScanID = scan.ID
	p.Limit = cmp.Or(p.Limit, 10000)
	fs, err := store.FindingList(ctx, &p)
	if err != nil {
		return nil, err
	}
	scan.Inventory, scan.Findings = nil, make([]stint.Finding, len(fs))
	for i, f := range fs {
		scan.Findings[i] = *f
	}
	return scan, nil
}

// DiscoverDiff compares two stored scans (`stint discover diff`); from and
// to are "latest", "previous" or IDs.
func DiscoverDiff(ctx context.Context, configPath, from, to string) (*stint.ScanDiff, error) {
	store, err := discoveryStore(ctx, configPath)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	a, err := stint.ScanByRef(ctx, store, cmp.Or(from, "previous"))
	if err != nil {
		return nil, err
	}
	b, err := stint.ScanByRef(ctx, store, cmp.Or(to, "latest"))
	if err != nil {
		return nil, err
	}
	return stint.DiffScans(a, b), nil
}
