// Package sqlstore implements stint.Store on a SQL database, for the sqlite
// and postgres stores: the queries, row codecs, compare-and-swap writes,
// transactions that insert River jobs, and the bookkeeping of migrations.
//
// A store supplies what differs between databases: a Dialect (placeholders,
// how times and JSON columns are encoded, which driver errors mean what) and
// adapters that make its driver's handles a Querier. Statements are plain
// SQL built once per call; rows are scanned into typed destinations, with no
// reflection.
//
// Writes truncate the times of the value they are given to microseconds and
// convert them to UTC, in place, so that the value written equals the value
// read back.
package sqlstore
