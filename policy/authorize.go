package policy

import (
	"context"
	"time"

	"github.com/cedar-policy/cedar-go"
	"github.com/stint-dev/stint"
)

// ActionInput asks whether a user may approve a request, or activate or
// extend a grant.
type ActionInput struct {
	Action  string // ActionApprove, ActionActivate or ActionExtend
	User    *stint.User
	Flow    string
	Request *stint.Request // approve
	Grant   *stint.Grant   // activate, extend
	// Extension is how much longer an extension asks for (extend).
	Extension time.Duration
	// Account is the grant's account, when known (activate, extend); it
	// gives cedar blocks the account's OU and tags. Default: an account
	// with only the grant's ID and name.
	Account *stint.Account
}

// Authorize decides an approve, activate or extend through the flow's
// Cedar policies. Approve: the user is an approver of the request's
// current step and not its requester. Activate: the user owns the grant.
// Extend: the user owns the grant, the flow's extension limit is not
// reached, the extension is within extensions.max_each and the grant stays
// within max_duration. It returns EFORBIDDEN with the reason, ENOTFOUND for
// an unknown flow, ECONFLICT for a request with no step left to approve and
// EINVALID for a malformed input.
func (e *Engine) Authorize(ctx context.Context, in ActionInput) error {
	if in.User == nil {
		return stint.Errorf(stint.EINVALID, "authorize %s: no user", in.Action)
	}
	c, err := e.flowByName(in.Flow)
	if err != nil {
		return err
	}
	u := e.Expand(in.User)
	p := principalEntity(u)
	ents := &entities{e: e, principal: &p}
	ectx := &evalContext{now: e.now()}
	s := &subject{user: u, action: in.Action}
	var resource cedar.EntityUID
	switch in.Action {
	case ActionApprove:
		r := in.Request
		if r == nil {
			return stint.Errorf(stint.EINVALID, "authorize approve: no request")
		}
		steps := r.Steps
		pss := make([]string, 0, len(r.Resources))
		for _, res := range r.Resources {
			pss = append(pss, res.Target())
		}
		if len(steps) == 0 {
			steps = c.flow.Steps(pss, nil)
		}
		i := currentStep(steps)
		if i < 0 {
			return stint.Errorf(stint.ECONFLICT, "request %s needs no more approvals", r.ID)
		}
		s.step, s.request = &steps[i], r
		ectx.requester, ectx.requesterID = r.RequesterEmail, r.RequesterID
		ectx.approvers, ectx.step = steps[i].Approvers, steps[i].Name
		ectx.permissionSets, ectx.breakGlass, ectx.duration = pss, r.BreakGlass, time.Duration(r.Duration)
		ent := cedar.Entity{
			UID: cedar.NewEntityUID(typRequest, cedar.String(r.ID)),
			Attributes: cedar.NewRecord(cedar.RecordMap{
				"id": cedar.String(r.ID), "flow": cedar.String(r.Flow), "requester": userUID(r.RequesterEmail),
				"reason": cedar.String(r.Reason), "ticket": cedar.String(r.Ticket),
			}),
		}
		ents.extra, resource = &ent, ent.UID
	case ActionActivate, ActionExtend:
		g := in.Grant
		if g == nil {
			return stint.Errorf(stint.EINVALID, "authorize %s: no grant", in.Action)
		}
		acct := in.Account
		if acct == nil {
			acct = &stint.Account{ID: g.AccountID, Name: g.AccountName}
		}
		ref := g.Ref()
		res := newResourceEntities(e, acct, &ref)
		ents.res, resource = &res, res.resource.UID
		s.grant, s.account, s.ps = g, acct, ref.Label()
		ectx.owner, ectx.ownerID = g.UserEmail, g.UserID
		ectx.permissionSets, ectx.breakGlass = []string{ref.Target()}, g.BreakGlass
		ectx.duration, ectx.length = time.Duration(g.Duration), time.Duration(g.Duration)
		ectx.extensions = g.Extensions
		if in.Action == ActionExtend {
			ectx.extension = in.Extension
			ectx.length = g.EndsAt.Add(in.Extension).Sub(g.StartsAt)
			s.ext, s.len = in.Extension, ectx.length
		}
	default:
		return stint.Errorf(stint.EINVALID, "unknown action %q; want approve, activate or extend", in.Action)
	}
	v := e.evaluate(c, in.Action, ents, resource, ectx.record(), s)
	if !v.allowed {
		return stint.Errorf(stint.EFORBIDDEN, "%s may not %s through flow %q: %s", u.Email, in.Action, c.flow.Name, v.reason)
	}
	return nil
}

func currentStep(steps []stint.RequestStep) int {
	for i := range steps {
		if !steps[i].Done() {
			return i
		}
	}
	return -1
}
