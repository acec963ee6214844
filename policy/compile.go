package policy

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cedar-policy/cedar-go"
	"github.com/stint-dev/stint"
)

// Reasons a policy denies, ordered from "far from allowed" to "close": the
// explanation of a deny names the flow whose most basic failed check is
// closest to an allow.
const (
	kindResource     = "resource"
	kindRequester    = "requester"
	kindExclude      = "exclude"
	kindAttributes   = "attributes"
	kindBGGroup      = "breakglass_group"
	kindRaw          = "cedar"
	kindPositive     = "duration_positive"
	kindDuration     = "duration"
	kindBGDuration   = "breakglass_duration"
	kindSelf         = "self_approval"
	kindApprover     = "approver"
	kindOwner        = "owner"
	kindExtCount     = "extension_count"
	kindExtPositive  = "extension_positive"
	kindExtEach      = "extension_each"
	kindExtLength    = "extension_length"
	kindPermit       = "permit"
	rankError        = 5
	rankNoPermission = 0
)

var kindRank = map[string]int{
	kindResource: 1, kindRequester: 2, kindExclude: 3, kindAttributes: 3, kindBGGroup: 4,
	kindRaw: 5, kindPositive: 6, kindDuration: 6, kindBGDuration: 6,
	kindSelf: 2, kindApprover: 3, kindOwner: 2, kindExtCount: 4, kindExtPositive: 4, kindExtEach: 5, kindExtLength: 5,
}

// check says what one policy checks, for explanations.
type check struct {
	kind   string
	reason string // a raw policy's @reason annotation
	line   int    // a raw policy's line in the flow's cedar block
}

type flowCompiler struct {
	f    *stint.Flow
	c    *compiled
	text strings.Builder
	err  error
}

func compile(idx int, f stint.Flow) (*compiled, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if err := validateExtra(&f); err != nil {
		return nil, err
	}
	c := &compiled{
		idx: idx, flow: f, sets: map[string]*cedar.PolicySet{}, fast: map[string]*cedar.PolicySet{}, checks: map[cedar.PolicyID]check{},
		psKeys: map[string]bool{}, types: map[stint.ResourceType]bool{}, requesters: map[string]bool{},
	}
	for _, a := range actions {
		c.sets[a] = cedar.NewPolicySet()
	}
	for _, r := range f.Requesters {
		c.requesters[refKey(r)] = true
	}
	for _, r := range f.Resources {
		if r.IdentityCenter == nil {
			c.types[r.Selector().Type] = true
			continue
		}
		for _, ps := range r.IdentityCenter.PermissionSets {
			c.psKeys[foldKey(ps)] = true
		}
	}
	if f.BreakGlass != nil {
		for _, g := range f.BreakGlass.Groups {
			c.bgGroups = append(c.bgGroups, stripGroup(g))
		}
	}
	for _, rule := range f.AutoApproveWhen {
		var w *window
		if rule.Time != nil {
			var err error
			if w, err = parseWindow(rule.Time); err != nil {
				return nil, stint.Errorf(stint.EINVALID, "flow %q: auto_approve_when: %s", f.Name, stint.ErrorMessage(err))
			}
		}
		c.windows = append(c.windows, w)
	}
	fc := &flowCompiler{f: &c.flow, c: c}
	fc.requestPolicies(ActionRequest)
	if f.BreakGlass != nil {
		fc.requestPolicies(ActionBreakGlass)
	}
	fc.reviewPolicies()
	if err := fc.raw(); err != nil {
		return nil, err
	}
	if fc.err != nil {
		return nil, stint.Errorf(stint.EINVALID, "flow %q: %v", f.Name, fc.err)
	}
	c.text = fc.text.String()
	return c, nil
}

// add parses one generated policy and adds it to the action's set.
func (fc *flowCompiler) add(action, kind, effect, cond string) {
	scope := fmt.Sprintf("(principal, action == Action::%s, resource)", cedarString(action))
	if effect == "permit" {
		scope = fmt.Sprintf("(principal is User, action == Action::%s, resource)", cedarString(action))
	}
	text := effect + " " + scope
	if cond != "" {
		text += " " + cond
	}
	text += ";\n"
	id := cedar.PolicyID(fmt.Sprintf("%s.%s", action, kind))
	fc.text.WriteString("@id(" + cedarString(string(id)) + ")\n" + text)
	if fc.err != nil {
		return
	}
	list, err := cedar.NewPolicyListFromBytes(fc.f.Name, []byte(text))
	if err != nil || len(list) != 1 {
		fc.err = fmt.Errorf("generated %s policy does not parse (%v); check the names and values in the flow", kind, err)
		return
	}
	fc.c.sets[action].Add(id, list[0])
	fc.c.checks[id] = check{kind: kind}
}

