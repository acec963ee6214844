package stint

import "time"

// Managed records something that `stint apply` created in Identity Center:
// an account assignment, a permission set, a user or a group. Apply deletes
// what it created once the identity file stops declaring it, even without
// --prune; what it did not create is left alone unless --prune is given.
type Managed struct {
	// Kind is "assignment", "permission_set", "user" or "group".
	Kind string `json:"kind"`
	// Key identifies it in AWS: the ARN of a permission set, the ID of a
	// user or group, "ACCOUNT|PERMISSION_SET_ARN|PRINCIPAL_ID" for an
	// assignment.
	Key string `json:"key"`
	// Name is what a person reads: "group:Ops → ReadOnly in prod-web".
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// ManagedListParams filters ManagedList. Results are in (kind, key) order.
type ManagedListParams struct {
	Kind string // "" means every kind
}
