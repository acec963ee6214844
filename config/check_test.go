package config_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
)

func testDirectory() *stint.Directory {
	return &stint.Directory{
		Users: []stint.User{
			{Email: "alice@example.com", Groups: []string{"Engineers"}},
			{Email: "bob@example.com", Groups: []string{"Security"}},
			{Email: "carol@example.com", Groups: []string{"SRE"}},
		},
		Groups: []stint.Group{{Name: "Engineers"}, {Name: "Security"}, {Name: "SRE"}, {Name: "Empty"}},
		Accounts: []stint.Account{
			{ID: "111111111111", Name: "prod", OUPath: "Prod/Payments", Tags: map[string]string{"env": "prod"}},
			{ID: "222222222222", Name: "dev", OUPath: "Sandbox"},
		},
		PermissionSets: []stint.PermissionSet{{Name: "AdministratorAccess"}, {Name: "ReadOnlyAccess"}},
	}
}

func TestCheckAgainst(t *testing.T) {
	t.Parallel()
	src := valid + `admins: [bob@example.com, dave@example.com]
groups:
  Oncall: [group:SRE, group:Securty, user:alice@exmaple.com]
flows:
  - name: prod-admin
    requesters: [group:Engineers, group:Oncall]
    resources:
      - identity_center: {accounts: ["ou:Prod", "ou:Prd", "name:prd", "333333333333", "tag:env=qa"], permission_sets: [AdministratorAccess, AdminAccess]}
    max_duration: 4h
    approval_steps:
      - approvers: [group:Security, user:bobby@example.com]
        permission_sets: [ReadOnly]
    break_glass: {groups: [Oncal]}
  - name: prod-auto
    requesters: [group:Engineers]
    resources: [{identity_center: {accounts: ["111111111111"], permission_sets: [AdministratorAccess]}}]
    max_duration: 1h
    auto_approve: true
  - name: nobody
    requesters: [group:Empty]
    exclude: [group:SRE]
    resources: [{identity_center: {accounts: [all], permission_sets: [ReadOnlyAccess]}}]
    max_duration: 1h
    auto_approve: true
`
	c, err := config.LoadBytes("stint.yaml", []byte(src), noEnv)
	require.NoError(t, err)
	var got []string
	for _, p := range c.CheckAgainst(testDirectory()) {
		got = append(got, p.String())
	}
	require.Equal(t, []string{
		`stint.yaml:2:27: warning: admin "dave@example.com" is not a user of the identity store`,
		`stint.yaml:4:23: groups.Oncall: unknown group "Securty": not in the identity store nor the groups section (did you mean Security?)`,
		`stint.yaml:4:38: groups.Oncall: unknown user "alice@exmaple.com": no such email in the identity store (did you mean alice@example.com?)`,
		`stint.yaml:9:49: flow "prod-admin": unknown OU path "Prd" (did you mean Prod?); known: Prod, Prod/Payments, Sandbox`,
		`stint.yaml:9:59: flow "prod-admin": unknown account name "prd" (did you mean prod?)`,
		`stint.yaml:9:71: flow "prod-admin": unknown account ID 333333333333: not an account of the organisation`,
		`stint.yaml:9:87: warning: flow "prod-admin": tag selector "tag:env=qa" matches no account`,
		`stint.yaml:9:141: flow "prod-admin": unknown permission set "AdminAccess"; known: AdministratorAccess, ReadOnlyAccess`,
		`stint.yaml:12:37: flow "prod-admin": unknown user "bobby@example.com": no such email in the identity store (did you mean bob@example.com?)`,
		`stint.yaml:13:27: flow "prod-admin": unknown permission set "ReadOnly"; known: AdministratorAccess, ReadOnlyAccess`,
		`stint.yaml:14:28: flow "prod-admin": unknown group "Oncal": not in the identity store nor the groups section (did you mean Oncall?)`,
		`stint.yaml:15:5: warning: flows "prod-auto" and "prod-admin" both let group:Engineers request AdministratorAccess in account 111111111111 (prod), but "prod-auto" auto-approves while "prod-admin" requires approval; requests go through "prod-auto", so narrow one of them`,
		`stint.yaml:20:5: warning: flow "nobody" is unreachable: no user of the identity store matches its requesters (group:Empty) once exclude apply`,
	}, got)

	// Nested config groups make a flow reachable.
	c, err = config.LoadBytes("stint.yaml", []byte(valid+`groups: {Oncall: [group:SRE]}
flows:
  - {name: f, requesters: [group:Oncall], auto_approve: true, max_duration: 1h,
     resources: [{identity_center: {accounts: [all], permission_sets: [ReadOnlyAccess]}}]}
`), noEnv)
	require.NoError(t, err)
	require.Empty(t, c.CheckAgainst(testDirectory()))
	require.Nil(t, c.CheckAgainst(nil))
}

