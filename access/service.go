// Package access is stint's service layer: it authenticates callers,
// authorises every action against the flows, applies the pure transitions of
// package stint, writes them with their events and jobs in one transaction,
// and carries out grants and revocations through the provider.
package access

import (
	"log/slog"
	"time"

	"github.com/stint-dev/stint"
)

// Service carries out every user-facing and background action.
type Service struct {
	Store    stint.Store
	Provider stint.Provider
	// Flows returns the current flows (the config may be reloaded).
	Flows func() []stint.Flow
	// Admins are the emails of stint administrators.
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
	// OnRevokeStart, when set, is called as each revocation is handed to the
	// provider (benchmarks measure expiry lateness with it).
	OnRevokeStart func(g *stint.Grant, at time.Time)

	inflight inflightSet
}

// Caller is an authenticated user of the API.
type Caller struct {
	User  *stint.User
	Admin bool
}

// SubmitInput is a request as the API receives it.
type SubmitInput struct {
	// Resources to request; Account is an ID or name, PermissionSet a name.
	Resources []ResourceInput `json:"resources"`
	Duration  time.Duration   `json:"-"`
	Reason    string          `json:"reason"`
	StartsAt  *time.Time      `json:"starts_at,omitempty"`
}

// ResourceInput names one resource of a request.
type ResourceInput struct {
	Account       string `json:"account"`
	PermissionSet string `json:"permission_set"`
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
	All   bool
	Limit int
}

// EventsInput filters Events.
type EventsInput struct {
	Since   time.Time
	Subject string
	Limit   int
}
