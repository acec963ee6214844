package identityconfig

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// Ownership is what earlier applies created and recorded (the store's
// stint.Managed records). Diff deletes what it holds once the file stops
// declaring it, even without Prune; what it does not hold is left alone
// unless Prune is set.
type Ownership struct {
	Assignments    map[AssignmentKey]bool
	PermissionSets map[string]bool // ARNs
	Users, Groups  map[string]bool // identity store IDs
}

// OwnershipOf returns the ownership the records describe. Records of other
// kinds, and assignment keys that do not parse, are ignored.
func OwnershipOf(records []*stint.Managed) Ownership {
	o := Ownership{Assignments: map[AssignmentKey]bool{}, PermissionSets: map[string]bool{},
		Users: map[string]bool{}, Groups: map[string]bool{}}
	for _, m := range records {
		switch Kind(m.Kind) {
		case KindAssignment:
			if k, ok := ParseAssignmentKey(m.Key); ok {
				o.Assignments[k] = true
			}
		case KindPermissionSet:
			o.PermissionSets[m.Key] = true
		case KindUser:
			o.Users[m.Key] = true
		case KindGroup:
			o.Groups[m.Key] = true
		}
	}
	return o
}

// Len returns how many objects o holds.
func (o Ownership) Len() int {
	return len(o.Assignments) + len(o.PermissionSets) + len(o.Users) + len(o.Groups)
}

// String returns "ACCOUNT|PERMISSION_SET_ARN|PRINCIPAL_ID", the key of an
// assignment's stint.Managed record.
func (k AssignmentKey) String() string {
	return k.AccountID + "|" + k.PermissionSetARN + "|" + k.PrincipalID
}

// ParseAssignmentKey parses what AssignmentKey.String returns.
func ParseAssignmentKey(s string) (AssignmentKey, bool) {
	parts := strings.Split(s, "|")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return AssignmentKey{}, false
	}
	return AssignmentKey{AccountID: parts[0], PermissionSetARN: parts[1], PrincipalID: parts[2]}, true
}

// Recorder keeps ownership: Apply calls it after it creates (created
// true) or deletes (false) an assignment, permission set, user or group.
type Recorder func(ctx context.Context, m stint.Managed, created bool) error

// record calls the applier's Recorder, if any. A failure leaves AWS as
// applied; the error says what that means.
func (r *run) record(ctx context.Context, kind Kind, key, name string, created bool) error {
	if r.a.cfg.Record == nil || key == "" {
		return nil
	}
	m := stint.Managed{Kind: string(kind), Key: key, Name: name, CreatedAt: time.Now().UTC()}
	if err := r.a.cfg.Record(context.WithoutCancel(ctx), m, created); err != nil {
		if created {
			return fmt.Errorf("created in AWS, but recording that stint made it failed (a later apply will not delete it unless --prune): %w", err)
		}
		return fmt.Errorf("deleted in AWS, but forgetting stint's record of it failed: %w", err)
	}
	return nil
}

// StintTag marks the permission sets stint makes for resource grants (S3
// buckets, EC2 instances, EKS clusters, RDS databases): tag
// stint:managed=true, and a description that starts "stint: ".
const (
	StintTagKey           = "stint:managed"
	StintDescriptionStart = "stint: "
)

// IsStintManaged reports whether a live permission set is one stint makes
// for resource grants. Identity files never manage those: plan, apply
// (even with prune) and export leave them and their assignments alone.
func IsStintManaged(ps *LivePermissionSet) bool {
	return ps.Tags[StintTagKey] == "true" || strings.HasPrefix(ps.Description, StintDescriptionStart)
}

// withoutStintManaged returns live without the permission sets stint makes
// for resource grants and their assignments, and how many it left out.
func withoutStintManaged(live *Live) (*Live, int) {
	drop := map[string]bool{}
	for i := range live.PermissionSets {
		if IsStintManaged(&live.PermissionSets[i]) {
			drop[live.PermissionSets[i].ARN] = true
		}
	}
	if len(drop) == 0 {
		return live, 0
	}
	out := *live
	out.PermissionSets = nil
	for _, ps := range live.PermissionSets {
		if !drop[ps.ARN] {
			out.PermissionSets = append(out.PermissionSets, ps)
		}
	}
	out.Assignments = nil
	for _, a := range live.Assignments {
		if !drop[a.PermissionSetARN] {
			out.Assignments = append(out.Assignments, a)
		}
	}
	return &out, len(drop)
}
