package stint

import "time"

// GrantState is where a grant is in its lifecycle.
type GrantState string

// Grant states: [ready ->] scheduled -> activating -> active -> revoking ->
// ended, or failed (with the AWS error; retried). A ready grant waits for its
// requester to activate it within the flow's activation window.
const (
	GrantReady      GrantState = "ready"
	GrantScheduled  GrantState = "scheduled"
	GrantActivating GrantState = "activating"
	GrantActive     GrantState = "active"
	GrantRevoking   GrantState = "revoking"
	GrantEnded      GrantState = "ended"
	GrantFailed     GrantState = "failed"
)

// Why a grant ended.
const (
	EndExpired      = "expired"
	EndRevoked      = "revoked"
	EndNotActivated = "not_activated" // a ready grant's activation window passed
)

// Grant is one principal's access to one resource for [StartsAt, EndsAt).
type Grant struct {
	ID               string     `json:"id"`
	RequestID        string     `json:"request_id"`
	Flow             string     `json:"flow"`
	UserID           string     `json:"user_id"`
	UserEmail        string     `json:"user"`
	ResourceID       string     `json:"resource_id"`
	AccountID        string     `json:"account_id"`
	AccountName      string     `json:"account_name"`
	PermissionSet    string     `json:"permission_set"`
	PermissionSetARN string     `json:"permission_set_arn"`
	State            GrantState `json:"state"`
	StartsAt         time.Time  `json:"starts_at"`
	EndsAt           time.Time  `json:"ends_at"` // for a ready grant: the end of its activation window
	// Duration is how long the access lasts once it starts.
	Duration   Duration   `json:"duration"`
	BreakGlass bool       `json:"break_glass,omitempty"`
	EndReason  string     `json:"end_reason,omitempty"` // expired | revoked
	EndedAt    *time.Time `json:"ended_at,omitempty"`
	RevokedBy  string     `json:"revoked_by,omitempty"`
	Extensions int        `json:"extensions"`
	// FailedOp is "activate" or "revoke" while the grant is failed.
	FailedOp  string    `json:"failed_op,omitempty"`
	LastError string    `json:"last_error,omitempty"`
	Attempts  int       `json:"attempts"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// EffectKey returns the key of the AWS effect this grant needs.
func (g *Grant) EffectKey() string {
	return SSOEffectKey(g.AccountID, g.PermissionSetARN, g.UserID)
}

// Live reports whether the grant may hold (or be about to hold) access.
func (s GrantState) Live() bool {
	return s == GrantReady || s == GrantScheduled || s == GrantActivating || s == GrantActive
}
