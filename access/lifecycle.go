package access

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stint-dev/stint"
)

// RetryLater tells a job runner to run the job again after a delay: the work
// is not due yet, or waits for another operation to finish.
type RetryLater struct {
	After  time.Duration
	Reason string
}

func (e *RetryLater) Error() string { return fmt.Sprintf("retry in %s: %s", e.After, e.Reason) }

// maxRetryDelay bounds the backoff between attempts at a failed AWS operation.
const maxRetryDelay = 5 * time.Minute

func retryDelay(attempts int) time.Duration {
	d := time.Second << min(attempts, 10)
	return min(d, maxRetryDelay)
}

// revokePlan is the AWS work left after a grant moved to revoking.
type revokePlan struct {
	grant  *stint.Grant
	effect *stint.Effect // to delete in AWS; nil when nothing is to be deleted
}

// Activate creates the AWS access of an approved grant: it holds the grant's
// effect in the ledger, creates the assignment unless another grant or a
// standing assignment already provides it, and marks the grant active. AWS
// failures mark the grant failed and schedule a retry; it returns *RetryLater
// when the grant is not due yet or its effect is being deleted.
func (s *Service) Activate(ctx context.Context, id string) error {
	g, err := s.prepareActivation(ctx, id)
	if err != nil || g == nil {
		return err
	}
	if stint.IsExternalID(g.UserID) {
		return s.activateExternal(ctx, id)
	}
	if !s.inflight.add(id) {
		return nil // this process is already working on the grant
	}
	e, create, err := s.hold(ctx, g)
	if err != nil {
		s.inflight.done(id)
		var rl *RetryLater
		if errors.As(err, &rl) {
			return err
		}
		return s.recordFailure(ctx, id, err)
	}
	if create && g.Attempts > 0 {
		// A failed attempt may have created it after all: look first, as
		// some APIs (and moto) would store a duplicate.
		if exists, err := s.Provider.Exists(ctx, e); err == nil && exists {
			create = false
		}
	}
	if create {
		if err := s.Provider.Grant(ctx, e); err != nil {
			s.inflight.done(id)
			return s.recordFailure(ctx, id, err)
		}
	}
	revoked, err := s.finishActivation(ctx, id, e.Key, create)
	s.inflight.done(id)
	if err != nil {
		return err
	}
	if revoked {
		// Revoked while AWS was creating the assignment: remove it now.
		return s.resumeRevoke(ctx, id)
	}
	return nil
}

// prepareActivation moves a due scheduled or failed grant to activating and
// returns it, or nil when there is nothing to activate.
func (s *Service) prepareActivation(ctx context.Context, id string) (*stint.Grant, error) {
	var out *stint.Grant
	var expire, revoke bool
	err := s.Store.Tx(ctx, func(tx stint.Tx) error {
		g, err := tx.GrantGet(ctx, id)
		if err != nil {
			return err
		}
		now := s.now()
		var next *stint.Grant
		switch {
		case g.State == stint.GrantScheduled && now.Before(g.StartsAt):
			return &RetryLater{After: g.StartsAt.Sub(now), Reason: "grant starts at " + g.StartsAt.Format(time.RFC3339)}
		case g.State == stint.GrantScheduled:
			next, err = stint.ActivateGrant(g, now)
		case g.State == stint.GrantFailed && g.FailedOp == "revoke":
			revoke = true
			return nil
		case g.State == stint.GrantFailed:
			next, err = stint.RetryGrant(g, now)
		case g.State == stint.GrantActivating:
			out = g
			expire = !now.Before(g.EndsAt)
			return nil
		default:
			return nil // active, revoking or ended: nothing to activate
		}
		if err != nil {
			return err
		}
		if err := tx.GrantUpdate(ctx, next); err != nil {
			return err
		}
		typ := stint.EventGrantActivating
		if g.State == stint.GrantFailed {
			typ = stint.EventGrantRetried
		}
		out = next
		expire = next.State == stint.GrantRevoking || !now.Before(next.EndsAt)
		revoke = next.State == stint.GrantRevoking
		return s.append(ctx, tx, s.event("system", typ, g.ID, map[string]any{"state": string(next.State), "attempts": next.Attempts}))
	})
	switch {
	case err != nil:
		return nil, err
	case revoke:
		return nil, s.resumeRevoke(ctx, id)
	case expire:
		return nil, s.Expire(ctx, id)
	}
	return out, nil
}

