package identityconfig

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// Applier defaults and bounds.
const (
	// DefaultPollInterval is how often asynchronous operations (permission
	// set provisioning, assignment creation and deletion) are checked.
	DefaultPollInterval = time.Second
	// MaxOperationWait bounds the wait for one asynchronous operation.
	MaxOperationWait = 15 * time.Minute

	applyMaxAttempts   = 10
	applyRetryBase     = 100 * time.Millisecond
	applyMaxBackoff    = 20 * time.Second
	identityWorkers    = 8
	permissionWorkers  = 4
	assignmentCreators = 16 // the limiter's creation slots bound them further
	assignmentDeleters = 16
)

// ApplierConfig configures an Applier. Zero fields take the documented
// defaults.
type ApplierConfig struct {
	// AWS is the SDK configuration (region, credentials, endpoint). Its
	// retryer is not used: the Applier retries throttling, 5xx and
	// ConflictException itself, with backoff, up to 10 attempts per call.
	AWS aws.Config
	// InstanceARN and IdentityStoreID name the Identity Center instance;
	// required.
	InstanceARN     string
	IdentityStoreID string
	// Limiter paces every call and bounds assignment creations in flight;
	// share the provider's so that apply, plan and grants together stay
	// within AWS's quota. Default: a new one at 20 calls/s with 10
	// creations in flight.
	Limiter *identitycenter.Limiter
	// PollInterval is how often provisioning and assignment statuses are
	// checked; default 1s.
	PollInterval time.Duration
	// Progress, if set, is called after each action ends, applied or
	// failed, with the number ended so far, the plan's number of actions
	// and the action's description. Calls are serialised.
	Progress func(done, total int, action string)
	// Record, if set, is told of every assignment, permission set, user and
	// group that Apply creates or deletes, so that later plans know what
	// stint owns (Ownership). An error fails the action; AWS keeps the
	// change.
	Record Recorder
}

// Applier carries out plans. It is safe for concurrent use, but the call
// counts of an ApplyResult are exact only when Applies do not overlap.
type Applier struct {
	cfg       ApplierConfig
	lim       *identitycenter.Limiter
	sso       *ssoadmin.Client
	ids       *identitystore.Client
	partition string

	mu    sync.Mutex
	calls map[string]int
}

// ApplyResult is what an Apply did.
type ApplyResult struct {
	// Applied and Failed count the plan's actions that ended either way.
	// Actions an interruption stopped are in neither.
	Applied, Failed int
	// Errors has one line per failed action, with AWS's reason, sorted.
	Errors []string
	// Calls counts the HTTP requests sent by operation, retries included.
	Calls map[string]int
	// Duration is the wall time of the Apply.
	Duration time.Duration
}

// NewApplier returns an Applier. It returns EINVALID when the instance or
// the identity store is missing.
func NewApplier(cfg ApplierConfig) (*Applier, error) {
	if cfg.InstanceARN == "" || cfg.IdentityStoreID == "" {
		return nil, stint.Errorf(stint.EINVALID, "the Identity Center instance ARN and identity store ID are required")
	}
	a := &Applier{cfg: cfg, lim: cfg.Limiter, partition: "aws", calls: map[string]int{}}
	if a.lim == nil {
		a.lim = identitycenter.NewLimiter(identitycenter.LimiterConfig{})
	}
	if parts := strings.Split(cfg.InstanceARN, ":"); len(parts) > 2 && strings.HasPrefix(parts[1], "aws") {
		a.partition = parts[1]
	}
	a.sso = ssoadmin.NewFromConfig(cfg.AWS, func(o *ssoadmin.Options) {
		o.Retryer, o.RetryMaxAttempts = applyRetryer(true), 0
		o.APIOptions = append(o.APIOptions, a.lim.AddToStack, a.addCounter)
	})
	// identitystore answers ConflictException for duplicates (a user or
	// group name taken, a membership that exists): not worth retrying.
	a.ids = identitystore.NewFromConfig(cfg.AWS, func(o *identitystore.Options) {
		o.Retryer, o.RetryMaxAttempts = applyRetryer(false), 0
		o.APIOptions = append(o.APIOptions, a.lim.AddToStack, a.addCounter)
	})
	return a, nil
}

// applyRetryer retries what the SDK's standard retryer does (throttling,
// HTTP 429 and 5xx, connection errors) and, with conflicts, sso-admin's
// ConflictException (an operation on the same permission set is in
// progress), with full-jitter exponential backoff and no retry quota: the
// limiter paces calls.
func applyRetryer(conflicts bool) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = applyMaxAttempts
		o.MaxBackoff = applyMaxBackoff
		o.Backoff = jitterBackoff{}
		o.RateLimiter = ratelimit.None
		if conflicts {
			o.Retryables = append(o.Retryables, retry.RetryableErrorCode{Codes: map[string]struct{}{"ConflictException": {}}})
		}
	})
}

