package policy

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cedar-policy/cedar-go"
	"github.com/stint-dev/stint"
)

// RequestInput asks whether a user may request a permission set in an
// account, or another resource there.
type RequestInput struct {
	User          *stint.User
	Account       *stint.Account
	PermissionSet string
	// Resource, when set, is the resource asked for (any type, its tags
	// included); PermissionSet is then ignored.
	Resource *stint.ResourceRef
	// Duration asked for; 0 means each flow's default (for break-glass,
	// capped at its break-glass maximum).
	Duration   time.Duration
	BreakGlass bool
}

// ref returns the resource asked for.
func (in *RequestInput) ref() *stint.ResourceRef {
	if in.Resource != nil {
		r := *in.Resource
		if in.Account != nil {
			r.AccountID, r.AccountName = in.Account.ID, in.Account.Name
		}
		return &r
	}
	if in.Account == nil {
		return &stint.ResourceRef{Type: stint.ResourceSSO, PermissionSet: in.PermissionSet}
	}
	return ssoRef(in.Account, in.PermissionSet)
}

// Decision is the engine's answer to an allowed request.
type Decision struct {
	// Flow is a copy of the flow chosen to carry the request.
	Flow *stint.Flow
	// AutoApprove reports whether the flow approves the request without
	// review now (auto_approve, or an auto_approve_when rule holds).
	AutoApprove bool
	// Steps is the approval plan: Flow.Steps for the permission sets and
	// the (expanded) requester.
	Steps []stint.RequestStep
	// Resources are the pairs a bundle expands to (DecideBundle only).
	Resources   []stint.ResourceRef
	Explanation *Explanation
}

// DeniedError is the EFORBIDDEN error of a denied request. It carries the
// explanation; stint.ErrorCode and stint.ErrorMessage see the *stint.Error.
type DeniedError struct {
	Err         *stint.Error
	Explanation *Explanation
}

func (d *DeniedError) Error() string { return d.Err.Error() }

// Unwrap returns the coded error.
func (d *DeniedError) Unwrap() error { return d.Err }

// verdict is one flow's answer to one question.
type verdict struct {
	flow    *compiled
	allowed bool
	rank    int // how close a deny came to an allow; higher is closer
	reason  string
}

// subject is what a decision is about, for messages.
type subject struct {
	user     *stint.User
	account  *stint.Account
	ps       string
	duration time.Duration
	request  *stint.Request
	step     *stint.RequestStep
	grant    *stint.Grant
	action   string
	ext, len time.Duration
}

// evaluate asks Cedar with one flow's policy set for the action. Any
// evaluation error denies: cedar-go skips a forbid policy that errors,
// which must never turn into an allow.
func (e *Engine) evaluate(c *compiled, action string, ents *entities, resource cedar.EntityUID, ctx cedar.Record, s *subject) verdict {
	allowed, diag := judge(c.sets[action], action, ents, resource, ctx)
	v := verdict{flow: c, allowed: allowed}
	if !allowed {
		v.rank, v.reason = c.explainDeny(action, diag, s)
	}
	return v
}

// judge asks Cedar; only an Allow without any error allows.
func judge(set *cedar.PolicySet, action string, ents *entities, resource cedar.EntityUID, ctx cedar.Record) (bool, cedar.Diagnostic) {
	req := cedar.Request{
		Principal: ents.principal.UID,
		Action:    actionUID(action),
		Resource:  resource,
		Context:   ctx,
	}
	dec, diag := cedar.Authorize(set, ents, req)
	return dec == cedar.Allow && len(diag.Errors) == 0, diag
}

// actionUIDs are the Action entities, built once.
var actionUIDs = func() map[string]cedar.EntityUID {
	m := make(map[string]cedar.EntityUID, len(actions))
	for _, a := range actions {
		m[a] = cedar.NewEntityUID(typAction, cedar.String(a))
	}
	return m
}()

func actionUID(action string) cedar.EntityUID {
	if uid, ok := actionUIDs[action]; ok {
		return uid
	}
	return cedar.NewEntityUID(typAction, cedar.String(action))
}

