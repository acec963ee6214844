package access_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

// TestEventJobsCommitWithTheEvent: the jobs EventJobs returns are queued in
// the event's transaction: a job that cannot be queued rolls back the
// change it reports.
func TestEventJobsCommitWithTheEvent(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	var mu sync.Mutex
	var seen []string
	fail := false
	f.svc.EventJobs = func(e *stint.Event) []stint.Job {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, e.Type)
		if fail {
			return []stint.Job{{}} // no args: the store refuses it
		}
		return nil
	}
	in := access.SubmitInput{Resources: []access.ResourceInput{{Account: "prod-payments", PermissionSet: "AdministratorAccess"}},
		Reason: "INC-1", Duration: time.Hour}
	_, err := f.svc.Submit(ctx, f.caller(t, "alice@example.com"), in)
	require.NoError(t, err)
	require.Equal(t, []string{stint.EventRequestCreated}, seen)

	fail = true
	_, err = f.svc.Submit(ctx, f.caller(t, "alice@example.com"), in)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	list, err := f.store.RequestList(ctx, &stint.RequestListParams{})
	require.NoError(t, err)
	require.Len(t, list, 1, "the refused job rolled the second request back")
}

func TestCallerByEmail(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	c, err := f.svc.CallerByEmail(ctx, "Carol@Example.com")
	require.NoError(t, err)
	require.Equal(t, "u-carol", c.User.ID)
	require.False(t, c.Admin)
	c, err = f.svc.CallerByEmail(ctx, "dave@example.com")
	require.NoError(t, err)
	require.True(t, c.Admin)
	_, err = f.svc.CallerByEmail(ctx, "mallory@example.com")
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
	_, err = f.svc.CallerByEmail(ctx, " ")
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))

	users, err := f.svc.Users(ctx)
	require.NoError(t, err)
	require.Len(t, users, 4)
}
