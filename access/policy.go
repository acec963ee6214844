package access

import (
	"context"
	"strings"
	"sync"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/policy"
)

// engineCache compiles the flows once when the service has no Policy
// source (unit tests build services from Flows alone).
type engineCache struct {
	mu     sync.Mutex
	engine *policy.Engine
}

// engine returns the policy engine for the running flows.
func (s *Service) engine() (*policy.Engine, error) {
	if s.Policy != nil {
		if e := s.Policy(); e != nil {
			return e, nil
		}
	}
	s.engines.mu.Lock()
	defer s.engines.mu.Unlock()
	if s.engines.engine == nil {
		e, err := policy.New(policy.Config{Flows: s.flows(), Now: s.Now})
		if err != nil {
			return nil, err
		}
		s.engines.engine = e
	}
	return s.engines.engine, nil
}

// Can explains whether a user may request a resource: the verdict, the flow,
// the approvers needed and, for a deny, why. Admins may ask about anyone;
// others about themselves.
func (s *Service) Can(ctx context.Context, c *Caller, in CanInput) (*policy.Explanation, error) {
	if c.External != nil {
		return nil, s.RefuseExternal(ctx, c, "ask the policy engine (their resources list what they may request)")
	}
	eng, dir, err := s.engineAndDirectory(ctx)
	if err != nil {
		return nil, err
	}
	u := c.User
	if in.User != "" && !strings.EqualFold(in.User, c.User.Email) {
		if !c.Admin {
			return nil, stint.Errorf(stint.EFORBIDDEN, "only admins can ask about other users")
		}
		if u, err = dir.UserByEmail(in.User); err != nil {
			return nil, err
		}
		u = eng.Expand(u)
	}
	a, ref, err := ResolveResource(dir, ResourceInput{ID: in.Resource, Account: in.Account, PermissionSet: in.PermissionSet})
	if err != nil {
		return nil, err
	}
	exp := eng.Explain(ctx, policy.RequestInput{User: u, Account: a, Resource: ref, Duration: in.Duration})
	if exp.Allowed && !exp.BreakGlass {
		bg := policy.RequestInput{User: u, Account: a, Resource: ref, BreakGlass: true}
		if d, err := eng.DecideRequest(ctx, bg); err == nil && d.Flow.Name == exp.Flow {
			exp.BreakGlass = true
		}
	}
	return exp, nil
}

// WhoCan lists who may request the resource (an ID, or an account and a
// permission set), through which flow, and who approves. Admins only.
func (s *Service) WhoCan(ctx context.Context, c *Caller, in ResourceInput) ([]policy.WhoCan, error) {
	if !c.Admin {
		return nil, s.refuseExternal(ctx, c, "list who may request", "", stint.Errorf(stint.EFORBIDDEN, "only admins can list who may request a resource"))
	}
	eng, dir, err := s.engineAndDirectory(ctx)
	if err != nil {
		return nil, err
	}
	a, ref, err := ResolveResource(dir, in)
	if err != nil {
		return nil, err
	}
	return eng.WhoCanRef(dir, a, ref), nil
}

// ListFlows returns the configured flows: all of them for admins, the ones
// the caller may request through for others.
func (s *Service) ListFlows(ctx context.Context, c *Caller) ([]stint.Flow, error) {
	if c.External != nil {
		return nil, s.RefuseExternal(ctx, c, "read flows")
	}
	eng, err := s.engine()
	if err != nil {
		return nil, err
	}
	flows := eng.Flows()
	if c.Admin {
		return flows, nil
	}
	out := flows[:0]
	for _, f := range flows {
		if f.AllowsRequester(c.User) {
			out = append(out, f)
		}
	}
	return out, nil
}

func (s *Service) engineAndDirectory(ctx context.Context) (*policy.Engine, *stint.Directory, error) {
	eng, err := s.engine()
	if err != nil {
		return nil, nil, err
	}
	dir, err := s.Directory(ctx)
	return eng, dir, err
}

// ActivateReady switches on the caller's ready grant (a flow with an
// activation window). It returns EFORBIDDEN for someone else's grant and
// ECONFLICT once the window has passed.
func (s *Service) ActivateReady(ctx context.Context, c *Caller, id string) (*stint.Grant, error) {
	eng, err := s.engine()
	if err != nil {
		return nil, err
	}
	var next *stint.Grant
	err = s.Store.Tx(ctx, func(tx stint.Tx) error {
		g, err := tx.GrantGet(ctx, id)
		if err != nil {
			return err
		}
		if !c.Admin && g.UserID != c.User.ID {
			return stint.Errorf(stint.ENOTFOUND, "grant %q not found", id)
		}
		if err := eng.Authorize(ctx, policy.ActionInput{Action: policy.ActionActivate, User: c.User, Flow: g.Flow, Grant: g}); err != nil {
			return err
		}
		now := s.now()
		if next, err = stint.ActivateReady(g, c.User, now); err != nil {
			return err
		}
		if err := tx.GrantUpdate(ctx, next); err != nil {
			return err
		}
		if err := s.append(ctx, tx, s.event(c.User.Email, stint.EventGrantActivating, g.ID, map[string]any{
			"activated_by": c.User.Email, "starts_at": next.StartsAt, "ends_at": next.EndsAt})); err != nil {
			return err
		}
		return tx.Enqueue(ctx, stint.Job{Args: stint.ActivateGrantArgs{GrantID: g.ID}},
			stint.Job{Args: stint.ExpireGrantArgs{GrantID: g.ID}, RunAt: next.EndsAt})
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return next, nil
}
