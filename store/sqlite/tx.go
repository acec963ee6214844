package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/stint-dev/stint"
)

// tx is a stint.Tx on one *sql.Tx. Its reads see its writes.
type tx struct {
	reader
	tx    *sql.Tx
	river *river.Client[*sql.Tx]
}

var _ stint.Tx = (*tx)(nil)

// Enqueue inserts the jobs into River's job table in this transaction, so
// they exist exactly when the transaction commits.
func (t *tx) Enqueue(ctx context.Context, jobs ...stint.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	params, err := insertParams(jobs)
	if err != nil {
		return err
	}
	if _, err := t.river.InsertManyTx(ctx, t.tx, params); err != nil {
		return fmt.Errorf("enqueue %d jobs (first %s): %w", len(jobs), jobs[0].Args.Kind(), translate(err))
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
