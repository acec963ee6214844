package policy

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cedar-policy/cedar-go"
	"github.com/stint-dev/stint"
)

// Config configures an Engine.
type Config struct {
	// Flows in the order of the config file; earlier flows win ties.
	Flows []stint.Flow
	// Groups are the config's nested groups: group name -> members
	// ("group:NAME" or "user:EMAIL"). Membership is transitive; cycles are
	// harmless.
	Groups map[string][]string
	// Now is the clock for auto-approve time windows. Default: time.Now.
	Now func() time.Time
	// OnCall answers "is email on call now?" for an on_call auto-approve
	// rule. Default: read src.File (a YAML or JSON list of shifts with
	// email or user, start and end in RFC 3339), re-read when it changes,
	// or GET src.URL?email=EMAIL expecting {"on_call": true|false}, with a
	// 3 s timeout and answers cached for 30 s.
	OnCall func(ctx context.Context, src stint.OnCallSource, email string) (bool, error)
	// HTTPClient is used for on-call URLs. Default: a client with a 3 s
	// timeout.
	HTTPClient *http.Client
}

// Actions the engine decides.
const (
	ActionRequest    = "request"
	ActionBreakGlass = "breakglass"
	ActionApprove    = "approve"
	ActionActivate   = "activate"
	ActionExtend     = "extend"
)

var actions = []string{ActionRequest, ActionBreakGlass, ActionApprove, ActionActivate, ActionExtend}

// Engine decides requests, approvals, activations and extensions with the
// Cedar policies compiled from the flows. It is safe for concurrent use and
// immutable: build a new one when the config changes.
type Engine struct {
	flows  []*compiled
	byName map[string]*compiled
	// byPS indexes flows by the fold key of each permission set they (or
	// their bundles) name; byRequester by "u:"+email and "g:"+group keys.
	byPS        map[string][]int
	byRequester map[string][]int
	// byType indexes flows by the other resource types they select.
	byType map[stint.ResourceType][]int
	// memberOf maps "u:"/"g:" keys to the config groups listing them;
	// groupNames keeps each config group's spelling.
	memberOf map[string][]string
	// groupEntities are the config groups' entities; their parents are
	// every group containing them, transitively.
	groupEntities map[string]cedar.Entity
	now           func() time.Time
	accountMu     sync.RWMutex
	accountCache  map[string]*accountEntity
	users         userCache
	onCall        func(ctx context.Context, src stint.OnCallSource, email string) (bool, error)
}

// compiled is one flow with its policy sets, one per action.
type compiled struct {
	idx  int
	flow stint.Flow
	sets map[string]*cedar.PolicySet
	// fast holds, for request and breakglass, one permit with every rule
	// plus the cedar block: the cheap first question. A deny is asked
	// again of sets, whose one-policy-per-rule form names the reason.
	fast map[string]*cedar.PolicySet
	// checks explains each generated or raw policy ID.
	checks map[cedar.PolicyID]check
	// psKeys are the permission sets the flow's resources name; types the
	// other resource types they select.
	psKeys     map[string]bool
	types      map[stint.ResourceType]bool
	requesters map[string]bool // "u:"/"g:" keys
	windows    []*window       // per AutoApproveWhen rule; nil when the rule has no time
	bgGroups   []string
	text       string // the generated Cedar, for Policies
}

