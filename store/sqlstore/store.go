package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/stint-dev/stint"
)

// Store implements stint.Store, but for Ping and Close, on a database whose
// driver's transactions have type TTx (*sql.Tx, pgx.Tx).
type Store[TTx any] struct {
	Reader
	begin func(ctx context.Context) (TTx, Txn, error)
	river *river.Client[TTx]
}

// NewStore returns a Store that reads on q outside transactions, begins
// transactions with begin (which returns the driver's transaction and it as
// a Txn) and inserts jobs with client (an insert-only River client).
func NewStore[TTx any](d *Dialect, q Querier, client *river.Client[TTx],
	begin func(ctx context.Context) (TTx, Txn, error)) Store[TTx] {
	return Store[TTx]{Reader: Reader{d: d, q: q}, begin: begin, river: client}
}

// Tx runs fn in one transaction, committed when fn returns nil and rolled
// back when it returns an error (returned as is) or panics.
func (s *Store[TTx]) Tx(ctx context.Context, fn func(tx stint.Tx) error) error {
	raw, txn, err := s.begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", s.d.Translate(err))
	}
	defer func() {
		if p := recover(); p != nil {
			_ = txn.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
	}()
	tx := &Tx[TTx]{writer: writer{Reader: Reader{d: s.d, q: txn}, pending: &[]pendingEvent{}}, raw: raw, river: s.river}
	err = fn(tx)
	if err == nil {
		err = tx.seal(ctx)
	}
	if err != nil {
		if rbErr := txn.Rollback(context.WithoutCancel(ctx)); rbErr != nil {
			return errors.Join(err, fmt.Errorf("roll back: %w", rbErr))
		}
		return err
	}
	if err := txn.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", s.d.Translate(err))
	}
	return nil
}

// writer holds the writes of a Tx; they are not generic. pending are the
// events appended so far, sealed into the audit chain at commit.
type writer struct {
	Reader
	pending *[]pendingEvent
}

// Tx is a stint.Tx on one transaction of type TTx. Its reads see its writes.
type Tx[TTx any] struct {
	writer
	raw   TTx
	river *river.Client[TTx]
}

var _ stint.Tx = (*Tx[any])(nil)

// Enqueue inserts the jobs into River's job table in this transaction, so
// they exist exactly when the transaction commits.
func (t *Tx[TTx]) Enqueue(ctx context.Context, jobs ...stint.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	params, err := insertParams(jobs)
	if err != nil {
		return err
	}
	if _, err := t.river.InsertManyTx(ctx, t.raw, params); err != nil {
		return fmt.Errorf("enqueue %d jobs (first %s): %w", len(jobs), jobs[0].Args.Kind(), t.d.Translate(err))
	}
	return nil
}

// maxAttempts is how often River runs a job before discarding it.
const maxAttempts = 100

// insertParams converts stint jobs to River's insert parameters.
func insertParams(jobs []stint.Job) ([]river.InsertManyParams, error) {
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		if j.Args == nil {
			return nil, stint.Errorf(stint.EINVALID, "job %d of %d has no args", i+1, len(jobs))
		}
		params[i] = river.InsertManyParams{
			Args:       j.Args,
			InsertOpts: &river.InsertOpts{ScheduledAt: j.RunAt, MaxAttempts: maxAttempts},
		}
	}
	return params, nil
}

// SealLegacy seals, in one transaction, the events that have no place in
// the audit chain yet (written before it existed), oldest first, and
// returns how many. Stores call it when they open a database.
func (s *Store[TTx]) SealLegacy(ctx context.Context) (int, error) {
	var n int
	err := s.Tx(ctx, func(tx stint.Tx) error {
		var err error
		n, err = tx.(*Tx[TTx]).sealLegacy(ctx)
		return err
	})
	return n, err
}
