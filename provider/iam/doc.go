// Package iam makes stint's IAM effects real in member accounts, which it
// reaches through an account.Assumer, and discovers IAM roles and groups
// there.
//
// An aws-iam-group effect is IAM user e.Subject in IAM group
// e.Spec["name"] in account e.AccountID. The IAM user is named as the
// requester's Identity Center (identity store) user name, by convention:
// stint never creates or deletes IAM users, so the user must exist. Grant
// is AddUserToGroup, Revoke is RemoveUserFromGroup, and Exists lists the
// user's groups. A membership made outside stint is standing access (the
// type AdoptsStanding): Exists finds it, and the service never removes it.
//
// An aws-iam-role effect lets the requester assume role e.Spec["name"]
// from their Identity Center session until e.Until. Grant adds (or
// updates) one statement that stint owns in the role's trust policy, its
// Sid derived from the effect key (StatementID):
//
//	{"Sid": "Stint<24 hex digits>", "Effect": "Allow",
//	 "Principal": {"AWS": <the account's Identity Center role ARNs>},
//	 "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
//	 "Condition": {"DateLessThan": {"aws:CurrentTime": "<Until, RFC 3339 UTC>"},
//	               "StringLike": {"aws:userid": "*:<user name>"}}}
//
// The principals are the roles Identity Center makes in the account
// (AWSReservedSSO_<permission set>_<hash> under /aws-reserved/sso.amazonaws.com/):
// only e.Spec["via_permission_set"]'s when set, otherwise all of them.
// Identity Center names a user's role sessions after their user name, and
// an assumed-role session's aws:userid is "ROLE_ID:SESSION_NAME", so only
// the requester's sessions match; DateLessThan makes AWS itself refuse new
// sessions after the end, even if stint is down. Revoke removes exactly
// that statement. The other statements are never touched: the document is
// decoded into its members and statements as they arrived and encoded
// again with theirs byte for byte. A trust policy left without statements
// gets one that denies everyone, since IAM wants at least one.
//
// IAM has no conditional update, so edits of one role are serialised in
// the process and each is verified: after UpdateAssumeRolePolicy the
// policy is read back, and when any statement differs from what was
// written (another writer's lost update) the edit starts again from a
// fresh read, a bounded number of times with backoff. So is IAM's
// MalformedPolicyDocument for a principal, which it answers for an
// Identity Center role created moments ago. A document that would exceed
// the account's trust policy length quota (Config.TrustPolicyLimit,
// default 2,048 characters not counting white space) is refused before
// anything is sent.
//
// With e.Spec["cutoff"] == "true", Revoke also puts the inline policy
// CutoffPolicyName on the role, denying every action to the role's
// sessions issued before the revocation (aws:TokenIssueTime). That ends
// every session of the role issued until then, not only the requester's:
// flows use it only for roles that nobody uses but through stint, and
// other holders simply assume the role again. A later cut-off replaces an
// earlier one.
//
// Calls are retried on throttling, ConcurrentModification and server
// errors by the SDK's standard retryer, Config.MaxAttempts attempts in
// all. docs/providers/iam-group.md and iam-role.md say what users do with
// the access and which IAM permissions stint needs in member accounts.
package iam
