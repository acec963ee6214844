package eks

import (
	"context"

	"github.com/stint-dev/stint/provider/scoped"
)

// Scoped returns the scoped provider as the PermissionSets the EKS
// provider needs; the two packages' Permission types have the same fields.
func Scoped(p *scoped.Provider) PermissionSets { return scopedSets{p} }

type scopedSets struct{ p *scoped.Provider }

func (s scopedSets) Name(perm Permission) string {
	return scoped.PermissionSetName(scoped.Permission(perm))
}

func (s scopedSets) Ensure(ctx context.Context, perm Permission, userID string) (string, error) {
	return s.p.Ensure(ctx, scoped.Permission(perm), userID)
}

func (s scopedSets) Remove(ctx context.Context, perm Permission, userID, userName string, cutoff bool) error {
	return s.p.Remove(ctx, scoped.Permission(perm), userID, userName, cutoff)
}

func (s scopedSets) Has(ctx context.Context, perm Permission, userID string) (bool, error) {
	return s.p.Has(ctx, scoped.Permission(perm), userID)
}
