package stint

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// An access review campaign asks reviewers to certify who holds what: each
// item is one person's (or group's) access to one resource, standing (an
// Identity Center assignment or IAM group membership that a discovery scan
// found) or just in time (a grant). A reviewer keeps it, revokes it, or
// converts it to just-in-time access (the standing access is removed once a
// flow lets its holder request it). Package review builds campaigns and
// carries the decisions out; docs/reviews.md describes them.

// CampaignState is where a campaign is in its life.
type CampaignState string

// Campaign states: open -> closed (at the deadline, or closed by an admin).
const (
	CampaignOpen   CampaignState = "open"
	CampaignClosed CampaignState = "closed"
)

// Decision is a reviewer's verdict on an item.
type Decision string

// Decisions.
const (
	DecisionKeep    Decision = "keep"
	DecisionRevoke  Decision = "revoke"
	DecisionConvert Decision = "convert" // to just-in-time access
)

// Decisions lists every decision.
var Decisions = []Decision{DecisionKeep, DecisionRevoke, DecisionConvert}

// ItemState is where an item is: waiting for a decision, being carried out,
// or done.
type ItemState string

// Item states: pending -> done (kept) | revoking -> done (access removed),
// awaiting_flow (converted; removed once a flow lets the holder request it)
// -> done; pending -> undecided when the campaign closes without a decision
// and without auto-revoke.
const (
	ItemPending      ItemState = "pending"
	ItemRevoking     ItemState = "revoking"
	ItemAwaitingFlow ItemState = "awaiting_flow"
	ItemDone         ItemState = "done"
	ItemUndecided    ItemState = "undecided"
)

// ItemSource says what kind of access an item is.
type ItemSource string

// Item sources.
const (
	// SourceStanding is access that exists without a request, as the
	// campaign's discovery scan found it.
	SourceStanding ItemSource = "standing"
	// SourceGrant is a just-in-time grant, live or held in the window.
	SourceGrant ItemSource = "grant"
)

// Reviewer rules: how a campaign finds an item's reviewers. Besides these,
// a rule may be "group:NAME" or "user:EMAIL".
const (
	// ReviewerOwner: the owners of the first flow that covers the
	// resource and names owners.
	ReviewerOwner = "owner"
	// ReviewerManager: the holder's manager in the identity store (the
	// enterprise extension), or in the config's reviews.managers.
	ReviewerManager = "manager"
)

// Review event types.
const (
	EventReviewCreated    = "review.created"
	EventReviewDecided    = "review.decided"
	EventReviewRevoked    = "review.revoked" // the access is gone (or was already)
	EventReviewFailed     = "review.revoke_failed"
	EventReviewFlowNeeded = "review.flow_needed" // a converted item waits for a flow
	EventReviewReminder   = "review.reminder"
	EventReviewClosed     = "review.closed"
)

// ReviewScope says what a campaign reviews. Accounts, PermissionSets and
// Types narrow both kinds of access.
type ReviewScope struct {
	// Accounts are account selectors as in flows: an ID, "name:NAME",
	// "ou:PATH" or "all". Empty means every account.
	Accounts []string `json:"accounts,omitempty" yaml:"accounts"`
	// PermissionSets are permission set names; empty means all. Access of
	// other types than Identity Center passes this filter only when it is
	// empty.
	PermissionSets []string `json:"permission_sets,omitempty" yaml:"permission_sets"`
	// Types are resource types; empty means all.
	Types []ResourceType `json:"types,omitempty" yaml:"types"`
	// Standing reviews the standing access of a discovery scan: Identity
	// Center assignments (users and groups) and IAM group memberships.
	Standing bool `json:"standing,omitempty" yaml:"standing"`
	// Scan is the scan to take standing access from; "" means the latest
	// (the campaign records its ID).
	Scan string `json:"scan,omitempty" yaml:"scan"`
	// JIT reviews grants live now or live at some time in the window.
	JIT bool `json:"jit,omitempty" yaml:"jit"`
	// Window is how far back JIT looks for ended grants. Default: 30d.
	Window Duration `json:"window,omitempty" yaml:"window"`
}

