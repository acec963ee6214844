package app_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/client"
)

// TestAuditVerify: the trail a running server writes verifies, with the
// checkpoints it signs; an event changed in the database behind stint's
// back is found.
func TestAuditVerify(t *testing.T) {
	t.Parallel()
	priv, pub, err := app.AuditKeygen()
	require.NoError(t, err)
	env := "STINT_TEST_AUDIT_KEY_" + stint.NewID()
	require.NoError(t, os.Setenv(env, priv))
	t.Cleanup(func() { _ = os.Unsetenv(env) })

	e := setupEnv(t)
	e.extra = "audit:\n  checkpoint_key_env: " + env + "\n  checkpoint_interval: 1m\n"
	m := e.start(t, e.moto.URL())
	ctx := context.Background()
	judy := e.client(t, m, "judy@example.com")
	r, err := judy.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{Account: "sandbox-002", PermissionSet: "ReadOnlyAccess"}},
		Duration: time.Hour, Reason: "look"})
	require.NoError(t, err)
	g := onlyGrant(t, judy, r.ID)
	eventually(t, 15*time.Second, "grant active", func() bool { return grantState(t, judy, g.ID) == stint.GrantActive })
	require.NoError(t, m.Checkpoint(ctx))

	rep, err := app.VerifyAudit(ctx, m.ConfigPath, nil)
	require.NoError(t, err)
	require.True(t, rep.OK(), "broken: %v", rep.Broken)
	require.Greater(t, rep.Events, 3)
	require.Equal(t, 1, rep.Checkpoints)
	// The public key alone verifies too (no private key in the verifier's
	// environment).
	rep, err = app.VerifyAudit(ctx, m.ConfigPath, []string{pub})
	require.NoError(t, err)
	require.True(t, rep.OK())

	db, err := sql.Open("sqlite", filepath.Join(e.dir, "stint.db"))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.ExecContext(ctx, `UPDATE events SET actor = 'mallory@example.com' WHERE type = 'request.created' AND subject = ?`, r.ID)
	require.NoError(t, err)
	rep, err = app.VerifyAudit(ctx, m.ConfigPath, nil)
	require.NoError(t, err)
	require.NotNil(t, rep.Broken)
	require.Contains(t, rep.Broken.Reason, "changed after it was written")

	_, err = app.VerifyAudit(ctx, m.ConfigPath, []string{"not-a-key"})
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
}

// TestAuditForwardingTask: a config with a forwarding webhook delivers
// the server's trail, in chain order, from the leader's task.
func TestAuditForwardingTask(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seqs []int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc := bufio.NewScanner(r.Body)
		mu.Lock()
		defer mu.Unlock()
		for sc.Scan() {
			var e stint.Event
			if json.Unmarshal(sc.Bytes(), &e) == nil {
				seqs = append(seqs, e.Seq)
			}
		}
	}))
	t.Cleanup(srv.Close)
	e := setupEnv(t)
	e.extra = "audit:\n  forward:\n    - name: siem\n      webhook: {url: \"" + srv.URL + "\"}\n  forward_interval: 1s\n"
	m := e.start(t, e.moto.URL())
	ctx := context.Background()
	head, err := m.Store.ChainHead(ctx)
	require.NoError(t, err)
	require.Positive(t, head.Seq, "the server wrote events at start")
	eventually(t, 30*time.Second, "the trail forwarded", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return int64(len(seqs)) >= head.Seq
	})
	mu.Lock()
	defer mu.Unlock()
	for i, s := range seqs {
		require.EqualValues(t, i+1, s, "in chain order, each once")
	}
	cursors, err := m.Store.ForwardCursorList(ctx)
	require.NoError(t, err)
	require.Equal(t, "siem", cursors[0].Name)
}
