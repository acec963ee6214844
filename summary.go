package stint

import "time"

// Summary is the audit report of a period (a week, usually): how access
// was asked for and used, from the ledger and the audit trail.
type Summary struct {
	From        time.Time `json:"from"`
	Until       time.Time `json:"until"`
	GeneratedAt time.Time `json:"generated_at"`
	// Requests counts what happened to requests in the period.
	Requests RequestCounts `json:"requests"`
	// GrantsByFlow counts, per flow, the grants whose access overlapped
	// the period, busiest flow first.
	GrantsByFlow []FlowCount `json:"grants_by_flow"`
	// BreakGlass lists the emergency requests that bypassed approval.
	BreakGlass []BreakGlassUse `json:"break_glass"`
	// Denied lists the denied requests, with who denied them and why.
	Denied []DeniedRequest `json:"denied"`
	// TopRequesters are the users who submitted most requests (at most
	// 10), with how many grants they held in the period.
	TopRequesters []RequesterCount `json:"top_requesters"`
	// LongestGrants are the grants whose access lasted longest (at most
	// 10), overlapping the period; extensions count.
	LongestGrants []GrantSpan `json:"longest_grants"`
	// Truncated says the period had more grants than the report reads
	// (10,000); the grant figures then cover the first ones only.
	Truncated bool `json:"truncated,omitempty"`
}

// RequestCounts counts request events of a period.
type RequestCounts struct {
	Submitted  int `json:"submitted"`
	Approved   int `json:"approved"`
	Denied     int `json:"denied"`
	Expired    int `json:"expired"`
	Cancelled  int `json:"cancelled"`
	BreakGlass int `json:"break_glass"`
}

// FlowCount is how much a flow was used.
type FlowCount struct {
	Flow       string `json:"flow"`
	Grants     int    `json:"grants"`
	Started    int    `json:"started"` // of which started in the period
	Users      int    `json:"users"`
	BreakGlass int    `json:"break_glass"`
}

// BreakGlassUse is one emergency request.
type BreakGlassUse struct {
	At        time.Time `json:"at"`
	RequestID string    `json:"request_id"`
	User      string    `json:"user"`
	Flow      string    `json:"flow"`
	Resources []string  `json:"resources"`
	Reason    string    `json:"reason"`
}

// DeniedRequest is one denied request.
type DeniedRequest struct {
	At        time.Time `json:"at"`
	RequestID string    `json:"request_id"`
	Requester string    `json:"requester"`
	Flow      string    `json:"flow"`
	DeniedBy  string    `json:"denied_by"`
	Reason    string    `json:"reason"`
}

// RequesterCount is one user's requests and grants in a period.
type RequesterCount struct {
	User     string `json:"user"`
	Requests int    `json:"requests"`
	Grants   int    `json:"grants"`
}

// GrantSpan is a grant with how long its access lasted.
type GrantSpan struct {
	GrantID    string    `json:"grant_id"`
	User       string    `json:"user"`
	Resource   string    `json:"resource"`
	Flow       string    `json:"flow"`
	From       time.Time `json:"from"`
	Until      time.Time `json:"until"`
	Duration   Duration  `json:"duration"`
	Extensions int       `json:"extensions"`
	Open       bool      `json:"open,omitempty"` // access may still be in place
}
