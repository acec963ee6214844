package jobs

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

// Defaults of Expirer.
const (
	DefaultLookahead      = 10 * time.Second
	DefaultExpiryInterval = time.Second
	DefaultExpiryBatch    = 50
	DefaultExpiryParallel = 4
)

// Expirer ends grants at their exact end time, and starts scheduled grants at
// their exact start. It scans the store every Interval (and on Kick) for
// grants due within Lookahead, arms a timer for each, and hands due grants to
// the service in batches. It holds no state a crash could lose: the grants'
// rows and their River backstop jobs are the durable record.
type Expirer struct {
	Service *access.Service
	Store   stint.Store
	// Lookahead is how far ahead timers are armed. Default: 10s.
	Lookahead time.Duration
	// Interval is how often the store is scanned. Default: 1s.
	Interval time.Duration
	// Batch bounds the grants ended in one transaction. Default: 50.
	Batch int
	// Parallel bounds the batches in flight at once (a networked store
	// runs them side by side; SQLite serialises them). Default: 4.
	Parallel int
	Logger   *slog.Logger

	mu      sync.Mutex
	armed   map[string]time.Time // grant ID -> due time of its timer
	timers  map[string]*time.Timer
	pending []string
	fired   chan struct{}
	kick    chan struct{}
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

// Start begins scanning; Stop ends it.
func (x *Expirer) Start(ctx context.Context) {
	ctx, x.cancel = context.WithCancel(ctx)
	x.armed, x.timers = map[string]time.Time{}, map[string]*time.Timer{}
	x.fired, x.kick = make(chan struct{}, 1), make(chan struct{}, 1)
	x.done.Add(2)
	go x.scanLoop(ctx)
	go x.fireLoop(ctx)
}

// Stop stops the timers and waits for the loops to end.
func (x *Expirer) Stop() {
	if x.cancel == nil {
		return
	}
	x.cancel()
	x.done.Wait()
	x.mu.Lock()
	for _, t := range x.timers {
		t.Stop()
	}
	x.mu.Unlock()
}

// Kick asks for a scan now (after a change to a grant's start or end).
func (x *Expirer) Kick() {
	if x.kick == nil {
		return
	}
	select {
	case x.kick <- struct{}{}:
	default:
	}
}

func (x *Expirer) log() *slog.Logger { return cmp.Or(x.Logger, slog.Default()) }

func (x *Expirer) scanLoop(ctx context.Context) {
	defer x.done.Done()
	tick := time.NewTicker(cmp.Or(x.Interval, DefaultExpiryInterval))
	defer tick.Stop()
	for {
		if err := x.scan(ctx); err != nil && ctx.Err() == nil {
			x.log().Warn("expiry scan failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-x.kick:
		}
	}
}

func (x *Expirer) scan(ctx context.Context) error {
	before := time.Now().Add(cmp.Or(x.Lookahead, DefaultLookahead))
	due, err := x.Store.GrantListDue(ctx, &stint.GrantListDueParams{Before: before, Max: 100000})
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, g := range due {
		at := g.EndsAt
		if g.State == stint.GrantScheduled && g.StartsAt.Before(g.EndsAt) {
			at = g.StartsAt
		}
		if prev, ok := x.armed[g.ID]; ok && prev.Equal(at) {
			continue
		}
		if t := x.timers[g.ID]; t != nil {
			t.Stop()
		}
		id := g.ID
		x.armed[id] = at
		x.timers[id] = time.AfterFunc(time.Until(at), func() { x.fire(id) })
	}
	return nil
}

func (x *Expirer) fire(id string) {
	x.mu.Lock()
	x.pending = append(x.pending, id)
	delete(x.timers, id)
	x.mu.Unlock()
	select {
	case x.fired <- struct{}{}:
	default:
	}
}

func (x *Expirer) fireLoop(ctx context.Context) {
	defer x.done.Done()
	sem := make(chan struct{}, cmp.Or(x.Parallel, DefaultExpiryParallel))
	var batches sync.WaitGroup
	defer batches.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-x.fired:
		}
		for {
			ids := x.take()
			if len(ids) == 0 {
				break
			}
			sem <- struct{}{}
			batches.Add(1)
			go func() {
				defer func() { <-sem; batches.Done() }()
				x.handle(ctx, ids)
			}()
		}
	}
}

func (x *Expirer) take() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := min(len(x.pending), cmp.Or(x.Batch, DefaultExpiryBatch))
	ids := x.pending[:n:n]
	x.pending = x.pending[n:]
	return ids
}

func (x *Expirer) handle(ctx context.Context, ids []string) {
	notDue, err := x.Service.ExpireDue(ctx, ids)
	if err != nil && len(ids) > 1 {
		// One grant changed under the batch (say, revoked meanwhile): end
		// the others one by one rather than wait for the next scan.
		notDue = nil
		for _, id := range ids {
			nd, err := x.Service.ExpireDue(ctx, []string{id})
			if err != nil {
				x.log().Warn("expiring grant failed; its job will retry", "grant", id, "err", err)
			}
			notDue = append(notDue, nd...)
		}
	} else if err != nil {
		x.log().Warn("expiring grant failed; its job will retry", "grant", ids[0], "err", err)
	}
	x.mu.Lock()
	for _, id := range ids {
		delete(x.armed, id) // the next scan re-arms what is still due
	}
	x.mu.Unlock()
	for _, g := range notDue {
		if g.State == stint.GrantScheduled {
			id := g.ID
			x.Service.Go(func() {
				var rl *access.RetryLater
				if err := x.Service.Activate(context.WithoutCancel(ctx), id); err != nil && !errors.As(err, &rl) {
					x.log().Warn("activating scheduled grant failed; its job will retry", "grant", id, "err", err)
				}
			})
		}
	}
	if len(notDue) > 0 {
		x.Kick()
	}
}