// hold adds the grant to its effect's holders, creating the ledger entry on
// first use. A new entry records whether the assignment already existed in
// AWS (standing access, never removed by stint). It reports whether the
// assignment still has to be created.
func (s *Service) hold(ctx context.Context, g *stint.Grant) (*stint.Effect, bool, error) {
	for range 5 {
		e, err := s.Store.EffectGet(ctx, g.EffectKey())
		if stint.IsCode(err, stint.ENOTFOUND) {
			e, err = s.holdNew(ctx, g)
			if stint.IsCode(err, stint.ECONFLICT) {
				continue
			}
			return e, err == nil && e.State != stint.EffectPresent, err
		}
		if err != nil {
			return nil, false, err
		}
		if e.State == stint.EffectDeleting {
			return nil, false, &RetryLater{After: DefaultEffectRetryDelay, Reason: "the assignment is being removed for an earlier grant"}
		}
		// A timed effect tells AWS when access ends: a holder ending
		// later moves that end, and the effect is granted again.
		later, moved := e.Extends(g.EndsAt)
		if !e.HeldBy(g.ID) || moved {
			e = later.Hold(g.ID, s.now())
			err = s.Store.Tx(ctx, func(tx stint.Tx) error { return tx.EffectPut(ctx, e) })
			if stint.IsCode(err, stint.ECONFLICT) {
				continue
			}
			if err != nil {
				return nil, false, err
			}
		}
		return e, e.State != stint.EffectPresent || moved, nil
	}
	return nil, false, &RetryLater{After: DefaultEffectRetryDelay, Reason: "the assignment's ledger entry kept changing"}
}

func (s *Service) holdNew(ctx context.Context, g *stint.Grant) (*stint.Effect, error) {
	now := s.now()
	e := stint.NewEffect(g, now)
	// Only access that people also make by hand (assignments, group
	// memberships) can be standing; what only stint makes, it made.
	exists := false
	if g.Type.AdoptsStanding() {
		var err error
		if exists, err = s.Provider.Exists(ctx, e); err != nil {
			return nil, fmt.Errorf("check existing access: %w", err)
		}
	}
	e.Holders = []string{g.ID}
	if exists {
		e.Preexisting, e.State = true, stint.EffectPresent
	}
	err := s.Store.Tx(ctx, func(tx stint.Tx) error {
		if err := tx.EffectPut(ctx, e); err != nil {
			return err
		}
		if !exists {
			return nil
		}
		return s.append(ctx, tx, s.event("system", stint.EventEffectAdopted, g.ID, map[string]any{
			"effect": e.Key, "note": "access existed before stint; it will never be removed by stint"}))
	})
	return e, err
}

// finishActivation records the effect present and the grant active. It
// reports whether the grant was revoked meanwhile.
func (s *Service) finishActivation(ctx context.Context, id, key string, created bool) (revoked bool, err error) {
	err = s.Store.Tx(ctx, func(tx stint.Tx) error {
		g, err := tx.GrantGet(ctx, id)
		if err != nil {
			return err
		}
		if g.State != stint.GrantActivating {
			revoked = g.State == stint.GrantRevoking
			return nil
		}
		now := s.now()
		e, err := tx.EffectGet(ctx, key)
		if err != nil {
			return err
		}
		if e.State == stint.EffectCreating {
			next := *e
			next.State, next.UpdatedAt = stint.EffectPresent, now
			if err := tx.EffectPut(ctx, &next); err != nil {
				return err
			}
		}
		if created {
			if err := s.append(ctx, tx, s.event("system", stint.EventEffectCreated, g.ID, map[string]any{"effect": key})); err != nil {
				return err
			}
		}
		next, err := stint.GrantActivated(g, now)
		if err != nil {
			return err
		}
		if err := tx.GrantUpdate(ctx, next); err != nil {
			return err
		}
		return s.append(ctx, tx, s.event("system", stint.EventGrantActive, g.ID, map[string]any{
			"user": g.UserEmail, "resource": g.ResourceID, "ends_at": g.EndsAt, "shared": !created}))
	})
	return revoked, err
}

// recordFailure marks the grant failed with the AWS error and schedules a
// retry with backoff, in one transaction.
func (s *Service) recordFailure(ctx context.Context, id string, cause error) error {
	s.log().Warn("grant operation failed", "grant", id, "err", cause)
	return s.Store.Tx(ctx, func(tx stint.Tx) error {
		g, err := tx.GrantGet(ctx, id)
		if err != nil {
			return err
		}
		now := s.now()
		next, err := stint.FailGrant(g, stint.ErrorMessage(cause)+": "+cause.Error(), now)
		if err != nil {
			return nil // the grant moved on meanwhile
		}
		if err := tx.GrantUpdate(ctx, next); err != nil {
			return err
		}
		at := now.Add(retryDelay(next.Attempts))
		if err := s.append(ctx, tx, s.event("system", stint.EventGrantFailed, id, map[string]any{
			"op": next.FailedOp, "error": cause.Error(), "attempts": next.Attempts, "retry_at": at})); err != nil {
			return err
		}
		var args stint.JobArgs = stint.ActivateGrantArgs{GrantID: id}
		if next.FailedOp == "revoke" {
			args = stint.RevokeGrantArgs{GrantID: id}
		}
		return tx.Enqueue(ctx, stint.Job{Args: args, RunAt: at})
	})
}

