package access

import (
	"context"
	"time"

	"github.com/stint-dev/stint"
)

// Authenticate resolves a bearer token to a caller. It returns EUNAUTHORIZED
// for an unknown or expired token, or a token whose user left the directory.
func (s *Service) Authenticate(ctx context.Context, token string) (*Caller, error) {
	panic("unimplemented")
}

// Me returns the caller's profile.
func (s *Service) Resources(ctx context.Context, c *Caller) ([]stint.Eligible, error) {
	panic("unimplemented")
}

// Submit files a request. It returns ENOTFOUND for an unknown account or
// permission set, EFORBIDDEN when no flow lets the caller request a resource,
// and EINVALID for a bad duration, a missing reason or a past start.
func (s *Service) Submit(ctx context.Context, c *Caller, in SubmitInput) (*stint.Request, error) {
	panic("unimplemented")
}

// Requests lists requests visible to the caller: their own, those they may
// review, and (for admins) all.
func (s *Service) Requests(ctx context.Context, c *Caller, in RequestsInput) ([]*stint.Request, error) {
	panic("unimplemented")
}

// Request returns one request. It returns ENOTFOUND when the caller may not see it.
func (s *Service) Request(ctx context.Context, c *Caller, id string) (*stint.Request, error) {
	panic("unimplemented")
}

// Approve approves a pending request. It returns EFORBIDDEN for the requester
// or a non-approver and ECONFLICT when the request is no longer pending.
func (s *Service) Approve(ctx context.Context, c *Caller, id, comment string) (*stint.Request, error) {
	panic("unimplemented")
}

// Deny denies a pending request with a reason.
func (s *Service) Deny(ctx context.Context, c *Caller, id, reason string) (*stint.Request, error) {
	panic("unimplemented")
}

// Cancel withdraws the caller's own pending request.
func (s *Service) Cancel(ctx context.Context, c *Caller, id string) (*stint.Request, error) {
	panic("unimplemented")
}

// Grants lists grants: the caller's own, or every user's for admins.
func (s *Service) Grants(ctx context.Context, c *Caller, in GrantsInput) ([]*stint.Grant, error) {
	panic("unimplemented")
}

// Grant returns one grant visible to the caller.
func (s *Service) Grant(ctx context.Context, c *Caller, id string) (*stint.Grant, error) {
	panic("unimplemented")
}

// Revoke ends a grant early. The grant's user and admins may revoke.
func (s *Service) Revoke(ctx context.Context, c *Caller, id string) (*stint.Grant, error) {
	panic("unimplemented")
}

// Extend moves a grant's end by d. It returns EFORBIDDEN when the flow allows
// no more extensions and EINVALID when the new end passes the flow's maximum.
func (s *Service) Extend(ctx context.Context, c *Caller, id string, d time.Duration) (*stint.Grant, error) {
	panic("unimplemented")
}

// Events lists audit events, oldest first: all for admins, the caller's own
// actions and the events of their requests and grants for others.
func (s *Service) Events(ctx context.Context, c *Caller, in EventsInput) ([]*stint.Event, error) {
	panic("unimplemented")
}
