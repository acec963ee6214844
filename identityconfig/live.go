package identityconfig

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/sync/errgroup"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/awserr"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// Reader defaults.
const (
	DefaultParallelism = 8
	DefaultMaxAttempts = 10
)

// ReaderConfig configures a Reader. Zero fields take the documented defaults.
type ReaderConfig struct {
	// AWS is the SDK configuration (region, credentials, endpoint).
	AWS aws.Config
	// InstanceARN and IdentityStoreID name the Identity Center instance;
	// required (identitycenter.Provider knows them).
	InstanceARN     string
	IdentityStoreID string
	// Limiter paces every call; share the provider's (Provider.Limiter) so
	// that plan and grants together stay within AWS's quota. Default: a new
	// limiter at identitycenter.DefaultRateLimit.
	Limiter *identitycenter.Limiter
	// Strategy forces how assignments are listed; default StrategyAuto.
	Strategy Strategy
	// SkipTags leaves permission set tags unread (and uncompared by Diff).
	SkipTags bool
	// ReadIdentities also reads users, groups and memberships in detail;
	// set it when the file manages identities.
	ReadIdentities bool
	// Parallelism bounds concurrent per-item calls; default 8. The limiter
	// still paces them.
	Parallelism int
	// MaxAttempts is the most attempts per call (throttling, 5xx and
	// ConflictException are retried); default 10.
	MaxAttempts int
	// MaxBackoff caps the wait between attempts; default 20s.
	MaxBackoff time.Duration
	// Logger receives warnings; default slog.Default().
	Logger *slog.Logger
}

// Live is the Identity Center state as read.
type Live struct {
	InstanceARN string `json:"instance_arn"`
	// Users, Groups and memberships are read only with ReadIdentities.
	Users          []LiveUser          `json:"users,omitempty"`
	Groups         []LiveGroup         `json:"groups,omitempty"`
	IdentitiesRead bool                `json:"identities_read"`
	PermissionSets []LivePermissionSet `json:"permission_sets"`
	Assignments    []LiveAssignment    `json:"assignments"`
	// Strategy is how assignments were listed and Estimates what each
	// strategy was expected to cost, in calls.
	Strategy  Strategy         `json:"strategy"`
	Estimates map[Strategy]int `json:"estimates"`
	// Calls counts the HTTP requests sent, retries included, by operation.
	Calls map[string]int `json:"calls"`
	// Warnings say what could not be read (tags where the endpoint does not
	// implement them) and is therefore not compared.
	Warnings []string `json:"warnings,omitempty"`
}

// TotalCalls returns the number of requests sent.
func (l *Live) TotalCalls() int {
	n := 0
	for _, c := range l.Calls {
		n += c
	}
	return n
}

// LiveUser is an identity store user.
type LiveUser struct {
	ID string `json:"id"`
	User
}

// LiveGroup is an identity store group with its members' user IDs.
type LiveGroup struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	MemberIDs   []string `json:"member_ids,omitempty"`
}

// LivePermissionSet is a permission set with its policies. TagsKnown and
// BoundaryKnown are false when they could not be read.
type LivePermissionSet struct {
	ARN string `json:"arn"`
	PermissionSet
	TagsKnown     bool `json:"tags_known"`
	BoundaryKnown bool `json:"boundary_known"`
	// NotProvisioned are the directory's accounts that still run an older
	// version of the permission set: it changed after it was last
	// provisioned there (AWS's LATEST_PERMISSION_SET_NOT_PROVISIONED), as
	// when an apply was interrupted before provisioning. Sorted.
	NotProvisioned []string `json:"not_provisioned,omitempty"`
}

// LiveAssignment is an account assignment as AWS lists it.
type LiveAssignment struct {
	AccountID        string `json:"account_id"`
	PermissionSetARN string `json:"permission_set_arn"`
	PrincipalType    string `json:"principal_type"`
	PrincipalID      string `json:"principal_id"`
}

// Key returns the assignment's key, as Diff's Protected set takes it.
func (a LiveAssignment) Key() AssignmentKey {
	return AssignmentKey{AccountID: a.AccountID, PermissionSetARN: a.PermissionSetARN, PrincipalID: a.PrincipalID}
}

// Reader reads the live Identity Center state with as few calls as the
// directory's sizes allow. It is safe for concurrent use, but its call
// counts are per Read only when Reads do not overlap.
type Reader struct {
	cfg   ReaderConfig
	sso   *ssoadmin.Client
	ids   *identitystore.Client
	log   *slog.Logger
	mu    sync.Mutex
	calls map[string]int
	// unsupported records optional operations the endpoint does not
	// implement, so that they are tried once per Read.
	unsupported map[string]bool
}

