package stint

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// The audit trail is a hash chain: every event carries its place in the
// chain (Seq, from 1) and the hash of the event before it, and its own hash
// covers both and every field. Editing, deleting or reordering an event
// breaks the chain from there on; signed checkpoints of the chain's head
// reveal a truncated tail.

// ChainHash returns the hash of an event at its place in the chain: the
// hex SHA-256 of the previous hash, the sequence number, and the event's
// ID, time (microseconds, UTC), actor, type, subject and data (as
// CanonicalJSON returns it), each on a line of its own.
func ChainHash(prev string, seq int64, e *Event, data []byte) string {
	h := sha256.New()
	for _, part := range []string{prev, strconv.FormatInt(seq, 10), e.ID, e.Time.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano),
		e.Actor, e.Type, e.Subject} {
		h.Write([]byte(part))
		h.Write([]byte{'\n'})
	}
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// CanonicalJSON encodes an event's data as its hash covers it: JSON with
// object keys sorted and numbers as written, whatever types the values
// had, so that data read back from a store (which may reorder keys or turn
// structs into objects) encodes to the same bytes.
func CanonicalJSON(data map[string]any) ([]byte, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return CanonicalRaw(raw)
}

// CanonicalRaw is CanonicalJSON for encoded JSON.
func CanonicalRaw(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// ChainHead is the newest link of the event chain: zero before the first
// event.
type ChainHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// Checkpoint is a signed statement of the chain's head at a time: a
// verifier holding the public key detects events removed from the end of
// the chain, which the chain alone cannot show.
type Checkpoint struct {
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	Time      time.Time `json:"time"`
	KeyID     string    `json:"key_id"`    // the public key's fingerprint
	Signature string    `json:"signature"` // base64 ed25519 over CheckpointMessage
}

// CheckpointMessage is what a checkpoint's signature covers.
func CheckpointMessage(c *Checkpoint) []byte {
	return []byte("stint-checkpoint\n" + strconv.FormatInt(c.Seq, 10) + "\n" + c.Hash + "\n" +
		c.Time.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano))
}

// Anchor is a signed statement that retention removed the chain's events
// up to Seq, whose hash was Hash: the oldest kept event (Seq+1) links to
// it, so the kept tail still verifies and a truncation beyond it shows.
// It is signed with the checkpoint key over AnchorMessage, which differs
// from a checkpoint's, so a checkpoint cannot pass for an anchor.
type Anchor struct {
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	Time      time.Time `json:"time"` // when the events were removed
	KeyID     string    `json:"key_id"`
	Signature string    `json:"signature"`
	// Pruned is how many events this removal deleted (not signed).
	Pruned int64 `json:"pruned"`
}

// AnchorMessage is what an anchor's signature covers.
func AnchorMessage(a *Anchor) []byte {
	return []byte("stint-anchor\n" + strconv.FormatInt(a.Seq, 10) + "\n" + a.Hash + "\n" +
		a.Time.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano))
}

// ForwardCursor is how far the audit trail has gone to one forwarding
// destination: every event up to Seq, in chain order. Forwarders move it
// with compare-and-swap on Version, so two leaders never both move it.
type ForwardCursor struct {
	Name string `json:"name"`
	Seq  int64  `json:"seq"`
	// ForwardedAt is when Seq last moved; AttemptedAt when the last
	// delivery was tried, and LastError why it failed ("" when it did not).
	ForwardedAt time.Time `json:"forwarded_at"`
	AttemptedAt time.Time `json:"attempted_at"`
	LastError   string    `json:"last_error,omitempty"`
	Version     int64     `json:"version"`
}
