package review_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/providertest"
	"github.com/stint-dev/stint/review"
	"github.com/stint-dev/stint/store/sqlite"
)

type noGrants struct{}

func (noGrants) RevokeGrantAs(context.Context, string, string) (*stint.Grant, error) {
	return nil, errors.New("no grants in this test")
}

type engineEnv struct {
	store stint.Store
	aws   *providertest.Fake
	flows []stint.Flow
	eng   *review.Engine
}

func setupEngine(t *testing.T) *engineEnv {
	t.Helper()
	e := &engineEnv{store: sqlite.OpenTest(t), aws: &providertest.Fake{}}
	dir := directory()
	e.eng = review.New(review.Config{Store: e.store, Provider: e.aws, Grants: noGrants{},
		Directory: func(context.Context) (*stint.Directory, error) { return dir, nil },
		Flows:     func() []stint.Flow { return e.flows }, NewID: ids(), Now: func() time.Time { return now }})
	s := scan()
	s.StartedAt = now
	require.NoError(t, e.store.Tx(t.Context(), func(tx stint.Tx) error { return tx.ScanCreate(t.Context(), s) }))
	for _, a := range s.Inventory.Assignments {
		it := &stint.ReviewItem{AccountID: a.AccountID, PermissionSetARN: a.PermissionSetARN, PrincipalType: a.PrincipalType, PrincipalID: a.PrincipalID}
		e.aws.Set(it.Effect().Key, true)
	}
	return e
}

// decideOne creates a campaign over alice's standing Admin in prod and
// has carol (her manager) decide d on it.
func (e *engineEnv) decideOne(t *testing.T, d stint.Decision) *stint.ReviewItem {
	t.Helper()
	_, items, err := e.eng.Create(t.Context(), stint.CampaignSpec{Name: "prod admin", Deadline: now.Add(24 * time.Hour),
		Scope: stint.ReviewScope{Standing: true, Accounts: []string{"ou:Prod"}, PermissionSets: []string{"Admin"}}, Reviewers: []string{"manager"}}, "admin@example.com")
	require.NoError(t, err)
	require.Len(t, items, 1)
	carol := &directory().Users[2]
	it, err := e.eng.Decide(t.Context(), carol, items[0].ID, d, "why")
	require.NoError(t, err)
	return it
}

func (e *engineEnv) item(t *testing.T, id string) *stint.ReviewItem {
	t.Helper()
	it, err := e.store.ReviewItemGet(t.Context(), id)
	require.NoError(t, err)
	return it
}

func TestExecuteRetriesAWSErrors(t *testing.T) {
	t.Parallel()
	e := setupEngine(t)
	it := e.decideOne(t, stint.DecisionRevoke)
	e.aws.RevokeFunc = func(context.Context, *stint.Effect) error { return stint.Errorf(stint.EUNAVAILABLE, "throttled") }
	err := e.eng.Execute(t.Context(), it.ID)
	require.ErrorContains(t, err, "throttled")
	failed := e.item(t, it.ID)
	require.Equal(t, stint.ItemRevoking, failed.State)
	require.Equal(t, "throttled", failed.Error)
	require.Equal(t, 1, failed.Attempts)
	require.True(t, e.aws.Has(it.Effect().Key))

	e.aws.RevokeFunc = nil
	require.NoError(t, e.eng.Execute(t.Context(), it.ID))
	done := e.item(t, it.ID)
	require.Equal(t, stint.ItemDone, done.State)
	require.Empty(t, done.Error)
	require.Contains(t, done.Outcome, "deleted")
	require.False(t, e.aws.Has(it.Effect().Key))
	require.NoError(t, e.eng.Execute(t.Context(), it.ID), "running again does nothing")
	evs, err := e.store.EventList(t.Context(), &stint.EventListParams{Subject: it.ID})
	require.NoError(t, err)
	var types []string
	for _, ev := range evs {
		types = append(types, ev.Type)
	}
	require.Equal(t, []string{stint.EventReviewDecided, stint.EventReviewFailed, stint.EventReviewRevoked}, types)
}

func TestConvertWaitsForAFlow(t *testing.T) {
	t.Parallel()
	e := setupEngine(t)
	it := e.decideOne(t, stint.DecisionConvert)
	var rl *review.RetryLater
	require.ErrorAs(t, e.eng.Execute(t.Context(), it.ID), &rl, "no flow lets alice request it")
	waiting := e.item(t, it.ID)
	require.Equal(t, stint.ItemAwaitingFlow, waiting.State)
	require.Contains(t, waiting.Proposal, "user:alice@example.com")
	require.Contains(t, waiting.Proposal, `permission_sets: ["Admin"]`)
	require.True(t, e.aws.Has(it.Effect().Key), "the standing access stays until a flow exists")
	require.ErrorAs(t, e.eng.Execute(t.Context(), it.ID), &rl, "still no flow")

	e.flows = []stint.Flow{{Name: "prod-admin", Requesters: []string{"group:Engineers"}, MaxDuration: stint.Duration(time.Hour),
		Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{Accounts: []string{"ou:Prod"}, PermissionSets: []string{"Admin"}}}}}}
	require.NoError(t, e.eng.Execute(t.Context(), it.ID))
	done := e.item(t, it.ID)
	require.Equal(t, stint.ItemDone, done.State)
	require.Contains(t, done.Outcome, "through flow prod-admin")
	require.False(t, e.aws.Has(it.Effect().Key))
}

func TestRevokeStandingHeldByAGrant(t *testing.T) {
	t.Parallel()
	e := setupEngine(t)
	it := e.decideOne(t, stint.DecisionRevoke)
	eff := it.Effect()
	eff.Holders, eff.CreatedAt, eff.UpdatedAt = []string{"g-1"}, now, now
	require.NoError(t, e.store.Tx(t.Context(), func(tx stint.Tx) error { return tx.EffectPut(t.Context(), eff) }))
	require.NoError(t, e.eng.Execute(t.Context(), it.ID))
	require.True(t, e.aws.Has(eff.Key), "the grant still needs it")
	led, err := e.store.EffectGet(t.Context(), eff.Key)
	require.NoError(t, err)
	require.False(t, led.Preexisting, "no longer standing: the grant's end removes it")
	require.Contains(t, e.item(t, it.ID).Outcome, "g-1")
}
