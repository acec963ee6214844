package stint

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// Session is a signed-in (or signing-in) browser of the portal. The
// browser holds a random 256-bit secret in a cookie; only its SHA-256 hash
// is stored, so a copy of the store signs nobody in.
type Session struct {
	Hash string `json:"-"`
	// UserEmail is who signed in; "" for a session that is still signing
	// in (it carries the OIDC state, nonce and PKCE verifier).
	UserEmail string `json:"user,omitempty"`
	// Method is how the user signed in: "oidc", "local" (break-glass) or
	// "external" (a third party, with TOTP).
	Method string `json:"method,omitempty"`
	// CSRF is the token every state-changing form of the session carries.
	CSRF string `json:"-"`
	// Data holds what a sign-in in progress needs (state, nonce, PKCE
	// verifier, where to go back to).
	Data      map[string]string `json:"-"`
	CreatedAt time.Time         `json:"created_at"`
	SeenAt    time.Time         `json:"seen_at"`
	// ExpiresAt is the absolute end of the session, whatever its use.
	ExpiresAt time.Time `json:"expires_at"`
}

// Session sign-in methods. An external user's session (TOTP) holds their
// ID ("ext:...") in UserEmail.
const (
	SessionOIDC     = "oidc"
	SessionLocal    = "local"
	SessionExternal = "external"
)

// NewSessionSecret returns a fresh random 256-bit session secret (URL-safe
// base64) and the hash the store keeps.
func NewSessionSecret() (secret, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSession(secret)
}

// HashSession returns the hex SHA-256 of a session secret, as stored.
func HashSession(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Expired reports whether the session has ended at now: past its absolute
// end, or unused for longer than idle (0: no idle limit).
func (s *Session) Expired(now time.Time, idle time.Duration) bool {
	if !now.Before(s.ExpiresAt) {
		return true
	}
	return idle > 0 && !now.Before(s.SeenAt.Add(idle))
}