// Expire ends a grant whose time is up and removes its access. It returns
// *RetryLater when the grant's end has not come (it was extended).
func (s *Service) Expire(ctx context.Context, id string) error {
	var plan *revokePlan
	var resume bool
	err := s.Store.Tx(ctx, func(tx stint.Tx) error {
		g, err := tx.GrantGet(ctx, id)
		if err != nil {
			return err
		}
		now := s.now()
		if now.Before(g.EndsAt) && g.State.Live() {
			return &RetryLater{After: g.EndsAt.Sub(now), Reason: "grant ends at " + g.EndsAt.Format(time.RFC3339)}
		}
		switch g.State {
		case stint.GrantRevoking:
			resume = true
			return nil
		case stint.GrantEnded:
			return nil
		}
		next, err := stint.ExpireGrant(g, now)
		if err != nil {
			return err
		}
		plan, err = s.beginEnd(ctx, tx, next, "system", now)
		return err
	})
	if err != nil {
		return err
	}
	if resume {
		return s.resumeRevoke(ctx, id)
	}
	return s.finishRevoke(ctx, plan)
}

// ExpireDue ends, in one transaction, every grant of ids whose end has come,
// and starts their AWS revocations in the background. Grants not due to end
// (including scheduled grants due to start) are returned so the caller can
// activate them or re-arm its timers.
func (s *Service) ExpireDue(ctx context.Context, ids []string) (notDue []*stint.Grant, err error) {
	var plans []*revokePlan
	err = s.Store.Tx(ctx, func(outer stint.Tx) error {
		plans, notDue = nil, nil
		tx := &jobBuffer{Tx: outer}
		defer func() { tx.jobs = nil }()
		now := s.now()
		for _, id := range ids {
			g, err := tx.GrantGet(ctx, id)
			if err != nil {
				return err
			}
			if g.State == stint.GrantScheduled && now.Before(g.EndsAt) {
				notDue = append(notDue, g) // due to start, not to end: the caller activates it
				continue
			}
			if now.Before(g.EndsAt) {
				if g.State.Live() || g.State == stint.GrantFailed {
					notDue = append(notDue, g)
				}
				continue
			}
			next, err := stint.ExpireGrant(g, now)
			if err != nil {
				continue // revoking or ended already
			}
			plan, err := s.beginEnd(ctx, tx, next, "system", now)
			if err != nil {
				return err
			}
			if plan != nil {
				plans = append(plans, plan)
			}
		}
		return tx.flush(ctx)
	})
	if err != nil {
		return nil, err
	}
	for _, p := range plans {
		s.startRevoke(p)
	}
	return notDue, nil
}

// beginEnd writes a grant that moved to revoking (or straight to ended), its
// event, its release from the effect ledger and a durable backstop job, and
// returns the AWS work left.
func (s *Service) beginEnd(ctx context.Context, tx stint.Tx, next *stint.Grant, actor string, now time.Time) (*revokePlan, error) {
	if err := tx.GrantUpdate(ctx, next); err != nil {
		return nil, err
	}
	if err := s.queueCutoff(ctx, tx, next, now); err != nil {
		return nil, err
	}
	data := map[string]any{"reason": next.EndReason, "user": next.UserEmail, "resource": next.ResourceID}
	if next.State == stint.GrantEnded {
		return nil, s.append(ctx, tx, s.event(actor, stint.EventGrantEnded, next.ID, data))
	}
	if err := s.append(ctx, tx, s.event(actor, stint.EventGrantRevoking, next.ID, data)); err != nil {
		return nil, err
	}
	e, remove, err := s.release(ctx, tx, next, now)
	if err != nil {
		return nil, err
	}
	backstop := cmp.Or(s.RevokeBackstop, DefaultRevokeBackstop)
	if err := tx.Enqueue(ctx, stint.Job{Args: stint.RevokeGrantArgs{GrantID: next.ID}, RunAt: now.Add(backstop)}); err != nil {
		return nil, err
	}
	plan := &revokePlan{grant: next}
	if remove {
		plan.effect = e
	}
	return plan, nil
}

