package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

// ExerciseReviews runs the access review scenarios as parallel subtests,
// each on a fresh store from open: the same on every store, like Exercise.
func ExerciseReviews(t *testing.T, open func(t *testing.T) stint.Store) {
	runScenarios(t, open, reviewScenarios)
}

var reviewScenarios = []scenario{
	{name: "reviews/campaign create, get, list newest first, update is CAS", run: testCampaignRoundTrip},
	{name: "reviews/items in batches, filtered by campaign, state and reviewer, paged, update is CAS", run: testReviewItems},
}

// newCampaign returns a campaign with every field set.
func newCampaign(id string, created time.Time) *stint.Campaign {
	return &stint.Campaign{
		ID: id, State: stint.CampaignOpen, ScanID: "scan-1", CreatedBy: "bob@example.com", CreatedAt: created, UpdatedAt: created,
		CampaignSpec: stint.CampaignSpec{
			Name: "Q1 \"prod\" review ✓", Description: "quarterly",
			Scope: stint.ReviewScope{Accounts: []string{"ou:Prod"}, PermissionSets: []string{"Admin"}, Types: []stint.ResourceType{stint.ResourceSSO},
				Standing: true, JIT: true, Window: stint.Duration(30 * 24 * time.Hour)},
			Reviewers: []string{"owner", "manager", "group:Security"}, Deadline: created.Add(14 * 24 * time.Hour),
			Reminders: []stint.Duration{stint.Duration(72 * time.Hour), stint.Duration(24 * time.Hour)}, AutoRevoke: true,
		},
	}
}

func newReviewItem(id, campaign string, n int, created time.Time) *stint.ReviewItem {
	ends := created.Add(time.Hour)
	return &stint.ReviewItem{
		ID: id, CampaignID: campaign, Source: stint.SourceGrant, PrincipalType: "USER", PrincipalID: fmt.Sprintf("u-%d", n),
		Principal: fmt.Sprintf("user%d@example.com", n), UserID: fmt.Sprintf("u-%d", n), UserEmail: fmt.Sprintf("user%d@example.com", n),
		ResourceID: "aws-sso:111111111111/Admin", Type: stint.ResourceSSO, AccountID: "111111111111", AccountName: "prod-payments",
		PermissionSet: "Admin", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-1", Access: stint.AccessAdmin,
		GrantID: fmt.Sprintf("g-%d", n), GrantState: stint.GrantActive, GrantEnds: &ends,
		Reviewers: []string{"group:Security", fmt.Sprintf("user:Manager%d@example.com", n%3)}, ReviewerRule: "manager",
		State: stint.ItemPending, CreatedAt: created, UpdatedAt: created,
	}
}

func testCampaignRoundTrip(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	first, second := newCampaign("camp-1", base), newCampaign("camp-2", base.Add(time.Minute))
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		if err := tx.CampaignCreate(ctx, first); err != nil {
			return err
		}
		return tx.CampaignCreate(ctx, second)
	})
	require.Equal(t, int64(1), first.Version)
	got, err := s.CampaignGet(ctx, "camp-1")
	require.NoError(t, err)
	require.Equal(t, first, got)
	list, err := s.CampaignList(ctx, nil)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "camp-2", list[0].ID, "newest first")

	closed := *got
	closed.State, closed.ClosedAt, closed.ClosedBy = stint.CampaignClosed, ptr(stored(base.Add(time.Hour))), "system"
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.CampaignUpdate(ctx, &closed) })
	require.Equal(t, int64(2), closed.Version)
	open, err := s.CampaignList(ctx, &stint.CampaignListParams{States: []stint.CampaignState{stint.CampaignOpen}})
	require.NoError(t, err)
	require.Len(t, open, 1)
	require.Equal(t, "camp-2", open[0].ID)

	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.CampaignUpdate(ctx, got) })
	requireCode(t, err, stint.ECONFLICT)
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error {
		return tx.CampaignCreate(ctx, newCampaign("camp-1", base))
	})
	requireCode(t, err, stint.ECONFLICT, "camp-1")
	_, err = s.CampaignGet(ctx, "camp-nope")
	requireCode(t, err, stint.ENOTFOUND, "camp-nope")
	gone := newCampaign("camp-nope", base)
	gone.Version = 1
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.CampaignUpdate(ctx, gone) })
	requireCode(t, err, stint.ENOTFOUND)
}