func (fc *flowCompiler) requestPolicies(action string) {
	f := fc.f
	fc.fastPermit(action)
	fc.add(action, kindPermit, "permit", "")
	fc.add(action, kindResource, "forbid", "unless { "+resourceCond(f.Resources)+" }")
	fc.add(action, kindRequester, "forbid", "unless { "+requesterCond(f.Requesters)+" }")
	if len(f.Exclude) > 0 {
		fc.add(action, kindExclude, "forbid", "when { "+principalsCond(f.Exclude)+" }")
	}
	if len(f.RequesterAttributes) > 0 {
		fc.add(action, kindAttributes, "forbid", "unless { "+attributesCond(f.RequesterAttributes)+" }")
	}
	fc.add(action, kindPositive, "forbid", `unless { context.duration > duration("0ms") }`)
	if action == ActionRequest {
		fc.add(action, kindDuration, "forbid", "unless { context.duration <= "+cedarDuration(time.Duration(f.MaxDuration))+" }")
		return
	}
	if len(fc.c.bgGroups) > 0 {
		refs := make([]string, 0, len(fc.c.bgGroups))
		for _, g := range fc.c.bgGroups {
			refs = append(refs, "group:"+g)
		}
		fc.add(action, kindBGGroup, "forbid", "unless { "+principalsCond(refs)+" }")
	}
	fc.add(action, kindBGDuration, "forbid", "unless { context.duration <= "+cedarDuration(breakGlassMax(f))+" }")
}

func (fc *flowCompiler) reviewPolicies() {
	f := fc.f
	fc.add(ActionApprove, kindPermit, "permit", "")
	fc.add(ActionApprove, kindSelf, "forbid",
		`when { principal == context.requester || (context.requester_id != "" && principal.id == context.requester_id) }`)
	fc.add(ActionApprove, kindApprover, "forbid", "unless { principal in context.approvers }")
	owner := `unless { if context.owner_id != "" && principal.id != "" then principal.id == context.owner_id else principal == context.owner }`
	for _, a := range []string{ActionActivate, ActionExtend} {
		fc.add(a, kindPermit, "permit", "")
		fc.add(a, kindOwner, "forbid", owner)
	}
	fc.add(ActionExtend, kindExtCount, "forbid", fmt.Sprintf("unless { context.extensions < %d }", f.ExtensionLimit()))
	fc.add(ActionExtend, kindExtPositive, "forbid", `unless { context.extension > duration("0ms") }`)
	if f.Extensions != nil && f.Extensions.MaxEach > 0 {
		fc.add(ActionExtend, kindExtEach, "forbid", "unless { context.extension <= "+cedarDuration(time.Duration(f.Extensions.MaxEach))+" }")
	}
	fc.add(ActionExtend, kindExtLength, "forbid", "unless { context.length <= "+cedarDuration(time.Duration(f.MaxDuration))+" }")
}

// fastPermit adds the one-policy form of the action's rules to the flow's
// fast set: the same conditions as the permit and forbids of the detailed
// set, cheapest first. Decisions that allow use it; denies are explained
// with the detailed set.
func (fc *flowCompiler) fastPermit(action string) {
	f := fc.f
	maxD := time.Duration(f.MaxDuration)
	if action == ActionBreakGlass {
		maxD = breakGlassMax(f)
	}
	conds := []string{
		`when { context.duration > duration("0ms") && context.duration <= ` + cedarDuration(maxD) + " }",
		"when { " + requesterCond(f.Requesters) + " }",
		"when { " + resourceCond(f.Resources) + " }",
	}
	if len(f.Exclude) > 0 {
		conds = append(conds, "unless { "+principalsCond(f.Exclude)+" }")
	}
	if len(f.RequesterAttributes) > 0 {
		conds = append(conds, "when { "+attributesCond(f.RequesterAttributes)+" }")
	}
	if action == ActionBreakGlass && len(fc.c.bgGroups) > 0 {
		refs := make([]string, 0, len(fc.c.bgGroups))
		for _, g := range fc.c.bgGroups {
			refs = append(refs, "group:"+g)
		}
		conds = append(conds, "when { "+principalsCond(refs)+" }")
	}
	text := fmt.Sprintf("permit (principal is User, action == Action::%s, resource is Resource) %s;\n", cedarString(action), strings.Join(conds, " "))
	if fc.err != nil {
		return
	}
	list, err := cedar.NewPolicyListFromBytes(fc.f.Name, []byte(text))
	if err != nil || len(list) != 1 {
		fc.err = fmt.Errorf("generated %s policy does not parse (%v); check the names and values in the flow", action, err)
		return
	}
	set := cedar.NewPolicySet()
	set.Add(cedar.PolicyID(action+".fast"), list[0])
	fc.c.fast[action] = set
}