// denyRank is the rank explainDeny gives a denied diagnostic, without
// building its messages: that of the farthest rule that fired.
func (c *compiled) denyRank(diag cedar.Diagnostic) int {
	if len(diag.Reasons) == 0 && len(diag.Errors) == 0 {
		return rankNoPermission
	}
	rank := -1
	for _, r := range diag.Reasons {
		if k := kindRank[c.checks[r.PolicyID].kind]; rank < 0 || k < rank {
			rank = k
		}
	}
	if len(diag.Errors) > 0 && (rank < 0 || rankError < rank) {
		rank = rankError
	}
	return rank
}

// explainDeny turns the diagnostic of a deny into its rank (how close it
// came to an allow; the farthest rule that fired) and its reason (every
// failed rule, farthest first).
func (c *compiled) explainDeny(action string, diag cedar.Diagnostic, s *subject) (int, string) {
	type fired struct {
		rank int
		msg  string
	}
	var all []fired
	for _, r := range diag.Reasons {
		ck := c.checks[r.PolicyID]
		all = append(all, fired{kindRank[ck.kind], c.message(ck, s)})
	}
	for _, de := range diag.Errors {
		all = append(all, fired{rankError, fmt.Sprintf("policy %s failed to evaluate (%s), which counts as a deny", de.PolicyID, de.Message)})
	}
	if len(all) == 0 {
		msg := "no policy of the flow permits it"
		if action == ActionBreakGlass {
			msg = "the flow has no break-glass access"
		}
		all = append(all, fired{rankNoPermission, msg})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].rank < all[j].rank })
	msgs := make([]string, 0, len(all))
	for _, f := range all {
		if !slices.Contains(msgs, f.msg) {
			msgs = append(msgs, f.msg)
		}
	}
	return all[0].rank, strings.Join(msgs, "; ")
}

func (c *compiled) message(ck check, s *subject) string {
	f := &c.flow
	email := ""
	if s.user != nil {
		email = s.user.Email
	}
	switch ck.kind {
	case kindResource:
		return fmt.Sprintf("it does not include %s in %s", s.ps, accountLabel(s.account))
	case kindRequester:
		return fmt.Sprintf("%s is not one of its requesters (%s)", email, strings.Join(f.Requesters, ", "))
	case kindExclude:
		return fmt.Sprintf("%s is excluded (exclude: %s)", email, strings.Join(f.Exclude, ", "))
	case kindAttributes:
		return fmt.Sprintf("%s lacks the requester attributes it asks for (%s)", email, formatAttributes(f.RequesterAttributes))
	case kindBGGroup:
		return fmt.Sprintf("%s is in no break-glass group (%s)", email, strings.Join(c.bgGroups, ", "))
	case kindRaw:
		if ck.reason != "" {
			return ck.reason
		}
		return fmt.Sprintf("forbidden by the policy at line %d of its cedar block", ck.line)
	case kindPositive:
		return "the duration must be positive"
	case kindDuration:
		return fmt.Sprintf("duration %s exceeds %s", stint.FormatDuration(s.duration), f.MaxDuration)
	case kindBGDuration:
		return fmt.Sprintf("break-glass duration %s exceeds %s", stint.FormatDuration(s.duration), stint.FormatDuration(breakGlassMax(f)))
	case kindSelf:
		return fmt.Sprintf("%s requested it; nobody approves their own request", email)
	case kindApprover:
		if s.step == nil {
			return fmt.Sprintf("%s is not an approver of the current step", email)
		}
		return fmt.Sprintf("%s is not an approver of step %q (approvers: %s)", email, s.step.Name, strings.Join(s.step.Approvers, ", "))
	case kindOwner:
		return fmt.Sprintf("only %s, whose grant it is, may %s grant %s", s.grant.UserEmail, s.action, s.grant.ID)
	case kindExtCount:
		return fmt.Sprintf("grant %s has had %d extensions, the most flow %q allows", s.grant.ID, s.grant.Extensions, f.Name)
	case kindExtPositive:
		return "an extension must be positive"
	case kindExtEach:
		return fmt.Sprintf("extension %s exceeds the flow's max_each %s", stint.FormatDuration(s.ext), f.Extensions.MaxEach)
	case kindExtLength:
		return fmt.Sprintf("extending by %s makes the grant %s long, above the flow's maximum %s", stint.FormatDuration(s.ext), stint.FormatDuration(s.len), f.MaxDuration)
	}
	return "denied by policy " + ck.kind
}

