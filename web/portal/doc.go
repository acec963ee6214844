// Package portal is stint's web portal: server-rendered pages
// (html/template) for requesting, approving, seeing and revoking access,
// and for admins the grants, flows, audit log and health, served by `stint
// serve` at / beside the JSON API.
//
// Every page goes through access.Service, as the API does: the portal adds
// no rule of its own. The core paths (sign in, request, approve, deny,
// revoke, extend) are plain HTML forms that work without JavaScript; htmx
// (vendored from npm, embedded, see static/htmx.VERSION and
// scripts/vendor.sh) only enhances them, and a small external script runs
// the countdowns. No inline script or style: the Content-Security-Policy
// allows only the portal's own files.
//
// Sign-in is OpenID Connect (authorization code flow with PKCE, state and
// nonce checked) against any provider; the ID token's verified email is
// matched to an identity store user. Sessions live in the store: the
// browser holds a random 256-bit ID, the store its SHA-256; they expire
// when idle and at an absolute end, are replaced at sign-in (no fixation)
// and deleted at sign-out. Every state-changing form carries the session's
// CSRF token. A break-glass local admin login with a TOTP code, rate
// limited and locked after repeated failures, serves when the identity
// provider is down; each use is an audit event and a warning in the log.
package portal
