package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/stint-dev/stint"
)

// signatureWindow is how far a request's timestamp may be from now, as
// Slack advises: older requests are refused, so a captured request cannot
// be replayed later, and the ones inside the window are remembered.
const signatureWindow = 5 * time.Minute

// verifier checks Slack's v0 request signatures and refuses replays.
type verifier struct {
	secret []byte
	now    func() time.Time

	mu        sync.Mutex
	seen      map[string]time.Time // signature -> when it leaves the window
	pruneSize int
}

func newVerifier(secret string, now func() time.Time) *verifier {
	return &verifier{secret: []byte(secret), now: now, seen: map[string]time.Time{}, pruneSize: 1024}
}

// verify checks that body came from Slack: X-Slack-Signature must be
// "v0=" + hex(HMAC-SHA256(secret, "v0:" + X-Slack-Request-Timestamp + ":" +
// body)), compared in constant time, with the timestamp within five minutes
// of now and the signature not seen before. It returns EUNAUTHORIZED
// saying which check failed.
func (v *verifier) verify(h http.Header, body []byte) error {
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if ts == "" || sig == "" {
		return stint.Errorf(stint.EUNAUTHORIZED, "missing X-Slack-Signature or X-Slack-Request-Timestamp; only Slack may call this URL")
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return stint.Errorf(stint.EUNAUTHORIZED, "X-Slack-Request-Timestamp %q is not a Unix time", ts)
	}
	at, now := time.Unix(secs, 0), v.now()
	if d := now.Sub(at).Abs(); d > signatureWindow {
		return stint.Errorf(stint.EUNAUTHORIZED, "request timestamp is %s from this server's clock (more than %s); refused as a possible replay (check the server's clock)",
			d.Round(time.Second), signatureWindow)
	}
	m := hmac.New(sha256.New, v.secret)
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	want := "v0=" + hex.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return stint.Errorf(stint.EUNAUTHORIZED, "bad request signature; check that the signing secret is the Slack app's")
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if until, ok := v.seen[sig]; ok && now.Before(until) {
		return stint.Errorf(stint.EUNAUTHORIZED, "this request was received already; replays are refused")
	}
	if len(v.seen) >= v.pruneSize {
		for s, until := range v.seen {
			if !now.Before(until) {
				delete(v.seen, s)
			}
		}
		v.pruneSize = max(1024, 2*len(v.seen))
	}
	v.seen[sig] = at.Add(signatureWindow)
	return nil
}
