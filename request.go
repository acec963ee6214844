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
	ID             string `json:"id"`
	RequesterID    string `json:"requester_id"` // identity store user ID
	RequesterEmail string `json:"requester"`
	// RequesterName is the requester's identity store user name.
	RequesterName string        `json:"requester_name,omitempty"`
	Flow          string        `json:"flow"`
	Resources     []ResourceRef `json:"resources"`
	Reason        string        `json:"reason"`
	Duration      Duration      `json:"duration"`
	StartsAt      *time.Time    `json:"starts_at,omitempty"` // scheduled start; nil means on approval
	// Ticket is the change or incident reference, when the flow asks for one.
	Ticket string `json:"ticket,omitempty"`
	// Bundle names the flow bundle requested, if any.
	Bundle string `json:"bundle,omitempty"`
	// BreakGlass marks an emergency request that bypassed approval.
	BreakGlass bool `json:"break_glass,omitempty"`
	// Cutoff is the flow's immediate_cutoff, fixed at submission: revoking
	// the grants ends sessions already issued.
	Cutoff bool `json:"cutoff,omitempty"`
	// Steps is the approval plan, fixed at submission.
	Steps []RequestStep `json:"steps,omitempty"`
	// ExtendsGrant, for an extension that needs re-approval, names the grant
	// to extend by ExtendBy once approved; such requests produce no grants.
	ExtendsGrant string       `json:"extends_grant,omitempty"`
	ExtendBy     Duration     `json:"extend_by,omitempty"`
	State        RequestState `json:"state"`
	Reviews      []Review     `json:"reviews"`
	AutoApproved bool         `json:"auto_approved"`
	ReviewBy     time.Time    `json:"review_by"` // pending requests expire then
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
	Version      int64        `json:"version"`
}

// RequestStep is one approval step of a request: who may approve, how many
// distinct approvals it needs, and who approved so far.
type RequestStep struct {
	Name      string   `json:"name"`
	Approvers []string `json:"approvers"` // "user:EMAIL" or "group:NAME"
	Quorum    int      `json:"quorum"`
	Approvals []string `json:"approvals,omitempty"` // approver emails
}

// Done reports whether the step has its quorum.
func (s *RequestStep) Done() bool { return len(s.Approvals) >= max(s.Quorum, 1) }

// CurrentStep returns the index of the first step without its quorum, or -1
// when every step is done.
func (r *Request) CurrentStep() int {
	for i := range r.Steps {
		if !r.Steps[i].Done() {
			return i
		}
	}
	return -1
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
