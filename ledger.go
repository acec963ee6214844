package stint

import "time"

// AccessInterval returns when a grant's access was, or may still be, in
// place in AWS: from its start until it ended (EndedAt) for an ended grant;
// for a grant that may still hold access (activating, active, revoking,
// failed) until the later of its end and now, since access lasts until it
// is removed. An extended grant's end is its extended end. ok is false for
// a grant that never gave access: ready, scheduled, ended without being
// activated, or ended before it started (revoked while scheduled).
//
// The interval errs on the side of access: it starts when the grant
// started activating, before AWS finished, and a grant whose activation
// failed counts as if it had succeeded.
func AccessInterval(g *Grant, now time.Time) (from, until time.Time, ok bool) {
	switch g.State {
	case GrantActivating, GrantActive, GrantRevoking, GrantFailed:
		until = g.EndsAt
		if now.After(until) {
			until = now
		}
	case GrantEnded:
		if g.EndReason == EndNotActivated {
			return time.Time{}, time.Time{}, false
		}
		until = g.EndsAt
		if g.EndedAt != nil {
			until = *g.EndedAt
		}
	default:
		return time.Time{}, time.Time{}, false
	}
	if !until.After(g.StartsAt) {
		return time.Time{}, time.Time{}, false
	}
	return g.StartsAt, until, true
}

// AccessOverlaps reports whether the grant's access (see AccessInterval)
// overlaps [from, until).
func AccessOverlaps(g *Grant, now, from, until time.Time) bool {
	start, end, ok := AccessInterval(g, now)
	return ok && start.Before(until) && end.After(from)
}

// AccessRecord is one grant in an answer about who had access: the grant,
// when its access was in place, and why it was given.
type AccessRecord struct {
	Grant *Grant `json:"grant"`
	// From and Until are the grant's access interval (AccessInterval).
	From  time.Time `json:"from"`
	Until time.Time `json:"until"`
	// Open marks access that may still be in place: Until is then the
	// later of the grant's end and the time of the answer.
	Open bool `json:"open,omitempty"`
	// Request is the request that gave the grant, with its reason, ticket
	// and reviews (nil when the store no longer has it).
	Request *Request `json:"request,omitempty"`
	// Extensions are the grant's extensions, oldest first.
	Extensions []GrantExtension `json:"extensions,omitempty"`
}

// GrantExtension is one extension of a grant, from its grant.extended
// event, with the extension request behind it when one was approved.
type GrantExtension struct {
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"` // who extended it ("system" for an approved extension request)
	By        string    `json:"by"`    // how much longer, e.g. "30m"
	EndsAt    time.Time `json:"ends_at"`
	RequestID string    `json:"request_id,omitempty"`
	Requester string    `json:"requester,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Reviews   []Review  `json:"reviews,omitempty"`
}

// AccessReport answers "who had access to resource R between two times"
// (Resource set) or "what could user U reach then" (User set), from the
// ledger of grants, oldest access first.
type AccessReport struct {
	Resource string         `json:"resource,omitempty"`
	User     string         `json:"user,omitempty"`
	From     time.Time      `json:"from"`
	Until    time.Time      `json:"until"`
	At       time.Time      `json:"at"` // when the answer was made; open access runs until then
	Records  []AccessRecord `json:"records"`
	// Truncated says more grants matched than the answer holds; narrow
	// the window.
	Truncated bool `json:"truncated,omitempty"`
}
