package audit

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// Signer signs checkpoints of the chain's head.
type Signer struct {
	Key ed25519.PrivateKey
	Now func() time.Time // default time.Now
}

// ParsePrivateKey reads an ed25519 private key from base64: the 32-byte
// seed or the 64-byte private key. It returns EINVALID for anything else.
func ParsePrivateKey(s string) (ed25519.PrivateKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, stint.Errorf(stint.EINVALID, "the checkpoint key is not base64; generate one with `stint audit keygen`")
	}
	switch len(b) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(b), nil
	case ed25519.PrivateKeySize:
		return ed25519.PrivateKey(b), nil
	}
	return nil, stint.Errorf(stint.EINVALID, "the checkpoint key has %d bytes; an ed25519 key has 32 (seed) or 64; generate one with `stint audit keygen`", len(b))
}

// ParsePublicKey reads an ed25519 public key from base64.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, stint.Errorf(stint.EINVALID, "%q is not a base64 ed25519 public key (32 bytes)", s)
	}
	return ed25519.PublicKey(b), nil
}

// Sign returns a checkpoint of the head.
func (s *Signer) Sign(head stint.ChainHead) *stint.Checkpoint {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	c := &stint.Checkpoint{Seq: head.Seq, Hash: head.Hash, Time: now().UTC().Truncate(time.Microsecond),
		KeyID: KeyID(s.Key.Public().(ed25519.PublicKey))}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(s.Key, stint.CheckpointMessage(c)))
	return c
}

// Checkpoint signs the store's head and records it, unless the head has not
// moved since the last checkpoint. It returns the checkpoint, or nil.
func (s *Signer) Checkpoint(ctx context.Context, store stint.Store) (*stint.Checkpoint, error) {
	head, err := store.ChainHead(ctx)
	if err != nil {
		return nil, err
	}
	cps, err := store.CheckpointList(ctx)
	if err != nil {
		return nil, err
	}
	if head.Seq == 0 || (len(cps) > 0 && cps[len(cps)-1].Seq == head.Seq) {
		return nil, nil
	}
	c := s.Sign(head)
	if err := store.Tx(ctx, func(tx stint.Tx) error { return tx.CheckpointPut(ctx, c) }); err != nil {
		return nil, fmt.Errorf("record checkpoint: %w", err)
	}
	return c, nil
}

// SignAnchor returns a signed retention anchor: the events up to seq, the
// last of which has hash, are removed now.
func (s *Signer) SignAnchor(seq int64, hash string) *stint.Anchor {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	a := &stint.Anchor{Seq: seq, Hash: hash, Time: now().UTC().Truncate(time.Microsecond),
		KeyID: KeyID(s.Key.Public().(ed25519.PublicKey))}
	a.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(s.Key, stint.AnchorMessage(a)))
	return a
}

// PublicKey returns the signer's public key.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.Key.Public().(ed25519.PublicKey) }
