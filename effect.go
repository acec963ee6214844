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
	Key string `json:"key"`
	// Kind is the resource type whose access this is ("aws-sso",
	// "aws-s3", ...; see ResourceType).
	Kind             string `json:"kind"`
	AccountID        string `json:"account_id"`
	PermissionSetARN string `json:"permission_set_arn,omitempty"`
	PrincipalType    string `json:"principal_type"` // USER
	PrincipalID      string `json:"principal_id"`   // identity store user ID
	// Target is, for other kinds than aws-sso, the resource within the
	// account: "NAME[/NAMESPACE][:LEVEL]" as in its resource ID.
	Target string `json:"target,omitempty"`
	// Subject is the user's identity store user name: their role sessions'
	// name and the IAM user name of IAM group grants.
	Subject string `json:"subject,omitempty"`
	// Spec is what the provider needs besides: "name", "level",
	// "namespace", "arn" and the resource's attributes; "cutoff" when the
	// revocation should end sessions already issued.
	Spec map[string]string `json:"spec,omitempty"`
	// Until, for timed kinds, is the latest end among the holders: AWS is
	// told to stop access then even if stint cannot act.
	Until       *time.Time  `json:"until,omitempty"`
	State       EffectState `json:"state"`
	Preexisting bool        `json:"preexisting"`
	Holders     []string    `json:"holders"` // grant IDs
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	Version     int64       `json:"version"`
}

// EffectKindSSO is the kind of Identity Center account assignment effects.
const EffectKindSSO = "aws-sso"

// SSOEffectKey is the key of the assignment of a permission set to a user in
// an account.
func SSOEffectKey(accountID, permissionSetARN, userID string) string {
	return EffectKindSSO + ":" + accountID + "|" + permissionSetARN + "|USER|" + userID
}

// NewEffect returns the effect a grant needs, before it has holders.
func NewEffect(g *Grant, now time.Time) *Effect {
	e := &Effect{
		Key: g.EffectKey(), Kind: string(g.Type.Or()), AccountID: g.AccountID,
		PrincipalType: "USER", PrincipalID: g.UserID, Subject: g.UserName,
		State: EffectCreating, CreatedAt: now, UpdatedAt: now,
	}
	if g.Type.Or() == ResourceSSO {
		e.PermissionSetARN = g.PermissionSetARN
		return e
	}
	ref := g.Ref()
	e.Target = ref.localName()
	e.Spec = map[string]string{"name": g.Name}
	for k, v := range map[string]string{"level": g.Level, "namespace": g.Namespace, "arn": g.ResourceARN} {
		if v != "" {
			e.Spec[k] = v
		}
	}
	for k, v := range g.Attributes {
		if _, taken := e.Spec[k]; !taken {
			e.Spec[k] = v
		}
	}
	if g.Type.Timed() {
		until := g.EndsAt
		e.Until = &until
	}
	return e
}

// NewSSOEffect is NewEffect for an Identity Center grant.
func NewSSOEffect(g *Grant, now time.Time) *Effect { return NewEffect(g, now) }

// Type returns the resource type of the effect's kind.
func (e *Effect) Type() ResourceType { return ResourceType(e.Kind) }

// Extends returns a copy whose Until reaches end, and whether it moved:
// a timed effect must then be granted again so that AWS knows.
func (e *Effect) Extends(end time.Time) (*Effect, bool) {
	if !e.Type().Timed() || (e.Until != nil && !end.After(*e.Until)) {
		return e, false
	}
	next := *e
	next.Until = &end
	return &next, true
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
