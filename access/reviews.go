package access

import (
	"context"
	"errors"
	"slices"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/policy"
	"github.com/stint-dev/stint/review"
)

// Access reviews: admins create and close campaigns and read their
// reports; each item's reviewers decide on it. Package review does the
// work; these methods authorise.

// CampaignView is a campaign with the items the caller may see: every
// item for admins, their own items to decide for reviewers.
type CampaignView struct {
	*stint.Campaign
	Items []*stint.ReviewItem `json:"items"`
}

// ReviewItemsInput filters ReviewItems.
type ReviewItemsInput struct {
	Campaign string            // "" means every campaign
	States   []stint.ItemState // empty means all
	Limit    int
}

// ReviewConfig returns cfg with what the service provides filled in: the
// store, provider, grant revocations, audit events (with their webhooks
// and Slack jobs), directory, users, flows, policy engine, clock and IDs.
// The app adds the managers and the flow proposals.
func (s *Service) ReviewConfig(cfg review.Config) review.Config {
	cfg.Store, cfg.Provider, cfg.Grants, cfg.Append = s.Store, s.Provider, s, s.append
	cfg.Directory, cfg.Users, cfg.Flows = s.Directory, s.Users, s.flows
	cfg.Policy = func() *policy.Engine {
		e, err := s.engine()
		if err != nil {
			return nil
		}
		return e
	}
	cfg.Now, cfg.NewID, cfg.Logger = s.now, s.newID, s.log()
	return cfg
}

func (s *Service) reviews() *review.Engine {
	s.reviewOnce.Do(func() {
		if s.Reviews == nil {
			s.Reviews = review.New(s.ReviewConfig(review.Config{}))
		}
	})
	return s.Reviews
}

// refs returns the reviewer references that name the caller: their email
// and their (expanded) groups.
func refs(c *Caller) []string {
	out := []string{"user:" + c.User.Email}
	for _, g := range c.User.Groups {
		out = append(out, "group:"+g)
	}
	return out
}

func adminOnlyReviews(c *Caller, what string) error {
	if c == nil || !c.Admin {
		return stint.Errorf(stint.EFORBIDDEN, "only admins can %s", what)
	}
	return nil
}

// CreateCampaign creates an access review campaign. EFORBIDDEN for
// non-admins; otherwise review.Engine.Create's errors (a bad spec or
// scope, no scan, no access in scope, items nobody can review), and
// nothing is written.
func (s *Service) CreateCampaign(ctx context.Context, c *Caller, spec stint.CampaignSpec) (*CampaignView, error) {
	if err := adminOnlyReviews(c, "create access review campaigns"); err != nil {
		return nil, err
	}
	camp, items, err := s.reviews().Create(ctx, spec, c.User.Email)
	if err != nil {
		return nil, err
	}
	return &CampaignView{Campaign: camp, Items: items}, nil
}

