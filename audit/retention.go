package audit

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/stint-dev/stint"
)

// Defaults of Retention.
const (
	DefaultPruneBatch = 10000
	DefaultPruneMax   = 1000000
)

// Retention deletes the oldest events of the trail from the store once
// they are old enough, signed for and safe elsewhere: an event goes only
// when it is older than Keep, a signed checkpoint covers it, and every
// forwarding destination in Destinations has it. Each deletion leaves a
// signed anchor, so that Verify checks the kept tail from there and a
// truncation beyond it still shows.
type Retention struct {
	Store stint.Store
	// Signer signs the anchors. Required: without the checkpoint key
	// nothing can vouch for the kept tail.
	Signer *Signer
	// Keys are more public keys whose checkpoints and anchors are accepted
	// (old checkpoint keys); the signer's own always is.
	Keys []ed25519.PublicKey
	// Keep is how long events stay in the store. Required.
	Keep time.Duration
	// Destinations names the forwarding destinations whose cursors must
	// have passed an event before it goes. Default: none.
	Destinations func() []string
	// Batch bounds the events one transaction deletes (each leaves an
	// anchor); Max those of one run. Defaults: 10,000 and 1,000,000.
	Batch, Max int
	Now        func() time.Time // default time.Now
}

// PruneReport is what one retention run did.
type PruneReport struct {
	Pruned int64 `json:"pruned"`
	// Through is the seq up to which events are gone now (the newest
	// anchor's); 0 when retention never removed any.
	Through int64 `json:"through"`
	// HeldBy says what kept the next event: "age", "checkpoint",
	// "cursor NAME", "head" or "limit".
	HeldBy string `json:"held_by"`
}

// Prune runs retention once. It first verifies the whole trail and deletes
// nothing when it is broken (ECONFLICT: the evidence stays). It returns
// EINVALID without a signer or a Keep.
func (r *Retention) Prune(ctx context.Context) (*PruneReport, error) {
	if r.Signer == nil || r.Keep <= 0 {
		return nil, stint.Errorf(stint.EINVALID, "audit retention needs the checkpoint key (audit.checkpoint_key_env) and a keep period")
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	keys := append([]ed25519.PublicKey{r.Signer.PublicKey()}, r.Keys...)
	rep, err := Verify(ctx, r.Store, keys)
	if err != nil {
		return nil, err
	}
	if !rep.OK() {
		return nil, stint.Errorf(stint.ECONFLICT, "the audit trail is broken %s; retention deleted nothing so that the evidence stays; run `stint audit verify`", rep.Broken)
	}
	out := &PruneReport{}
	if rep.Anchor != nil {
		out.Through = rep.Anchor.Seq
	}
	bound, heldBy, err := r.bound(ctx, rep)
	if err != nil {
		return nil, err
	}
	cutoff := now().Add(-r.Keep)
	cuts, held, err := r.cuts(ctx, out.Through, bound, cutoff)
	if err != nil {
		return nil, err
	}
	out.HeldBy = cmp.Or(held, heldBy)
	for _, c := range cuts {
		a := r.Signer.SignAnchor(c.Seq, c.Hash)
		var n int64
		err := r.Store.Tx(ctx, func(tx stint.Tx) (err error) {
			n, err = tx.EventPrune(ctx, a)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("prune the audit trail up to %d: %w", c.Seq, err)
		}
		out.Pruned += n
		out.Through = c.Seq
	}
	if out.Pruned > 0 {
		err := r.Store.Tx(ctx, func(tx stint.Tx) error {
			return tx.EventAppend(ctx, &stint.Event{ID: stint.NewID(), Time: now().UTC().Truncate(time.Microsecond), Actor: "system",
				Type: stint.EventAuditPruned, Subject: "audit", Data: map[string]any{
					"through": out.Through, "pruned": out.Pruned, "older_than": cutoff.UTC().Truncate(time.Second), "held_by": out.HeldBy}})
		})
		if err != nil {
			return out, fmt.Errorf("record the pruning: %w", err)
		}
	}
	return out, nil
}

// bound returns the newest seq that may go as far as checkpoints, cursors
// and the head allow, and what holds it there.
func (r *Retention) bound(ctx context.Context, rep *Report) (int64, string, error) {
	cps, err := r.Store.CheckpointList(ctx)
	if err != nil {
		return 0, "", err
	}
	bound, heldBy := rep.Head.Seq, "head"
	var signed int64
	if len(cps) > 0 {
		signed = cps[len(cps)-1].Seq
	}
	if signed < bound {
		bound, heldBy = signed, "checkpoint"
	}
	if r.Destinations == nil {
		return bound, heldBy, nil
	}
	cursors, err := r.Store.ForwardCursorList(ctx)
	if err != nil {
		return 0, "", err
	}
	at := map[string]int64{}
	for _, c := range cursors {
		at[c.Name] = c.Seq
	}
	for _, name := range r.Destinations() {
		if at[name] < bound {
			bound, heldBy = at[name], "cursor "+name
		}
	}
	return bound, heldBy, nil
}

// pageSize is how many events a walk of the chain reads at a time.
const pageSize = 1000

// cuts walks the chain after from and returns where to cut it: every
// Batch events, and at the last event that may go (older than cutoff, at
// most bound, at most Max in all), with what held the next one.
func (r *Retention) cuts(ctx context.Context, from, bound int64, cutoff time.Time) ([]stint.ChainHead, string, error) {
	batch, most := cmp.Or(r.Batch, DefaultPruneBatch), cmp.Or(r.Max, DefaultPruneMax)
	var (
		cuts []stint.ChainHead
		last stint.ChainHead
		n    int
	)
	cut := func(held string) ([]stint.ChainHead, string, error) {
		if last.Seq > 0 && (len(cuts) == 0 || cuts[len(cuts)-1] != last) {
			cuts = append(cuts, last)
		}
		return cuts, held, nil
	}
	for after := from; ; {
		page, err := r.Store.EventList(ctx, &stint.EventListParams{ChainOrder: true, AfterSeq: after, Limit: pageSize})
		if err != nil {
			return nil, "", err
		}
		for _, e := range page {
			switch {
			case e.Seq > bound:
				return cut("")
			case !e.Time.Before(cutoff):
				return cut("age")
			case n == most:
				return cut("limit")
			}
			n++
			last = stint.ChainHead{Seq: e.Seq, Hash: e.Hash}
			if n%batch == 0 {
				cuts = append(cuts, last)
			}
		}
		if len(page) < pageSize {
			return cut("")
		}
		after = page[len(page)-1].Seq
	}
}
