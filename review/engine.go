package review

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/policy"
)

// Defaults of Config fields.
const (
	DefaultConvertRecheck = 10 * time.Minute
	DefaultRevokeWait     = 30 * time.Second
	DefaultPoll           = 100 * time.Millisecond
)

// GrantRevoker revokes grants as the service does, so that the effect
// ledger keeps the access other grants (or standing assignments) still
// need. access.Service implements it.
type GrantRevoker interface {
	// RevokeGrantAs revokes the grant for actor and starts removing its
	// access; a grant already revoking or ended is returned as it is.
	RevokeGrantAs(ctx context.Context, id, actor string) (*stint.Grant, error)
}

// RetryLater tells the job runner to run the job again after a delay.
type RetryLater struct {
	After  time.Duration
	Reason string
}

func (e *RetryLater) Error() string { return fmt.Sprintf("retry in %s: %s", e.After, e.Reason) }

// Config configures an Engine.
type Config struct {
	Store stint.Store
	// Provider removes standing access (Identity Center assignments, IAM
	// group memberships). Required.
	Provider stint.EffectProvider
	// Grants revokes the grants reviews revoke. Required.
	Grants GrantRevoker
	// Append writes an audit event in tx and queues what it notifies
	// (webhooks, Slack). Default: tx.EventAppend.
	Append func(ctx context.Context, tx stint.Tx, e *stint.Event) error
	// Directory returns the directory snapshot. Required.
	Directory func(ctx context.Context) (*stint.Directory, error)
	// Users returns the identity store users with the config's nested
	// groups expanded (who is in a reviewer group). Default: the
	// directory's users.
	Users func(ctx context.Context) ([]*stint.User, error)
	// Flows returns the current flows (owners; whether a converted
	// item's holder may request its access). Default: none.
	Flows func() []stint.Flow
	// Policy returns the policy engine, which decides whether a user may
	// request access. Default: flows are matched without it.
	Policy func() *policy.Engine
	// Managers maps a user's email to their manager's, for identity
	// stores whose users carry no manager. Default: none.
	Managers func() map[string]string
	// Propose returns the stint.yaml text of a flow that would let a
	// converted item's holder request its access. Default: a flow
	// written here, with placeholder approvers.
	Propose func(ctx context.Context, it *stint.ReviewItem) (string, error)
	// ConvertRecheck is how often a converted item waiting for a flow is
	// looked at again. Default: 10m.
	ConvertRecheck time.Duration
	// RevokeWait bounds how long an execution waits for a revoked grant's
	// access to be removed before it lets the job retry. Default: 30s.
	RevokeWait time.Duration
	Now        func() time.Time
	NewID      func() string
	Logger     *slog.Logger
}

// Engine runs access review campaigns: it creates them with their items
// and timed jobs, records decisions, closes campaigns at their deadline,
// reminds reviewers and carries revocations out. It does not authorise:
// package access does, then calls it.
type Engine struct{ cfg Config }

// New returns an Engine.
func New(cfg Config) *Engine { return &Engine{cfg: cfg} }

