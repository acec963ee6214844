package policy

import "github.com/stint-dev/stint"

// The engine's answers live in the root package, so the API client can carry
// them without depending on the engine.
type (
	// Explanation answers "may USER request RESOURCE?".
	Explanation = stint.Explanation
	// FlowReason says why one flow did or did not allow a request.
	FlowReason = stint.FlowReason
	// WhoCan is one person who may request a resource, through one flow.
	WhoCan = stint.WhoCan
)
