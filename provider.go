package stint

import "context"

// EffectProvider makes effects of some kinds real in AWS. Every method is
// idempotent: granting an effect that exists, or revoking one that is gone,
// succeeds. Granting a timed effect again with a later Until moves its end
// in AWS.
type EffectProvider interface {
	// Grant creates the effect and waits until AWS reports it done. It
	// returns an error carrying AWS's reason when AWS reports failure.
	Grant(ctx context.Context, e *Effect) error
	// Revoke removes the effect and waits until AWS reports it done. With
	// e.Spec["cutoff"] set it also ends the sessions the effect's access
	// issued, where the kind allows.
	Revoke(ctx context.Context, e *Effect) error
	// Exists reports whether the effect exists in AWS now.
	Exists(ctx context.Context, e *Effect) (bool, error)
}

// Provider is what the service needs of AWS: effects of every kind, and
// the directory (Identity Center and the discovered resources).
type Provider interface {
	EffectProvider
	// Directory reads users, groups, accounts and permission sets, and
	// the resources flows can grant.
	Directory(ctx context.Context) (*Directory, error)
}

// Discoverer finds resources of some types in member accounts.
type Discoverer interface {
	// Types lists the resource types it discovers.
	Types() []ResourceType
	// Discover lists the resources of type t in the accounts. An account
	// it cannot read (AssumeRole denied, the API refused) is reported as a
	// DiscoveryError and the others are still read; the error return is
	// for the context ending.
	Discover(ctx context.Context, t ResourceType, accounts []Account, opts DiscoverOptions) ([]Resource, []DiscoveryError, error)
}

// DiscoverOptions say what discovery must read.
type DiscoverOptions struct {
	// Tags asks for the resources' tags where they cost a call per
	// resource (S3 buckets, IAM roles); without it those come without
	// tags. Selectors that match tags need them.
	Tags bool
}
