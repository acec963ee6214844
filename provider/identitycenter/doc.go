// Package identitycenter makes stint effects real in AWS IAM Identity Center:
// a grant becomes an account assignment (user U, permission set P, account
// A), created and deleted through the sso-admin API and verified through its
// status API. It also reads the directory stint mirrors: identity store users
// and groups, the organisation's accounts with their OU paths and tags, and
// the permission sets.
//
// Identity Center's quotas are physical limits here: about 20 requests per
// second across its APIs, and at most 10 assignment creations in progress.
// Every call goes through one Limiter, a token bucket that serves creations
// and deletions before status polls and polls before reads, and that bounds
// creations in flight. Throttling, ConflictException (another operation on
// the same account and permission set is in progress) and server errors are
// retried with capped exponential backoff and full jitter; each retry takes a
// token like a first attempt.
//
// The same code runs against moto_server in tests: set AWS_ENDPOINT_URL, or
// pass an aws.Config with a BaseEndpoint.
package identitycenter
