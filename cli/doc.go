// Package cli is stint's command line: cobra commands that call the JSON API
// through package client, plus the server-side commands (serve, config
// validate, token create) that the app provides as functions in Options.
//
// Errors print as one line, "stint: <message>", on stderr, and exit codes
// come from one table (exitCodes): 0 ok, 1 internal, 2 invalid input or
// usage, 3 unauthorized, 4 forbidden, 5 not found, 6 conflict, 7 unavailable.
// Two commands answer with their exit code too: `stint can` exits 4 for a
// deny, and `stint flows test` 1 when a case fails.
package cli