// release removes the grant from its effect's holders and reports whether the
// assignment must now be deleted: no holder left and not standing access. A
// standing assignment's ledger entry is dropped with its last holder, so a
// later grant checks AWS afresh.
func (s *Service) release(ctx context.Context, tx stint.Tx, g *stint.Grant, now time.Time) (*stint.Effect, bool, error) {
	e, err := tx.EffectGet(ctx, g.EffectKey())
	if stint.IsCode(err, stint.ENOTFOUND) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if e.HeldBy(g.ID) {
		next, _ := e.Release(g.ID, now)
		if len(next.Holders) == 0 && e.Preexisting {
			err := tx.EffectDelete(ctx, e.Key, e.Version)
			if err == nil {
				err = s.append(ctx, tx, s.event("system", stint.EventEffectKept, g.ID, map[string]any{
					"effect": e.Key, "note": "standing assignment kept"}))
			}
			return nil, false, err
		}
		if err := tx.EffectPut(ctx, next); err != nil {
			return nil, false, err
		}
		if len(next.Holders) > 0 {
			err := s.append(ctx, tx, s.event("system", stint.EventEffectKept, g.ID, map[string]any{
				"effect": e.Key, "holders": next.Holders, "note": "still held by other grants"}))
			return nil, false, err
		}
		e = next
	}
	return e, len(e.Holders) == 0 && !e.Preexisting && e.State == stint.EffectDeleting, nil
}

func (s *Service) startRevoke(p *revokePlan) {
	if p == nil {
		return
	}
	s.goBackground(func() {
		if err := s.finishRevoke(context.WithoutCancel(context.Background()), p); err != nil {
			s.log().Warn("revocation incomplete; the backstop job will retry", "grant", p.grant.ID, "err", err)
		}
	})
}

// finishRevoke deletes the assignment when the plan says so and ends the
// grant. Failures mark the grant failed and schedule a retry.
func (s *Service) finishRevoke(ctx context.Context, p *revokePlan) error {
	if p == nil {
		return nil
	}
	id := p.grant.ID
	if !s.inflight.add(id) {
		return nil
	}
	defer s.inflight.done(id)
	if s.OnRevokeStart != nil {
		s.OnRevokeStart(p.grant, time.Now())
	}
	if p.effect != nil {
		e := p.effect
		if p.grant.Cutoff {
			e = withSpec(e, "cutoff", "true")
		}
		if err := s.Provider.Revoke(ctx, e); err != nil {
			return s.recordFailure(ctx, id, err)
		}
	}
	return s.Store.Tx(ctx, func(tx stint.Tx) error {
		g, err := tx.GrantGet(ctx, id)
		if err != nil {
			return err
		}
		if g.State != stint.GrantRevoking {
			return nil
		}
		now := s.now()
		if p.effect != nil {
			e, err := tx.EffectGet(ctx, p.effect.Key)
			if err == nil && e.State == stint.EffectDeleting && len(e.Holders) == 0 {
				if err := tx.EffectDelete(ctx, e.Key, e.Version); err != nil {
					return err
				}
				if err := s.append(ctx, tx, s.event("system", stint.EventEffectDeleted, id, map[string]any{"effect": e.Key})); err != nil {
					return err
				}
			} else if err != nil && !stint.IsCode(err, stint.ENOTFOUND) {
				return err
			}
		}
		next, err := stint.EndGrant(g, now)
		if err != nil {
			return err
		}
		if err := tx.GrantUpdate(ctx, next); err != nil {
			return err
		}
		return s.append(ctx, tx, s.event("system", stint.EventGrantEnded, id, map[string]any{
			"reason": next.EndReason, "user": next.UserEmail, "resource": next.ResourceID}))
	})
}

// withSpec returns a copy of e with one more Spec entry.
func withSpec(e *stint.Effect, k, v string) *stint.Effect {
	next := *e
	next.Spec = make(map[string]string, len(e.Spec)+1)
	for sk, sv := range e.Spec {
		next.Spec[sk] = sv
	}
	next.Spec[k] = v
	return &next
}

