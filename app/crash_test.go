package app_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
	"github.com/stint-dev/stint/internal/faultproxy"
)

// server is `stint serve` running as a separate process (this test binary,
// re-executed), so that it can be killed with SIGKILL.
type server struct {
	cmd  *exec.Cmd
	url  string
	path string
	log  *os.File
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func startProcess(t *testing.T, configPath, addr string) *server {
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(filepath.Dir(configPath), "serve.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// moto accepts any credentials; the SDK's chain needs some.
	cmd.Env = append(os.Environ(), "STINT_TEST_SERVE="+configPath, "AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test", "AWS_EC2_METADATA_DISABLED=true")
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(t, cmd.Start())
	s := &server{cmd: cmd, url: "http://" + addr, path: configPath, log: logf}
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			s.dumpLog(t)
		}
		_ = logf.Close()
	})
	eventually(t, 30*time.Second, "stint serve to answer /healthz", func() bool {
		resp, err := http.Get(s.url + "/healthz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return s
}

func (s *server) kill() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	_ = s.cmd.Wait()
}

func (s *server) dumpLog(t *testing.T) {
	data, _ := os.ReadFile(s.log.Name())
	t.Logf("server log:\n%s", data)
}

// TestCrashBeforeExpiry: the server dies (SIGKILL) while a grant is active;
// after its end passes it restarts and removes the assignment at once. On
// both stores.
func TestCrashBeforeExpiry(t *testing.T) {
	t.Parallel()
	for i, kind := range stores {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			crashBeforeExpiry(t, kind, []string{"sandbox-003", "sandbox-002"}[i])
		})
	}
}

func crashBeforeExpiry(t *testing.T, kind, account string) {
	e := setupEnv(t)
	e.useStore(t, kind)
	addr := freeAddr(t)
	path := e.writeConfig(t, e.moto.URL(), addr)
	srv := startProcess(t, path, addr)
	ctx := context.Background()
	bob := client.New(srv.url, e.token(t, path, "bob@example.com"))

	r, err := bob.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{Account: account, PermissionSet: "ReadOnlyAccess"}}, Duration: 4 * time.Second, Reason: "crash test"})
	require.NoError(t, err)
	g := onlyGrant(t, bob, r.ID)
	eventually(t, 15*time.Second, "grant active", func() bool { return grantState(t, bob, g.ID) == stint.GrantActive })
	g, err = bob.Grant(ctx, g.ID)
	require.NoError(t, err)
	require.True(t, e.assigned(t, account, "ReadOnlyAccess", "bob@example.com"))

	srv.kill()
	<-time.After(time.Until(g.EndsAt.Add(time.Second)))
	require.True(t, e.assigned(t, account, "ReadOnlyAccess", "bob@example.com"), "nothing removes it while stint is down")

	restarted := time.Now()
	startProcess(t, path, addr) // stopped by its cleanup
	eventually(t, 20*time.Second, "assignment removed after restart", func() bool {
		return !e.assigned(t, account, "ReadOnlyAccess", "bob@example.com")
	})
	t.Logf("assignment removed %s after restart", time.Since(restarted).Round(time.Millisecond))
	eventually(t, 10*time.Second, "grant ended", func() bool { return grantState(t, bob, g.ID) == stint.GrantEnded })
}

// TestCrashDuringRevocation: the server dies while AWS reports the deletion
// in progress; on restart the revocation completes.
func TestCrashDuringRevocation(t *testing.T) {
	t.Parallel()
	e := setupEnv(t)
	proxy := faultproxy.Start(t, e.moto.URL())
	addr := freeAddr(t)
	path := e.writeConfig(t, proxy.URL(), addr)
	srv := startProcess(t, path, addr)
	ctx := context.Background()
	dave := client.New(srv.url, e.token(t, path, "dave@example.com"))

	r, err := dave.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{Account: "sandbox-003", PermissionSet: "AdministratorAccess"}}, Duration: time.Hour, Reason: "crash test"})
	require.NoError(t, err)
	g := onlyGrant(t, dave, r.ID)
	eventually(t, 15*time.Second, "grant active", func() bool { return grantState(t, dave, g.ID) == stint.GrantActive })

	// AWS keeps saying IN_PROGRESS: the revocation stays in flight.
	proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Deletion, InProgressPolls: 1 << 30, PrincipalID: e.org.Users["dave@example.com"]})
	_, err = dave.Revoke(ctx, g.ID)
	require.NoError(t, err)
	eventually(t, 10*time.Second, "deletion status polled", func() bool {
		return proxy.Count("DescribeAccountAssignmentDeletionStatus") > 0
	})
	require.Equal(t, stint.GrantRevoking, grantState(t, dave, g.ID))
	srv.kill()
	proxy.Clear()

	startProcess(t, path, addr) // stopped by its cleanup
	eventually(t, 20*time.Second, "revocation completed after restart", func() bool {
		return grantState(t, dave, g.ID) == stint.GrantEnded
	})
	require.False(t, e.assigned(t, "sandbox-003", "AdministratorAccess", "dave@example.com"))
}
