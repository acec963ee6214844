package identitycenter

import (
	"container/heap"
	"context"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Priority orders calls waiting for the Limiter: higher first, and in arrival
// order within a priority.
type Priority int

// Priorities, lowest first.
const (
	// PriorityRead is for listings and descriptions (directory sync, Exists).
	PriorityRead Priority = iota
	// PriorityPoll is for assignment status checks.
	PriorityPoll
	// PriorityMutate is for creating and deleting assignments: a revocation
	// must not wait behind reads.
	PriorityMutate
)

// PriorityOf returns the priority of an Identity Center operation name.
func PriorityOf(op string) Priority {
	switch op {
	case "CreateAccountAssignment", "DeleteAccountAssignment",
		// Permission sets that stint manages itself (provider/scoped): a
		// revocation's cut-off rewrites the policy and provisions it.
		"PutInlinePolicyToPermissionSet", "ProvisionPermissionSet":
		return PriorityMutate
	case "DescribeAccountAssignmentCreationStatus", "DescribeAccountAssignmentDeletionStatus",
		"DescribePermissionSetProvisioningStatus":
		return PriorityPoll
	default:
		return PriorityRead
	}
}

// Limiter defaults.
const (
	DefaultRateLimit          = 20.0
	DefaultBurst              = 1
	DefaultMaxCreatesInFlight = 10
)

// LimiterConfig configures a Limiter.
type LimiterConfig struct {
	// Rate is the number of calls per second; default 20, the Identity
	// Center quota shared by all its APIs (sso-admin and identitystore).
	Rate float64
	// Burst is how many calls may go out back to back after a quiet spell;
	// default 1, which spaces calls evenly 1/Rate apart. AWS's own bucket is
	// shared with every other tool in the account, so a small burst avoids
	// throttling that would cost retries.
	Burst int
	// MaxCreatesInFlight bounds assignment creations in progress, from the
	// create call until its status is final; default 10, the AWS quota.
	MaxCreatesInFlight int
	// OnWait, if set, is called with the operation name whenever a call (each
	// attempt, retries included) is handed to the limiter, before it waits.
	OnWait func(op string)
}

// Limiter is the token bucket and creation semaphore that every Identity
// Center caller in a process shares. Each HTTP attempt takes one token;
// waiting calls are served by Priority, so deletions and creations go out
// before status polls, and polls before reads. Use one Limiter per Identity
// Center instance and add it to every sso-admin and identitystore client with
// AddToStack; code that creates account assignments also holds a slot from
// AcquireCreate from the create call until the creation's status is final.
type Limiter struct {
	rate   float64
	burst  float64
	onWait func(string)

	mu     sync.Mutex
	tokens float64
	last   time.Time
	queue  waitQueue
	seq    uint64
	timer  *time.Timer

	creates chan struct{}
}

// NewLimiter returns a limiter with a full bucket.
func NewLimiter(cfg LimiterConfig) *Limiter {
	if cfg.Rate <= 0 {
		cfg.Rate = DefaultRateLimit
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultBurst
	}
	if cfg.MaxCreatesInFlight <= 0 {
		cfg.MaxCreatesInFlight = DefaultMaxCreatesInFlight
	}
	return &Limiter{
		rate:    cfg.Rate,
		burst:   float64(cfg.Burst),
		onWait:  cfg.OnWait,
		tokens:  float64(cfg.Burst),
		last:    time.Now(),
		creates: make(chan struct{}, cfg.MaxCreatesInFlight),
	}
}

// Wait blocks until the call may go out. It returns ctx's error, without
// taking a token, if ctx ends first.
func (l *Limiter) Wait(ctx context.Context, p Priority) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	now := time.Now()
	l.refill(now)
	if len(l.queue) == 0 && l.tokens >= 1 {
		l.tokens--
		l.mu.Unlock()
		return nil
	}
	l.seq++
	w := &waiter{prio: p, seq: l.seq, ready: make(chan struct{})}
	heap.Push(&l.queue, w)
	l.dispatch(now)
	l.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if w.granted { // lost the race: give the token back
		l.tokens = min(l.burst, l.tokens+1)
	} else {
		heap.Remove(&l.queue, w.index)
	}
	l.dispatch(time.Now())
	return ctx.Err()
}

// AcquireCreate blocks until fewer than MaxCreatesInFlight creations are in
// progress and returns the function that ends this one. Call it when the
// creation's status is final or the creation failed; extra calls do nothing.
func (l *Limiter) AcquireCreate(ctx context.Context) (release func(), err error) {
	select {
	case l.creates <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() { once.Do(func() { <-l.creates }) }, nil
}

// CreatesInFlight returns the number of creations in progress.
func (l *Limiter) CreatesInFlight() int { return len(l.creates) }

// AddToStack adds the limiter to an AWS SDK client's middleware stack, right
// after the retry middleware, so that every HTTP attempt (first tries and
// retries alike) takes a token at the priority of its operation. Use it in a
// client's APIOptions:
//
//	ssoadmin.NewFromConfig(cfg, func(o *ssoadmin.Options) {
//		o.APIOptions = append(o.APIOptions, lim.AddToStack)
//	})
func (l *Limiter) AddToStack(stack *middleware.Stack) error {
	return stack.Finalize.Insert(l, "Retry", middleware.After)
}

// ID names the limiter in the middleware stack.
func (l *Limiter) ID() string { return "IdentityCenterLimiter" }

// HandleFinalize waits for a token before passing the attempt on.
func (l *Limiter) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error,
) {
	op := awsmiddleware.GetOperationName(ctx)
	if l.onWait != nil {
		l.onWait(op)
	}
	if err := l.Wait(ctx, PriorityOf(op)); err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, err
	}
	return next.HandleFinalize(ctx, in)
}

// refill adds the tokens earned since the last refill. l.mu must be held.
func (l *Limiter) refill(now time.Time) {
	if elapsed := now.Sub(l.last); elapsed > 0 {
		l.tokens = min(l.burst, l.tokens+elapsed.Seconds()*l.rate)
		l.last = now
	}
}

// dispatch hands tokens to waiters in priority order and, while some still
// wait, arms the timer for the next token. l.mu must be held.
func (l *Limiter) dispatch(now time.Time) {
	l.refill(now)
	const epsilon = 1e-9 // float rounding when the timer fires on the dot
	for len(l.queue) > 0 && l.tokens >= 1-epsilon {
		w := heap.Pop(&l.queue).(*waiter)
		l.tokens = max(0, l.tokens-1)
		w.granted = true
		close(w.ready)
	}
	if len(l.queue) == 0 {
		return
	}
	wait := time.Duration((1 - l.tokens) / l.rate * float64(time.Second))
	if l.timer == nil {
		l.timer = time.AfterFunc(wait, l.tick)
	} else {
		l.timer.Reset(wait)
	}
}

func (l *Limiter) tick() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dispatch(time.Now())
}

type waiter struct {
	prio    Priority
	seq     uint64
	ready   chan struct{}
	granted bool
	index   int
}

// waitQueue is a heap of waiters: highest priority, then oldest, first.
type waitQueue []*waiter

func (q waitQueue) Len() int { return len(q) }
func (q waitQueue) Less(i, j int) bool {
	if q[i].prio != q[j].prio {
		return q[i].prio > q[j].prio
	}
	return q[i].seq < q[j].seq
}
func (q waitQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *waitQueue) Push(x any) {
	w := x.(*waiter)
	w.index = len(*q)
	*q = append(*q, w)
}
func (q *waitQueue) Pop() any {
	old := *q
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return w
}
