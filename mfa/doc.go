// Package mfa is stint's second factor: TOTP codes (RFC 6238 as every
// authenticator app uses them: 6 digits, 30 s steps, SHA-1), matched in
// constant time within one step of skew and reported by time step so that
// callers can refuse a step used before (single use); a per-key rate
// limiter; QR codes of otpauth:// URLs; recovery codes; and the sealing of
// TOTP secrets at rest (AES-256-GCM). The break-glass login of the portal
// and the third-party (external) users both build on it.
package mfa
