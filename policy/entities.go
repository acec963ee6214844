package policy

import (
	"strings"
	"sync"
	"time"

	"github.com/cedar-policy/cedar-go"
	"github.com/stint-dev/stint"
)

// Entity types of the Cedar model (see doc.go).
const (
	typUser     = cedar.EntityType("User")
	typGroup    = cedar.EntityType("Group")
	typOU       = cedar.EntityType("OU")
	typAccount  = cedar.EntityType("Account")
	typPS       = cedar.EntityType("PermissionSet")
	typResource = cedar.EntityType("Resource")
	typAction   = cedar.EntityType("Action")
	typRequest  = cedar.EntityType("Request")
	typGrant    = cedar.EntityType("Grant")
)

func userUID(email string) cedar.EntityUID {
	return cedar.NewEntityUID(typUser, cedar.String(foldKey(email)))
}
func groupUID(name string) cedar.EntityUID {
	return cedar.NewEntityUID(typGroup, cedar.String(foldKey(name)))
}

// principalEntity builds the User entity of an expanded user: its parents
// are all its groups, so `principal in Group::"x"` needs no walk.
func principalEntity(u *stint.User) cedar.Entity {
	parents := make([]cedar.EntityUID, 0, len(u.Groups))
	for _, g := range u.Groups {
		parents = append(parents, groupUID(g))
	}
	attrs := make(cedar.RecordMap, len(u.Attributes))
	for k, v := range u.Attributes {
		attrs[cedar.String(k)] = cedar.String(v)
	}
	// An external user's entity is named by their ID ("ext:..."), never
	// by email, so that no user: reference can name them.
	uid, orgKey := userUID(u.Email), ""
	if u.External() {
		uid, orgKey = cedar.NewEntityUID(typUser, cedar.String(u.ID)), foldKey(u.Attributes[stint.AttrOrg])
	}
	return cedar.Entity{
		UID:     uid,
		Parents: cedar.NewEntityUIDSet(parents...),
		Attributes: cedar.NewRecord(cedar.RecordMap{
			"email":      cedar.String(u.Email),
			"id":         cedar.String(u.ID),
			"attributes": cedar.NewRecord(attrs),
			"external":   cedar.Boolean(u.External()),
			"org_key":    cedar.String(orgKey),
		}),
	}
}

// resourceEntities builds the Resource, Account and PermissionSet entities
// of a resource: an (account, permission set) pair, or a resource of
// another type, whose PermissionSet entity is its target
// ("aws-s3:payments-logs:read"), which flows index like a permission set.
type resourceEntities struct {
	resource, account, permissionSet cedar.Entity
	ous                              []cedar.Entity // the account's OU and its ancestors
}

func newResourceEntities(e *Engine, a *stint.Account, ref *stint.ResourceRef) resourceEntities {
	return *e.resourceEntities(a, ref)
}

// ssoRef is the ResourceRef of an (account, permission set) pair.
func ssoRef(a *stint.Account, permissionSet string) *stint.ResourceRef {
	return &stint.ResourceRef{Type: stint.ResourceSSO, AccountID: a.ID, AccountName: a.Name, PermissionSet: permissionSet}
}

func buildResourceEntities(ae *accountEntity, a *stint.Account, ref *stint.ResourceRef) *resourceEntities {
	target := ref.Target()
	ps := cedar.Entity{UID: cedar.NewEntityUID(typPS, cedar.String(foldKey(target)))}
	parents := make([]cedar.EntityUID, 0, len(ae.ous)+2)
	for i := range ae.ous {
		parents = append(parents, ae.ous[i].UID)
	}
	id := *ref
	id.AccountID = a.ID
	tags := make(cedar.RecordMap, len(ref.Tags))
	for k, v := range ref.Tags {
		tags[cedar.String(k)] = cedar.String(strings.ToLower(v))
	}
	psName := ""
	if ref.Type.Or() == stint.ResourceSSO {
		psName = ref.PermissionSet
	}
	// Every attribute is always present, so that no selector's condition
	// fails to evaluate on a resource of another type.
	res := cedar.Entity{
		UID:     cedar.NewEntityUID(typResource, cedar.String(id.FormatID())),
		Parents: cedar.NewEntityUIDSet(append(parents, ae.account.UID, ps.UID)...),
		Attributes: cedar.NewRecord(cedar.RecordMap{
			"account": ae.account.UID, "permission_set": cedar.String(psName),
			"type": cedar.String(string(ref.Type.Or())), "name_key": cedar.String(strings.ToLower(ref.Name)),
			"level": cedar.String(ref.Level), "namespace": cedar.String(ref.Namespace), "tags": cedar.NewRecord(tags),
		}),
	}
	return &resourceEntities{resource: res, account: ae.account, permissionSet: ps, ous: ae.ous}
}

// accountEntity is an account's entity and its OU chain, cached by the
// account's content (building Cedar records is the costly part of a
// decision).
type accountEntity struct {
	account cedar.Entity
	ous     []cedar.Entity
	// res caches the resource entities of the account by permission set.
	mu  sync.RWMutex
	res map[string]*resourceEntities
}

const accountCacheMax = 20000

