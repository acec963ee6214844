package stint

import "time"

// RequestState is where a request is in its lifecycle.
type RequestState string

// Request states: pending -> approved | denied | cancelled | expired.
const (
	RequestPending   RequestState = "pending"
	RequestApproved  RequestState = "approved"
	RequestDenied    RequestState = "denied"
	RequestCancelled RequestState = "cancelled"
	RequestExpired   RequestState = "expired" // not reviewed in time
)

// Request is one ask for access to one or more resources.
type Request struct {
	ID             string        `json:"id"`
	RequesterID    string        `json:"requester_id"` // identity store user ID
	RequesterEmail string        `json:"requester"`
	Flow           string        `json:"flow"`
	Resources      []ResourceRef `json:"resources"`
	Reason         string        `json:"reason"`
	Duration       Duration      `json:"duration"`
	StartsAt       *time.Time    `json:"starts_at,omitempty"` // scheduled start; nil means on approval
	State          RequestState  `json:"state"`
	Reviews        []Review      `json:"reviews"`
	AutoApproved   bool          `json:"auto_approved"`
	ReviewBy       time.Time     `json:"review_by"` // pending requests expire then
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	Version        int64         `json:"version"`
}

// ResourceRef names one Identity Center resource of a request.
type ResourceRef struct {
	ID               string `json:"id"` // aws-sso:ACCOUNT/PERMISSION_SET
	AccountID        string `json:"account_id"`
	AccountName      string `json:"account_name"`
	PermissionSet    string `json:"permission_set"`
	PermissionSetARN string `json:"permission_set_arn"`
}

// Review is one approver's decision.
type Review struct {
	ReviewerID    string    `json:"reviewer_id"`
	ReviewerEmail string    `json:"reviewer"`
	Decision      string    `json:"decision"` // "approve" or "deny"
	Comment       string    `json:"comment,omitempty"`
	At            time.Time `json:"at"`
}

// Terminal reports whether the request can no longer change.
func (s RequestState) Terminal() bool { return s != RequestPending }
