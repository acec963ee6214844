package app_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/client"
)

// TestReload: a bad config on reload is rejected with file:line:col and the
// running one kept; a good one takes effect without a restart.
func TestReload(t *testing.T) {
	t.Parallel()
	e := setupEnv(t)
	m := e.start(t, e.moto.URL())
	ctx := context.Background()
	ivan := e.client(t, m, "ivan@example.com") // in no group: no flow yet
	alice := e.client(t, m, "alice@example.com")
	list, err := ivan.Resources(ctx)
	require.NoError(t, err)
	require.Empty(t, list)

	good, err := os.ReadFile(m.ConfigPath)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(m.ConfigPath, []byte(strings.Replace(string(good), "max_duration: 4h", "max_duration: soon", 1)), 0o600))
	err = m.Reload()
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	require.Regexp(t, `stint\.yaml:\d+:\d+: `, err.Error())
	list, err = alice.Resources(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, list, "the running config stays")

	extra := string(good) + `  - name: contractor
    requesters: [user:ivan@example.com]
    resources:
      - identity_center: {accounts: ["name:sandbox-003"], permission_sets: [ReadOnlyAccess]}
    max_duration: 1h
    approvers: [group:Security]
`
	// No SIGHUP or Reload call: the watcher sees the file change.
	require.NoError(t, os.WriteFile(m.ConfigPath, []byte(extra), 0o600))
	eventually(t, 15*time.Second, "the new flow to apply", func() bool {
		list, err = ivan.Resources(ctx)
		require.NoError(t, err)
		return len(list) == 1
	})
	require.Equal(t, "contractor", list[0].Flow)

	bob := e.client(t, m, "bob@example.com")
	evs, err := bob.Events(ctx, client.EventsParams{Subject: m.ConfigPath})
	require.NoError(t, err)
	var types []string
	for _, ev := range evs {
		types = append(types, ev.Type)
	}
	require.True(t, contains(types, stint.EventConfigLoaded, stint.EventConfigRejected, stint.EventConfigReloaded), "events: %v", types)
	last := evs[len(evs)-1]
	require.Equal(t, stint.EventConfigReloaded, last.Type)
	require.Equal(t, []any{"contractor"}, last.Data["flows_added"])
	require.NotEqual(t, last.Data["old_hash"], last.Data["new_hash"])
}

// TestValidateConfigAgainstDirectory: `stint config validate` checks names
// against the directory the store last synced.
func TestValidateConfigAgainstDirectory(t *testing.T) {
	t.Parallel()
	e := setupEnv(t)
	m := e.start(t, e.moto.URL()) // syncs the directory into the store
	require.NoError(t, app.ValidateConfig(m.ConfigPath))
	data, err := os.ReadFile(m.ConfigPath)
	require.NoError(t, err)
	bad := strings.Replace(string(data), "approvers: [group:Security]", "approvers: [group:Securty]", 1)
	require.NoError(t, os.WriteFile(m.ConfigPath, []byte(bad), 0o600))
	err = app.ValidateConfig(m.ConfigPath)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	require.Contains(t, err.Error(), "Securty")
	require.Contains(t, err.Error(), "did you mean Security")
}
