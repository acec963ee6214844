// Package review runs access review campaigns: it builds a campaign's items
// from its scope (the standing access of a discovery scan, the grants live
// or held in a window, narrowed by accounts, permission sets and types),
// finds each item's reviewers (the owners a flow names, the holder's
// manager from the identity store or the config, a group or a user),
// stores the campaign with its deadline and reminder jobs in one
// transaction, records decisions, closes campaigns at their deadline
// (auto-revoking what is undecided, when asked), reminds reviewers through
// audit events that webhooks and the Slack app deliver, carries the
// revocations out (grants through the service and its effect ledger,
// standing access through the providers) and writes the report auditors
// read (HTML and CSV).
//
// Authorisation is package access's: Engine trusts its callers.
package review
