package stint

import "context"

// Provider makes effects real in AWS. Every method is idempotent: granting an
// effect that exists, or revoking one that is gone, succeeds.
type Provider interface {
	// Grant creates the effect and waits until AWS reports it done. It returns
	// an error carrying AWS's reason when AWS reports failure.
	Grant(ctx context.Context, e *Effect) error
	// Revoke removes the effect and waits until AWS reports it done.
	Revoke(ctx context.Context, e *Effect) error
	// Exists reports whether the effect exists in AWS now.
	Exists(ctx context.Context, e *Effect) (bool, error)
	// Directory reads users, groups, accounts and permission sets.
	Directory(ctx context.Context) (*Directory, error)
}
