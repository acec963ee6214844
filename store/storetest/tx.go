package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

var txScenarios = []scenario{
	{name: "tx/commit keeps rows and jobs", run: testTxCommit},
	{name: "tx/error rolls back rows and jobs", run: testTxRollback},
	{name: "tx/panic rolls back and the store stays usable", run: testTxPanic},
	{name: "tx/failed writes leave the transaction usable", run: testTxUsableAfterErrors},
	{name: "tx/enqueue checks its jobs", run: testEnqueueArgs},
	{name: "tx/concurrent compare-and-swap loses no update", run: testConcurrentCAS},
	{name: "store/ping", run: testPing},
}

// writeEverything writes one value of each kind and enqueues two jobs.
func writeEverything(ctx context.Context, tx stint.Tx, runAt time.Time) error {
	_, hash := stint.NewTokenSecret()
	writes := []func() error{
		func() error { return tx.RequestCreate(ctx, newRequest("req-1")) },
		func() error { return tx.GrantCreate(ctx, newGrant("g-1")) },
		func() error { return tx.EffectPut(ctx, newEffect("k-1")) },
		func() error {
			return tx.EventAppend(ctx, &stint.Event{ID: "e-1", Time: base, Actor: "system", Type: "t", Subject: "g-1"})
		},
		func() error { return tx.TokenCreate(ctx, &stint.Token{ID: "t-1", Hash: hash, CreatedAt: base}) },
		func() error { return tx.DirectoryPut(ctx, &stint.Directory{InstanceARN: "i", SyncedAt: base}) },
		func() error {
			return tx.Enqueue(ctx,
				stint.Job{Args: stint.ActivateGrantArgs{GrantID: "g-1"}, RunAt: runAt},
				stint.Job{Args: stint.ReconcileArgs{}})
		},
	}
	for i, w := range writes {
		if err := w(); err != nil {
			return fmt.Errorf("write %d: %w", i, err)
		}
	}
	return nil
}

// requireNothingWritten requires that none of writeEverything's values and
// jobs exist.
func requireNothingWritten(t *testing.T, s stint.Store, c *config) {
	t.Helper()
	ctx := t.Context()
	_, err := s.RequestGet(ctx, "req-1")
	requireCode(t, err, stint.ENOTFOUND)
	_, err = s.GrantGet(ctx, "g-1")
	requireCode(t, err, stint.ENOTFOUND)
	_, err = s.EffectGet(ctx, "k-1")
	requireCode(t, err, stint.ENOTFOUND)
	_, err = s.DirectoryGet(ctx)
	requireCode(t, err, stint.ENOTFOUND)
	events, err := s.EventList(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, events)
	if c.jobs != nil {
		require.Empty(t, c.jobs(t, s))
	}
}

func testTxCommit(t *testing.T, s stint.Store, c *config) {
	runAt := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		if err := writeEverything(ctx, tx, runAt); err != nil {
			return err
		}
		// Reads in the transaction see its writes.
		if _, err := tx.GrantGet(ctx, "g-1"); err != nil {
			return err
		}
		grants, err := tx.GrantList(ctx, nil)
		if err != nil || len(grants) != 1 {
			return fmt.Errorf("list in tx: %d grants, %v", len(grants), err)
		}
		return nil
	})
	for _, get := range []func(ctx context.Context) error{
		func(ctx context.Context) error { _, err := s.RequestGet(ctx, "req-1"); return err },
		func(ctx context.Context) error { _, err := s.GrantGet(ctx, "g-1"); return err },
		func(ctx context.Context) error { _, err := s.EffectGet(ctx, "k-1"); return err },
		func(ctx context.Context) error { _, err := s.DirectoryGet(ctx); return err },
	} {
		require.NoError(t, get(t.Context()))
	}
	if c.jobs == nil {
		t.Skip("storetest.WithJobs not given: jobs not checked")
	}
	jobs := c.jobs(t, s)
	require.Len(t, jobs, 2)
	require.Equal(t, "activate_grant", jobs[0].Kind)
	require.JSONEq(t, `{"grant_id":"g-1"}`, string(jobs[0].EncodedArgs))
	require.WithinDuration(t, runAt, jobs[0].ScheduledAt, time.Millisecond)
	require.Equal(t, 100, jobs[0].MaxAttempts)
	require.Equal(t, "reconcile", jobs[1].Kind)
	require.False(t, jobs[1].ScheduledAt.After(time.Now()), "a job without RunAt runs now")
}

