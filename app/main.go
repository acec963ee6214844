// Package app wires stint together: it loads the config, opens the store,
// builds the Identity Center provider, the service, River and the expiry
// timer, and serves the HTTP API. cmd/stint runs it; tests drive the same
// Main with Addr "127.0.0.1:0" and a temp dir.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/jobs"
	"github.com/stint-dev/stint/policy"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/identitycenter"
	"github.com/stint-dev/stint/slack"
	"github.com/stint-dev/stint/web"
)

// Main is one running stint server.
type Main struct {
	// ConfigPath is read when Config is nil.
	ConfigPath string
	Config     *config.Config
	// Addr overrides the config's listen address ("127.0.0.1:0" in tests).
	Addr string
	// AWS overrides the SDK configuration (default: the standard chain).
	AWS *aws.Config
	// Provider overrides the Identity Center provider (tests, benchmarks).
	Provider stint.Provider
	// ProviderConfig adjusts the Identity Center provider before it is built.
	ProviderConfig func(*identitycenter.Config)
	// Jobs adjusts the River configuration before the client is built.
	Jobs func(*jobs.Config)
	// ServiceHook adjusts the service before anything runs (benchmarks set
	// OnRevokeStart with it).
	ServiceHook func(*access.Service)
	Logger      *slog.Logger
	// Getenv reads the Slack app's secrets. Default: os.Getenv.
	Getenv func(string) string

	Store    stint.Store
	Service  *access.Service
	Expirer  *jobs.Expirer
	Registry *prometheus.Registry
	// Slack is the Slack app, when the config has a slack section.
	Slack *slack.App

	cfg       atomic.Pointer[config.Config]
	awsConfig *aws.Config // the SDK configuration the provider was built with
	identity  *identitycenter.Provider
	resources *providers
	assumer   *account.Assumer // member accounts; see members
	drift     *driftMetrics
	schedules *reviewSchedules
	engine    atomic.Pointer[policy.Engine]
	watcher   *config.Watcher
	river     runner
	server    *http.Server
	ln        net.Listener
	cancel    context.CancelFunc
}

// runner is River's client, whatever its transaction type.
type runner interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

func (m *Main) log() *slog.Logger { return cmp.Or(m.Logger, slog.Default()) }

// Run starts everything and returns once the server listens. Close stops it.
func (m *Main) Run(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			_ = m.Close()
		}
	}()
	cfg := m.Config
	if cfg == nil {
		if cfg, err = config.Load(m.ConfigPath); err != nil {
			return err
		}
	}
	if err := m.applyConfig(cfg); err != nil {
		return err
	}
	if m.Logger == nil {
		m.Logger = NewLogger(cfg.LogLevel)
	}
	ctx, m.cancel = context.WithCancel(context.WithoutCancel(ctx))
	store, newRunner, err := OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	m.Store = store
	m.Registry = prometheus.NewRegistry()
	mets := newMetrics(m.Registry)
	m.drift = newDriftMetrics(m.Registry)
	if m.Provider == nil {
		if m.Provider, err = m.newProviders(ctx, cfg, mets); err != nil {
			return err
		}
	}
	m.Service = &access.Service{
		Store: store, Provider: m.Provider, Logger: m.Logger,
		Flows:  func() []stint.Flow { return m.cfg.Load().Flows },
		Policy: m.engine.Load,
		Webhooks: func() []stint.Webhook {
			return m.cfg.Load().Webhooks
		},
		Admins: func() []string { return m.cfg.Load().Admins },
	}
	if m.Service.Externals, err = m.newExternals(ctx, cfg); err != nil {
		return err
	}
	m.newReviews()
	if m.ServiceHook != nil {
		m.ServiceHook(m.Service)
	}
	mets.observeService(m.Service)
	if err := m.newSlack(cfg); err != nil {
		return err
	}
	if err := m.syncDirectory(ctx); err != nil {
		return err
	}
	jc := jobs.Config{Service: m.Service, Logger: m.Logger,
		ReconcileInterval: time.Duration(cfg.ReconcileInterval), SyncInterval: time.Duration(cfg.SyncInterval)}
	jc.Tasks = append(jc.Tasks, m.resources.tasks()...)
	signer, err := checkpointSigner(cfg)
	if err != nil {
		return err
	}
	if signer != nil {
		jc.Tasks = append(jc.Tasks, checkpointTask(signer, store, time.Duration(cfg.Audit.CheckpointInterval)))
	}
	auditTasks, err := m.auditTasks(ctx, cfg, signer)
	if err != nil {
		return err
	}
	jc.Tasks = append(jc.Tasks, auditTasks...)
	if cfg.IdentityFile() != "" {
		jc.DriftInterval = time.Duration(cfg.Identity.DriftInterval)
		jc.Drift = func(ctx context.Context) error {
			_, err := m.CheckDrift(ctx)
			return err
		}
	}
	if cfg.Discovery.Interval > 0 {
		jc.Tasks = append(jc.Tasks, m.discoveryTask(time.Duration(cfg.Discovery.Interval)))
	}
	if m.Slack != nil {
		jc.Workers = append(jc.Workers, m.Slack.AddWorkers)
	}
	jc.Tasks = append(jc.Tasks, m.sessionTask(), m.reviewScheduleTask())
	if m.Jobs != nil {
		m.Jobs(&jc)
	}
	if m.river, err = newRunner(jc); err != nil {
		return fmt.Errorf("build job runner: %w", err)
	}
	if err := m.river.Start(ctx); err != nil {
		return fmt.Errorf("start job runner: %w", err)
	}
	m.Expirer = &jobs.Expirer{Service: m.Service, Store: store, Logger: m.Logger, Lookahead: time.Duration(cfg.ExpiryLookahead)}
	m.Expirer.Start(ctx)
	m.Service.Kick = m.Expirer.Kick
	if n, err := m.Service.Recover(ctx); err != nil {
		return fmt.Errorf("recover unfinished grants: %w", err)
	} else if n > 0 {
		m.log().Info("resuming grants left unfinished", "grants", n)
	}
	if err := m.serve(cfg); err != nil {
		return err
	}
	m.recordConfigEvent(ctx, stint.EventConfigLoaded, map[string]any{"hash": cfg.Hash(), "flows": len(cfg.Flows)})
	m.watchConfig(ctx)
	return nil
}