// noConflictRetry is for calls whose ConflictException means "exists".
func noConflictRetry(o *ssoadmin.Options) { o.Retryer = applyRetryer(false) }

type jitterBackoff struct{}

// BackoffDelay is uniform in [0, min(20s, 100ms*2^(attempt-1))].
func (jitterBackoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	ceiling := applyRetryBase
	for i := 1; i < attempt && ceiling < applyMaxBackoff; i++ {
		ceiling *= 2
	}
	return rand.N(min(ceiling, applyMaxBackoff) + 1), nil
}

func (a *Applier) addCounter(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("IdentityConfigApplyCallCounter",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			op := awsmiddleware.GetOperationName(ctx)
			a.mu.Lock()
			a.calls[op]++
			a.mu.Unlock()
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

// Apply carries out the plan's actions, and only those, in dependency
// order: identity store users, groups and memberships; permission sets
// (created, updated, then provisioned to every account that has them, or
// for a provisioning change alone to the accounts it lists, waiting for the
// provisioning to finish); account assignment creations
// and deletions together, each verified through its status API; then
// permission set deletions (only once their assignments are gone) and user
// and group deletions. Independent actions run concurrently within the
// limiter's pace and creation bound.
//
// A failed action does not stop the others, except those that depend on
// it (assignments of a permission set or principal that could not be
// created); it is counted and described in the result. An assignment
// creation of one that exists, or a deletion of one that is gone, is
// success, so applying a fresh plan after an interruption finishes the
// job. Apply returns an error only when it cannot start (EINVALID for a
// nil plan) or when ctx ends first: then EUNAVAILABLE, with the result so
// far.
func (a *Applier) Apply(ctx context.Context, p *Plan) (*ApplyResult, error) {
	if p == nil {
		return nil, stint.Errorf(stint.EINVALID, "no plan to apply")
	}
	start := time.Now()
	a.mu.Lock()
	a.calls = map[string]int{}
	a.mu.Unlock()
	r := newRun(a, ctx, p)

	var idents, members, sets, assigns, setDeletes, identDeletes []*Action
	for i := range p.Actions {
		act := &p.Actions[i]
		switch {
		case act.Kind == KindMembership:
			members = append(members, act)
		case (act.Kind == KindUser || act.Kind == KindGroup) && act.Op == OpDelete:
			identDeletes = append(identDeletes, act)
		case act.Kind == KindUser || act.Kind == KindGroup:
			idents = append(idents, act)
		case act.Kind == KindPermissionSet && act.Op == OpDelete:
			setDeletes = append(setDeletes, act)
		case act.Kind == KindPermissionSet:
			sets = append(sets, act)
		case act.Kind == KindAssignment:
			assigns = append(assigns, act)
		default:
			r.finish(act, stint.Errorf(stint.EINVALID, "unknown action %s %s", act.Op, act.Kind))
		}
	}
	var creates, deletes []*Action
	for _, act := range assigns {
		if act.Op == OpDelete {
			deletes = append(deletes, act)
		} else {
			creates = append(creates, act)
		}
	}

	r.each(idents, identityWorkers, r.identity)
	r.each(members, identityWorkers, r.membership)
	r.each(sets, permissionWorkers, r.permissionSet)
	var wg sync.WaitGroup
	wg.Go(func() { r.each(creates, assignmentCreators, r.assignment) })
	wg.Go(func() { r.each(deletes, assignmentDeleters, r.assignment) })
	wg.Wait()
	r.each(setDeletes, permissionWorkers, r.deletePermissionSet)
	r.each(identDeletes, identityWorkers, r.identity)

	res := r.result()
	a.mu.Lock()
	res.Calls = maps.Clone(a.calls)
	a.mu.Unlock()
	res.Duration = time.Since(start)
	if err := ctx.Err(); err != nil {
		return res, stint.Errorf(stint.EUNAVAILABLE, "apply interrupted (%v) with %d of %d actions done (%d failed); run apply again to finish: it plans what is left",
			err, res.Applied+res.Failed, len(p.Actions), res.Failed)
	}
	return res, nil
}

// run is the state of one Apply.
type run struct {
	a     *Applier
	ctx   context.Context
	total int

	mu     sync.Mutex
	res    ApplyResult
	psARNs map[string]string // lower-cased permission set name -> ARN
	// psFailed holds permission sets whose creation failed, by lower-cased
	// name, and the reason; their assignments are not attempted.
	psFailed map[string]string
	// assignFailed holds permission set ARNs with a failed assignment
	// deletion: the permission set cannot be deleted.
	assignFailed map[string]bool
	users        map[string]string // lower-cased user name and email -> ID
	groups       map[string]string // lower-cased group name -> ID
	principalErr map[string]string // lower-cased "USER:name" -> why it could not be created

	listPS, listIDs sync.Mutex // serialise the one-off listings
	psListed        bool
	idsListed       bool
	progress        sync.Mutex
}

func newRun(a *Applier, ctx context.Context, p *Plan) *run {
	r := &run{a: a, ctx: ctx, total: len(p.Actions), psARNs: map[string]string{}, psFailed: map[string]string{},
		assignFailed: map[string]bool{}, users: map[string]string{}, groups: map[string]string{}, principalErr: map[string]string{}}
	for _, act := range p.Actions {
		if act.Kind == KindPermissionSet && act.ID != "" {
			r.psARNs[strings.ToLower(act.Name)] = act.ID
		}
		if act.Kind == KindGroup && act.ID != "" {
			r.groups[strings.ToLower(act.Name)] = act.ID
		}
		if act.Kind == KindUser && act.ID != "" {
			r.users[strings.ToLower(act.Name)] = act.ID
		}
	}
	return r
}

// each runs fn on the actions with at most workers at once, skipping
// those not started when the context ends.
func (r *run) each(acts []*Action, workers int, fn func(context.Context, *Action) error) {
	if len(acts) == 0 {
		return
	}
	work := make(chan *Action)
	var wg sync.WaitGroup
	for range min(workers, len(acts)) {
		wg.Go(func() {
			for act := range work {
				r.finish(act, fn(r.ctx, act))
			}
		})
	}
	for _, act := range acts {
		if r.ctx.Err() != nil {
			break
		}
		work <- act
	}
	close(work)
	wg.Wait()
}

// finish records an action's outcome and reports progress. An action the
// context's end stopped is recorded as neither applied nor failed.
func (r *run) finish(act *Action, err error) {
	if err != nil && r.ctx.Err() != nil {
		return
	}
	r.mu.Lock()
	if err == nil {
		r.res.Applied++
	} else {
		r.res.Failed++
		r.res.Errors = append(r.res.Errors, fmt.Sprintf("%s %s %s: %s", act.Op, kindNoun(act.Kind), describeAction(act), reason(err)))
	}
	done := r.res.Applied + r.res.Failed
	r.mu.Unlock()
	if r.a.cfg.Progress != nil {
		r.progress.Lock()
		defer r.progress.Unlock()
		r.a.cfg.Progress(done, r.total, fmt.Sprintf("%s %s %s", act.Op, kindNoun(act.Kind), describeAction(act)))
	}
}

func (r *run) result() *ApplyResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := r.res
	res.Errors = slices.Clone(res.Errors)
	slices.Sort(res.Errors)
	return &res
}

func describeAction(act *Action) string {
	if act.Kind == KindMembership {
		return act.Member + " in " + act.Name
	}
	return act.Name
}

// reason returns AWS's words for an error ("Code: message"), or the
// error's own.
func reason(err error) string {
	var apiErr smithy.APIError
	var failed *operationFailed
	switch {
	case errors.As(err, &failed):
		return err.Error()
	case errors.As(err, &apiErr):
		msg := apiErr.ErrorCode()
		if m := apiErr.ErrorMessage(); m != "" {
			msg += ": " + m
		}
		return msg
	}
	return err.Error()
}

// operationFailed is an asynchronous operation AWS reported FAILED.
type operationFailed struct{ what, reason string }

func (e *operationFailed) Error() string {
	return fmt.Sprintf("%s: AWS reports FAILED: %s", e.what, cmp.Or(e.reason, "(no reason given)"))
}

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// waitFor polls check every PollInterval until it reports a final status,
// MaxOperationWait passes or ctx ends.
func (r *run) waitFor(ctx context.Context, what string, final bool, check func(context.Context) (bool, error)) error {
	interval := cmp.Or(r.a.cfg.PollInterval, DefaultPollInterval)
	deadline := time.Now().Add(MaxOperationWait)
	for !final {
		if time.Now().After(deadline) {
			return stint.Errorf(stint.EUNAVAILABLE, "%s: still in progress after %s; apply again later", what, MaxOperationWait)
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		var err error
		if final, err = check(ctx); err != nil {
			return err
		}
	}
	return nil
}

// asFailed is errors.As for *operationFailed.
func asFailed(err error, target **operationFailed) bool { return err != nil && errors.As(err, target) }
