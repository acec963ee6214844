// Package provider puts stint's AWS providers together. Router sends each
// effect to the provider of its kind and builds the directory: Identity
// Center's users, groups, accounts and permission sets, and the resources
// the discoverers find in the accounts that flows select.
package provider

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/stint-dev/stint"
)

// Router is a stint.Provider made of one provider per resource type.
type Router struct {
	// Identity reads the Identity Center directory and makes aws-sso
	// effects. Required.
	Identity stint.Provider
	// Effects make the effects of the other types.
	Effects map[stint.ResourceType]stint.EffectProvider
	// Discoverers find the resources of the other types.
	Discoverers []stint.Discoverer
	// Wanted returns the selectors of every flow and bundle, read at each
	// Directory call: only their types are discovered, only in the
	// accounts they select. Default: nothing is discovered.
	Wanted func() []stint.Selector
	Logger *slog.Logger
}

var _ stint.Provider = (*Router)(nil)

func (r *Router) route(e *stint.Effect) (stint.EffectProvider, error) {
	t := e.Type().Or()
	if t == stint.ResourceSSO {
		return r.Identity, nil
	}
	if p, ok := r.Effects[t]; ok {
		return p, nil
	}
	return nil, stint.Errorf(stint.EINVALID, "no provider for %s resources is configured; effect %s cannot be made", t, e.Key)
}

// Grant creates the effect with its kind's provider.
func (r *Router) Grant(ctx context.Context, e *stint.Effect) error {
	p, err := r.route(e)
	if err != nil {
		return err
	}
	return p.Grant(ctx, e)
}

// Revoke removes the effect with its kind's provider.
func (r *Router) Revoke(ctx context.Context, e *stint.Effect) error {
	p, err := r.route(e)
	if err != nil {
		return err
	}
	return p.Revoke(ctx, e)
}

// Exists asks the effect's kind's provider.
func (r *Router) Exists(ctx context.Context, e *stint.Effect) (bool, error) {
	p, err := r.route(e)
	if err != nil {
		return false, err
	}
	return p.Exists(ctx, e)
}

// Directory reads Identity Center, then discovers the wanted types in the
// accounts their selectors match. An account or type that cannot be read
// is recorded in DiscoveryErrors (and logged); Identity Center failing is
// an error.
func (r *Router) Directory(ctx context.Context) (*stint.Directory, error) {
	d, err := r.Identity.Directory(ctx)
	if err != nil {
		return nil, err
	}
	if r.Wanted == nil {
		return d, nil
	}
	wanted := r.Wanted()
	for _, t := range stint.ResourceTypes {
		accounts := selectedAccounts(d, wanted, t)
		if len(accounts) == 0 {
			continue
		}
		disc := r.discoverer(t)
		if disc == nil {
			d.DiscoveryErrors = append(d.DiscoveryErrors, stint.DiscoveryError{Type: t,
				Error: fmt.Sprintf("flows select %s resources, but no provider for them is configured", t)})
			continue
		}
		found, errs, err := disc.Discover(ctx, t, accounts, stint.DiscoverOptions{Tags: wantsTags(wanted, t)})
		if err != nil {
			return nil, fmt.Errorf("discover %s resources: %w", t, err)
		}
		d.Resources = append(d.Resources, found...)
		d.DiscoveryErrors = append(d.DiscoveryErrors, errs...)
		for _, de := range errs {
			cmp.Or(r.Logger, slog.Default()).Warn("discovery incomplete", "type", t, "account", de.AccountID, "err", de.Error)
		}
	}
	return d, nil
}

func (r *Router) discoverer(t stint.ResourceType) stint.Discoverer {
	for _, d := range r.Discoverers {
		if slices.Contains(d.Types(), t) {
			return d
		}
	}
	return nil
}

// selectedAccounts returns the directory's accounts that a selector of type
// t matches.
func selectedAccounts(d *stint.Directory, sels []stint.Selector, t stint.ResourceType) []stint.Account {
	var out []stint.Account
	for _, a := range d.Accounts {
		if slices.ContainsFunc(sels, func(s stint.Selector) bool {
			return s.Type == t && slices.ContainsFunc(s.Accounts, func(sel string) bool { return stint.MatchAccount(sel, &a) })
		}) {
			out = append(out, a)
		}
	}
	return out
}

// Selectors returns the selectors of other types than Identity Center in
// the flows and their bundles: what Router.Wanted should return.
func Selectors(flows []stint.Flow) []stint.Selector {
	var out []stint.Selector
	add := func(rs []stint.FlowResource) {
		for i := range rs {
			if s := rs[i].Selector(); s != nil {
				out = append(out, *s)
			}
		}
	}
	for i := range flows {
		add(flows[i].Resources)
		for _, b := range flows[i].Bundles {
			add(b.Resources)
		}
	}
	return out
}

// wantsTags reports whether a selector of type t matches tags.
func wantsTags(sels []stint.Selector, t stint.ResourceType) bool {
	return slices.ContainsFunc(sels, func(s stint.Selector) bool { return s.Type == t && len(s.Tags) > 0 })
}
