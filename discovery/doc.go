// Package discovery finds the standing access of an organisation and turns
// it into on-demand access (`stint discover`).
//
// A Scanner inventories, across every account: Identity Center's
// permission sets (what their managed, inline and customer managed
// policies allow, judged admin-equivalent, write or read) and every
// account assignment, groups expanded to their members; and each member
// account's IAM, reached through the member role (provider/account): users
// with their console passwords, access keys and MFA (from the credential
// report), groups, policies, the roles that other accounts or anyone may
// assume, the roles Identity Center made for permission sets with their
// last use, and service last accessed data where the endpoint offers it.
// Identity Center calls go through the shared limiter; accounts are read
// Parallel at a time. What stint holds for grants (its ledger's effects
// and its own stint-* permission sets) is inventoried apart and never
// judged as standing. An account whose role refuses is reported as not
// scanned, with the reason, and the scan goes on.
//
// Analyze turns an inventory into findings with a score from 0 to 100 and
// a one-line reason: standing admin, access unused for Thresholds.UnusedDays,
// long-lived access keys, IAM users without MFA, roles that principals
// outside the organisation may assume, and the same access held by many
// people. docs/discovery.md has the rules and the score formula.
//
// Propose writes flows that give the people with standing access the same
// access on demand (approvals by risk), validated as the config would be
// and checked with the policy engine, and an identity file whose
// `stint apply --prune` removes the standing assignments those flows
// replace, next to an export of the state before (to undo). Nothing in AWS
// changes until the admin applies it.
package discovery
