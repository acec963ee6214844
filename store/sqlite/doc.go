// Package sqlite is stint's embedded default store: one SQLite file, opened
// with the pure-Go modernc.org/sqlite driver, holding stint's tables and
// River's job tables side by side so that state changes and the jobs they
// need commit in one transaction.
//
// The database has a single connection (River's SQLite driver asks for it,
// and SQLite has one writer anyway). Inside Store.Tx, use only the stint.Tx
// passed to fn: a call on the DB itself, or on DB.SQL, waits for the
// transaction's connection and blocks until its context ends.
//
// Times are stored in UTC with microsecond precision. Writes truncate the
// times of the value they are given to microseconds and convert them to UTC,
// in place, so that the value written equals the value read back.
package sqlite
