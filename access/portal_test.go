package access_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

func TestMayReviewAndReviewContext(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	alice, bob, carol, dave := f.caller(t, "alice@example.com"), f.caller(t, "bob@example.com"), f.caller(t, "carol@example.com"), f.caller(t, "dave@example.com")
	f.activeGrant(t, "alice@example.com")
	r, err := f.svc.Submit(ctx, alice, access.SubmitInput{
		Resources: []access.ResourceInput{{Account: "prod-payments", PermissionSet: "AdministratorAccess"}}, Reason: "INC-1", Duration: time.Hour})
	require.NoError(t, err)
	tests := []struct {
		name string
		c    *access.Caller
		want bool
	}{
		{"an approver of the step", bob, true},
		{"not the requester", alice, false},
		{"not someone outside the step, even an admin", dave, false},
		{"another approver", carol, true},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, f.svc.MayReview(tt.c, r), tt.name)
	}
	rc, err := f.svc.ReviewContext(ctx, bob, r.ID)
	require.NoError(t, err)
	require.Equal(t, []string{"Engineers"}, rc.Requester.Groups)
	require.Len(t, rc.History, 1, "alice's dev-read grant")
	require.Equal(t, "AdministratorAccess", rc.PermissionSets[0].Name)
	require.Equal(t, "prod-admin", rc.Flow.Name)
	_, err = f.svc.ReviewContext(ctx, f.caller(t, "dave@example.com"), r.ID)
	require.NoError(t, err, "admins see every request")

	approved, err := f.svc.Approve(ctx, bob, r.ID, "ok")
	require.NoError(t, err)
	require.False(t, f.svc.MayReview(carol, approved), "no longer pending")
}

func TestSessionsAndAuthEvents(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	now := f.clock.Now()
	_, pre := stint.NewSessionSecret()
	require.NoError(t, f.svc.SaveSession(ctx, &stint.Session{Hash: pre, CSRF: "a", CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(10 * time.Minute)}))
	_, post := stint.NewSessionSecret()
	next := &stint.Session{Hash: post, UserEmail: "alice@example.com", Method: stint.SessionOIDC, CSRF: "b", CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(time.Hour)}
	require.NoError(t, f.svc.RotateSession(ctx, pre, next, &stint.Event{Actor: "alice@example.com", Type: stint.EventSignedIn, Subject: "alice@example.com"}))
	_, err := f.svc.Session(ctx, pre)
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err), "the pre-login session is gone")
	got, err := f.svc.Session(ctx, post)
	require.NoError(t, err)
	require.Equal(t, "alice@example.com", got.UserEmail)
	evs, err := f.svc.AuthEvents(ctx, stint.EventSignedIn, time.Time{}, 10)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.NotEmpty(t, evs[0].ID)

	require.Equal(t, stint.EINVALID, stint.ErrorCode(f.svc.RecordAuth(ctx, &stint.Event{Type: stint.EventGrantEnded})), "only auth.* events")
	_, err = f.svc.AuthEvents(ctx, stint.EventGrantEnded, time.Time{}, 1)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))

	f.clock.Add(2 * time.Hour)
	n, err := f.svc.PruneSessions(ctx, time.Hour)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.NoError(t, f.svc.EndSession(ctx, post, nil), "ending a missing session is no error")
}

func TestHealthIsForAdmins(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	_, err := f.svc.Health(ctx, f.caller(t, "alice@example.com"))
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
	h, err := f.svc.Health(ctx, f.caller(t, "dave@example.com"))
	require.NoError(t, err)
	require.Empty(t, h.StoreError)
	require.Equal(t, 4, h.Users)
	require.Equal(t, 2, h.Flows)
	require.Nil(t, h.Drift)
}
