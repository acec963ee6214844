package access

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// Session returns the portal session with the hash, or ENOTFOUND.
func (s *Service) Session(ctx context.Context, hash string) (*stint.Session, error) {
	return s.Store.SessionGet(ctx, hash)
}

// SaveSession creates or replaces a portal session.
func (s *Service) SaveSession(ctx context.Context, ss *stint.Session) error {
	return s.Store.Tx(ctx, func(tx stint.Tx) error { return tx.SessionPut(ctx, ss) })
}

// RotateSession replaces the session old (a sign-in in progress, "" for
// none) with next in one transaction, so that the ID a browser held before
// signing in never names a signed-in session (no fixation), and records
// the event e with it when e is not nil.
func (s *Service) RotateSession(ctx context.Context, old string, next *stint.Session, e *stint.Event) error {
	return s.Store.Tx(ctx, func(tx stint.Tx) error {
		if old != "" {
			if err := tx.SessionDelete(ctx, old); err != nil {
				return err
			}
		}
		if err := tx.SessionPut(ctx, next); err != nil {
			return err
		}
		if e == nil {
			return nil
		}
		return s.append(ctx, tx, s.completeEvent(e))
	})
}

// EndSession deletes the session (sign-out), recording e when not nil.
func (s *Service) EndSession(ctx context.Context, hash string, e *stint.Event) error {
	return s.Store.Tx(ctx, func(tx stint.Tx) error {
		if err := tx.SessionDelete(ctx, hash); err != nil {
			return err
		}
		if e == nil {
			return nil
		}
		return s.append(ctx, tx, s.completeEvent(e))
	})
}

// PruneSessions deletes the sessions that have ended by now: past their
// absolute end, or idle for idle.
func (s *Service) PruneSessions(ctx context.Context, idle time.Duration) (int, error) {
	now := s.now()
	var n int
	err := s.Store.Tx(ctx, func(tx stint.Tx) (err error) {
		n, err = tx.SessionDeleteExpired(ctx, now, now.Add(-idle))
		return err
	})
	return n, err
}

// RecordAuth appends a sign-in event (type auth.*). It returns EINVALID
// for any other type: the service records domain events itself.
func (s *Service) RecordAuth(ctx context.Context, e *stint.Event) error {
	if !strings.HasPrefix(e.Type, "auth.") {
		return stint.Errorf(stint.EINVALID, "RecordAuth records auth.* events, not %q", e.Type)
	}
	return s.Store.Tx(ctx, func(tx stint.Tx) error { return s.append(ctx, tx, s.completeEvent(e)) })
}

func (s *Service) completeEvent(e *stint.Event) *stint.Event {
	if e.ID == "" {
		e.ID = s.newID()
	}
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	return e
}

// AuthEvents lists the auth.* events of type typ since since, newest
// Limit last; the break-glass login counts failures and used time steps
// with it.
func (s *Service) AuthEvents(ctx context.Context, typ string, since time.Time, limit int) ([]*stint.Event, error) {
	if !strings.HasPrefix(typ, "auth.") {
		return nil, stint.Errorf(stint.EINVALID, "AuthEvents lists auth.* events, not %q", typ)
	}
	return s.Store.EventList(ctx, &stint.EventListParams{Type: typ, Since: since, Limit: limit})
}

// MayReview reports whether the caller may approve the request now: it is
// pending, not theirs, its current step lists them and they have not
// approved it already. (Approve enforces the same; the portal uses this to
// sort its inbox.)
func (s *Service) MayReview(c *Caller, r *stint.Request) bool {
	if r.State != stint.RequestPending || r.RequesterID == c.User.ID || strings.EqualFold(r.RequesterEmail, c.User.Email) {
		return false
	}
	i := r.CurrentStep()
	if i < 0 {
		return false
	}
	st := r.Steps[i]
	if slices.ContainsFunc(st.Approvals, func(a string) bool { return strings.EqualFold(a, c.User.Email) }) {
		return false
	}
	return slices.ContainsFunc(st.Approvers, func(ref string) bool { return stint.MatchPrincipal(ref, c.User) })
}

