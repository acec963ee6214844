// Package access is stint's service layer: it authenticates callers,
// authorises every action against the flows, applies the pure transitions of
// package stint, writes them with their events and jobs in one transaction,
// and carries out grants and revocations through the provider.
package access

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/policy"
	"github.com/stint-dev/stint/review"
)

// Defaults of Service fields.
const (
	DefaultRevokeBackstop   = 2 * time.Minute
	DefaultDirectoryMaxAge  = 30 * time.Second
	DefaultEffectRetryDelay = time.Second
)

// Service carries out every user-facing and background action.
type Service struct {
	Store    stint.Store
	Provider stint.Provider
	// Flows returns the current flows (the config may be reloaded).
	Flows func() []stint.Flow
	// Policy returns the policy engine compiled from the current flows and
	// groups. Default: the flows compiled once, without config groups.
	Policy func() *policy.Engine
	// Webhooks returns the notification endpoints; every event a webhook
	// subscribes to is queued for delivery in the event's transaction.
	// Default: none.
	Webhooks func() []stint.Webhook
	// EventJobs, when set, returns more jobs to queue with each audit
	// event, in the event's transaction (the Slack app's notifications),
	// so that they are as durable as the change they report. Default: none.
	EventJobs func(e *stint.Event) []stint.Job
	// Admins returns the emails of stint administrators.
	Admins func() []string
	// Now defaults to time.Now.
	Now func() time.Time
	// NewID defaults to stint.NewID.
	NewID func() string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// RevokeBackstop is how long after a revocation starts its durable
	// backstop job runs, in case this process dies. Default: 2m.
	RevokeBackstop time.Duration
	// DirectoryMaxAge is how long the in-memory copy of the directory is
	// used before it is re-read from the store. Default: 30s.
	DirectoryMaxAge time.Duration
	// OnRevokeStart, when set, is called as each revocation is handed to the
	// provider (benchmarks measure expiry lateness with it).
	OnRevokeStart func(g *stint.Grant, at time.Time)
	// Kick, when set, is called after a commit that changed when a grant
	// starts or ends, so the expiry timer can re-arm at once.
	Kick func()
	// Externals configures third-party access. Default: nil (off).
	Externals *Externals
	// Reviews runs access review campaigns. Default: an engine built from
	// ReviewConfig, without managers from the config or flow proposals.
	Reviews *review.Engine

	inflight inflightSet
	engines  engineCache
	dirMu    sync.Mutex
	dir      *stint.Directory
	dirAt    time.Time
	wg       sync.WaitGroup

	reviewOnce sync.Once
}

// Caller is an authenticated user of the API.
type Caller struct {
	User  *stint.User
	Admin bool
	// External is set for a third-party user (User is then External.User()).
	External *stint.External
}

// SubmitInput is a request as the API receives it.
type SubmitInput struct {
	// Resources to request; Account is an ID or name, PermissionSet a name.
	Resources []ResourceInput `json:"resources"`
	// Bundle names a flow bundle to request instead of (or besides) Resources.
	Bundle   string        `json:"bundle,omitempty"`
	Duration time.Duration `json:"-"`
	Reason   string        `json:"reason"`
	Ticket   string        `json:"ticket,omitempty"`
	// BreakGlass asks for emergency access without approval, where a flow
	// allows it.
	BreakGlass bool       `json:"break_glass,omitempty"`
	StartsAt   *time.Time `json:"starts_at,omitempty"`
	// ExtendsGrant asks for the caller's grant to be extended by Duration,
	// through the flow's approval steps (flows whose extensions need
	// re-approval). Resources and Bundle must then be empty.
	ExtendsGrant string `json:"extends_grant,omitempty"`
}

// CanInput asks whether a user may request a resource.
type CanInput struct {
	User          string // email; "" means the caller
	Resource      string // a resource ID; or Account and PermissionSet
	Account       string // ID or name
	PermissionSet string // name
	Duration      time.Duration
}

// ResourceInput names one resource of a request: by ID (any type, e.g.
// "aws-s3:111111111111/payments-logs:read"; the account part may be a
// name), or by Account and PermissionSet for Identity Center.
type ResourceInput struct {
	ID            string `json:"id,omitempty"`
	Account       string `json:"account,omitempty"`
	PermissionSet string `json:"permission_set,omitempty"`
}

// RequestsInput filters Requests.
type RequestsInput struct {
	// Pending limits the list to pending requests: mine and those I may review.
	Pending bool
	Limit   int
}

// GrantsInput filters Grants.
type GrantsInput struct {
	// All adds ended grants. Admins see every user's grants, others their own.
	All bool
	// States, when set, lists grants in these states only (All is then
	// ignored).
	States []stint.GrantState
	// User (an email) and Resource (part of a resource ID or account
	// name) narrow an admin's listing; others only see their own grants.
	User     string
	Resource string
	Offset   int
	Limit    int
}

