package stint

import (
	"slices"
	"time"
)

// EffectState is whether stint believes the effect exists in AWS.
type EffectState string

// Effect states.
const (
	EffectCreating EffectState = "creating" // a create is on its way
	EffectPresent  EffectState = "present"
	EffectDeleting EffectState = "deleting" // the last holder ended; a delete is on its way
)

// Effect is one AWS-side fact that grants need: for Identity Center, "user U
// is assigned permission set P in account A". Several grants can hold one
// effect; it is removed only when its last holder ends, and never when it
// existed before stint (Preexisting).
type Effect struct {
	Key              string      `json:"key"`
	Kind             string      `json:"kind"` // "aws-sso"
	AccountID        string      `json:"account_id"`
	PermissionSetARN string      `json:"permission_set_arn"`
	PrincipalType    string      `json:"principal_type"` // USER
	PrincipalID      string      `json:"principal_id"`
	State            EffectState `json:"state"`
	Preexisting      bool        `json:"preexisting"`
	Holders          []string    `json:"holders"` // grant IDs
	CreatedAt        time.Time   `json:"created_at"`
	UpdatedAt        time.Time   `json:"updated_at"`
	Version          int64       `json:"version"`
}

// EffectKindSSO is the kind of Identity Center account assignment effects.
const EffectKindSSO = "aws-sso"

// SSOEffectKey is the key of the assignment of a permission set to a user in
// an account.
func SSOEffectKey(accountID, permissionSetARN, userID string) string {
	return EffectKindSSO + ":" + accountID + "|" + permissionSetARN + "|USER|" + userID
}

// NewSSOEffect returns the effect a grant needs, before it has holders.
func NewSSOEffect(g *Grant, now time.Time) *Effect {
	return &Effect{
		Key: g.EffectKey(), Kind: EffectKindSSO, AccountID: g.AccountID,
		PermissionSetARN: g.PermissionSetARN, PrincipalType: "USER", PrincipalID: g.UserID,
		State: EffectCreating, CreatedAt: now, UpdatedAt: now,
	}
}

// HeldBy reports whether the grant holds the effect.
func (e *Effect) HeldBy(grantID string) bool { return slices.Contains(e.Holders, grantID) }

// Hold returns a copy of the effect with the grant added as a holder.
func (e *Effect) Hold(grantID string, now time.Time) *Effect {
	next := *e
	next.Holders = append(slices.Clone(e.Holders), grantID)
	if e.HeldBy(grantID) {
		next.Holders = slices.Clone(e.Holders)
	}
	next.UpdatedAt = now
	return &next
}

// Release returns a copy of the effect without the grant, and whether the
// effect must now be deleted in AWS (no holders left, not pre-existing).
func (e *Effect) Release(grantID string, now time.Time) (*Effect, bool) {
	next := *e
	next.Holders = slices.DeleteFunc(slices.Clone(e.Holders), func(h string) bool { return h == grantID })
	next.UpdatedAt = now
	remove := len(next.Holders) == 0 && !e.Preexisting
	if remove {
		next.State = EffectDeleting
	}
	return &next, remove
}
