// Package providertest has an in-memory stint.Provider for unit tests of the
// layers above the providers. Every real provider is also tested against
// moto_server in its own package.
package providertest

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/stint-dev/stint"
)

// Fake keeps assignments in memory. The Func fields, when set, run first: an
// error they return is the call's result and nothing changes.
type Fake struct {
	GrantFunc     func(ctx context.Context, e *stint.Effect) error
	RevokeFunc    func(ctx context.Context, e *stint.Effect) error
	ExistsFunc    func(ctx context.Context, e *stint.Effect) (bool, error)
	DirectoryFunc func(ctx context.Context) (*stint.Directory, error)

	// Grants and Revokes count the calls.
	Grants, Revokes atomic.Int64

	mu      sync.Mutex
	present map[string]bool
}

var _ stint.Provider = (*Fake)(nil)

// Grant records the effect as present.
func (p *Fake) Grant(ctx context.Context, e *stint.Effect) error {
	p.Grants.Add(1)
	if p.GrantFunc != nil {
		if err := p.GrantFunc(ctx, e); err != nil {
			return err
		}
	}
	p.Set(e.Key, true)
	return nil
}

// Revoke records the effect as absent.
func (p *Fake) Revoke(ctx context.Context, e *stint.Effect) error {
	p.Revokes.Add(1)
	if p.RevokeFunc != nil {
		if err := p.RevokeFunc(ctx, e); err != nil {
			return err
		}
	}
	p.Set(e.Key, false)
	return nil
}

// Exists reports whether the effect is present.
func (p *Fake) Exists(ctx context.Context, e *stint.Effect) (bool, error) {
	if p.ExistsFunc != nil {
		return p.ExistsFunc(ctx, e)
	}
	return p.Has(e.Key), nil
}

// Directory calls DirectoryFunc, or returns an empty directory.
func (p *Fake) Directory(ctx context.Context) (*stint.Directory, error) {
	if p.DirectoryFunc != nil {
		return p.DirectoryFunc(ctx)
	}
	return &stint.Directory{}, nil
}

// Set makes an effect present or absent, as a change made outside stint.
func (p *Fake) Set(key string, present bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.present == nil {
		p.present = map[string]bool{}
	}
	if present {
		p.present[key] = true
	} else {
		delete(p.present, key)
	}
}

// Has reports whether the effect is present.
func (p *Fake) Has(key string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.present[key]
}