// raw adds the flow's cedar block to every action's set. Only forbid
// policies are accepted: the YAML grants, the block may only restrict.
func (fc *flowCompiler) raw() error {
	f := fc.f
	if strings.TrimSpace(f.Cedar) == "" {
		return nil
	}
	list, err := cedar.NewPolicyListFromBytes("cedar", []byte(f.Cedar))
	if err != nil {
		return stint.Errorf(stint.EINVALID, "flow %q: cedar: %v", f.Name, err)
	}
	fc.text.WriteString("// cedar block of the flow\n" + f.Cedar + "\n")
	for i, p := range list {
		pos := p.Position()
		if p.Effect() == cedar.Permit {
			return stint.Errorf(stint.EINVALID,
				"flow %q: cedar: the permit policy at line %d is not allowed; the flow's YAML says what it grants, its cedar block may only forbid",
				f.Name, pos.Line)
		}
		ck := check{kind: kindRaw, line: pos.Line}
		if r, ok := p.Annotations()["reason"]; ok {
			ck.reason = string(r)
		}
		id := cedar.PolicyID(fmt.Sprintf("cedar.%d", i))
		for _, a := range actions {
			fc.c.sets[a].Add(id, p)
			if fast := fc.c.fast[a]; fast != nil {
				fast.Add(id, p)
			}
		}
		fc.c.checks[id] = ck
	}
	return nil
}

func breakGlassMax(f *stint.Flow) time.Duration {
	if f.BreakGlass != nil && f.BreakGlass.MaxDuration > 0 {
		return time.Duration(f.BreakGlass.MaxDuration)
	}
	return time.Duration(f.MaxDuration)
}

// cedarDuration writes d (rounded down to the millisecond) as a Cedar
// duration literal.
func cedarDuration(d time.Duration) string {
	return fmt.Sprintf(`duration("%dms")`, d.Milliseconds())
}

// ceilMillis rounds a requested duration up to the millisecond, so a
// request a fraction over the maximum is not rounded into it.
func ceilMillis(d time.Duration) cedar.Duration {
	ms := d.Milliseconds()
	if time.Duration(ms)*time.Millisecond < d {
		ms++
	}
	return cedar.NewDurationFromMillis(ms)
}