func accountLabel(a *stint.Account) string {
	if a == nil {
		return "(no account)"
	}
	if a.Name == "" {
		return a.ID
	}
	return fmt.Sprintf("%s (%s)", a.ID, a.Name)
}

func formatAttributes(m map[string][]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %s", k, strings.Join(m[k], "|")))
	}
	return strings.Join(parts, ", ")
}

// question is one request decision in progress.
type question struct {
	in    RequestInput
	ref   *stint.ResourceRef // what is asked for
	user  *stint.User        // expanded; shared, read-only
	flows []int              // the user's requester flows (userEntry.flows)
	ents  *entities
	res   cedar.EntityUID
	now   time.Time
	// records caches contexts: most flows of one question share one.
	records []cachedRecord
}

type cachedRecord struct {
	d          time.Duration
	breakGlass bool
	rec        cedar.Record
}

func (e *Engine) newQuestion(in RequestInput) (*question, error) {
	if in.User == nil || in.Account == nil || (in.PermissionSet == "" && in.Resource == nil) {
		return nil, stint.Errorf(stint.EINVALID, "a request decision needs a user, an account and a permission set or resource")
	}
	ue := e.userEntry(in.User)
	ref := in.ref()
	res := e.resourceEntities(in.Account, ref)
	return &question{
		in: in, ref: ref, user: ue.user, flows: ue.flows, ents: &entities{e: e, principal: &ue.principal, res: res},
		res: res.resource.UID, now: e.now(),
	}, nil
}

func (q *question) duration(c *compiled, breakGlass bool) time.Duration {
	if q.in.Duration != 0 {
		return q.in.Duration
	}
	if breakGlass {
		return min(c.flow.Default(), breakGlassMax(&c.flow))
	}
	return c.flow.Default()
}

// ask evaluates one flow for the question with its detailed policy set.
func (e *Engine) ask(q *question, c *compiled, breakGlass bool) verdict {
	return e.askSet(q, c, breakGlass, false)
}

// askSet evaluates with the flow's fast set (one permit) when fast is set:
// same verdict, no reason.
func (e *Engine) askSet(q *question, c *compiled, breakGlass, fast bool) verdict {
	action := ActionRequest
	if breakGlass {
		action = ActionBreakGlass
	}
	d := q.duration(c, breakGlass)
	rec := q.record(d, breakGlass)
	if fast {
		set := c.fast[action]
		if set == nil { // no break-glass in this flow
			return verdict{flow: c}
		}
		allowed, _ := judge(set, action, q.ents, q.res, rec)
		return verdict{flow: c, allowed: allowed}
	}
	s := &subject{user: q.user, account: q.in.Account, ps: q.ref.Label(), duration: d}
	return e.evaluate(c, action, q.ents, q.res, rec, s)
}

// record returns the question's context for a duration; most flows of one
// question share one.
func (q *question) record(d time.Duration, breakGlass bool) cedar.Record {
	for _, r := range q.records {
		if r.d == d && r.breakGlass == breakGlass {
			return r.rec
		}
	}
	ctx := &evalContext{
		duration: d, now: q.now, requester: q.user.Email, requesterID: q.user.ID,
		permissionSets: []string{q.ref.Target()}, breakGlass: breakGlass,
	}
	rec := ctx.record()
	q.records = append(q.records, cachedRecord{d: d, breakGlass: breakGlass, rec: rec})
	return rec
}

// pendingDeny is a flow's deny with the detailed set, its reason not yet
// written: DecideRequest needs the reasons only when no flow allows.
type pendingDeny struct {
	c      *compiled
	action string
	diag   cedar.Diagnostic
	d      time.Duration
	rank   int
}