func (e *Engine) accountEntities(a *stint.Account) *accountEntity {
	var buf [128]byte
	kb := accountKey(buf[:0], a)
	e.accountMu.RLock()
	ae, ok := e.accountCache[string(kb)]
	e.accountMu.RUnlock()
	if ok {
		return ae
	}
	tags := make(cedar.RecordMap, len(a.Tags))
	for k, v := range a.Tags {
		tags[cedar.String(k)] = cedar.String(v)
	}
	// Every entity lists all its ancestors as parents (the closure), so an
	// `in` check is one set lookup.
	ous := ouChain(ouKey(a.OUPath))
	ouUIDs := make([]cedar.EntityUID, len(ous))
	for i := range ous {
		ouUIDs[i] = ous[i].UID
	}
	ae = &accountEntity{ous: ous, account: cedar.Entity{
		UID:     cedar.NewEntityUID(typAccount, cedar.String(a.ID)),
		Parents: cedar.NewEntityUIDSet(ouUIDs...),
		Attributes: cedar.NewRecord(cedar.RecordMap{
			"id": cedar.String(a.ID), "name": cedar.String(a.Name), "name_key": cedar.String(foldKey(a.Name)),
			"ou_path": cedar.String(a.OUPath), "tags": cedar.NewRecord(tags),
		}),
	}}
	e.accountMu.Lock()
	if len(e.accountCache) >= accountCacheMax {
		clear(e.accountCache)
	}
	e.accountCache[string(kb)] = ae
	e.accountMu.Unlock()
	return ae
}

// ouChain returns the OU entity of a path and of each of its ancestors
// ("prod/payments" is in "prod"; like stint.MatchAccount, "ou:Prod"
// matches every OU nested under Prod), each with its ancestors as parents.
func ouChain(path string) []cedar.Entity {
	var ids []string
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			ids = append(ids, path[:i])
		}
	}
	out := make([]cedar.Entity, 0, len(ids)+1)
	for i, id := range append([]string{path}, ids...) {
		var parents []cedar.EntityUID
		if i == 0 {
			parents = make([]cedar.EntityUID, 0, len(ids))
			for _, a := range ids {
				parents = append(parents, cedar.NewEntityUID(typOU, cedar.String(a)))
			}
		} else {
			parents = make([]cedar.EntityUID, 0, len(ids)-i)
			for _, a := range ids[i:] {
				parents = append(parents, cedar.NewEntityUID(typOU, cedar.String(a)))
			}
		}
		out = append(out, cedar.Entity{UID: cedar.NewEntityUID(typOU, cedar.String(id)), Parents: cedar.NewEntityUIDSet(parents...)})
	}
	return out
}

// entities is the EntityGetter of one decision: the principal and resource
// entities built for it, config groups and the OU chain on demand.
type entities struct {
	e         *Engine
	principal *cedar.Entity
	res       *resourceEntities
	extra     *cedar.Entity // the Request or Grant entity of review decisions
}

func (s *entities) Get(uid cedar.EntityUID) (cedar.Entity, bool) {
	switch uid.Type {
	case typUser:
		if s.principal != nil && uid == s.principal.UID {
			return *s.principal, true
		}
	case typResource:
		if s.res != nil && uid == s.res.resource.UID {
			return s.res.resource, true
		}
	case typAccount:
		if s.res != nil && uid == s.res.account.UID {
			return s.res.account, true
		}
	case typPS:
		if s.res != nil && uid == s.res.permissionSet.UID {
			return s.res.permissionSet, true
		}
	case typGroup:
		if g, ok := s.e.groupEntities[string(uid.ID)]; ok {
			return g, true
		}
		return cedar.Entity{UID: uid}, true
	case typOU:
		if s.res != nil {
			for _, ou := range s.res.ous {
				if ou.UID == uid {
					return ou, true
				}
			}
		}
		return ouChain(string(uid.ID))[0], true
	}
	if s.extra != nil && uid == s.extra.UID {
		return *s.extra, true
	}
	return cedar.Entity{}, false
}

// evalContext is the context of every decision. Every attribute is always
// present (zero values where an action does not use it), so a policy that
// reads one never fails for want of it.
type evalContext struct {
	duration       time.Duration
	now            time.Time
	requester      string // email
	requesterID    string
	approvers      []string // "user:"/"group:" refs of the current step
	step           string
	owner          string // email
	ownerID        string
	extensions     int
	extension      time.Duration
	length         time.Duration
	permissionSets []string
	breakGlass     bool
}

func (c *evalContext) record() cedar.Record {
	approvers := make([]cedar.Value, 0, len(c.approvers))
	for _, ref := range c.approvers {
		kind, val, _ := strings.Cut(ref, ":")
		switch kind {
		case "user":
			approvers = append(approvers, userUID(val))
		case "group":
			approvers = append(approvers, groupUID(val))
		}
	}
	pss := make([]cedar.Value, 0, len(c.permissionSets))
	for _, ps := range c.permissionSets {
		pss = append(pss, cedar.String(ps))
	}
	return cedar.NewRecord(cedar.RecordMap{
		"duration":        ceilMillis(c.duration),
		"now":             cedar.NewDatetime(c.now),
		"requester":       userUID(c.requester),
		"requester_id":    cedar.String(c.requesterID),
		"approvers":       cedar.NewSet(approvers...),
		"step":            cedar.String(c.step),
		"owner":           userUID(c.owner),
		"owner_id":        cedar.String(c.ownerID),
		"extensions":      cedar.Long(c.extensions),
		"extension":       ceilMillis(c.extension),
		"length":          ceilMillis(c.length),
		"permission_sets": cedar.NewSet(pss...),
		"break_glass":     cedar.Boolean(c.breakGlass),
	})
}
