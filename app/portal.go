package app

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/jobs"
	"github.com/stint-dev/stint/web/portal"
)

// sessionPruneInterval is how often ended portal sessions are deleted.
const sessionPruneInterval = 10 * time.Minute

// newPortal builds the web portal from the config's portal section,
// reading the OIDC client secret and the break-glass TOTP secret from the
// environment variables it names. It returns EINVALID when a named
// variable is empty: a half-configured sign-in is refused at start.
func (m *Main) newPortal(cfg *config.Config) (*portal.Portal, error) {
	pc := cfg.Portal
	pcfg := portal.Config{
		Service: m.Service, BaseURL: pc.BaseURL, CookieSecure: pc.Secure(),
		SessionIdle: time.Duration(pc.SessionIdle), SessionMax: time.Duration(pc.SessionMax), Logger: m.Logger,
		Externals: portalExternals(cfg),
	}
	if pc.OIDC() {
		secret, err := secretEnv("portal.client_secret_env", pc.ClientSecretEnv)
		if err != nil {
			return nil, err
		}
		pcfg.OIDC = &portal.OIDCConfig{Issuer: pc.Issuer, ClientID: pc.ClientID, ClientSecret: secret, Scopes: pc.Scopes,
			EmailClaim: pc.EmailClaim, AllowUnverifiedEmail: !pc.VerifiedEmailRequired()}
	}
	if la := pc.LocalAdmin; la != nil {
		secret, err := secretEnv("portal.local_admin.totp_secret_env", la.TOTPSecretEnv)
		if err != nil {
			return nil, err
		}
		if secret == "" {
			return nil, stint.Errorf(stint.EINVALID, "portal.local_admin.totp_secret_env is required")
		}
		pcfg.LocalAdmin = &portal.LocalAdminConfig{Email: la.Email, Secret: strings.ToUpper(strings.ReplaceAll(secret, " ", ""))}
		m.log().Warn("the portal's break-glass local admin login is enabled", "user", la.Email)
	}
	return portal.New(pcfg), nil
}

// secretEnv reads the secret in the environment variable name ("" for
// none); a named variable that is empty is an error.
func secretEnv(key, name string) (string, error) {
	if name == "" {
		return "", nil
	}
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return "", stint.Errorf(stint.EINVALID, "%s names %s, which is not set; export the secret in it (never in stint.yaml)", key, name)
	}
	return v, nil
}

// sessionTask deletes ended portal sessions on the leader.
func (m *Main) sessionTask() jobs.Task {
	return jobs.Task{Name: "prune_sessions", Interval: sessionPruneInterval, Run: func(ctx context.Context) error {
		_, err := m.Service.PruneSessions(ctx, time.Duration(m.cfg.Load().Portal.SessionIdle))
		return err
	}}
}
