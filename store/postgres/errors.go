package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stint-dev/stint"
)

// translate maps driver errors that mean something to stint's callers to
// coded errors, and returns others unchanged.
func translate(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return stint.Errorf(stint.ECONFLICT, "a concurrent change got in the way; retry (%s)", pgErr.Message)
		case "23505": // unique_violation
			return stint.Errorf(stint.ECONFLICT, "already exists (%s)", pgErr.Message)
		}
		return err
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return stint.Errorf(stint.EUNAVAILABLE,
			"cannot connect to PostgreSQL: %v; check the DSN and that the server is running", connErr)
	}
	return err
}
