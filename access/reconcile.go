package access

import (
	"context"
	"fmt"
	"time"

	"github.com/stint-dev/stint"
)

// ReconcileGrace is how long an effect may be without a live holder before
// the reconciler removes it, so it never races an activation in progress.
const ReconcileGrace = time.Minute

// ReconcileReport counts what a reconciliation pass looked at and changed.
type ReconcileReport struct {
	Effects   int `json:"effects"`
	Removed   int `json:"removed"`
	Recreated int `json:"recreated"`
	Errors    int `json:"errors"`
}

// Reconcile compares the stint-made access in the ledger (assignments,
// group memberships, trust statements, ...) with AWS and the grants: it
// removes access no live grant holds, re-creates missing access that a
// live grant needs (and moves a timed effect's end AWS lost), and records
// each correction as an event. Standing (pre-existing) access is never
// removed.
func (s *Service) Reconcile(ctx context.Context) (*ReconcileReport, error) {
	effects, err := s.Store.EffectList(ctx, nil)
	if err != nil {
		return nil, err
	}
	rep := &ReconcileReport{Effects: len(effects)}
	for _, e := range effects {
		if e.State == stint.EffectDeleting {
			continue // a revocation owns it
		}
		if err := s.reconcileEffect(ctx, e, rep); err != nil {
			rep.Errors++
			s.log().Warn("reconcile effect", "effect", e.Key, "err", err)
		}
	}
	return rep, nil
}

func (s *Service) reconcileEffect(ctx context.Context, e *stint.Effect, rep *ReconcileReport) error {
	live, err := s.liveHolders(ctx, e)
	if err != nil {
		return err
	}
	now := s.now()
	switch {
	case len(live) == 0 && !e.Preexisting && now.Sub(e.UpdatedAt) >= ReconcileGrace:
		return s.removeOrphan(ctx, e, rep)
	case len(live) > 0 && e.State == stint.EffectPresent:
		return s.recreateMissing(ctx, e, live, rep)
	}
	return nil
}

// recreateMissing re-creates an assignment that live grants hold but AWS no
// longer has. A standing assignment removed behind stint's back is no longer
// standing: once re-created it is stint's, and goes with its last holder.
func (s *Service) recreateMissing(ctx context.Context, e *stint.Effect, live []string, rep *ReconcileReport) error {
	exists, err := s.Provider.Exists(ctx, e)
	if err != nil || exists {
		return err
	}
	if err := s.Provider.Grant(ctx, e); err != nil {
		return fmt.Errorf("re-create missing access %s: %w", e.Key, err)
	}
	rep.Recreated++
	return s.Store.Tx(ctx, func(tx stint.Tx) error {
		if e.Preexisting {
			next := *e
			next.Preexisting, next.UpdatedAt = false, s.now()
			if err := tx.EffectPut(ctx, &next); err != nil {
				return err
			}
		}
		return s.append(ctx, tx, s.event("reconciler", stint.EventReconcileFixed, e.Key, map[string]any{
			"action": "recreated", "reason": "access missing in AWS for live grants", "grants": live,
			"was_standing": e.Preexisting}))
	})
}

func (s *Service) liveHolders(ctx context.Context, e *stint.Effect) ([]string, error) {
	var live []string
	for _, h := range e.Holders {
		g, err := s.Store.GrantGet(ctx, h)
		if stint.IsCode(err, stint.ENOTFOUND) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if g.State == stint.GrantActivating || g.State == stint.GrantActive || (g.State == stint.GrantFailed && g.FailedOp == "activate") {
			live = append(live, h)
		}
	}
	return live, nil
}

func (s *Service) removeOrphan(ctx context.Context, e *stint.Effect, rep *ReconcileReport) error {
	// Claim it first (CAS), so no activation adopts it while AWS deletes it.
	claimed := *e
	claimed.State, claimed.UpdatedAt = stint.EffectDeleting, s.now()
	if err := s.Store.Tx(ctx, func(tx stint.Tx) error { return tx.EffectPut(ctx, &claimed) }); err != nil {
		return err
	}
	if err := s.Provider.Revoke(ctx, &claimed); err != nil {
		return fmt.Errorf("remove orphaned access %s: %w", e.Key, err)
	}
	rep.Removed++
	return s.Store.Tx(ctx, func(tx stint.Tx) error {
		if err := tx.EffectDelete(ctx, claimed.Key, claimed.Version); err != nil {
			return err
		}
		return s.append(ctx, tx, s.event("reconciler", stint.EventReconcileFixed, e.Key, map[string]any{
			"action": "removed", "reason": "no live grant holds this stint-made access", "holders": e.Holders}))
	})
}