// NewReader returns a Reader. It returns EINVALID when the instance or
// identity store is missing.
func NewReader(cfg ReaderConfig) (*Reader, error) {
	if cfg.InstanceARN == "" || cfg.IdentityStoreID == "" {
		return nil, stint.Errorf(stint.EINVALID, "the Identity Center instance ARN and identity store ID are required")
	}
	lim := cfg.Limiter
	if lim == nil {
		lim = identitycenter.NewLimiter(identitycenter.LimiterConfig{})
	}
	r := &Reader{cfg: cfg, log: cmp.Or(cfg.Logger, slog.Default())}
	retryer := func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = cmp.Or(cfg.MaxAttempts, DefaultMaxAttempts)
			if cfg.MaxBackoff > 0 {
				o.MaxBackoff = cfg.MaxBackoff
				o.Backoff = retry.NewExponentialJitterBackoff(o.MaxBackoff)
			}
			o.RateLimiter = ratelimit.None
			o.Retryables = append(o.Retryables, retry.RetryableErrorCode{Codes: map[string]struct{}{"ConflictException": {}}})
		})
	}
	r.sso = ssoadmin.NewFromConfig(cfg.AWS, func(o *ssoadmin.Options) {
		o.Retryer, o.RetryMaxAttempts = retryer(), 0
		o.APIOptions = append(o.APIOptions, lim.AddToStack, r.addCounter)
	})
	r.ids = identitystore.NewFromConfig(cfg.AWS, func(o *identitystore.Options) {
		o.Retryer, o.RetryMaxAttempts = retryer(), 0
		o.APIOptions = append(o.APIOptions, lim.AddToStack, r.addCounter)
	})
	return r, nil
}

// Read reads the permission sets with their policies and the accounts of
// dir that run an older version of each, the assignments (choosing the
// cheaper listing strategy for dir's sizes; see Estimate) and, with
// ReadIdentities, users, groups and memberships. dir supplies the accounts,
// users and groups to list assignments for. Tags and permissions
// boundaries that the endpoint cannot answer (a 5xx answer that is not an
// AWS error, as from moto) are reported as unknown in Warnings. Other
// errors are coded: EUNAVAILABLE when AWS cannot be reached or keeps
// failing, EFORBIDDEN when it refuses.
//
// When dir has no permission sets (read with NoPermissionSets, as
// DirectoryOptions asks, so that the sets are listed and described once),
// Read fills them in from the ones it read; dir is not otherwise changed.
func (r *Reader) Read(ctx context.Context, dir *stint.Directory) (*Live, error) {
	live, _, err := r.ReadAlong(ctx, func(context.Context) (*stint.Directory, error) { return dir, nil }, nil)
	return live, err
}

// ReadAlong is Read for a directory still to be read: readDir runs
// alongside the reads that need no directory (the permission sets, and the
// identities with ReadIdentities), so neither waits for the other. Then
// bind, when not nil, runs with the directory and its permission sets
// filled in, before any assignment is listed: a plan binds the file's names
// there, so a name that does not bind fails before the read's bulk. Errors
// from readDir and bind end the read and are returned as they are. It
// returns the live state and the directory.
func (r *Reader) ReadAlong(ctx context.Context, readDir func(context.Context) (*stint.Directory, error), bind func(*stint.Directory) error) (*Live, *stint.Directory, error) {
	r.mu.Lock()
	r.calls, r.unsupported = map[string]int{}, map[string]bool{}
	r.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	live := &Live{InstanceARN: r.cfg.InstanceARN}
	var dir *stint.Directory
	var sets []LivePermissionSet
	first, fctx := errgroup.WithContext(ctx)
	first.Go(func() (err error) {
		dir, err = readDir(fctx)
		return err
	})
	first.Go(func() (err error) {
		sets, err = r.permissionSets(fctx, live)
		return err
	})
	rest, rctx := errgroup.WithContext(ctx)
	if r.cfg.ReadIdentities {
		rest.Go(func() (err error) {
			var users []LiveUser
			var groups []LiveGroup
			if users, groups, err = r.identities(rctx); err != nil {
				return err
			}
			live.Users, live.Groups, live.IdentitiesRead = users, groups, true
			return nil
		})
	}
	if err := first.Wait(); err != nil {
		cancel()
		_ = rest.Wait()
		return nil, nil, err
	}
	live.PermissionSets = sets
	keepDirectoryAccounts(live.PermissionSets, dir)
	if len(dir.PermissionSets) == 0 {
		for _, ps := range live.PermissionSets {
			dir.PermissionSets = append(dir.PermissionSets, stint.PermissionSet{ARN: ps.ARN, Name: ps.Name, SessionDuration: ps.SessionDuration.String()})
		}
	}
	if bind != nil {
		if err := bind(dir); err != nil {
			cancel()
			_ = rest.Wait()
			return nil, nil, err
		}
	}
	live.Estimates = Estimate(dir, len(live.PermissionSets))
	live.Strategy = r.cfg.Strategy
	if live.Strategy == StrategyAuto || live.Strategy == "" {
		live.Strategy = cheapest(live.Estimates)
	}
	rest.Go(func() (err error) {
		live.Assignments, err = r.assignments(rctx, dir, live)
		return err
	})
	if err := rest.Wait(); err != nil {
		return nil, nil, err
	}
	r.mu.Lock()
	live.Calls = maps.Clone(r.calls)
	r.mu.Unlock()
	return live, dir, nil
}

