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
	ID               string `json:"id"`
	RequestID        string `json:"request_id"`
	Flow             string `json:"flow"`
	UserID           string `json:"user_id"`
	UserEmail        string `json:"user"`
	ResourceID       string `json:"resource_id"`
	AccountID        string `json:"account_id"`
	AccountName      string `json:"account_name"`
	PermissionSet    string `json:"permission_set,omitempty"`
	PermissionSetARN string `json:"permission_set_arn,omitempty"`
	// Type is the resource's type; "" means aws-sso (grants made before
	// other types existed).
	Type ResourceType `json:"type,omitempty"`
	// Name, Level, Namespace, ResourceARN and Attributes locate a resource
	// of another type, as in ResourceRef.
	Name        string            `json:"name,omitempty"`
	Level       string            `json:"level,omitempty"`
	Namespace   string            `json:"namespace,omitempty"`
	ResourceARN string            `json:"resource_arn,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	// UserName is the requester's identity store user name: the session
	// name Identity Center gives their role sessions, and the IAM user
	// name that IAM group grants add.
	UserName string `json:"user_name,omitempty"`
	// Cutoff asks the revocation to end sessions already issued, where
	// the resource's type allows (the flow's immediate_cutoff).
	Cutoff   bool       `json:"cutoff,omitempty"`
	State    GrantState `json:"state"`
	StartsAt time.Time  `json:"starts_at"`
	EndsAt   time.Time  `json:"ends_at"` // for a ready grant: the end of its activation window
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

// EffectKey returns the key of the AWS effect this grant needs: grants of
// one user to one resource share it.
func (g *Grant) EffectKey() string {
	if g.Type.Or() == ResourceSSO {
		return SSOEffectKey(g.AccountID, g.PermissionSetARN, g.UserID)
	}
	ref := g.Ref()
	return string(g.Type) + ":" + g.AccountID + "|" + ref.localName() + "|USER|" + g.UserID
}

// Ref returns the resource the grant is for.
func (g *Grant) Ref() ResourceRef {
	return ResourceRef{ID: g.ResourceID, Type: g.Type, AccountID: g.AccountID, AccountName: g.AccountName,
		PermissionSet: g.PermissionSet, PermissionSetARN: g.PermissionSetARN, Name: g.Name, Level: g.Level,
		Namespace: g.Namespace, ARN: g.ResourceARN, Attributes: g.Attributes}
}

// Label is what a person reads of the grant's resource: the permission
// set, or "read on S3 bucket payments-logs".
func (g *Grant) Label() string {
	ref := g.Ref()
	return ref.Label()
}

// Live reports whether the grant may hold (or be about to hold) access.
func (s GrantState) Live() bool {
	return s == GrantReady || s == GrantScheduled || s == GrantActivating || s == GrantActive
}