func (e *Engine) now() time.Time {
	if e.cfg.Now != nil {
		return e.cfg.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (e *Engine) newID() string {
	if e.cfg.NewID != nil {
		return e.cfg.NewID()
	}
	return stint.NewID()
}

func (e *Engine) log() *slog.Logger { return cmp.Or(e.cfg.Logger, slog.Default()) }

func (e *Engine) flows() []stint.Flow {
	if e.cfg.Flows == nil {
		return nil
	}
	return e.cfg.Flows()
}

func (e *Engine) append(ctx context.Context, tx stint.Tx, actor, typ, subject string, data map[string]any) error {
	ev := &stint.Event{ID: e.newID(), Time: e.now(), Actor: actor, Type: typ, Subject: subject, Data: data}
	if e.cfg.Append != nil {
		return e.cfg.Append(ctx, tx, ev)
	}
	return tx.EventAppend(ctx, ev)
}

// Create builds a campaign from spec for createdBy and stores it with its
// items, a review.created event, the deadline job and the reminder jobs,
// in one transaction. Errors are NewCampaign's and Build's, and ENOTFOUND
// for a scan that does not exist.
func (e *Engine) Create(ctx context.Context, spec stint.CampaignSpec, createdBy string) (*stint.Campaign, []*stint.ReviewItem, error) {
	now := e.now()
	spec.Deadline = spec.Deadline.UTC().Truncate(time.Microsecond)
	c, err := stint.NewCampaign(spec, e.newID(), createdBy, now)
	if err != nil {
		return nil, nil, err
	}
	dir, err := e.cfg.Directory(ctx)
	if err != nil {
		return nil, nil, err
	}
	in := BuildInput{Campaign: c, Directory: dir, Flows: e.flows(), NewID: e.newID, Now: now}
	if e.cfg.Managers != nil {
		in.Managers = e.cfg.Managers()
	}
	if c.Scope.Standing {
		if in.Scan, err = stint.ScanByRef(ctx, e.cfg.Store, c.Scope.Scan); err != nil {
			return nil, nil, err
		}
	}
	if c.Scope.JIT {
		if in.Grants, err = e.cfg.Store.GrantList(ctx, &stint.GrantListParams{Limit: 10000}); err != nil {
			return nil, nil, err
		}
	}
	items, err := Build(in)
	if err != nil {
		return nil, nil, err
	}
	err = e.cfg.Store.Tx(ctx, func(tx stint.Tx) error {
		if err := tx.CampaignCreate(ctx, c); err != nil {
			return err
		}
		if err := tx.ReviewItemCreate(ctx, items...); err != nil {
			return err
		}
		jobs := []stint.Job{{Args: stint.ReviewDeadlineArgs{CampaignID: c.ID}, RunAt: c.Deadline}}
		for _, at := range c.ReminderTimes(now) {
			jobs = append(jobs, stint.Job{Args: stint.ReviewReminderArgs{CampaignID: c.ID, At: at}, RunAt: at})
		}
		if err := tx.Enqueue(ctx, jobs...); err != nil {
			return err
		}
		return e.append(ctx, tx, createdBy, stint.EventReviewCreated, c.ID, map[string]any{
			"name": c.Name, "items": len(items), "deadline": c.Deadline, "scope": c.Scope, "reviewers": c.Reviewers,
			"auto_revoke": c.AutoRevoke, "scan_id": c.ScanID})
	})
	if err != nil {
		return nil, nil, err
	}
	c.Counts = stint.CountItems(items)
	return c, items, nil
}

// Decide records u's decision on an item and, for revoke and convert,
// queues its execution, in one transaction. Errors are stint.DecideItem's,
// and ENOTFOUND for an unknown item.
func (e *Engine) Decide(ctx context.Context, u *stint.User, itemID string, d stint.Decision, comment string) (*stint.ReviewItem, error) {
	var out *stint.ReviewItem
	err := e.cfg.Store.Tx(ctx, func(tx stint.Tx) error {
		it, err := tx.ReviewItemGet(ctx, itemID)
		if err != nil {
			return err
		}
		c, err := tx.CampaignGet(ctx, it.CampaignID)
		if err != nil {
			return err
		}
		next, err := stint.DecideItem(c, it, u, d, comment, e.now())
		if err != nil {
			return err
		}
		if err := e.recordDecision(ctx, tx, c, next, u.Email); err != nil {
			return err
		}
		out = next
		return nil
	})
	return out, err
}

// recordDecision writes a decided item, its event and, when there is AWS
// work, its execution job.
func (e *Engine) recordDecision(ctx context.Context, tx stint.Tx, c *stint.Campaign, it *stint.ReviewItem, actor string) error {
	if err := tx.ReviewItemUpdate(ctx, it); err != nil {
		return err
	}
	data := map[string]any{"campaign_id": c.ID, "campaign": c.Name, "decision": string(it.Decision), "comment": it.Comment,
		"principal": it.Principal, "resource": it.ResourceID, "source": string(it.Source)}
	if it.GrantID != "" {
		data["grant_id"] = it.GrantID
	}
	if it.Auto {
		data["auto"] = true
	}
	if err := e.append(ctx, tx, actor, stint.EventReviewDecided, it.ID, data); err != nil {
		return err
	}
	if it.State != stint.ItemRevoking {
		return nil
	}
	return tx.Enqueue(ctx, stint.Job{Args: stint.ReviewExecuteArgs{ItemID: it.ID}})
}

// Close closes an open campaign for by: undecided items are revoked when
// the campaign auto-revokes, else left undecided; a review.closed event
// counts them. The deadline job calls it with by "system": before the
// deadline it returns *RetryLater, and a closed campaign is no error.
// An admin closing early gets ECONFLICT for a closed campaign.
func (e *Engine) Close(ctx context.Context, id, by string) (*stint.Campaign, error) {
	var out *stint.Campaign
	err := e.cfg.Store.Tx(ctx, func(tx stint.Tx) error {
		c, err := tx.CampaignGet(ctx, id)
		if err != nil {
			return err
		}
		now := e.now()
		if by == "system" {
			if c.State == stint.CampaignClosed {
				out = c
				return nil
			}
			if now.Before(c.Deadline) {
				return &RetryLater{After: c.Deadline.Sub(now), Reason: "campaign deadline is " + c.Deadline.Format(time.RFC3339)}
			}
		}
		next, err := stint.CloseCampaign(c, by, now)
		if err != nil {
			return err
		}
		if err := tx.CampaignUpdate(ctx, next); err != nil {
			return err
		}
		items, err := tx.ReviewItemList(ctx, &stint.ReviewItemListParams{CampaignID: id, Limit: 100000})
		if err != nil {
			return err
		}
		auto := 0
		for i, it := range items {
			closed := stint.CloseItem(next, it, now)
			if closed == it {
				continue
			}
			if closed.Auto {
				auto++
				if err := e.recordDecision(ctx, tx, next, closed, "system"); err != nil {
					return err
				}
			} else if err := tx.ReviewItemUpdate(ctx, closed); err != nil {
				return err
			}
			items[i] = closed
		}
		counts := stint.CountItems(items)
		next.Counts = counts
		out = next
		return e.append(ctx, tx, by, stint.EventReviewClosed, id, map[string]any{"name": c.Name, "items": counts.Items,
			"kept": counts.Kept, "revoked": counts.Revoked, "converted": counts.Converted, "auto_revoked": auto,
			"undecided": counts.Undecided, "in_progress": counts.InProgress})
	})
	return out, err
}

// Remind writes one review.reminder event per person who has items of an
// open campaign left to decide (webhooks and the Slack app deliver them):
// a reviewer named as a user, or each member of a reviewer group, leaving
// out the items they may not decide (their own). It returns how many
// people were reminded.
func (e *Engine) Remind(ctx context.Context, id string) (int, error) {
	c, err := e.cfg.Store.CampaignGet(ctx, id)
	if err != nil {
		return 0, err
	}
	if c.State != stint.CampaignOpen {
		return 0, nil
	}
	items, err := e.cfg.Store.ReviewItemList(ctx, &stint.ReviewItemListParams{CampaignID: id, States: []stint.ItemState{stint.ItemPending}, Limit: 100000})
	if err != nil || len(items) == 0 {
		return 0, err
	}
	users, err := e.users(ctx)
	if err != nil {
		return 0, err
	}
	pending := map[string]int{}
	for _, it := range items {
		for _, u := range users {
			if stint.MayDecide(c, it, u) == nil {
				pending[strings.ToLower(u.Email)]++
			}
		}
	}
	emails := make([]string, 0, len(pending))
	for m := range pending {
		emails = append(emails, m)
	}
	slices.Sort(emails)
	err = e.cfg.Store.Tx(ctx, func(tx stint.Tx) error {
		for _, m := range emails {
			if err := e.append(ctx, tx, "system", stint.EventReviewReminder, id, map[string]any{"reviewer": m, "pending": pending[m],
				"campaign": c.Name, "deadline": c.Deadline}); err != nil {
				return err
			}
		}
		return nil
	})
	return len(emails), err
}

func (e *Engine) users(ctx context.Context) ([]*stint.User, error) {
	if e.cfg.Users != nil {
		return e.cfg.Users(ctx)
	}
	dir, err := e.cfg.Directory(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*stint.User, len(dir.Users))
	for i := range dir.Users {
		out[i] = &dir.Users[i]
	}
	return out, nil
}

// Execute carries out a decided item's revocation: a grant is revoked
// through the service (the ledger keeps access other grants hold); standing
// access is removed through the provider (or, when a grant holds it too,
// left to end with that grant). A conversion first needs a flow that lets
// the holder request the access; without one the item waits and Execute
// returns *RetryLater. AWS errors are recorded on the item (and in a
// review.revoke_failed event) and returned for the job to retry.
func (e *Engine) Execute(ctx context.Context, itemID string) error {
	it, err := e.cfg.Store.ReviewItemGet(ctx, itemID)
	if err != nil {
		return err
	}
	if it.State != stint.ItemRevoking && it.State != stint.ItemAwaitingFlow {
		return nil
	}
	if it.Source == stint.SourceGrant {
		return e.revokeGrant(ctx, it)
	}
	if it.Decision == stint.DecisionConvert {
		if wait, err := e.awaitFlow(ctx, it); wait || err != nil {
			return err
		}
	}
	return e.revokeStanding(ctx, it)
}

// revokeGrant revokes the item's grant and waits (bounded) for it to end.
func (e *Engine) revokeGrant(ctx context.Context, it *stint.ReviewItem) error {
	g, err := e.cfg.Store.GrantGet(ctx, it.GrantID)
	if err != nil {
		return err
	}
	note := e.sharedNote(ctx, g)
	if g.State != stint.GrantEnded {
		if g, err = e.cfg.Grants.RevokeGrantAs(ctx, g.ID, it.DecidedBy); err != nil {
			return e.failed(ctx, it, err)
		}
	}
	deadline := time.Now().Add(cmp.Or(e.cfg.RevokeWait, DefaultRevokeWait))
	for g.State != stint.GrantEnded {
		if g.State == stint.GrantFailed {
			return e.failed(ctx, it, errors.New(g.LastError))
		}
		if time.Now().After(deadline) {
			return &RetryLater{After: 5 * time.Second, Reason: "grant " + g.ID + " is still " + string(g.State)}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(DefaultPoll):
		}
		if g, err = e.cfg.Store.GrantGet(ctx, g.ID); err != nil {
			return err
		}
	}
	outcome := fmt.Sprintf("grant %s revoked; it ended at %s", g.ID, g.EndedAt.UTC().Format(time.RFC3339))
	if g.EndReason != stint.EndRevoked || (g.RevokedBy != "" && g.RevokedBy != it.DecidedBy) {
		outcome = fmt.Sprintf("grant %s had already ended (%s) at %s; nothing to remove", g.ID, g.EndReason, g.EndedAt.UTC().Format(time.RFC3339))
	} else if note != "" {
		outcome += "; " + note
	} else {
		outcome += "; its access was removed in AWS"
	}
	return e.done(ctx, it, outcome, map[string]any{"grant_id": g.ID})
}

// sharedNote says, before a grant is revoked, whether its AWS access stays
// because others need it.
func (e *Engine) sharedNote(ctx context.Context, g *stint.Grant) string {
	eff, err := e.cfg.Store.EffectGet(ctx, g.EffectKey())
	if err != nil || !eff.HeldBy(g.ID) {
		return ""
	}
	others := slices.DeleteFunc(slices.Clone(eff.Holders), func(h string) bool { return h == g.ID })
	switch {
	case len(others) > 0:
		return "the access stays in AWS: grants " + strings.Join(others, ", ") + " still hold it"
	case eff.Preexisting:
		return "the access stays in AWS: it is a standing assignment that existed before stint"
	}
	return ""
}

// revokeStanding removes standing access through the provider; access a
// grant also holds becomes stint's, removed when its last grant ends.
func (e *Engine) revokeStanding(ctx context.Context, it *stint.ReviewItem) error {
	eff := it.Effect()
	led, err := e.cfg.Store.EffectGet(ctx, eff.Key)
	if err == nil && len(led.Holders) > 0 {
		return e.handOver(ctx, it, led)
	}
	if err != nil && !stint.IsCode(err, stint.ENOTFOUND) {
		return err
	}
	exists, err := e.cfg.Provider.Exists(ctx, eff)
	if err != nil {
		return e.failed(ctx, it, err)
	}
	outcome := "already gone from AWS; nothing to remove"
	if exists {
		if err := e.cfg.Provider.Revoke(ctx, eff); err != nil {
			return e.failed(ctx, it, err)
		}
		outcome = removedText(it)
	}
	if it.Decision == stint.DecisionConvert {
		outcome += "; " + it.Outcome
	}
	return e.done(ctx, it, outcome, map[string]any{"effect": eff.Key, "removed": exists})
}

func removedText(it *stint.ReviewItem) string {
	if it.Type.Or() == stint.ResourceIAMGroup {
		return fmt.Sprintf("IAM user %s removed from group %s in %s (IAM confirmed)", it.PrincipalID, it.Name, it.AccountID)
	}
	return fmt.Sprintf("assignment of %s to %s %s in %s deleted (Identity Center confirmed)", it.PermissionSet,
		strings.ToLower(it.PrincipalType), it.Principal, it.AccountID)
}

// handOver makes standing access that grants hold stint's: it is no longer
// pre-existing, so the last holder's end removes it.
func (e *Engine) handOver(ctx context.Context, it *stint.ReviewItem, led *stint.Effect) error {
	return e.finish(ctx, it, func(tx stint.Tx) (string, map[string]any, error) {
		cur, err := tx.EffectGet(ctx, led.Key)
		if err != nil {
			return "", nil, err
		}
		next := *cur
		next.Preexisting, next.UpdatedAt = false, e.now()
		if err := tx.EffectPut(ctx, &next); err != nil {
			return "", nil, err
		}
		outcome := "grants " + strings.Join(cur.Holders, ", ") + " hold this access now; it is removed from AWS when the last of them ends"
		return outcome, map[string]any{"effect": cur.Key, "removed": false, "holders": cur.Holders}, nil
	})
}

// awaitFlow checks that a flow lets a converted item's holder request its
// access; without one the item waits, with a proposed flow. It reports
// whether to wait.
func (e *Engine) awaitFlow(ctx context.Context, it *stint.ReviewItem) (bool, error) {
	dir, err := e.cfg.Directory(ctx)
	if err != nil {
		return false, err
	}
	if flow := e.requestableThrough(ctx, dir, it); flow != "" {
		it.Outcome = it.Principal + " can request it through flow " + flow
		return false, nil
	}
	recheck := cmp.Or(e.cfg.ConvertRecheck, DefaultConvertRecheck)
	if it.State == stint.ItemAwaitingFlow {
		return true, &RetryLater{After: recheck, Reason: "no flow lets " + it.Principal + " request " + it.ResourceID + " yet"}
	}
	proposal, perr := e.propose(ctx, it)
	if perr != nil {
		e.log().Warn("no flow proposal for a converted review item", "item", it.ID, "err", perr)
	}
	err = e.cfg.Store.Tx(ctx, func(tx stint.Tx) error {
		cur, err := tx.ReviewItemGet(ctx, it.ID)
		if err != nil {
			return err
		}
		next, err := stint.ItemAwaiting(cur, proposal, e.now())
		if err != nil {
			return err
		}
		if err := tx.ReviewItemUpdate(ctx, next); err != nil {
			return err
		}
		return e.append(ctx, tx, "system", stint.EventReviewFlowNeeded, it.ID, map[string]any{"campaign_id": it.CampaignID,
			"principal": it.Principal, "resource": it.ResourceID, "proposal": proposal,
			"note": "the standing access stays until a flow lets its holder request it; add the proposed flow to stint.yaml"})
	})
	if err != nil {
		return true, err
	}
	return true, &RetryLater{After: recheck, Reason: "waiting for a flow for " + describe(it)}
}

// requestableThrough names a flow through which the holder may request
// the item's access, or "".
func (e *Engine) requestableThrough(ctx context.Context, dir *stint.Directory, it *stint.ReviewItem) string {
	a, err := dir.Account(it.AccountID)
	if err != nil {
		return ""
	}
	ref := &stint.ResourceRef{ID: it.ResourceID, Type: it.Type, AccountID: a.ID, AccountName: a.Name, PermissionSet: it.PermissionSet,
		PermissionSetARN: it.PermissionSetARN, Name: it.Name}
	if it.Type.Or() == stint.ResourceSSO {
		ref.Type = ""
	}
	if it.PrincipalType == "GROUP" {
		for i, f := range e.flows() {
			if f.CoversRef(a, ref) && slices.ContainsFunc(f.Requesters, func(r string) bool { return strings.EqualFold(r, "group:"+it.Principal) }) {
				return e.flows()[i].Name
			}
		}
		return ""
	}
	u, err := dir.UserByID(it.UserID)
	if err != nil {
		return ""
	}
	if e.cfg.Policy != nil {
		if eng := e.cfg.Policy(); eng != nil {
			in := policy.RequestInput{User: eng.Expand(u), Account: a, PermissionSet: it.PermissionSet}
			if it.Type.Or() != stint.ResourceSSO {
				in.Resource = ref
			}
			if d, err := eng.DecideRequest(ctx, in); err == nil {
				return d.Flow.Name
			}
			return ""
		}
	}
	for _, f := range e.flows() {
		if f.AllowsRequester(u) && f.CoversRef(a, ref) {
			return f.Name
		}
	}
	return ""
}

func (e *Engine) propose(ctx context.Context, it *stint.ReviewItem) (string, error) {
	if e.cfg.Propose != nil {
		if text, err := e.cfg.Propose(ctx, it); err == nil && text != "" {
			return text, nil
		} else if err != nil {
			return FlowText(it), err
		}
	}
	return FlowText(it), nil
}

// FlowText is a stint.yaml flow that lets a converted item's holder
// request its access, with approvers to fill in.
func FlowText(it *stint.ReviewItem) string {
	requester := "user:" + it.UserEmail
	if it.PrincipalType == "GROUP" {
		requester = "group:" + it.Principal
	}
	name := strings.ToLower(strings.NewReplacer(" ", "-", "/", "-", ":", "-").Replace("reviewed-" + cmpOr(it.PermissionSet, it.Name) + "-" + it.AccountID))
	res := fmt.Sprintf("identity_center: {accounts: [%q], permission_sets: [%q]}", it.AccountID, it.PermissionSet)
	if it.Type.Or() == stint.ResourceIAMGroup {
		res = fmt.Sprintf("iam_group: {accounts: [%q], groups: [%q]}", it.AccountID, it.Name)
	}
	return fmt.Sprintf("flows:\n  # converted to just-in-time access by an access review (item %s)\n  - name: %s\n    requesters: [%q]\n    resources:\n      - %s\n    max_duration: 4h\n    approvers: [\"group:CHANGE-ME\"]\n",
		it.ID, name, requester, res)
}

// done records a finished revocation and its review.revoked event.
func (e *Engine) done(ctx context.Context, it *stint.ReviewItem, outcome string, data map[string]any) error {
	return e.finish(ctx, it, func(stint.Tx) (string, map[string]any, error) { return outcome, data, nil })
}

// finish runs fn and records the item revoked with the outcome it returns,
// in one transaction.
func (e *Engine) finish(ctx context.Context, it *stint.ReviewItem, fn func(tx stint.Tx) (string, map[string]any, error)) error {
	return e.cfg.Store.Tx(ctx, func(tx stint.Tx) error {
		cur, err := tx.ReviewItemGet(ctx, it.ID)
		if err != nil {
			return err
		}
		if cur.State != stint.ItemRevoking && cur.State != stint.ItemAwaitingFlow {
			return nil // done by another run
		}
		outcome, data, err := fn(tx)
		if err != nil {
			return err
		}
		next, err := stint.ItemRevoked(cur, outcome, e.now())
		if err != nil {
			return err
		}
		if err := tx.ReviewItemUpdate(ctx, next); err != nil {
			return err
		}
		data["campaign_id"], data["decision"], data["outcome"] = it.CampaignID, string(it.Decision), outcome
		data["principal"], data["resource"], data["decided_by"] = it.Principal, it.ResourceID, it.DecidedBy
		return e.append(ctx, tx, "system", stint.EventReviewRevoked, it.ID, data)
	})
}

// failed records an AWS error on the item and returns it for the job to
// retry.
func (e *Engine) failed(ctx context.Context, it *stint.ReviewItem, cause error) error {
	e.log().Warn("review revocation failed; the job retries", "item", it.ID, "err", cause)
	err := e.cfg.Store.Tx(ctx, func(tx stint.Tx) error {
		cur, err := tx.ReviewItemGet(ctx, it.ID)
		if err != nil {
			return err
		}
		next, err := stint.ItemFailed(cur, cause.Error(), e.now())
		if err != nil {
			return nil
		}
		if err := tx.ReviewItemUpdate(ctx, next); err != nil {
			return err
		}
		return e.append(ctx, tx, "system", stint.EventReviewFailed, it.ID, map[string]any{"campaign_id": it.CampaignID,
			"principal": it.Principal, "resource": it.ResourceID, "error": cause.Error(), "attempts": next.Attempts})
	})
	return errors.Join(fmt.Errorf("revoke %s: %w", describe(it), cause), err)
}
