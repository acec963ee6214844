package app_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/oidctest"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// e2eDir holds the browser test's script and its npm lock file.
var e2eDir = filepath.Join("..", "web", "portal", "e2e")

// browserTools returns node and Debian's chromium, skipping the test when
// they (or playwright-core, from `npm ci` in e2eDir) are missing locally;
// with CI=true it fails instead: scripts/test.sh installs them.
func browserTools(t *testing.T) (node, chromium string) {
	t.Helper()
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	missing := func(what string) {
		msg := what + " is missing; scripts/test.sh installs it (apt-get install -y chromium; npm ci in web/portal/e2e)"
		if ci {
			t.Fatalf("CI=true: %s", msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node")
	}
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		if chromium, err = exec.LookPath("chromium"); err != nil {
			missing("chromium (Debian's package)")
		}
	}
	if _, err := os.Stat(filepath.Join(e2eDir, "node_modules", "playwright-core", "package.json")); err != nil {
		missing("playwright-core")
	}
	return node, chromium
}

// TestPortalInBrowser drives the portal in headless Chromium against a
// real stint server with moto behind it and an in-process OIDC provider:
// alice signs in and requests AdministratorAccess in prod-data; carol
// (Security approves prod-admin) signs in and approves; alice sees the
// grant active and revokes it; the assignment appears and disappears in
// moto. Screenshots of every page are kept in the folder the test logs.
func TestPortalInBrowser(t *testing.T) {
	t.Parallel()
	node, chromium := browserTools(t)
	const account, alice = "prod-data", "alice@example.com"
	e := setupEnv(t)
	issuer, err := oidctest.New(oidctest.Config{ClientID: "stint-portal", Users: []oidctest.User{
		{Email: alice, Name: "Alice Anders"}, {Email: "carol@example.com", Name: "Carol Chen"}, {Email: "bob@example.com", Name: "Bob Brown"},
	}})
	require.NoError(t, err)
	t.Cleanup(issuer.Close)

	// The portal's redirect URL needs the port before the server listens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	listen := ln.Addr().String()
	require.NoError(t, ln.Close())
	e.extra = fmt.Sprintf("portal:\n  base_url: http://%s\n  issuer: %s\n  client_id: stint-portal\n", listen, issuer.URL())
	path := e.writeConfig(t, e.moto.URL(), listen)
	ac := motoserver.AWSConfig(e.moto.URL())
	logf, err := os.Create(filepath.Join(e.dir, "main.log"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = logf.Close() })
	m := &app.Main{ConfigPath: path, Addr: listen, AWS: &ac,
		Logger:         slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ProviderConfig: func(c *identitycenter.Config) { c.PollInterval = 50 * time.Millisecond }}
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { _ = m.Close() })

	artifacts := os.Getenv("STINT_E2E_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join(e2eDir, "artifacts", time.Now().UTC().Format("20060102T150405Z"))
	}
	artifacts, err = filepath.Abs(artifacts)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(artifacts, 0o755))
	t.Logf("browser screenshots: %s", artifacts)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "portal.e2e.mjs")
	cmd.Dir = e2eDir
	cmd.Env = append(os.Environ(), "STINT_URL="+m.URL(), "ACCOUNT="+account, "SCREENSHOTS="+artifacts, "CHROMIUM="+chromium)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	require.NoError(t, cmd.Start())

	var mu sync.Mutex
	var output []string
	steps := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		mu.Lock()
		output = append(output, line)
		mu.Unlock()
		name, arg, ok := strings.Cut(strings.TrimPrefix(line, "STEP "), " ")
		if !strings.HasPrefix(line, "STEP ") {
			continue
		}
		if !ok {
			name = strings.TrimPrefix(line, "STEP ")
		}
		steps[name] = arg
		func() {
			defer func() {
				if t.Failed() {
					_, _ = io.WriteString(stdin, "stop\n")
				}
			}()
			switch name {
			case "submitted":
				r, err := m.Store.RequestGet(ctx, arg)
				require.NoError(t, err)
				require.Equal(t, stint.RequestPending, r.State)
				require.Equal(t, alice, r.RequesterEmail)
				require.False(t, e.assigned(t, account, "AdministratorAccess", alice), "nothing in AWS before approval")
			case "active":
				require.True(t, e.assigned(t, account, "AdministratorAccess", alice), "the assignment exists in moto")
			case "revoked":
				eventually(t, 15*time.Second, "the assignment gone from moto", func() bool {
					return !e.assigned(t, account, "AdministratorAccess", alice)
				})
				g, err := m.Store.GrantGet(ctx, arg)
				require.NoError(t, err)
				eventually(t, 10*time.Second, "the grant ended", func() bool {
					g, err = m.Store.GrantGet(ctx, arg)
					return err == nil && g.State == stint.GrantEnded
				})
				require.Equal(t, stint.EndRevoked, g.EndReason)
				require.Equal(t, alice, g.RevokedBy)
			}
			_, _ = io.WriteString(stdin, "ok\n")
		}()
		if t.Failed() {
			break
		}
	}
	_ = stdin.Close()
	err = cmd.Wait()
	elapsed := time.Since(start)
	mu.Lock()
	defer mu.Unlock()
	log := strings.Join(output, "\n")
	require.NoError(t, err, "node: %s\nstdout:\n%s\nstderr:\n%s", err, log, stderr.String())
	require.Contains(t, log, "DONE", log)
	require.Contains(t, steps, "revoked")
	require.NotContains(t, log, "console error", "no CSP violation or script error in the pages")
	require.NotContains(t, log, "page error")
	t.Logf("browser test took %s\n%s", elapsed.Round(100*time.Millisecond), log)
}