// applyConfig compiles cfg's flows and makes it the running config; a config
// whose flows do not compile is rejected and nothing changes.
func (m *Main) applyConfig(cfg *config.Config) error {
	eng, err := policy.New(policy.Config{Flows: cfg.Flows, Groups: cfg.Groups})
	if err != nil {
		return err
	}
	m.engine.Store(eng)
	m.cfg.Store(cfg)
	return nil
}

// awsFor returns the SDK configuration: given, or the standard chain with
// the config's region and endpoint.
func awsFor(ctx context.Context, cfg *config.Config, given *aws.Config) (aws.Config, error) {
	if given != nil {
		return *given, nil
	}
	lo := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(cfg.AWS.Region)}
	if cfg.AWS.Endpoint != "" {
		lo = append(lo, awsconfig.WithBaseEndpoint(cfg.AWS.Endpoint))
	}
	ac, err := awsconfig.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		return aws.Config{}, stint.Errorf(stint.EINVALID, "load AWS configuration: %v", err)
	}
	return ac, nil
}

// sdkConfig is the SDK configuration the server runs with: the
// provider's, else Main.AWS, else the standard chain.
func (m *Main) sdkConfig(ctx context.Context, cfg *config.Config) (aws.Config, error) {
	return awsFor(ctx, cfg, cmp.Or(m.awsConfig, m.AWS))
}

func (m *Main) newProvider(ctx context.Context, cfg *config.Config, mets *metrics) (*identitycenter.Provider, error) {
	loaded, err := awsFor(ctx, cfg, m.AWS)
	if err != nil {
		return nil, err
	}
	ac := &loaded
	pc := identitycenter.Config{
		AWS: *ac, Region: cfg.AWS.Region, InstanceARN: cfg.AWS.InstanceARN,
		RateLimit: cfg.AWS.RateLimit, MaxCreatesInFlight: cfg.AWS.MaxCreatesInFlight, Logger: m.Logger,
	}
	if m.ProviderConfig != nil {
		m.ProviderConfig(&pc)
	}
	m.awsConfig = ac
	mets.observeProvider(&pc)
	return identitycenter.New(ctx, pc)
}

// syncDirectory reads the directory at start. When AWS cannot be reached but
// an earlier snapshot exists, stint starts with it and says so.
func (m *Main) syncDirectory(ctx context.Context) error {
	d, err := m.Service.SyncDirectory(ctx)
	if err == nil {
		m.log().Info("read Identity Center", "users", len(d.Users), "groups", len(d.Groups),
			"accounts", len(d.Accounts), "permission_sets", len(d.PermissionSets))
		return nil
	}
	if _, gerr := m.Store.DirectoryGet(ctx); gerr == nil {
		m.log().Warn("cannot read Identity Center; using the last snapshot", "err", err)
		return nil
	}
	return fmt.Errorf("read Identity Center (users, accounts, permission sets): %w", err)
}

func (m *Main) serve(cfg *config.Config) error {
	addr := cmp.Or(m.Addr, cfg.Listen)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return stint.Errorf(stint.EUNAVAILABLE, "listen on %s: %v", addr, err)
	}
	m.ln = ln
	pt, err := m.newPortal(cfg)
	if err != nil {
		_ = ln.Close()
		return err
	}
	wc := web.Config{
		Service:  m.Service,
		Ready:    func(ctx context.Context) error { return m.Store.Ping(ctx) },
		Registry: m.Registry,
		Logger:   m.Logger,
		Portal:   pt,
	}
	if m.Slack != nil {
		wc.Slack = m.Slack.Handler()
	}
	h := web.New(wc)
	m.server = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.log().Error("http server stopped", "err", err)
		}
	}()
	m.log().Info("stint serving", "url", m.URL())
	return nil
}

// URL is the base URL the server listens on.
func (m *Main) URL() string {
	if m.ln == nil {
		return ""
	}
	return "http://" + m.ln.Addr().String()
}

// Close stops serving, stops the timers and workers, waits for AWS operations
// in flight (bounded) and closes the store.
func (m *Main) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	if m.server != nil {
		errs = append(errs, m.server.Shutdown(ctx))
	}
	if m.watcher != nil {
		m.watcher.Stop()
	}
	if m.Expirer != nil {
		m.Expirer.Stop()
	}
	if m.river != nil {
		errs = append(errs, m.river.Stop(ctx))
	}
	if m.Service != nil {
		done := make(chan struct{})
		go func() { m.Service.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	if m.cancel != nil {
		m.cancel()
	}
	if m.Store != nil && m.cfg.Load() != nil {
		// A last checkpoint vouches for everything this process wrote.
		if err := m.Checkpoint(ctx); err != nil {
			m.log().Warn("final audit checkpoint failed", "err", err)
		}
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	return errors.Join(errs...)
}

// NewLogger builds the process logger at the config's level.
func NewLogger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(cmp.Or(level, "info")))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