// DefaultReviewWindow is ReviewScope.Window's default.
const DefaultReviewWindow = 30 * 24 * time.Hour

// CampaignSpec is what an admin asks for when creating a campaign.
type CampaignSpec struct {
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Scope       ReviewScope `json:"scope"`
	// Reviewers are rules tried in order for each item; the first that
	// names someone other than the holder (unless self-review is allowed)
	// gives the item's reviewers: "owner", "manager", "group:NAME",
	// "user:EMAIL". Default: [owner, manager].
	Reviewers []string  `json:"reviewers,omitempty"`
	Deadline  time.Time `json:"deadline"`
	// Reminders are how long before the deadline reviewers with items
	// left are reminded. Default: [24h].
	Reminders []Duration `json:"reminders,omitempty"`
	// AutoRevoke revokes the items still undecided at the deadline.
	AutoRevoke bool `json:"auto_revoke,omitempty"`
	// AllowSelfReview lets a reviewer decide on their own access.
	AllowSelfReview bool `json:"allow_self_review,omitempty"`
}

// Campaign is an access review campaign.
type Campaign struct {
	ID string `json:"id"`
	CampaignSpec
	State CampaignState `json:"state"`
	// ScanID is the discovery scan standing access was taken from.
	ScanID    string     `json:"scan_id,omitempty"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	ClosedBy  string     `json:"closed_by,omitempty"`
	// Counts summarise the items; stores leave them zero, the service
	// fills them.
	Counts    *CampaignCounts `json:"counts,omitempty"`
	UpdatedAt time.Time       `json:"updated_at"`
	Version   int64           `json:"version"`
}

// CampaignCounts counts a campaign's items by state and decision.
type CampaignCounts struct {
	Items     int `json:"items"`
	Pending   int `json:"pending"`
	Kept      int `json:"kept"`
	Revoked   int `json:"revoked"`
	Converted int `json:"converted"`
	Undecided int `json:"undecided"`
	// InProgress are revocations not finished (being carried out,
	// retrying after an AWS error, or waiting for a flow).
	InProgress int `json:"in_progress"`
	Failing    int `json:"failing"`
}

// CountItems returns the counts of items.
func CountItems(items []*ReviewItem) *CampaignCounts {
	c := &CampaignCounts{Items: len(items)}
	for _, it := range items {
		switch it.State {
		case ItemPending:
			c.Pending++
		case ItemUndecided:
			c.Undecided++
		case ItemRevoking, ItemAwaitingFlow:
			c.InProgress++
			if it.Error != "" {
				c.Failing++
			}
		case ItemDone:
			switch it.Decision {
			case DecisionKeep:
				c.Kept++
			case DecisionRevoke:
				c.Revoked++
			case DecisionConvert:
				c.Converted++
			}
		}
	}
	return c
}

// ReviewItem is one access to certify.
type ReviewItem struct {
	ID         string     `json:"id"`
	CampaignID string     `json:"campaign_id"`
	Source     ItemSource `json:"source"`
	// PrincipalType is USER or GROUP (Identity Center), or IAM_USER (an
	// IAM user's group membership); PrincipalID its ID (the IAM user
	// name); Principal what people read: an email, a group name or an IAM
	// user name.
	PrincipalType string `json:"principal_type"`
	PrincipalID   string `json:"principal_id"`
	Principal     string `json:"principal"`
	// UserID and UserEmail are the identity store user who holds the
	// access, for USER items.
	UserID    string `json:"user_id,omitempty"`
	UserEmail string `json:"user_email,omitempty"`
	// UserName is the identity store user name (USER items).
	UserName string `json:"user_name,omitempty"`
	// ResourceID is the resource: "aws-sso:ACCOUNT/PS",
	// "aws-iam-group:ACCOUNT/GROUP", ...
	ResourceID       string       `json:"resource_id"`
	Type             ResourceType `json:"type"`
	AccountID        string       `json:"account_id"`
	AccountName      string       `json:"account_name,omitempty"`
	PermissionSet    string       `json:"permission_set,omitempty"`
	PermissionSetARN string       `json:"permission_set_arn,omitempty"`
	// Name is, for other types, the resource within the account (the IAM
	// group's name).
	Name string `json:"name,omitempty"`
	// Access is how much the access allows, as the scan judged it.
	Access AccessLevel `json:"access,omitempty"`
	// GrantID is the grant of a grant item; GrantState its state when the
	// campaign was made.
	GrantID    string     `json:"grant_id,omitempty"`
	GrantState GrantState `json:"grant_state,omitempty"`
	GrantEnds  *time.Time `json:"grant_ends,omitempty"`
	// HeldByGrant marks standing access a grant also holds now.
	HeldByGrant bool `json:"held_by_grant,omitempty"`
	// Reviewers may decide: "user:EMAIL" or "group:NAME"; ReviewerRule is
	// the rule that named them.
	Reviewers    []string `json:"reviewers"`
	ReviewerRule string   `json:"reviewer_rule"`

	State     ItemState  `json:"state"`
	Decision  Decision   `json:"decision,omitempty"`
	Comment   string     `json:"comment,omitempty"`
	DecidedBy string     `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	// Auto marks a revocation decided by the deadline (auto-revoke).
	Auto bool `json:"auto,omitempty"`
	// Outcome says what was done in AWS; Error the last AWS error while
	// the revocation is retried; Attempts how often it was tried.
	Outcome    string     `json:"outcome,omitempty"`
	Error      string     `json:"error,omitempty"`
	Attempts   int        `json:"attempts,omitempty"`
	ExecutedAt *time.Time `json:"executed_at,omitempty"`
	// Proposal is, for a converted item no flow covers, the flow that
	// would let the holder request the access (stint.yaml text).
	Proposal  string    `json:"proposal,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// Label is what a person reads of the item's access: "alice@example.com:
// AdministratorAccess in prod-payments (111111111111)".
func (it *ReviewItem) Label() string {
	what := it.PermissionSet
	if it.Type.Or() != ResourceSSO {
		what = string(it.Type) + " " + it.Name
	}
	return fmt.Sprintf("%s: %s in %s", it.Principal, what, cmpOr(it.AccountName, it.AccountID))
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Key identifies the access the item is about, so one campaign holds it
// once: source, principal and resource (and grant).
func (it *ReviewItem) Key() string {
	return string(it.Source) + "|" + it.PrincipalType + "|" + it.PrincipalID + "|" + it.ResourceID + "|" + it.GrantID
}

// Effect returns the AWS effect of a standing item, as the provider of
// its type removes it.
func (it *ReviewItem) Effect() *Effect {
	e := &Effect{Kind: string(it.Type.Or()), AccountID: it.AccountID, PrincipalType: it.PrincipalType,
		PrincipalID: it.PrincipalID, State: EffectPresent, Preexisting: true}
	switch it.Type.Or() {
	case ResourceSSO:
		e.PermissionSetARN = it.PermissionSetARN
		e.Key = EffectKindSSO + ":" + it.AccountID + "|" + it.PermissionSetARN + "|" + it.PrincipalType + "|" + it.PrincipalID
	default:
		// An IAM group membership of an IAM user: the provider adds or
		// removes Subject in the group Target.
		e.PrincipalType, e.Subject, e.Target = "USER", it.PrincipalID, it.Name
		e.Spec = map[string]string{"name": it.Name}
		e.Key = string(it.Type) + ":" + it.AccountID + "|" + it.Name + "|IAM_USER|" + it.PrincipalID
		if it.UserID != "" {
			// The key a grant of the group to this person holds.
			e.Key = string(it.Type) + ":" + it.AccountID + "|" + it.Name + "|USER|" + it.UserID
		}
	}
	return e
}

// ValidateReviewerRule checks one reviewer rule.
func ValidateReviewerRule(r string) error {
	if r == ReviewerOwner || r == ReviewerManager {
		return nil
	}
	if err := ValidatePrincipalRef(r); err != nil {
		return Errorf(EINVALID, "unknown reviewer %q; use owner, manager, group:NAME or user:EMAIL", r)
	}
	return nil
}

// NewCampaign checks a spec and returns the open campaign (without items).
// It returns EINVALID for a missing name, a deadline not in the future, a
// scope that reviews nothing or names an unknown type or a malformed
// account selector, an unknown reviewer rule, or a reminder that is not
// positive.
func NewCampaign(spec CampaignSpec, id, createdBy string, now time.Time) (*Campaign, error) {
	spec.Name = strings.TrimSpace(spec.Name)
	if spec.Name == "" {
		return nil, Errorf(EINVALID, "a campaign needs a name")
	}
	if len(spec.Name) > 200 || len(spec.Description) > 2000 {
		return nil, Errorf(EINVALID, "the name is at most 200 characters and the description at most 2000")
	}
	if spec.Deadline.IsZero() {
		return nil, Errorf(EINVALID, "a campaign needs a deadline (e.g. --deadline 14d or an RFC 3339 time)")
	}
	if !spec.Deadline.After(now) {
		return nil, Errorf(EINVALID, "deadline %s is not in the future", spec.Deadline.UTC().Format(time.RFC3339))
	}
	sc := &spec.Scope
	if !sc.Standing && !sc.JIT {
		return nil, Errorf(EINVALID, "the scope reviews nothing: ask for standing access (--standing), grants (--jit) or both")
	}
	for _, sel := range sc.Accounts {
		if err := ValidateAccountSelector(sel); err != nil {
			return nil, Errorf(EINVALID, "scope account %q: %s", sel, ErrorMessage(err))
		}
	}
	for _, t := range sc.Types {
		if !t.Known() {
			return nil, Errorf(EINVALID, "unknown resource type %q in the scope; known: %s", t, typeList())
		}
	}
	if sc.Window < 0 {
		return nil, Errorf(EINVALID, "the JIT window must be positive")
	}
	if sc.Window == 0 {
		sc.Window = Duration(DefaultReviewWindow)
	}
	if len(spec.Reviewers) == 0 {
		spec.Reviewers = []string{ReviewerOwner, ReviewerManager}
	}
	for _, r := range spec.Reviewers {
		if err := ValidateReviewerRule(r); err != nil {
			return nil, err
		}
	}
	if spec.Reminders == nil {
		spec.Reminders = []Duration{Duration(24 * time.Hour)}
	}
	for _, d := range spec.Reminders {
		if d <= 0 {
			return nil, Errorf(EINVALID, "reminders are durations before the deadline, e.g. 72h or 1d")
		}
	}
	return &Campaign{ID: id, CampaignSpec: spec, State: CampaignOpen, CreatedBy: createdBy,
		CreatedAt: now, UpdatedAt: now}, nil
}

func typeList() string {
	names := make([]string, len(ResourceTypes))
	for i, t := range ResourceTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// ReminderTimes returns when the campaign's reminders are due, earliest
// first, leaving out those already past at now.
func (c *Campaign) ReminderTimes(now time.Time) []time.Time {
	var out []time.Time
	for _, d := range c.Reminders {
		if at := c.Deadline.Add(-time.Duration(d)); at.After(now) {
			out = append(out, at)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return slices.Compact(out)
}

// InScope reports whether an account and resource pass the scope's
// account, permission set and type filters.
func (sc *ReviewScope) InScope(a *Account, t ResourceType, permissionSet string) bool {
	if len(sc.Types) > 0 && !slices.Contains(sc.Types, t.Or()) {
		return false
	}
	if len(sc.PermissionSets) > 0 && (t.Or() != ResourceSSO ||
		!slices.ContainsFunc(sc.PermissionSets, func(ps string) bool { return strings.EqualFold(ps, permissionSet) })) {
		return false
	}
	return len(sc.Accounts) == 0 || slices.ContainsFunc(sc.Accounts, func(sel string) bool { return MatchAccount(sel, a) })
}

// IsReviewer reports whether u is one of the item's reviewers.
func (it *ReviewItem) IsReviewer(u *User) bool {
	return slices.ContainsFunc(it.Reviewers, func(r string) bool { return MatchPrincipal(r, u) })
}

// Holds reports whether the item is u's own access: theirs, or a group's
// they are in.
func (it *ReviewItem) Holds(u *User) bool {
	switch it.PrincipalType {
	case "USER":
		return it.UserID == u.ID || (it.UserEmail != "" && strings.EqualFold(it.UserEmail, u.Email))
	case "GROUP":
		return u.InGroup(it.Principal)
	}
	return false
}

// MayDecide returns nil when u may decide on the item: u is one of its
// reviewers and, unless the campaign allows self-review, does not hold the
// access. It returns EFORBIDDEN otherwise.
func MayDecide(c *Campaign, it *ReviewItem, u *User) error {
	if !it.IsReviewer(u) {
		return Errorf(EFORBIDDEN, "%s is not a reviewer of item %s (its reviewers: %s)", u.Email, it.ID, strings.Join(it.Reviewers, ", "))
	}
	if it.Holds(u) && !c.AllowSelfReview {
		return Errorf(EFORBIDDEN, "%s cannot review their own access (item %s); another reviewer must decide", u.Email, it.ID)
	}
	return nil
}

// DecideItem records a reviewer's decision on a pending item of an open
// campaign. Keep is done at once; revoke and convert leave the item
// revoking, for the revocation to be carried out. It returns ECONFLICT when
// the campaign is closed or the item already decided, EINVALID for an
// unknown decision, a missing comment, or converting a grant (already just
// in time), and EFORBIDDEN as MayDecide.
func DecideItem(c *Campaign, it *ReviewItem, u *User, d Decision, comment string, now time.Time) (*ReviewItem, error) {
	if c.State != CampaignOpen {
		return nil, Errorf(ECONFLICT, "campaign %q is closed; it takes no more decisions", c.Name)
	}
	if it.State != ItemPending {
		return nil, Errorf(ECONFLICT, "item %s was already decided: %s by %s", it.ID, cmpOr(string(it.Decision), string(it.State)), cmpOr(it.DecidedBy, "nobody"))
	}
	if !slices.Contains(Decisions, d) {
		return nil, Errorf(EINVALID, "unknown decision %q; use keep, revoke or convert", d)
	}
	comment = strings.TrimSpace(comment)
	if comment == "" {
		return nil, Errorf(EINVALID, "say why (a comment): auditors read it")
	}
	if len(comment) > 2000 {
		return nil, Errorf(EINVALID, "the comment is longer than 2000 characters")
	}
	if d == DecisionConvert && it.Source == SourceGrant {
		return nil, Errorf(EINVALID, "item %s is a grant, already just in time: keep or revoke it", it.ID)
	}
	if err := MayDecide(c, it, u); err != nil {
		return nil, err
	}
	return decided(it, d, u.Email, comment, now), nil
}

func decided(it *ReviewItem, d Decision, by, comment string, now time.Time) *ReviewItem {
	next := *it
	next.Decision, next.Comment, next.DecidedBy = d, comment, by
	next.DecidedAt, next.UpdatedAt = &now, now
	next.State = ItemRevoking
	if d == DecisionKeep {
		next.State, next.Outcome = ItemDone, "kept"
		next.ExecutedAt = &now
	}
	return &next
}

// CloseCampaign closes an open campaign; ECONFLICT when it is closed.
func CloseCampaign(c *Campaign, by string, now time.Time) (*Campaign, error) {
	if c.State != CampaignOpen {
		return nil, Errorf(ECONFLICT, "campaign %q is already closed", c.Name)
	}
	next := *c
	next.State, next.ClosedAt, next.ClosedBy, next.UpdatedAt = CampaignClosed, &now, by, now
	return &next, nil
}

// CloseItem is what closing the campaign does to a pending item: with
// auto-revoke it is revoked by "system", else it is left undecided.
// Items in another state are returned unchanged.
func CloseItem(c *Campaign, it *ReviewItem, now time.Time) *ReviewItem {
	if it.State != ItemPending {
		return it
	}
	if c.AutoRevoke {
		next := decided(it, DecisionRevoke, "system", "auto-revoked: not reviewed by the deadline "+c.Deadline.UTC().Format(time.RFC3339), now)
		next.Auto = true
		return next
	}
	next := *it
	next.State, next.UpdatedAt, next.Outcome = ItemUndecided, now, "not reviewed by the deadline; access unchanged"
	return &next
}

// ItemRevoked records that a revocation was carried out, with what AWS
// said (or why nothing was to be done).
func ItemRevoked(it *ReviewItem, outcome string, now time.Time) (*ReviewItem, error) {
	if it.State != ItemRevoking && it.State != ItemAwaitingFlow {
		return nil, Errorf(ECONFLICT, "item %s is %s, not being revoked", it.ID, it.State)
	}
	next := *it
	next.State, next.Outcome, next.Error, next.ExecutedAt, next.UpdatedAt = ItemDone, outcome, "", &now, now
	next.Attempts++
	return &next, nil
}

// ItemFailed records an AWS error of a revocation that will be retried.
func ItemFailed(it *ReviewItem, cause string, now time.Time) (*ReviewItem, error) {
	if it.State != ItemRevoking && it.State != ItemAwaitingFlow {
		return nil, Errorf(ECONFLICT, "item %s is %s, not being revoked", it.ID, it.State)
	}
	next := *it
	next.State, next.Error, next.UpdatedAt = ItemRevoking, cause, now
	next.Attempts++
	return &next, nil
}

// ItemAwaiting records that a converted item waits for a flow that lets
// its holder request the access; proposal is such a flow.
func ItemAwaiting(it *ReviewItem, proposal string, now time.Time) (*ReviewItem, error) {
	if it.State != ItemRevoking || it.Decision != DecisionConvert {
		return nil, Errorf(ECONFLICT, "item %s is not a conversion being carried out", it.ID)
	}
	next := *it
	next.State, next.Proposal, next.UpdatedAt = ItemAwaitingFlow, proposal, now
	next.Outcome = "waiting for a flow that lets " + it.Principal + " request this access; the standing access stays until then"
	return &next, nil
}

// CampaignListParams filters CampaignList. Results are newest first.
type CampaignListParams struct {
	States []CampaignState // empty means all
	Limit  int             // default 100, at most 1000
}

// ReviewItemListParams filters ReviewItemList. Results are in creation
// order.
type ReviewItemListParams struct {
	CampaignID string // "" means every campaign
	States     []ItemState
	// Reviewer keeps the items one of whose reviewers is this reference
	// ("user:EMAIL", "group:NAME"; any case). Reviewers, when set, keeps
	// those with any of the references (a user and their groups).
	Reviewers []string
	Offset    int
	Limit     int // default 1000, at most 100000
}

// ReviewDeadlineArgs asks for a campaign to be closed at its deadline.
type ReviewDeadlineArgs struct {
	CampaignID string `json:"campaign_id"`
}

// Kind implements JobArgs.
func (ReviewDeadlineArgs) Kind() string { return "review_deadline" }

// ReviewReminderArgs asks for the reviewers of a campaign's pending items
// to be reminded.
type ReviewReminderArgs struct {
	CampaignID string    `json:"campaign_id"`
	At         time.Time `json:"at"`
}

// Kind implements JobArgs.
func (ReviewReminderArgs) Kind() string { return "review_reminder" }

// ReviewExecuteArgs asks for a decided item's revocation to be carried
// out (or retried).
type ReviewExecuteArgs struct {
	ItemID string `json:"item_id"`
}

// Kind implements JobArgs.
func (ReviewExecuteArgs) Kind() string { return "review_execute" }