func (e *Engine) askDetailed(q *question, c *compiled, breakGlass bool) (bool, pendingDeny) {
	action := ActionRequest
	if breakGlass {
		action = ActionBreakGlass
	}
	d := q.duration(c, breakGlass)
	allowed, diag := judge(c.sets[action], action, q.ents, q.res, q.record(d, breakGlass))
	if allowed {
		return true, pendingDeny{}
	}
	return false, pendingDeny{c: c, action: action, diag: diag, d: d, rank: c.denyRank(diag)}
}

// candidates returns the flows that name the resource (its permission
// set, or a selector of its type) and list one of the user's keys as a
// requester, in config order: a superset of the flows Cedar can allow, so
// only their small policy sets are evaluated.
func (e *Engine) candidates(q *question) []*compiled {
	// Both lists are sorted: intersect them.
	var out []*compiled
	a, b := q.flows, e.index(q.ref)
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0] < b[0]:
			a = a[1:]
		case a[0] > b[0]:
			b = b[1:]
		default:
			out = append(out, e.flows[a[0]])
			a, b = a[1:], b[1:]
		}
	}
	return out
}

// index returns, in config order, the flows that may include the resource:
// those naming its permission set, or with a selector of its type.
func (e *Engine) index(ref *stint.ResourceRef) []int {
	if ref.Type.Or() == stint.ResourceSSO {
		return e.byPS[foldKey(ref.PermissionSet)]
	}
	return e.byType[ref.Type]
}

func (e *Engine) flowsFor(ref *stint.ResourceRef) []*compiled {
	idx := e.index(ref)
	out := make([]*compiled, len(idx))
	for i, x := range idx {
		out[i] = e.flows[x]
	}
	return out
}

// DecideRequest decides whether in.User may request the permission set in
// the account and through which flow. Break-glass requests need a flow
// that allows break-glass; otherwise a flow that auto-approves now wins,
// then the first listed. A deny is a *DeniedError (code EFORBIDDEN) naming
// the flow that came closest and why it said no, carrying the full
// Explanation; EINVALID when the input lacks a user, account or
// permission set.
func (e *Engine) DecideRequest(ctx context.Context, in RequestInput) (*Decision, error) {
	q, err := e.newQuestion(in)
	if err != nil {
		return nil, err
	}
	cands := e.candidates(q)
	exp, chosen, denies := e.decideRequest(ctx, q, cands)
	if chosen == nil {
		// A flow not listing the user as a requester denies at rank 2 at
		// best, so when a candidate came closer the candidates suffice.
		rank := rankNoPermission
		for _, p := range denies {
			rank = max(rank, p.rank)
		}
		if rank <= kindRank[kindRequester] {
			exp = e.denyWithOthers(q, denies, exp)
		}
		return nil, &DeniedError{Err: stint.Errorf(stint.EFORBIDDEN, "%s", exp.Summary), Explanation: exp}
	}
	f := cloneFlow(chosen.flow)
	return &Decision{Flow: &f, AutoApprove: exp.AutoApprove, Steps: exp.Steps, Explanation: exp}, nil
}