// New validates the flows and groups and compiles every flow to Cedar. It
// returns EINVALID naming the flow and field at fault.
func New(cfg Config) (*Engine, error) {
	e := &Engine{
		byName:        map[string]*compiled{},
		byPS:          map[string][]int{},
		byRequester:   map[string][]int{},
		byType:        map[stint.ResourceType][]int{},
		memberOf:      map[string][]string{},
		groupEntities: map[string]cedar.Entity{},
		accountCache:  map[string]*accountEntity{},
		now:           cfg.Now,
		onCall:        cfg.OnCall,
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.onCall == nil {
		src := newOnCallSource(cfg.HTTPClient)
		src.now = e.now
		e.onCall = src.check
	}
	if err := e.setGroups(cfg.Groups); err != nil {
		return nil, err
	}
	for i := range cfg.Flows {
		f := cloneFlow(cfg.Flows[i])
		if _, dup := e.byName[foldKey(f.Name)]; dup {
			return nil, stint.Errorf(stint.EINVALID, "flow %q is defined twice; flow names must be unique", f.Name)
		}
		c, err := compile(i, f)
		if err != nil {
			return nil, err
		}
		e.flows = append(e.flows, c)
		e.byName[foldKey(f.Name)] = c
		for ps := range c.psKeys {
			e.byPS[ps] = append(e.byPS[ps], i)
		}
		for _, t := range stint.ResourceTypes {
			if c.types[t] {
				e.byType[t] = append(e.byType[t], i)
			}
		}
		for k := range c.requesters {
			e.byRequester[k] = append(e.byRequester[k], i)
		}
	}
	return e, nil
}

func (e *Engine) setGroups(groups map[string][]string) error {
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	slices.Sort(names)
	for _, g := range names {
		if g == "" || !utf8.ValidString(g) {
			return stint.Errorf(stint.EINVALID, "groups: group name %q must be non-empty UTF-8", g)
		}
		for _, m := range groups[g] {
			if err := stint.ValidatePrincipalRef(m); err != nil {
				return stint.Errorf(stint.EINVALID, "groups.%s: %s", g, stint.ErrorMessage(err))
			}
			k := refKey(m)
			e.memberOf[k] = append(e.memberOf[k], g)
		}
	}
	for k := range e.memberOf {
		if !strings.HasPrefix(k, "g:") {
			continue
		}
		// Expand a user of that one group to get the group's ancestors.
		x := e.Expand(&stint.User{Email: "\x00", Groups: []string{k[2:]}})
		parents := make([]cedar.EntityUID, 0, len(x.Groups))
		for _, p := range x.Groups[1:] {
			parents = append(parents, groupUID(p))
		}
		e.groupEntities[k[2:]] = cedar.Entity{UID: groupUID(k[2:]), Parents: cedar.NewEntityUIDSet(parents...)}
	}
	return nil
}

// refKey turns "user:EMAIL" / "group:NAME" / "external:ORG" into an
// index key.
func refKey(ref string) string {
	kind, val, _ := strings.Cut(ref, ":")
	switch kind {
	case "user":
		return "u:" + foldKey(val)
	case "external":
		return externalKey(val)
	}
	return "g:" + foldKey(val)
}

// externalKey is the index key of an organisation's external users.
func externalKey(org string) string { return "x:" + foldKey(org) }

// Expand returns a copy of u whose Groups also hold every config group that
// contains u, directly or through other groups (cycles are safe). The
// user's own spelling of a group is kept; config groups are added as
// spelled in the config.
//
// External users are in no group: config groups never expand to them.
func (e *Engine) Expand(u *stint.User) *stint.User {
	out := *u
	out.Groups = slices.Clone(u.Groups)
	if u.External() {
		out.Groups = nil
		return &out
	}
	if len(e.memberOf) == 0 {
		return &out
	}
	seen := make(map[string]bool, len(u.Groups)+4)
	queue := make([]string, 0, len(u.Groups)+4)
	queue = append(queue, "u:"+foldKey(u.Email))
	for _, g := range u.Groups {
		k := foldKey(g)
		if !seen[k] {
			seen[k] = true
			queue = append(queue, "g:"+k)
		}
	}
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		for _, parent := range e.memberOf[k] {
			pk := foldKey(parent)
			if seen[pk] {
				continue
			}
			seen[pk] = true
			out.Groups = append(out.Groups, parent)
			queue = append(queue, "g:"+pk)
		}
	}
	return &out
}

// Flows returns the engine's flows, in config order.
func (e *Engine) Flows() []stint.Flow {
	out := make([]stint.Flow, len(e.flows))
	for i, c := range e.flows {
		out[i] = cloneFlow(c.flow)
	}
	return out
}

// Policies returns the Cedar text compiled from the named flow (generated
// policies and its raw cedar block), for `stint flows show` and debugging.
// It returns ENOTFOUND for an unknown flow.
func (e *Engine) Policies(flow string) (string, error) {
	c, err := e.flowByName(flow)
	if err != nil {
		return "", err
	}
	return c.text, nil
}

func (e *Engine) flowByName(name string) (*compiled, error) {
	if c, ok := e.byName[foldKey(name)]; ok {
		return c, nil
	}
	names := make([]string, 0, len(e.flows))
	for _, c := range e.flows {
		names = append(names, c.flow.Name)
	}
	return nil, stint.Errorf(stint.ENOTFOUND, "unknown flow %q; known: %s", name, strings.Join(names, ", "))
}

// cloneFlow copies the slices a caller could mutate. Nested pointers are
// shared; nothing in the engine writes through them.
func cloneFlow(f stint.Flow) stint.Flow {
	f.Requesters = slices.Clone(f.Requesters)
	f.Exclude = slices.Clone(f.Exclude)
	f.Resources = slices.Clone(f.Resources)
	f.Bundles = slices.Clone(f.Bundles)
	f.Approvers = slices.Clone(f.Approvers)
	f.ApprovalSteps = slices.Clone(f.ApprovalSteps)
	f.AutoApproveWhen = slices.Clone(f.AutoApproveWhen)
	return f
}