func testTxRollback(t *testing.T, s stint.Store, c *config) {
	boom := stint.Errorf(stint.EFORBIDDEN, "not allowed")
	err := txErr(t, s, func(ctx context.Context, tx stint.Tx) error {
		if err := writeEverything(ctx, tx, time.Time{}); err != nil {
			return err
		}
		return fmt.Errorf("after writing: %w", boom)
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
	requireNothingWritten(t, s, c)
}

func testTxPanic(t *testing.T, s stint.Store, c *config) {
	require.PanicsWithValue(t, "boom", func() {
		_ = txErr(t, s, func(ctx context.Context, tx stint.Tx) error {
			if err := writeEverything(ctx, tx, time.Time{}); err != nil {
				return err
			}
			panic("boom")
		})
	})
	requireNothingWritten(t, s, c)
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.RequestCreate(ctx, newRequest("req-2")) })
}

// testTxUsableAfterErrors checks that coded errors do not spoil the
// transaction: a caller may, say, try to create an effect, see ECONFLICT, and
// go on to update the existing one.
func testTxUsableAfterErrors(t *testing.T, s stint.Store, _ *config) {
	putEffect(t, s, newEffect("k-1"))
	createGrants(t, s, newGrant("g-1"))
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		if err := tx.EffectPut(ctx, newEffect("k-1")); !stint.IsCode(err, stint.ECONFLICT) {
			return fmt.Errorf("duplicate effect: want ECONFLICT, got %v", err)
		}
		stale := newGrant("g-1")
		stale.Version = 7
		if err := tx.GrantUpdate(ctx, stale); !stint.IsCode(err, stint.ECONFLICT) {
			return fmt.Errorf("stale grant: want ECONFLICT, got %v", err)
		}
		e, err := tx.EffectGet(ctx, "k-1")
		if err != nil {
			return err
		}
		e.Holders = append(e.Holders, "g-9")
		return tx.EffectPut(ctx, e)
	})
	got, err := s.EffectGet(t.Context(), "k-1")
	require.NoError(t, err)
	require.Equal(t, []string{"g-1", "g-2", "g-9"}, got.Holders)
}

func testEnqueueArgs(t *testing.T, s stint.Store, c *config) {
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.Enqueue(ctx) })
	err := txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.Enqueue(ctx, stint.Job{}) })
	requireCode(t, err, stint.EINVALID, "args")
	if c.jobs != nil {
		require.Empty(t, c.jobs(t, s))
	}
}

// testConcurrentCAS has writers increment one grant's Attempts, each retrying
// on ECONFLICT; half read outside the transaction, half inside it.
func testConcurrentCAS(t *testing.T, s stint.Store, _ *config) {
	const writers, increments = 20, 5
	g := newGrant("g-1")
	g.Attempts = 0
	createGrants(t, s, g)

	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for range increments {
				if err := increment(t.Context(), s, w%2 == 0); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := s.GrantGet(t.Context(), "g-1")
	require.NoError(t, err)
	require.Equal(t, writers*increments, got.Attempts)
	require.EqualValues(t, 1+writers*increments, got.Version)
}

// increment adds one to grant g-1's Attempts, retrying on ECONFLICT.
func increment(ctx context.Context, s stint.Store, readInTx bool) error {
	for {
		var g *stint.Grant
		var err error
		if !readInTx {
			if g, err = s.GrantGet(ctx, "g-1"); err != nil {
				return err
			}
		}
		err = s.Tx(ctx, func(tx stint.Tx) error {
			if readInTx {
				if g, err = tx.GrantGet(ctx, "g-1"); err != nil {
					return err
				}
			}
			g.Attempts++
			return tx.GrantUpdate(ctx, g)
		})
		if !stint.IsCode(err, stint.ECONFLICT) {
			return err
		}
	}
}

func testPing(t *testing.T, s stint.Store, _ *config) {
	require.NoError(t, s.Ping(t.Context()))
}