// EventsInput filters Events. Since, Until, Actor, Type, Text, BeforeID,
// AfterID and Oldest are as in stint.EventListParams; Resource (an ID whose
// account part may be a name), Account (ID or name) and Flow too, for
// admins.
type EventsInput struct {
	Resource string
	Account  string
	Flow     string
	Since    time.Time
	Until    time.Time
	Subject  string
	Actor    string
	Type     string
	Text     string
	BeforeID string
	AfterID  string
	Oldest   bool
	Limit    int
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (s *Service) newID() string {
	if s.NewID != nil {
		return s.NewID()
	}
	return stint.NewID()
}

func (s *Service) log() *slog.Logger { return cmp.Or(s.Logger, slog.Default()) }

func (s *Service) flows() []stint.Flow {
	if s.Flows == nil {
		return nil
	}
	return s.Flows()
}

func (s *Service) flow(name string) (*stint.Flow, error) {
	for _, f := range s.flows() {
		if f.Name == name {
			return &f, nil
		}
	}
	return nil, stint.Errorf(stint.ECONFLICT, "flow %q no longer exists in the config", name)
}

// IsAdmin reports whether the email belongs to a stint administrator.
func (s *Service) IsAdmin(email string) bool {
	if s.Admins == nil {
		return false
	}
	return slices.ContainsFunc(s.Admins(), func(a string) bool { return strings.EqualFold(a, email) })
}

func (s *Service) kick() {
	if s.Kick != nil {
		s.Kick()
	}
}

// Directory returns the latest directory snapshot, cached in memory for
// DirectoryMaxAge. It returns EUNAVAILABLE before the first sync.
func (s *Service) Directory(ctx context.Context) (*stint.Directory, error) {
	s.dirMu.Lock()
	defer s.dirMu.Unlock()
	if s.dir != nil && time.Since(s.dirAt) < cmp.Or(s.DirectoryMaxAge, DefaultDirectoryMaxAge) {
		return s.dir, nil
	}
	d, err := s.Store.DirectoryGet(ctx)
	if stint.IsCode(err, stint.ENOTFOUND) {
		return nil, stint.Errorf(stint.EUNAVAILABLE, "stint has not read the Identity Center directory yet; try again shortly")
	}
	if err != nil {
		return nil, err
	}
	s.dir, s.dirAt = d, time.Now()
	return d, nil
}

// SyncDirectory reads the directory from the provider and stores it.
func (s *Service) SyncDirectory(ctx context.Context) (*stint.Directory, error) {
	d, err := s.Provider.Directory(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	d.SyncedAt = now
	err = s.Store.Tx(ctx, func(tx stint.Tx) error {
		if err := tx.DirectoryPut(ctx, d); err != nil {
			return err
		}
		return s.append(ctx, tx, s.event("system", stint.EventDirectorySynced, d.IdentityStoreID, map[string]any{
			"users": len(d.Users), "groups": len(d.Groups), "accounts": len(d.Accounts), "permission_sets": len(d.PermissionSets),
		}))
	})
	if err != nil {
		return nil, err
	}
	s.dirMu.Lock()
	s.dir, s.dirAt = d, time.Now()
	s.dirMu.Unlock()
	return d, nil
}

// append writes an audit event and queues its webhook deliveries and
// EventJobs, in tx.
func (s *Service) append(ctx context.Context, tx stint.Tx, e *stint.Event) error {
	if err := tx.EventAppend(ctx, e); err != nil {
		return err
	}
	var jobs []stint.Job
	if s.Webhooks != nil {
		for _, w := range s.Webhooks() {
			if w.Wants(e.Type) {
				jobs = append(jobs, stint.Job{Args: stint.NotifyArgs{URL: w.URL, SecretEnv: w.SecretEnv, Event: *e}})
			}
		}
	}
	if s.EventJobs != nil {
		jobs = append(jobs, s.EventJobs(e)...)
	}
	if len(jobs) == 0 {
		return nil
	}
	return tx.Enqueue(ctx, jobs...)
}

func (s *Service) event(actor, typ, subject string, data map[string]any) *stint.Event {
	return &stint.Event{ID: s.newID(), Time: s.now(), Actor: actor, Type: typ, Subject: subject, Data: data}
}

// Wait blocks until the background AWS operations this service started have
// finished (used on shutdown and in tests).
func (s *Service) Wait() { s.wg.Wait() }

// Go runs fn in the background; Wait waits for it.
func (s *Service) Go(fn func()) { s.goBackground(fn) }

func (s *Service) goBackground(fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
}