// Campaigns lists campaigns, newest first, with their counts: every
// campaign for admins, those with items for the caller to review for
// others (counting those items only).
func (s *Service) Campaigns(ctx context.Context, c *Caller, states []stint.CampaignState) ([]*stint.Campaign, error) {
	list, err := s.Store.CampaignList(ctx, &stint.CampaignListParams{States: states, Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, camp := range list {
		items, err := s.visibleItems(ctx, c, camp.ID, nil)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 && !c.Admin {
			continue
		}
		camp.Counts = stint.CountItems(items)
		out = append(out, camp)
	}
	return out, nil
}

// visibleItems lists a campaign's items the caller may see.
func (s *Service) visibleItems(ctx context.Context, c *Caller, campaign string, states []stint.ItemState) ([]*stint.ReviewItem, error) {
	p := &stint.ReviewItemListParams{CampaignID: campaign, States: states, Limit: 100000}
	if !c.Admin {
		p.Reviewers = refs(c)
	}
	return s.Store.ReviewItemList(ctx, p)
}

// Campaign returns a campaign with the items the caller may see. It
// returns ENOTFOUND for a campaign unknown or with nothing for the caller.
func (s *Service) Campaign(ctx context.Context, c *Caller, id string) (*CampaignView, error) {
	camp, err := s.Store.CampaignGet(ctx, id)
	if err != nil {
		return nil, err
	}
	items, err := s.visibleItems(ctx, c, id, nil)
	if err != nil {
		return nil, err
	}
	if !c.Admin && len(items) == 0 {
		return nil, stint.Errorf(stint.ENOTFOUND, "review campaign %q not found among those you review", id)
	}
	camp.Counts = stint.CountItems(items)
	return &CampaignView{Campaign: camp, Items: items}, nil
}

// ReviewItems lists the items the caller reviews (every campaign's, or
// one's), in creation order. Admins see only their own too: decisions are
// the reviewers'.
func (s *Service) ReviewItems(ctx context.Context, c *Caller, in ReviewItemsInput) ([]*stint.ReviewItem, error) {
	return s.Store.ReviewItemList(ctx, &stint.ReviewItemListParams{CampaignID: in.Campaign, States: in.States,
		Reviewers: refs(c), Limit: in.Limit})
}

// ReviewItem returns an item the caller reviews (or any, for admins), or
// ENOTFOUND.
func (s *Service) ReviewItem(ctx context.Context, c *Caller, id string) (*stint.ReviewItem, error) {
	it, err := s.Store.ReviewItemGet(ctx, id)
	if err != nil {
		return nil, err
	}
	if !c.Admin && !it.IsReviewer(c.User) {
		return nil, stint.Errorf(stint.ENOTFOUND, "review item %q not found among those you review", id)
	}
	return it, nil
}

// DecideReview records the caller's decision (keep, revoke or convert)
// with a comment on an item, and queues its revocation. Only the item's
// reviewers decide, never on their own access unless the campaign allows
// it (EFORBIDDEN); a closed campaign or an item decided already is
// ECONFLICT; a bad decision or a missing comment EINVALID. Nothing changes
// on error.
func (s *Service) DecideReview(ctx context.Context, c *Caller, itemID string, d stint.Decision, comment string) (*stint.ReviewItem, error) {
	return s.reviews().Decide(ctx, c.User, itemID, d, comment)
}

// CloseCampaign closes an open campaign before its deadline (auto-revoke
// applies as at the deadline). EFORBIDDEN for non-admins, ECONFLICT for a
// closed campaign.
func (s *Service) CloseCampaign(ctx context.Context, c *Caller, id string) (*stint.Campaign, error) {
	if err := adminOnlyReviews(c, "close access review campaigns"); err != nil {
		return nil, err
	}
	if c.User.Email == "system" {
		return nil, stint.Errorf(stint.EINVALID, "\"system\" is not a user")
	}
	return s.reviews().Close(ctx, id, c.User.Email)
}

// CampaignReport returns a campaign's report for auditors, with the
// current state of its grants. EFORBIDDEN for non-admins.
func (s *Service) CampaignReport(ctx context.Context, c *Caller, id string) (*review.Report, error) {
	if err := adminOnlyReviews(c, "read access review reports"); err != nil {
		return nil, err
	}
	v, err := s.Campaign(ctx, c, id)
	if err != nil {
		return nil, err
	}
	r := &review.Report{Campaign: v.Campaign, Items: v.Items, Grants: map[string]*stint.Grant{}, GeneratedAt: s.now(), GeneratedBy: c.User.Email}
	for _, it := range v.Items {
		if it.GrantID == "" {
			continue
		}
		if g, err := s.Store.GrantGet(ctx, it.GrantID); err == nil {
			r.Grants[g.ID] = g
		} else if !stint.IsCode(err, stint.ENOTFOUND) {
			return nil, err
		}
	}
	return r, nil
}

// RevokeGrantAs revokes a grant for actor (an access review's decision)
// as Revoke does, without asking who may: the ledger keeps the AWS access
// that other grants, or a standing assignment, still need. A grant already
// revoking or ended is returned as it is.
func (s *Service) RevokeGrantAs(ctx context.Context, id, actor string) (*stint.Grant, error) {
	return s.revokeAs(ctx, id, actor, func(g *stint.Grant) (bool, error) {
		return g.State == stint.GrantRevoking || g.State == stint.GrantEnded, nil
	})
}

var _ review.GrantRevoker = (*Service)(nil)

// ReviewDeadline closes a campaign whose deadline came (the deadline job).
func (s *Service) ReviewDeadline(ctx context.Context, id string) error {
	_, err := s.reviews().Close(ctx, id, "system")
	return retryLater(err)
}

// ReviewRemind reminds a campaign's reviewers of their pending items (the
// reminder jobs).
func (s *Service) ReviewRemind(ctx context.Context, id string) error {
	n, err := s.reviews().Remind(ctx, id)
	if n > 0 {
		s.log().Info("access review reminders sent", "campaign", id, "reviewers", n)
	}
	return err
}

// ReviewExecute carries out a decided item's revocation (the execution
// job).
func (s *Service) ReviewExecute(ctx context.Context, itemID string) error {
	return retryLater(s.reviews().Execute(ctx, itemID))
}

// retryLater turns review's RetryLater into the service's.
func retryLater(err error) error {
	var rl *review.RetryLater
	if errors.As(err, &rl) {
		return &RetryLater{After: rl.After, Reason: rl.Reason}
	}
	return err
}

// ParseCampaignStates parses campaign state names (open, closed).
func ParseCampaignStates(names []string) ([]stint.CampaignState, error) {
	out := make([]stint.CampaignState, 0, len(names))
	for _, n := range names {
		st := stint.CampaignState(n)
		if st != stint.CampaignOpen && st != stint.CampaignClosed {
			return nil, stint.Errorf(stint.EINVALID, "unknown campaign state %q; use open or closed", n)
		}
		out = append(out, st)
	}
	return out, nil
}

// ParseItemStates parses review item state names.
func ParseItemStates(names []string) ([]stint.ItemState, error) {
	known := []stint.ItemState{stint.ItemPending, stint.ItemRevoking, stint.ItemAwaitingFlow, stint.ItemDone, stint.ItemUndecided}
	out := make([]stint.ItemState, 0, len(names))
	for _, n := range names {
		st := stint.ItemState(n)
		if !slices.Contains(known, st) {
			return nil, stint.Errorf(stint.EINVALID, "unknown item state %q; use pending, revoking, awaiting_flow, done or undecided", n)
		}
		out = append(out, st)
	}
	return out, nil
}