// addCounter counts every HTTP attempt by operation.
func (r *Reader) addCounter(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("IdentityConfigCallCounter",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			op := awsmiddleware.GetOperationName(ctx)
			r.mu.Lock()
			r.calls[op]++
			r.mu.Unlock()
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

// optional runs an optional read. It returns known=false, with a warning,
// when the endpoint does not implement op; once that happened, later calls
// of op are skipped.
func (r *Reader) optional(live *Live, op string, fn func() error) (known bool, err error) {
	r.mu.Lock()
	skip := r.unsupported[op]
	r.mu.Unlock()
	if skip {
		return false, nil
	}
	err = fn()
	if err == nil || !awserr.NotImplemented(err) {
		return err == nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.unsupported[op] {
		r.unsupported[op] = true
		msg := fmt.Sprintf("%s is not answered by this endpoint (a server error without an AWS error body); what it reads is unknown and not compared", op)
		live.Warnings = append(live.Warnings, msg)
		r.log.Warn("identity config: optional read unavailable", "operation", op, "err", err)
	}
	return false, nil
}

// identities reads users, groups and their members.
func (r *Reader) identities(ctx context.Context) ([]LiveUser, []LiveGroup, error) {
	store := aws.String(r.cfg.IdentityStoreID)
	var users []LiveUser
	up := identitystore.NewListUsersPaginator(r.ids, &identitystore.ListUsersInput{IdentityStoreId: store})
	for up.HasMorePages() {
		page, err := up.NextPage(ctx)
		if err != nil {
			return nil, nil, awsError(err, "list users of identity store %s", r.cfg.IdentityStoreID)
		}
		for _, u := range page.Users {
			lu := LiveUser{ID: aws.ToString(u.UserId), User: User{UserName: aws.ToString(u.UserName), DisplayName: aws.ToString(u.DisplayName)}}
			if u.Name != nil {
				lu.GivenName, lu.FamilyName = aws.ToString(u.Name.GivenName), aws.ToString(u.Name.FamilyName)
			}
			lu.Email = primaryEmail(u.Emails)
			users = append(users, lu)
		}
	}
	var groups []LiveGroup
	gp := identitystore.NewListGroupsPaginator(r.ids, &identitystore.ListGroupsInput{IdentityStoreId: store})
	for gp.HasMorePages() {
		page, err := gp.NextPage(ctx)
		if err != nil {
			return nil, nil, awsError(err, "list groups of identity store %s", r.cfg.IdentityStoreID)
		}
		for _, g := range page.Groups {
			groups = append(groups, LiveGroup{ID: aws.ToString(g.GroupId), Name: aws.ToString(g.DisplayName), Description: aws.ToString(g.Description)})
		}
	}
	err := r.forEach(ctx, len(groups), func(ctx context.Context, i int) error {
		mp := identitystore.NewListGroupMembershipsPaginator(r.ids, &identitystore.ListGroupMembershipsInput{IdentityStoreId: store, GroupId: aws.String(groups[i].ID)})
		for mp.HasMorePages() {
			page, err := mp.NextPage(ctx)
			if err != nil {
				return awsError(err, "list members of group %s", groups[i].Name)
			}
			for _, m := range page.GroupMemberships {
				if u, ok := m.MemberId.(*istypes.MemberIdMemberUserId); ok {
					groups[i].MemberIDs = append(groups[i].MemberIDs, u.Value)
				}
			}
		}
		slices.Sort(groups[i].MemberIDs)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(users, func(a, b LiveUser) int { return strings.Compare(a.UserName, b.UserName) })
	slices.SortFunc(groups, func(a, b LiveGroup) int { return strings.Compare(a.Name, b.Name) })
	return users, groups, nil
}

func primaryEmail(emails []istypes.Email) string {
	for _, e := range emails {
		if e.Primary {
			return aws.ToString(e.Value)
		}
	}
	if len(emails) > 0 {
		return aws.ToString(emails[0].Value)
	}
	return ""
}

// forEach calls fn(i) for i in [0, n) with at most Parallelism at once and
// returns the first error.
func (r *Reader) forEach(ctx context.Context, n int, fn func(context.Context, int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(cmp.Or(r.cfg.Parallelism, DefaultParallelism))
	for i := range n {
		g.Go(func() error { return fn(ctx, i) })
	}
	return g.Wait()
}
