package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/stint-dev/stint"
)

// Report is what Verify found.
type Report struct {
	// Events is how many events were checked; Head the chain's head as
	// the store records it.
	Events int             `json:"events"`
	Head   stint.ChainHead `json:"head"`
	// Checkpoints counts the checkpoints checked (signature and link).
	Checkpoints int `json:"checkpoints"`
	// Anchor is the newest retention anchor: the events up to its Seq were
	// removed by retention, and the check started at the next one. Nil
	// when retention removed nothing.
	Anchor *stint.Anchor `json:"anchor,omitempty"`
	// Broken is the first broken link, nil when the trail is intact.
	Broken *Break `json:"broken,omitempty"`
}

// OK reports whether the trail is intact.
func (r *Report) OK() bool { return r.Broken == nil }

// Break is the first place where the trail is not what was written.
type Break struct {
	Seq     int64  `json:"seq"`                // where the chain breaks; 0 for events outside it
	EventID string `json:"event_id,omitempty"` // the event found there, if any
	Reason  string `json:"reason"`
}

func (b *Break) String() string {
	if b.EventID != "" {
		return fmt.Sprintf("at seq %d (event %s): %s", b.Seq, b.EventID, b.Reason)
	}
	return fmt.Sprintf("at seq %d: %s", b.Seq, b.Reason)
}

// KeyID is the fingerprint of a checkpoint public key: the first 16 hex
// digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// errStop ends the walk at the first break.
var errStop = errors.New("stop")

// Verify checks the whole trail in the store: every event's place (seq 1,
// 2, ... with no gap), its link to the one before, and its hash over its
// fields; that the store's head is the last event; and every checkpoint:
// its signature by one of keys (by KeyID; a checkpoint whose key is not
// given is reported) and that the event at its seq has its hash, so events
// removed from the end, or a chain rewritten after it, show.
//
// When retention removed the oldest events, the check starts at the
// oldest kept one: the newest retention anchor, signed by one of keys,
// vouches for its place (the seq before it and that event's hash), so
// events removed beyond the anchor, or an anchor moved, show as a break.
// Verify stops at the first break. It returns an error only when the store
// cannot be read.
func Verify(ctx context.Context, r stint.Reader, keys []ed25519.PublicKey) (*Report, error) {
	head, err := r.ChainHead(ctx)
	if err != nil {
		return nil, err
	}
	cps, err := r.CheckpointList(ctx)
	if err != nil {
		return nil, err
	}
	anchors, err := r.AnchorList(ctx)
	if err != nil {
		return nil, err
	}
	rep := &Report{Head: head}
	bySeq := map[int64]*stint.Checkpoint{}
	for _, c := range cps {
		if b := checkSignature("the checkpoint", c.Seq, c.KeyID, c.Signature, stint.CheckpointMessage(c), keys); b != nil {
			rep.Broken = b
			return rep, nil
		}
		bySeq[c.Seq] = c
		rep.Checkpoints++
	}
	for _, a := range anchors {
		if b := checkSignature("the retention anchor", a.Seq, a.KeyID, a.Signature, stint.AnchorMessage(a), keys); b != nil {
			rep.Broken = b
			return rep, nil
		}
		rep.Anchor = a // oldest first: the last is the newest
	}
	prev, want := "", int64(1)
	if a := rep.Anchor; a != nil {
		prev, want = a.Hash, a.Seq+1
		if c := bySeq[a.Seq]; c != nil && c.Hash != a.Hash {
			rep.Broken = &Break{Seq: a.Seq, Reason: "the retention anchor and the signed checkpoint at this place have different hashes: the chain was rewritten"}
			return rep, nil
		}
	}
	err = r.EventChain(ctx, want, func(e *stint.Event, data []byte) error {
		rep.Events++
		var b *Break
		switch {
		case e.Seq == 0:
			b = &Break{Seq: 0, EventID: e.ID, Reason: "the event has no place in the chain: it was written around the store"}
		case e.Seq != want && rep.Anchor != nil && e.Seq > want && want == rep.Anchor.Seq+1:
			missing := fmt.Sprintf("events %d to %d are", want, e.Seq-1)
			if e.Seq == want+1 {
				missing = fmt.Sprintf("event %d is", want)
			}
			b = &Break{Seq: want, EventID: e.ID, Reason: fmt.Sprintf("%s missing: retention removed events up to %d only (anchor of %s)",
				missing, rep.Anchor.Seq, rep.Anchor.Time.UTC().Format("2006-01-02T15:04:05Z"))}
		case e.Seq != want:
			b = &Break{Seq: want, EventID: e.ID, Reason: fmt.Sprintf("event %d is missing: the next one found is %d", want, e.Seq)}
		case e.PrevHash != prev:
			b = &Break{Seq: e.Seq, EventID: e.ID, Reason: "it does not link to the event before it: events were removed, reordered or rewritten"}
		case !hashMatches(prev, e, data):
			b = &Break{Seq: e.Seq, EventID: e.ID, Reason: "its hash does not match its content: the event was changed after it was written"}
		}
		if c := bySeq[e.Seq]; b == nil && c != nil && c.Hash != e.Hash {
			b = &Break{Seq: e.Seq, EventID: e.ID, Reason: "the signed checkpoint at this place has another hash: the chain was rewritten from here on"}
		}
		if b != nil {
			rep.Broken = b
			return errStop
		}
		prev, want = e.Hash, e.Seq+1
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	if rep.Broken != nil {
		return rep, nil
	}
	last := want - 1
	switch {
	case head.Seq != last || head.Hash != prev:
		rep.Broken = &Break{Seq: last + 1, Reason: fmt.Sprintf("the chain's head says %d events but %d were found: events were removed from the end", head.Seq, last)}
	default:
		for _, c := range cps {
			if c.Seq > last {
				rep.Broken = &Break{Seq: last + 1, Reason: fmt.Sprintf("a checkpoint signed at %s vouches for %d events but %d were found: events were removed from the end",
					c.Time.UTC().Format("2006-01-02T15:04:05Z"), c.Seq, last)}
				break
			}
		}
	}
	return rep, nil
}

// checkSignature checks a signed statement (what names it: "the
// checkpoint", "the retention anchor") at seq.
func checkSignature(what string, seq int64, keyID, signature string, msg []byte, keys []ed25519.PublicKey) *Break {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return &Break{Seq: seq, Reason: what + "'s signature is not base64"}
	}
	for _, k := range keys {
		if KeyID(k) == keyID {
			if !ed25519.Verify(k, msg, sig) {
				return &Break{Seq: seq, Reason: what + "'s signature is not valid: it was forged or changed"}
			}
			return nil
		}
	}
	return &Break{Seq: seq, Reason: fmt.Sprintf("%s is signed with key %s, which was not given; pass its public key", what, keyID)}
}

// hashMatches checks the event's hash over its data as stored (canonical
// already where the store keeps JSON as written), else over the data's
// canonical form (where the store reformats JSON, as PostgreSQL's jsonb
// does).
func hashMatches(prev string, e *stint.Event, stored []byte) bool {
	if stint.ChainHash(prev, e.Seq, e, stored) == e.Hash {
		return true
	}
	canon, err := stint.CanonicalRaw(stored)
	return err == nil && stint.ChainHash(prev, e.Seq, e, canon) == e.Hash
}
