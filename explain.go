package stint

// The policy engine's answers, shared by package policy (which computes
// them), the API and the Go client (which carry them).

// Explanation answers "may USER request RESOURCE?": the verdict, the flow
// that decided, what approval it needs, and for every flow considered why it
// did or did not allow.
type Explanation struct {
	Allowed     bool   `json:"allowed"`
	User        string `json:"user"`
	Resource    string `json:"resource"`
	Flow        string `json:"flow,omitempty"`
	AutoApprove bool   `json:"auto_approve"`
	// BreakGlass reports whether the user could use the flow's break-glass
	// access for this resource.
	BreakGlass  bool          `json:"break_glass"`
	MaxDuration Duration      `json:"max_duration,omitempty"`
	Steps       []RequestStep `json:"steps,omitempty"`
	Reasons     []FlowReason  `json:"reasons,omitempty"`
	// Summary is the verdict in one sentence; for a deny it is the message
	// of DecideRequest's error.
	Summary string `json:"summary,omitempty"`
}

// FlowReason says why one flow did or did not allow a request.
type FlowReason struct {
	Flow    string `json:"flow"`
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
}

// WhoCan is one person who may request a resource, through one flow.
type WhoCan struct {
	User        string   `json:"user"`
	Flow        string   `json:"flow"`
	AutoApprove bool     `json:"auto_approve"`
	BreakGlass  bool     `json:"break_glass"`
	MaxDuration Duration `json:"max_duration"`
	// Approvers are the approver references of every step, in order.
	Approvers []string `json:"approvers,omitempty"`
}