// RefreshEffect tells AWS the new end of a live grant's timed effect (an
// IAM role trust statement's DateLessThan) after the grant was extended.
// Grants of other types, and grants not live, need nothing.
func (s *Service) RefreshEffect(ctx context.Context, grantID string) error {
	g, err := s.Store.GrantGet(ctx, grantID)
	if err != nil {
		return err
	}
	if !g.Type.Timed() || g.State != stint.GrantActive {
		return nil
	}
	for range 5 {
		e, err := s.Store.EffectGet(ctx, g.EffectKey())
		if err != nil {
			return err
		}
		next, moved := e.Extends(g.EndsAt)
		if !moved {
			return nil
		}
		next.UpdatedAt = s.now()
		err = s.Store.Tx(ctx, func(tx stint.Tx) error { return tx.EffectPut(ctx, next) })
		if stint.IsCode(err, stint.ECONFLICT) {
			continue
		}
		if err != nil {
			return err
		}
		if err := s.Provider.Grant(ctx, next); err != nil {
			return fmt.Errorf("move the end of %s in AWS: %w", next.Key, err)
		}
		return nil
	}
	return &RetryLater{After: DefaultEffectRetryDelay, Reason: "the effect's ledger entry kept changing"}
}

// resumeRevoke carries on the revocation of a revoking grant (after a crash,
// or from the backstop job) or retries a failed one.
func (s *Service) resumeRevoke(ctx context.Context, id string) error {
	if s.inflight.has(id) {
		return nil
	}
	var plan *revokePlan
	err := s.Store.Tx(ctx, func(tx stint.Tx) error {
		g, err := tx.GrantGet(ctx, id)
		if err != nil {
			return err
		}
		now := s.now()
		if g.State == stint.GrantFailed && g.FailedOp == "revoke" {
			next, err := stint.RetryGrant(g, now)
			if err != nil {
				return err
			}
			if err := tx.GrantUpdate(ctx, next); err != nil {
				return err
			}
			if err := s.append(ctx, tx, s.event("system", stint.EventGrantRetried, id, map[string]any{"attempts": next.Attempts})); err != nil {
				return err
			}
			g = next
		}
		if g.State != stint.GrantRevoking {
			return nil
		}
		e, remove, err := s.release(ctx, tx, g, now)
		if err != nil {
			return err
		}
		plan = &revokePlan{grant: g}
		if remove {
			plan.effect = e
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.finishRevoke(ctx, plan)
}

// ResumeRevocation is run by the durable backstop job for a revoking or
// failed grant.
func (s *Service) ResumeRevocation(ctx context.Context, id string) error {
	if s.inflight.has(id) {
		return &RetryLater{After: 30 * time.Second, Reason: "revocation in progress in this process"}
	}
	return s.resumeRevoke(ctx, id)
}

// Recover resumes, after a start, the grants a previous process left half
// done: revocations and activations in progress. It returns how many it found.
func (s *Service) Recover(ctx context.Context) (int, error) {
	list, err := s.Store.GrantList(ctx, &stint.GrantListParams{
		States: []stint.GrantState{stint.GrantRevoking, stint.GrantActivating}, Limit: 10000})
	if err != nil {
		return 0, err
	}
	for _, g := range list {
		id, state := g.ID, g.State
		s.goBackground(func() {
			ctx := context.WithoutCancel(ctx)
			var err error
			if state == stint.GrantRevoking {
				err = s.resumeRevoke(ctx, id)
			} else {
				err = s.Activate(ctx, id)
			}
			var rl *RetryLater
			if err != nil && !errors.As(err, &rl) {
				s.log().Warn("recovery of grant failed; its job will retry", "grant", id, "err", err)
			}
		})
	}
	return len(list), nil
}

// ExpireRequest times out a pending request not reviewed in time.
func (s *Service) ExpireRequest(ctx context.Context, id string) error {
	return s.Store.Tx(ctx, func(tx stint.Tx) error {
		r, err := tx.RequestGet(ctx, id)
		if err != nil {
			return err
		}
		if r.State != stint.RequestPending {
			return nil
		}
		now := s.now()
		if now.Before(r.ReviewBy) {
			return &RetryLater{After: r.ReviewBy.Sub(now), Reason: "request may be reviewed until " + r.ReviewBy.Format(time.RFC3339)}
		}
		next, err := stint.ExpireRequest(r, now)
		if err != nil {
			return err
		}
		if err := tx.RequestUpdate(ctx, next); err != nil {
			return err
		}
		return s.append(ctx, tx, s.event("system", stint.EventRequestExpired, id, map[string]any{"review_by": r.ReviewBy}))
	})
}

// jobBuffer collects a transaction's jobs and inserts them in one statement
// at the end (a batch of expiries queues one backstop job per grant).
type jobBuffer struct {
	stint.Tx
	jobs []stint.Job
}

func (b *jobBuffer) Enqueue(_ context.Context, jobs ...stint.Job) error {
	b.jobs = append(b.jobs, jobs...)
	return nil
}

func (b *jobBuffer) flush(ctx context.Context) error {
	if len(b.jobs) == 0 {
		return nil
	}
	return b.Tx.Enqueue(ctx, b.jobs...)
}
