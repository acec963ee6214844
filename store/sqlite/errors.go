package sqlite

import (
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/stint-dev/stint"
)

// translate maps driver errors that mean something to stint's callers to
// coded errors, and returns others unchanged.
func translate(err error) error {
	var e *sqlite.Error
	if errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY {
		return stint.Errorf(stint.EUNAVAILABLE,
			"the SQLite database is locked by another process; retry, or stop the other process (%v)", err)
	}
	return err
}