// decideRequest is decide for DecideRequest's candidates in one pass. Until
// a flow allows, flows are asked their detailed sets (same verdict as the
// fast ones), their deny reasons kept unwritten; after, only the flows that
// could still win are asked, with the fast set. It returns the chosen flow
// (nil on a deny) and, on a deny, every flow's pending deny in order.
func (e *Engine) decideRequest(ctx context.Context, q *question, flows []*compiled) (*Explanation, *compiled, []pendingDeny) {
	in := q.in
	exp := &Explanation{User: q.user.Email, Resource: q.ref.FormatID()}
	var denies []pendingDeny
	var chosen, first *compiled
	auto, rule := false, ""
	for _, c := range flows {
		if first != nil {
			if in.BreakGlass || !mayAutoApprove(&c.flow) || !e.askSet(q, c, in.BreakGlass, true).allowed {
				continue // cannot beat the first allowed flow
			}
		} else if ok, p := e.askDetailed(q, c, in.BreakGlass); !ok {
			denies = append(denies, p)
			continue
		} else {
			first = c
		}
		exp.Reasons = append(exp.Reasons, FlowReason{Flow: c.flow.Name, Allowed: true})
		if in.BreakGlass {
			break
		}
		if ok, r := e.autoApprove(ctx, c, q.user, q.now, true); ok {
			chosen, auto, rule = c, true, r
			break
		}
	}
	if first == nil {
		exp.Reasons = make([]FlowReason, 0, len(denies))
		var best *pendingDeny
		var bestReason string
		for i := range denies {
			p := &denies[i]
			s := &subject{user: q.user, account: in.Account, ps: q.ref.Label(), duration: p.d}
			_, reason := p.c.explainDeny(p.action, p.diag, s)
			exp.Reasons = append(exp.Reasons, FlowReason{Flow: p.c.flow.Name, Reason: reason})
			if best == nil || p.rank > best.rank {
				best, bestReason = p, reason
			}
		}
		why := noFlowIncludes(q.ref)
		if best != nil {
			why = fmt.Sprintf("flow %q: %s", best.c.Flow(), bestReason)
		}
		exp.Summary = denySummary(q, why)
		return exp, nil, denies
	}
	if chosen == nil {
		chosen = first
	}
	e.explainAllow(q, exp, chosen, auto, rule)
	return exp, chosen, nil
}

func denySummary(q *question, why string) string {
	what := "request"
	if q.in.BreakGlass {
		what = "use break-glass access to"
	}
	return fmt.Sprintf("no flow lets %s %s %s in %s: %s", q.user.Email, what, q.ref.Label(), accountLabel(q.in.Account), why)
}

// noFlowIncludes says that no flow names the resource.
func noFlowIncludes(ref *stint.ResourceRef) string {
	if ref.Type.Or() == stint.ResourceSSO {
		return fmt.Sprintf("no flow includes permission set %q", ref.PermissionSet)
	}
	return fmt.Sprintf("no flow includes %s resources", ref.Type)
}

// denyWithOthers completes the explanation of a deny with the closest of
// the flows that name the permission set but not the user as a requester.
// Their reason is known without Cedar (the requester rule fails; rank 2
// when the flow covers the resource, 1 otherwise), which keeps denies
// cheap. The explanation lists the candidate flows and that one; Explain
// evaluates every flow. denies and candExp.Reasons are the candidates',
// in config order.
func (e *Engine) denyWithOthers(q *question, denies []pendingDeny, candExp *Explanation) *Explanation {
	in := q.in
	exp := &Explanation{User: candExp.User, Resource: candExp.Resource}
	bestRank, why := -1, noFlowIncludes(q.ref)
	var bestFlow *compiled
	j := 0 // next candidate; candidates are a config-ordered subset of the index
	for _, x := range e.index(q.ref) {
		c := e.flows[x]
		if j < len(denies) && denies[j].c == c {
			r := candExp.Reasons[j]
			exp.Reasons = append(exp.Reasons, r)
			if rank := denies[j].rank; rank > bestRank {
				bestRank, bestFlow, why = rank, nil, fmt.Sprintf("flow %q: %s", c.flow.Name, r.Reason)
			}
			j++
			continue
		}
		if bestRank >= kindRank[kindRequester] {
			continue // nothing here comes closer
		}
		rank := kindRank[kindRequester]
		if !c.flow.CoversRef(in.Account, q.ref) {
			rank = kindRank[kindResource]
		}
		if rank > bestRank {
			bestRank, bestFlow = rank, c
		}
	}
	if bestFlow != nil { // the reason of a flow that does not list the user
		msg := bestFlow.message(check{kind: kindRequester}, &subject{user: q.user})
		if bestRank == kindRank[kindResource] {
			msg = bestFlow.message(check{kind: kindResource}, &subject{account: in.Account, ps: q.ref.Label()}) + "; " + msg
		}
		exp.Reasons = append(exp.Reasons, FlowReason{Flow: bestFlow.flow.Name, Reason: msg})
		why = fmt.Sprintf("flow %q: %s", bestFlow.flow.Name, msg)
	}
	exp.Summary = denySummary(q, why)
	return exp
}

