package policy

import (
	"encoding/binary"
	"maps"
	"slices"
	"sync"

	"github.com/cedar-policy/cedar-go"
	"github.com/stint-dev/stint"
)

// The engine is immutable, but the directory it is asked about changes:
// the caches below are keyed by the content of the user or account (every
// field the cached value derives from), never by pointer or ID, so an
// edited user or account simply misses. They are bounded: a full cache is
// emptied and refilled.
const (
	userCacheMax     = 16384
	resourceCacheMax = 256 // permission sets per cached account
)

// userEntry is what a decision derives from a user alone.
type userEntry struct {
	// user is the expanded user (Engine.Expand). It is shared by every
	// decision that hits the entry and must never be written or handed
	// out; its Groups and Attributes are private copies.
	user      *stint.User
	principal cedar.Entity
	// flows are the indexes of the flows listing one of the user's keys
	// as a requester, sorted (the candidates before the permission set
	// filter).
	flows []int
}

type userCache struct {
	mu sync.RWMutex
	m  map[string]*userEntry
}

// appendKeyField appends s length-prefixed, so that a key made of fields
// is injective.
func appendKeyField(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendMapKey appends a string map in key order.
func appendMapKey(b []byte, m map[string]string) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	switch len(m) {
	case 0:
	case 1:
		for k, v := range m {
			b = appendKeyField(appendKeyField(b, k), v)
		}
	default:
		var buf [8]string
		keys := buf[:0]
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b = appendKeyField(appendKeyField(b, k), m[k])
		}
	}
	return b
}

// userKey is the content of a user as an Engine sees it: every field
// Expand copies, in order.
func userKey(b []byte, u *stint.User) []byte {
	b = appendKeyField(b, u.ID)
	b = appendKeyField(b, u.UserName)
	b = appendKeyField(b, u.Email)
	b = appendKeyField(b, u.DisplayName)
	b = binary.AppendUvarint(b, uint64(len(u.Groups)))
	for _, g := range u.Groups {
		b = appendKeyField(b, g)
	}
	return appendMapKey(b, u.Attributes)
}

// userEntry returns the cached expansion, principal entity and requester
// flows of a user, building them on a miss.
func (e *Engine) userEntry(u *stint.User) *userEntry {
	var buf [256]byte
	key := userKey(buf[:0], u)
	e.users.mu.RLock()
	ue, ok := e.users.m[string(key)]
	e.users.mu.RUnlock()
	if ok {
		return ue
	}
	x := e.Expand(u)
	x.Attributes = maps.Clone(x.Attributes)
	ue = &userEntry{user: x, principal: principalEntity(x), flows: e.userFlows(x)}
	e.users.mu.Lock()
	if e.users.m == nil || len(e.users.m) >= userCacheMax {
		e.users.m = make(map[string]*userEntry)
	}
	e.users.m[string(key)] = ue
	e.users.mu.Unlock()
	return ue
}

// userFlows returns, sorted, the flows listing the expanded user or
// one of its groups as a requester.
func (e *Engine) userFlows(u *stint.User) []int {
	var idx []int
	add := func(key string) {
		for _, i := range e.byRequester[key] {
			if !slices.Contains(idx, i) {
				idx = append(idx, i)
			}
		}
	}
	for _, k := range userKeys(u) {
		add(k)
	}
	slices.Sort(idx)
	return idx
}

// accountKey is the content of an account: every field its entities and
// the flows' selectors read.
func accountKey(b []byte, a *stint.Account) []byte {
	b = appendKeyField(b, a.ID)
	b = appendKeyField(b, a.Name)
	b = appendKeyField(b, a.OUPath)
	return appendMapKey(b, a.Tags)
}

// resourceEntities returns the entities of a resource, cached for
// (account, permission set) pairs (resources of other types carry tags
// and are built each time). The value is shared and read-only.
func (e *Engine) resourceEntities(a *stint.Account, ref *stint.ResourceRef) *resourceEntities {
	ae := e.accountEntities(a)
	if ref.Type.Or() != stint.ResourceSSO {
		return buildResourceEntities(ae, a, ref)
	}
	permissionSet := ref.PermissionSet
	ae.mu.RLock()
	r, ok := ae.res[permissionSet]
	ae.mu.RUnlock()
	if ok {
		return r
	}
	r = buildResourceEntities(ae, a, ref)
	ae.mu.Lock()
	if ae.res == nil || len(ae.res) >= resourceCacheMax {
		ae.res = make(map[string]*resourceEntities)
	}
	ae.res[permissionSet] = r
	ae.mu.Unlock()
	return r
}
