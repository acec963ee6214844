// Package client is the Go client of stint's JSON API (package web), used by
// the CLI. Methods return the root package's types, or for the policy
// answers (Can, WhoCan) mirrors of package policy's types, so that the
// client does not depend on the policy engine. API errors come back as
// *stint.Error carrying the server's code and message, and a server that
// cannot be reached as stint.EUNAVAILABLE, so callers map codes once.
package client