func TestDiff(t *testing.T) {
	t.Parallel()
	old, err := config.LoadBytes("stint.yaml", []byte(exampleFile), noEnv)
	require.NoError(t, err)
	next := exampleFile + "groups: {Oncall: [group:SRE]}\nsync_interval: 1m\n"
	next = replaceOnce(t, next, "admins: [bob@example.com]", "admins: [carol@example.com]")
	next = replaceOnce(t, next, "max_duration: 4h\n    approvers: [group:Security]", "max_duration: 2h\n    approvers: [group:Security]\n    ticket: {required: true}")
	next = replaceOnce(t, next, "name: sandbox-read", "name: sandbox-ro")
	next = replaceOnce(t, next, "region: us-east-1", "region: eu-west-1")
	c, err := config.LoadBytes("stint.yaml", []byte(next), noEnv)
	require.NoError(t, err)

	d := config.Diff(old, c)
	require.Len(t, d.OldHash, 64)
	require.Equal(t, old.Hash(), d.OldHash)
	require.Equal(t, c.Hash(), d.NewHash)
	require.NotEqual(t, d.OldHash, d.NewHash)
	d.OldHash, d.NewHash = "", ""
	require.Equal(t, config.ConfigDiff{
		FlowsAdded:    []string{"sandbox-ro"},
		FlowsRemoved:  []string{"sandbox-read"},
		FlowsChanged:  []config.FlowChange{{Name: "prod-admin", Fields: []string{"max_duration", "ticket"}}},
		AdminsAdded:   []string{"carol@example.com"},
		AdminsRemoved: []string{"bob@example.com"},
		GroupsAdded:   []string{"Oncall"},
		Changed:       []string{"aws.region", "sync_interval"},
	}, d)
	data, err := json.Marshal(d)
	require.NoError(t, err)
	require.JSONEq(t, `{"flows_added":["sandbox-ro"],"flows_removed":["sandbox-read"],
		"flows_changed":[{"name":"prod-admin","fields":["max_duration","ticket"]}],
		"admins_added":["carol@example.com"],"admins_removed":["bob@example.com"],
		"groups_added":["Oncall"],"changed":["aws.region","sync_interval"],"new_hash":""}`, string(data))

	// A comment changes the hash but nothing else.
	same, err := config.LoadBytes("stint.yaml", []byte(exampleFile+"# note\n"), noEnv)
	require.NoError(t, err)
	d = config.Diff(old, same)
	require.True(t, d.Empty())
	require.NotEqual(t, d.OldHash, d.NewHash)

	first := config.Diff(nil, old)
	require.Empty(t, first.OldHash)
	require.Equal(t, []string{"prod-admin", "sandbox-read"}, first.FlowsAdded)
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	i := indexOf(s, old)
	require.GreaterOrEqual(t, i, 0, old)
	return s[:i] + new + s[i+len(old):]
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// eventually polls cond until it holds or a deadline passes.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestWatch(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "stint.yaml")
	require.NoError(t, os.WriteFile(path, []byte("a: 1\n"), 0o600))
	var changes atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := config.Watch(ctx, path, time.Millisecond, func() { changes.Add(1) })
	defer w.Stop()

	require.NoError(t, writeAtomic(path, []byte("a: 22\n")))
	eventually(t, func() bool { return changes.Load() == 1 })

	// Same size, possibly the same mtime: the periodic hash notices.
	require.NoError(t, writeAtomic(path, []byte("a: 33\n")))
	eventually(t, func() bool { return changes.Load() == 2 })

	// Rewriting identical content is no change; removal and return are.
	require.NoError(t, writeAtomic(path, []byte("a: 33\n")))
	require.NoError(t, os.Remove(path))
	eventually(t, func() bool { return changes.Load() == 3 })
	require.NoError(t, writeAtomic(path, []byte("a: 33\n")))
	eventually(t, func() bool { return changes.Load() == 4 })

	w.Stop()
	n := changes.Load()
	require.NoError(t, writeAtomic(path, []byte("b: 1\n")))
	require.Equal(t, n, changes.Load())
}

// writeAtomic replaces path's content in one step, the way editors save,
// so a poll never sees the file truncated and half written (which would
// count as changes of its own).
func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// BenchmarkCheckAgainst checks 500 flows against 10,000 users and 1,000
// accounts.
func BenchmarkCheckAgainst(b *testing.B) {
	dir := &stint.Directory{PermissionSets: []stint.PermissionSet{{Name: "ReadOnlyAccess"}, {Name: "AdministratorAccess"}}}
	for i := range 10000 {
		dir.Users = append(dir.Users, stint.User{Email: fmt.Sprintf("u%d@example.com", i), Groups: []string{fmt.Sprintf("team%d", i%100)}})
	}
	for i := range 100 {
		dir.Groups = append(dir.Groups, stint.Group{Name: fmt.Sprintf("team%d", i)})
	}
	for i := range 1000 {
		dir.Accounts = append(dir.Accounts, stint.Account{ID: fmt.Sprintf("%012d", i), Name: fmt.Sprintf("acct%d", i), OUPath: fmt.Sprintf("Prod/OU%d", i%20)})
	}
	var sb strings.Builder
	sb.WriteString(valid + "flows:\n")
	for i := range 500 {
		fmt.Fprintf(&sb, "  - {name: f%d, requesters: [group:team%d], max_duration: 1h, auto_approve: %v, approvers: [group:team0],\n     resources: [{identity_center: {accounts: [\"ou:Prod/OU%d\"], permission_sets: [ReadOnlyAccess]}}]}\n", i, i%100, i%2 == 0, i%20)
	}
	c, err := config.LoadBytes("stint.yaml", []byte(sb.String()), noEnv)
	require.NoError(b, err)
	for b.Loop() {
		c.CheckAgainst(dir)
	}
}