// ReviewContext is what an approver sees beside a request.
type ReviewContext struct {
	Request *stint.Request
	// Requester is the requester as the identity store has them now (nil
	// when they left it).
	Requester *stint.User
	// History is the requester's most recent grants, newest first.
	History []*stint.Grant
	// PermissionSets describes the Identity Center permission sets asked
	// for; Resources the other resources as discovery found them.
	PermissionSets []stint.PermissionSet
	Resources      []stint.Resource
	Flow           *stint.Flow
	// External is the requester when they are a third party (org,
	// sponsor, when their identity ends).
	External *stint.External
}

// DefaultHistory is how many past grants ReviewContext shows.
const DefaultHistory = 10

// ReviewContext returns a request with what its reviewer needs to decide:
// the requester's groups, their recent grants, what the resources are and
// the flow. It returns ENOTFOUND when the caller may not see the request.
func (s *Service) ReviewContext(ctx context.Context, c *Caller, id string) (*ReviewContext, error) {
	if c.External != nil {
		return nil, s.RefuseExternal(ctx, c, "see a review")
	}
	r, err := s.Request(ctx, c, id)
	if err != nil {
		return nil, err
	}
	out := &ReviewContext{Request: r}
	if f, err := s.flow(r.Flow); err == nil {
		out.Flow = f
	}
	dir, err := s.Directory(ctx)
	if err != nil {
		return nil, err
	}
	if u, err := dir.UserByID(r.RequesterID); err == nil {
		if eng, err := s.engine(); err == nil {
			u = eng.Expand(u)
		}
		out.Requester = u
	} else if x, err := s.Store.ExternalGet(ctx, r.RequesterID); err == nil {
		out.Requester, out.External = x.User(), x
	}
	hist, err := s.Store.GrantList(ctx, &stint.GrantListParams{UserID: r.RequesterID, Limit: DefaultHistory})
	if err != nil {
		return nil, err
	}
	out.History = hist
	for _, ref := range r.Resources {
		if ref.Type.Or() == stint.ResourceSSO {
			if ps, err := dir.PermissionSet(ref.PermissionSet); err == nil && !slices.ContainsFunc(out.PermissionSets,
				func(p stint.PermissionSet) bool { return p.ARN == ps.ARN }) {
				out.PermissionSets = append(out.PermissionSets, *ps)
			}
			continue
		}
		if res, err := dir.Resource(ref.Type, ref.AccountID, ref.Name); err == nil {
			out.Resources = append(out.Resources, *res)
		}
	}
	return out, nil
}

// Health is what the admin health page shows.
type Health struct {
	StoreError        string // "" when the store answers
	DirectorySyncedAt time.Time
	Users, Groups     int
	Accounts          int
	PermissionSets    int
	Resources         int
	DiscoveryErrors   []stint.DiscoveryError
	Flows             int
	// Drift is the latest identity.drift event, nil when none was recorded.
	Drift *stint.Event
}

// Health reports the store, the directory snapshot, the flows and the
// latest drift check. Admins only (EFORBIDDEN for others).
func (s *Service) Health(ctx context.Context, c *Caller) (*Health, error) {
	if !c.Admin {
		return nil, stint.Errorf(stint.EFORBIDDEN, "only admins can see stint's health")
	}
	h := &Health{Flows: len(s.flows())}
	if err := s.Store.Ping(ctx); err != nil {
		h.StoreError = err.Error()
	}
	if dir, err := s.Directory(ctx); err == nil {
		h.DirectorySyncedAt, h.Users, h.Groups = dir.SyncedAt, len(dir.Users), len(dir.Groups)
		h.Accounts, h.PermissionSets, h.Resources = len(dir.Accounts), len(dir.PermissionSets), len(dir.Resources)
		h.DiscoveryErrors = dir.DiscoveryErrors
	}
	evs, err := s.Store.EventList(ctx, &stint.EventListParams{Type: stint.EventIdentityDrift, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(evs) > 0 {
		h.Drift = evs[0]
	}
	return h, nil
}
