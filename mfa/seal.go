package mfa

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"strings"

	"github.com/stint-dev/stint"
)

// sealPrefix marks the format of a sealed value.
const sealPrefix = "v1:"

// Sealer seals secrets kept at rest (TOTP secrets) with AES-256-GCM, bound
// to a context (the owner's ID) so that a sealed value copied to another
// row does not open.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer of a 32-byte key given in base64 (standard
// or URL alphabet). It returns EINVALID for anything else, without
// echoing the key.
func NewSealer(key string) (*Sealer, error) {
	key = strings.TrimSpace(key)
	var raw []byte
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(key); err == nil {
			raw = b
			break
		}
	}
	if len(raw) != 32 {
		return nil, stint.Errorf(stint.EINVALID, "the sealing key must be 32 random bytes in base64 (make one with `head -c 32 /dev/urandom | base64`)")
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, stint.Errorf(stint.EINVALID, "the sealing key: %v", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, stint.Errorf(stint.EINTERNAL, "AES-GCM: %v", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal returns plain sealed for context.
func (s *Sealer) Seal(plain, context string) string {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte(context))
	return sealPrefix + base64.RawStdEncoding.EncodeToString(out)
}

// Open returns the plain text of a value Seal made for context. It
// returns EINTERNAL when the value is malformed, was sealed with another
// key or for another context.
func (s *Sealer) Open(sealed, context string) (string, error) {
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, sealPrefix))
	if err != nil || !strings.HasPrefix(sealed, sealPrefix) || len(b) < s.aead.NonceSize() {
		return "", stint.Errorf(stint.EINTERNAL, "a sealed secret is malformed")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(context))
	if err != nil {
		return "", stint.Errorf(stint.EINTERNAL, "a sealed secret does not open with this key; was externals.secret_key_env changed?")
	}
	return string(plain), nil
}