// requesterCond is the condition that the principal is one of the
// requesters: internal users never match external:ORG references, and
// external users match nothing else.
func requesterCond(refs []string) string {
	var internal, orgs []string
	for _, r := range refs {
		if org, ok := strings.CutPrefix(r, "external:"); ok {
			orgs = append(orgs, "principal.org_key == "+cedarString(foldKey(org)))
		} else {
			internal = append(internal, r)
		}
	}
	var parts []string
	if len(internal) > 0 {
		parts = append(parts, "(!principal.external && "+principalsCond(internal)+")")
	}
	if len(orgs) > 0 {
		parts = append(parts, "(principal.external && ("+strings.Join(orgs, " || ")+"))")
	}
	if len(parts) == 0 {
		return "false"
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

func principalsCond(refs []string) string {
	parts := make([]string, 0, len(refs))
	for _, r := range refs {
		kind, val, _ := strings.Cut(r, ":")
		if kind == "user" {
			parts = append(parts, "principal == User::"+cedarString(foldKey(val)))
		} else {
			parts = append(parts, "principal in Group::"+cedarString(foldKey(val)))
		}
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

func resourceCond(rs []stint.FlowResource) string {
	var any []string
	for i := range rs {
		r := &rs[i]
		ic := r.IdentityCenter
		if ic == nil {
			if sel := r.Selector(); sel != nil {
				any = append(any, selectorCond(sel))
			}
			continue
		}
		accts := make([]string, 0, len(ic.Accounts))
		for _, sel := range ic.Accounts {
			accts = append(accts, accountCond(sel))
		}
		pss := make([]string, 0, len(ic.PermissionSets))
		for _, ps := range ic.PermissionSets {
			pss = append(pss, "resource in PermissionSet::"+cedarString(foldKey(ps)))
		}
		any = append(any, "(("+strings.Join(accts, " || ")+") && ("+strings.Join(pss, " || ")+"))")
	}
	if len(any) == 0 {
		return "false"
	}
	return strings.Join(any, " || ")
}

// selectorCond is the condition of a selector of another type than
// Identity Center: the type, the accounts, the names (patterns with *,
// compared lower-cased), the tags, the levels and the namespaces.
func selectorCond(s *stint.Selector) string {
	conds := []string{"resource.type == " + cedarString(string(s.Type))}
	accts := make([]string, 0, len(s.Accounts))
	for _, sel := range s.Accounts {
		accts = append(accts, accountCond(sel))
	}
	conds = append(conds, "("+strings.Join(accts, " || ")+")")
	if len(s.Names) > 0 {
		names := make([]string, 0, len(s.Names))
		for _, n := range s.Names {
			names = append(names, "resource.name_key like "+cedarPattern(strings.ToLower(n)))
		}
		conds = append(conds, "("+strings.Join(names, " || ")+")")
	}
	for _, k := range slices.Sorted(maps.Keys(s.Tags)) {
		conds = append(conds, fmt.Sprintf("(resource.tags has %s && resource.tags[%s] like %s)",
			cedarString(k), cedarString(k), cedarPattern(strings.ToLower(s.Tags[k]))))
	}
	levels := s.Levels
	if len(levels) == 0 {
		levels = []string{""}
	}
	ls := make([]string, 0, len(levels))
	for _, l := range levels {
		ls = append(ls, "resource.level == "+cedarString(l))
	}
	conds = append(conds, "("+strings.Join(ls, " || ")+")")
	namespaces := s.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{""}
	}
	ns := make([]string, 0, len(namespaces))
	for _, n := range namespaces {
		ns = append(ns, "resource.namespace == "+cedarString(n))
	}
	conds = append(conds, "("+strings.Join(ns, " || ")+")")
	return "(" + strings.Join(conds, " && ") + ")"
}

// cedarPattern quotes a name pattern for Cedar's like: * is the wildcard;
// every other character is literal.
func cedarPattern(p string) string {
	quoted := cedarString(p) // escapes quotes and backslashes
	return quoted
}

func accountCond(sel string) string {
	switch {
	case sel == "all":
		return "true"
	case strings.HasPrefix(sel, "name:"):
		return "resource.account.name_key == " + cedarString(foldKey(sel[5:]))
	case strings.HasPrefix(sel, "ou:"):
		return "resource in OU::" + cedarString(ouKey(strings.Trim(sel[3:], "/")))
	case strings.HasPrefix(sel, "tag:"):
		k, v, _ := strings.Cut(sel[4:], "=")
		return fmt.Sprintf("(resource.account.tags has %s && resource.account.tags[%s] == %s)", cedarString(k), cedarString(k), cedarString(v))
	default:
		return "resource in Account::" + cedarString(sel)
	}
}

// ouKey is an OU path's entity ID; like stint.MatchAccount it ignores case.
func ouKey(path string) string { return strings.ToLower(path) }

func attributesCond(attrs map[string][]string) string {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		vals := make([]string, 0, len(attrs[k]))
		for _, v := range attrs[k] {
			vals = append(vals, cedarString(v))
		}
		set := "[" + strings.Join(vals, ", ") + "].contains(principal.attributes[" + cedarString(k) + "])"
		has := "principal.attributes has " + cedarString(k)
		if slices.Contains(attrs[k], "") { // a missing attribute reads as ""
			parts = append(parts, "(!("+has+") || "+set+")")
		} else {
			parts = append(parts, "("+has+" && "+set+")")
		}
	}
	return strings.Join(parts, " && ")
}

// validateExtra checks what Flow.Validate leaves to the engine.
func validateExtra(f *stint.Flow) error {
	bad := func(format string, args ...any) error {
		return stint.Errorf(stint.EINVALID, "flow %q: %s", f.Name, fmt.Sprintf(format, args...))
	}
	if s, ok := firstInvalidUTF8(f); ok {
		return bad("%q is not valid UTF-8", s)
	}
	if f.DefaultDuration < 0 {
		return bad("default_duration must be positive")
	}
	if bg := f.BreakGlass; bg != nil {
		if bg.MaxDuration < 0 {
			return bad("break_glass max_duration must be positive")
		}
		for _, g := range bg.Groups {
			if stripGroup(g) == "" {
				return bad("break_glass groups has an empty group name")
			}
		}
	}
	if x := f.Extensions; x != nil && (x.Max < 0 || x.MaxEach < 0) {
		return bad("extensions max and max_each must not be negative")
	}
	psKeys := map[string]bool{}
	types := map[stint.ResourceType]bool{}
	for _, r := range f.Resources {
		if r.IdentityCenter == nil {
			if sel := r.Selector(); sel != nil {
				types[sel.Type] = true
			}
			continue
		}
		for _, ps := range r.IdentityCenter.PermissionSets {
			if ps == "" {
				return bad("resources has an empty permission set name")
			}
			psKeys[foldKey(ps)] = true
		}
	}
	seen := map[string]bool{}
	for i, b := range f.Bundles {
		if seen[foldKey(b.Name)] {
			return bad("bundle %q is defined twice", b.Name)
		}
		seen[foldKey(b.Name)] = true
		for j, r := range b.Resources {
			ic := r.IdentityCenter
			if ic == nil && r.Selector() != nil {
				if err := r.Validate(); err != nil {
					return bad("bundles[%d].resources[%d]: %s", i, j, stint.ErrorMessage(err))
				}
				if t := r.Selector().Type; !types[t] {
					return bad("bundle %q selects %s resources, which the flow's resources do not include", b.Name, t)
				}
				continue
			}
			if ic == nil || len(ic.Accounts) == 0 || len(ic.PermissionSets) == 0 {
				return bad("bundles[%d].resources[%d] needs identity_center accounts and permission_sets", i, j)
			}
			for _, sel := range ic.Accounts {
				if err := stint.ValidateAccountSelector(sel); err != nil {
					return bad("bundles[%d]: %s", i, stint.ErrorMessage(err))
				}
			}
			for _, ps := range ic.PermissionSets {
				if !psKeys[foldKey(ps)] {
					return bad("bundle %q names permission set %q, which the flow's resources do not include", b.Name, ps)
				}
			}
		}
	}
	for i, rule := range f.AutoApproveWhen {
		if rule.Time == nil && len(rule.RequesterGroups) == 0 && rule.OnCall == nil {
			return bad("auto_approve_when[%d] is empty; an empty rule would approve everything (use auto_approve: true for that)", i)
		}
		if oc := rule.OnCall; oc != nil {
			if (oc.File == "") == (oc.URL == "") {
				return bad("auto_approve_when[%d].on_call needs exactly one of file or url", i)
			}
			if oc.URL != "" {
				u, err := url.Parse(oc.URL)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return bad("auto_approve_when[%d].on_call url %q must be an http(s) URL", i, oc.URL)
				}
			}
		}
	}
	return nil
}

// firstInvalidUTF8 returns a string of the flow that will be written into
// Cedar text and is not valid UTF-8.
func firstInvalidUTF8(f *stint.Flow) (string, bool) {
	var all []string
	all = append(all, f.Requesters...)
	all = append(all, f.Exclude...)
	for k, vs := range f.RequesterAttributes {
		all = append(all, k)
		all = append(all, vs...)
	}
	rs := slices.Clone(f.Resources)
	for _, b := range f.Bundles {
		rs = append(rs, b.Resources...)
	}
	for _, r := range rs {
		if ic := r.IdentityCenter; ic != nil {
			all = append(all, ic.Accounts...)
			all = append(all, ic.PermissionSets...)
		}
	}
	if f.BreakGlass != nil {
		all = append(all, f.BreakGlass.Groups...)
	}
	for _, s := range all {
		if !utf8.ValidString(s) {
			return s, true
		}
	}
	return "", false
}
