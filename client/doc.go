// Package client is the Go client of stint's JSON API (package web), used by
// the CLI. Every method returns the root package's types; API errors come
// back as *stint.Error carrying the server's code and message, and a server
// that cannot be reached as stint.EUNAVAILABLE, so callers map codes once.
package client