// Explain answers "may in.User request it?" with every flow that names the
// permission set: its verdict and reason, the flow that would carry the
// request, whether it auto-approves now and who must approve.
func (e *Engine) Explain(ctx context.Context, in RequestInput) *Explanation {
	q, err := e.newQuestion(in)
	if err != nil {
		exp := &Explanation{Summary: stint.ErrorMessage(err)}
		if in.User != nil {
			exp.User = in.User.Email
		}
		return exp
	}
	exp, _ := e.decide(ctx, q, e.flowsFor(q.ref), false)
	return exp
}

// decide evaluates the flows and explains the outcome; it also returns how
// close the closest deny came. With fast set, flows are asked their
// one-policy form and the explanation lists only the flows that allow.
func (e *Engine) decide(ctx context.Context, q *question, flows []*compiled, fast bool) (*Explanation, int) {
	in := q.in
	exp := &Explanation{User: q.user.Email, Resource: q.ref.FormatID()}
	var allowed []*compiled
	var best *verdict
	var chosen *compiled
	auto, rule := false, ""
	for _, c := range flows {
		if fast && len(allowed) > 0 && (in.BreakGlass || !mayAutoApprove(&c.flow)) {
			continue // cannot beat the first allowed flow
		}
		v := e.askSet(q, c, in.BreakGlass, fast)
		if v.allowed || !fast {
			exp.Reasons = append(exp.Reasons, FlowReason{Flow: c.flow.Name, Allowed: v.allowed, Reason: v.reason})
		}
		if !v.allowed {
			if best == nil || v.rank > best.rank {
				best = &v
			}
			continue
		}
		allowed = append(allowed, c)
		if in.BreakGlass || chosen != nil && auto {
			if fast {
				break
			}
			continue
		}
		if ok, r := e.autoApprove(ctx, c, q.user, q.now, true); ok {
			chosen, auto, rule = c, true, r
			if fast {
				break
			}
		}
	}
	if chosen == nil && len(allowed) > 0 {
		chosen = allowed[0]
	}
	if len(allowed) == 0 {
		why := noFlowIncludes(q.ref)
		if best != nil {
			why = fmt.Sprintf("flow %q: %s", best.flow.Flow(), best.reason)
		}
		exp.Summary = denySummary(q, why)
		if best == nil {
			return exp, rankNoPermission
		}
		return exp, best.rank
	}
	e.explainAllow(q, exp, chosen, auto, rule)
	return exp, 0
}

// explainAllow completes the explanation of an allow through chosen.
func (e *Engine) explainAllow(q *question, exp *Explanation, chosen *compiled, auto bool, rule string) {
	in := q.in
	f := &chosen.flow
	exp.Allowed, exp.Flow, exp.AutoApprove, exp.MaxDuration = true, f.Name, auto, f.MaxDuration
	exp.Steps = f.Steps([]string{q.ref.Target()}, q.user)
	exp.BreakGlass = in.BreakGlass || (f.BreakGlass != nil && e.askSet(q, chosen, true, true).allowed)
	switch {
	case in.BreakGlass:
		exp.Summary = fmt.Sprintf("allowed as break-glass through flow %q, without approval", f.Name)
	case auto:
		exp.Summary = fmt.Sprintf("allowed through flow %q, approved automatically (%s)", f.Name, rule)
	case len(exp.Steps) == 0:
		exp.Summary = fmt.Sprintf("allowed through flow %q; no approval step applies", f.Name)
	default:
		exp.Summary = fmt.Sprintf("allowed through flow %q after approval: %s", f.Name, describeSteps(exp.Steps))
	}
}

// mayAutoApprove reports whether the flow has any auto-approve rule.
func mayAutoApprove(f *stint.Flow) bool { return f.AutoApprove || len(f.AutoApproveWhen) > 0 }

// Flow returns the flow's name.
func (c *compiled) Flow() string { return c.flow.Name }

func describeSteps(steps []stint.RequestStep) string {
	parts := make([]string, 0, len(steps))
	for _, st := range steps {
		parts = append(parts, fmt.Sprintf("%s (%d of %s)", st.Name, max(st.Quorum, 1), strings.Join(st.Approvers, ", ")))
	}
	return strings.Join(parts, ", then ")
}
