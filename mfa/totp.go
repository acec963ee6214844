package mfa

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"image/png"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/stint-dev/stint"
)

// TOTP parameters: the RFC 6238 defaults, which every authenticator app
// uses.
const (
	Period = 30 * time.Second
	// Skew accepts the code of the step before and after the current one,
	// for clocks a little apart.
	Skew = 1
)

var opts = totp.ValidateOpts{Period: uint(Period / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Step returns the TOTP time step of t.
func Step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// Code returns the code of the secret (base32) at t: what an
// authenticator shows (tests compute codes with it).
func Code(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, opts)
}

// Match returns the time step whose code is code (within Skew of now), or
// -1. Every step is compared, in constant time, so the time taken does not
// depend on which step matched.
func Match(secret, code string, now time.Time) int64 {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return -1
	}
	step := Step(now)
	found := int64(-1)
	for s := step - Skew; s <= step+Skew; s++ {
		want, err := Code(secret, time.Unix(s*int64(Period/time.Second), 0))
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			found = s
		}
	}
	return found
}

// Key is a new TOTP secret and the otpauth:// URL an authenticator app
// reads from its QR code.
type Key struct {
	Secret string // base32, without padding
	URL    string
}

// NewKey returns a fresh 160-bit TOTP secret for account at issuer.
func NewKey(issuer, account string) (*Key, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: opts.Period,
		Digits: opts.Digits, Algorithm: opts.Algorithm})
	if err != nil {
		return nil, stint.Errorf(stint.EINTERNAL, "make a TOTP secret: %v", err)
	}
	return &Key{Secret: k.Secret(), URL: k.URL()}, nil
}

// KeyOf returns the Key of an existing secret (base32).
func KeyOf(issuer, account, secret string) (*Key, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil {
		return nil, stint.Errorf(stint.EINTERNAL, "a TOTP secret is not base32")
	}
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: opts.Period,
		Digits: opts.Digits, Algorithm: opts.Algorithm, Secret: raw})
	if err != nil {
		return nil, stint.Errorf(stint.EINTERNAL, "make a TOTP key: %v", err)
	}
	return &Key{Secret: k.Secret(), URL: k.URL()}, nil
}

// QR returns a PNG of the otpauth:// URL's QR code, size pixels square.
func QR(url string, size int) ([]byte, error) {
	k, err := otp.NewKeyFromURL(url)
	if err == nil && (k.Type() != "totp" || k.Secret() == "") {
		err = otp.ErrValidateInputInvalidLength
	}
	if err != nil {
		return nil, stint.Errorf(stint.EINVALID, "not an otpauth URL: %v", err)
	}
	img, err := k.Image(size, size)
	if err != nil {
		return nil, stint.Errorf(stint.EINTERNAL, "draw the QR code: %v", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, stint.Errorf(stint.EINTERNAL, "encode the QR code: %v", err)
	}
	return buf.Bytes(), nil
}

// NewRecoveryCodes returns n random recovery codes of 80 bits each, in
// four groups of four lower-case base32 characters ("abcd-efgh-ijkl-mnop").
func NewRecoveryCodes(n int) []string {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	out := make([]string, n)
	for i := range out {
		b := make([]byte, 10)
		_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
		s := strings.ToLower(enc.EncodeToString(b))
		out[i] = s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
	}
	return out
}

// Limiter bounds attempts per key (a user, an email, an address) to
// PerMinute in any minute, in this process. Attempts past the limit are
// not counted.
type Limiter struct {
	PerMinute int

	mu       sync.Mutex
	attempts map[string][]time.Time
}

// Allow records an attempt for key at now and reports whether the limit
// lets it in.
func (l *Limiter) Allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.attempts == nil {
		l.attempts = map[string][]time.Time{}
	}
	kept := l.attempts[key][:0]
	for _, t := range l.attempts[key] {
		if now.Sub(t) < time.Minute && !t.After(now) {
			kept = append(kept, t)
		}
	}
	if len(kept) >= max(l.PerMinute, 1) {
		l.attempts[key] = kept
		return false
	}
	l.attempts[key] = append(kept, now)
	if len(l.attempts) > 10000 { // bound memory under a spray of keys
		for k, ts := range l.attempts {
			if len(ts) == 0 || now.Sub(ts[len(ts)-1]) >= time.Minute {
				delete(l.attempts, k)
			}
		}
	}
	return true
}