func testReviewItems(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		if err := tx.CampaignCreate(ctx, newCampaign("camp-a", base)); err != nil {
			return err
		}
		return tx.CampaignCreate(ctx, newCampaign("camp-b", base))
	})
	var items []*stint.ReviewItem
	for i := range 600 {
		items = append(items, newReviewItem(fmt.Sprintf("item-%04d", i), "camp-a", i, base))
	}
	other := newReviewItem("item-other", "camp-b", 1, base)
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ReviewItemCreate(ctx, append(items, other)...) })
	require.Equal(t, int64(1), items[599].Version)

	got, err := s.ReviewItemGet(ctx, "item-0007")
	require.NoError(t, err)
	require.Equal(t, items[7], got)
	all, err := s.ReviewItemList(ctx, &stint.ReviewItemListParams{CampaignID: "camp-a"})
	require.NoError(t, err)
	require.Len(t, all, 600, "items are written in batches")
	require.Equal(t, "item-0000", all[0].ID, "creation order")
	page, err := s.ReviewItemList(ctx, &stint.ReviewItemListParams{CampaignID: "camp-a", Offset: 590, Limit: 20})
	require.NoError(t, err)
	require.Len(t, page, 10)
	require.Equal(t, "item-0590", page[0].ID)

	mine, err := s.ReviewItemList(ctx, &stint.ReviewItemListParams{Reviewers: []string{"user:manager1@EXAMPLE.com"}})
	require.NoError(t, err)
	require.Len(t, mine, 201, "every campaign, any case: 200 of camp-a and camp-b's one")
	none, err := s.ReviewItemList(ctx, &stint.ReviewItemListParams{Reviewers: []string{"user:manager%@example.com", "group:Secur"}})
	require.NoError(t, err)
	require.Empty(t, none, "references match whole, wildcards only themselves")
	either, err := s.ReviewItemList(ctx, &stint.ReviewItemListParams{CampaignID: "camp-b", Reviewers: []string{"user:nobody@example.com", "group:security"}})
	require.NoError(t, err)
	require.Len(t, either, 1)

	now := stored(base.Add(time.Hour))
	decided := *got
	decided.State, decided.Decision, decided.Comment, decided.DecidedBy, decided.DecidedAt = stint.ItemRevoking, stint.DecisionRevoke, "left", "carol@example.com", &now
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ReviewItemUpdate(ctx, &decided) })
	require.Equal(t, int64(2), decided.Version)
	revoking, err := s.ReviewItemList(ctx, &stint.ReviewItemListParams{States: []stint.ItemState{stint.ItemRevoking}})
	require.NoError(t, err)
	require.Equal(t, []*stint.ReviewItem{&decided}, revoking)

	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.ReviewItemUpdate(ctx, got) })
	requireCode(t, err, stint.ECONFLICT)
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error {
		return tx.ReviewItemCreate(ctx, newReviewItem("item-new", "camp-a", 1, base), newReviewItem("item-0001", "camp-a", 1, base))
	})
	requireCode(t, err, stint.ECONFLICT)
	_, err = s.ReviewItemGet(ctx, "item-new")
	requireCode(t, err, stint.ENOTFOUND, "item-new") // a refused batch writes nothing
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error {
		return tx.ReviewItemCreate(ctx, &stint.ReviewItem{ID: "x"})
	})
	requireCode(t, err, stint.EINVALID)
}
