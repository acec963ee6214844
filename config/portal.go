package config

import (
	"net"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// Portal defaults.
const (
	DefaultSessionIdle = time.Hour
	DefaultSessionMax  = 12 * time.Hour
)

// DefaultPortalScopes are the OIDC scopes the portal asks for.
var DefaultPortalScopes = []string{"openid", "email", "profile"}

// PortalConfig configures the web portal served at / : its sign-in with an
// OIDC provider, its sessions and the break-glass local admin login.
type PortalConfig struct {
	// BaseURL is the portal's URL as browsers reach it, e.g.
	// https://stint.example.com; the OIDC redirect URL is BaseURL +
	// "/auth/callback". Default: "http://" + listen.
	BaseURL string `json:"base_url,omitempty" yaml:"base_url"`
	// Issuer is the OIDC issuer URL (its /.well-known/openid-configuration
	// is read at start). Default: "" (no OIDC sign-in).
	Issuer string `json:"issuer,omitempty" yaml:"issuer"`
	// ClientID is the portal's OIDC client ID. Required with Issuer.
	ClientID string `json:"client_id,omitempty" yaml:"client_id"`
	// ClientSecretEnv names the environment variable holding the client
	// secret (never the secret itself). Default: "" (a public client,
	// PKCE only).
	ClientSecretEnv string `json:"client_secret_env,omitempty" yaml:"client_secret_env"`
	// Scopes asked for. Default: openid, email, profile.
	Scopes []string `json:"scopes,omitempty" yaml:"scopes"`
	// EmailClaim is the ID token claim matched against identity store
	// emails. Default: "email".
	EmailClaim string `json:"email_claim,omitempty" yaml:"email_claim"`
	// RequireVerifiedEmail refuses ID tokens whose email_verified claim is
	// not true. Default: true (set false for providers that never send the
	// claim, such as Entra ID, and only where they vouch for the emails).
	RequireVerifiedEmail *bool `json:"require_verified_email,omitempty" yaml:"require_verified_email"`
	// CookieSecure marks the session cookie Secure. Default: true, unless
	// BaseURL is http://127.0.0.1, http://[::1] or http://localhost.
	CookieSecure *bool `json:"cookie_secure,omitempty" yaml:"cookie_secure"`
	// SessionIdle ends sessions unused this long. Default: 1h.
	SessionIdle stint.Duration `json:"session_idle,omitempty" yaml:"session_idle"`
	// SessionMax ends sessions this long after sign-in, however used.
	// Default: 12h.
	SessionMax stint.Duration `json:"session_max,omitempty" yaml:"session_max"`
	// LocalAdmin, when set, enables the break-glass login for when the
	// identity provider is down. Default: off.
	LocalAdmin *LocalAdminConfig `json:"local_admin,omitempty" yaml:"local_admin"`
}

// LocalAdminConfig is the break-glass admin login: one admin email and a
// TOTP secret (RFC 6238, base32) held in an environment variable.
type LocalAdminConfig struct {
	// Email is the admin who signs in; it must be one of admins and a user
	// of the identity store. Required.
	Email string `json:"email" yaml:"email"`
	// TOTPSecretEnv names the environment variable holding the base32 TOTP
	// secret. Required.
	TOTPSecretEnv string `json:"totp_secret_env" yaml:"totp_secret_env"`
}

// OIDC reports whether OIDC sign-in is configured.
func (p *PortalConfig) OIDC() bool { return strings.TrimSpace(p.Issuer) != "" }

// Secure reports whether the session cookie is marked Secure.
func (p *PortalConfig) Secure() bool {
	if p.CookieSecure != nil {
		return *p.CookieSecure
	}
	return !loopbackHTTP(p.BaseURL)
}

// VerifiedEmailRequired reports RequireVerifiedEmail with its default.
func (p *PortalConfig) VerifiedEmailRequired() bool {
	return p.RequireVerifiedEmail == nil || *p.RequireVerifiedEmail
}

// loopbackHTTP reports whether u is a plain-HTTP URL of this machine.
func loopbackHTTP(u string) bool {
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "http" {
		return false
	}
	h := pu.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func (p *PortalConfig) setDefaults(listen string) {
	if strings.TrimSpace(p.BaseURL) == "" {
		host := listen
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		p.BaseURL = "http://" + host
	}
	p.BaseURL = strings.TrimRight(p.BaseURL, "/")
	if len(p.Scopes) == 0 {
		p.Scopes = append([]string(nil), DefaultPortalScopes...)
	}
	if p.EmailClaim == "" {
		p.EmailClaim = "email"
	}
	if p.SessionIdle == 0 {
		p.SessionIdle = stint.Duration(DefaultSessionIdle)
	}
	if p.SessionMax == 0 {
		p.SessionMax = stint.Duration(DefaultSessionMax)
	}
}

func (ch *checker) portal() {
	p := ch.c.Portal
	if checkListen(ch.c.Listen) != "" {
		// base_url defaults from listen, whose problem is reported already.
	} else if u, err := url.Parse(p.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		ch.at("$.portal.base_url", "portal.base_url %q must be an http(s) URL such as https://stint.example.com", p.BaseURL)
	} else if u.Path != "" && u.Path != "/" {
		ch.at("$.portal.base_url", "portal.base_url %q must not have a path; the portal is served at /", p.BaseURL)
	}
	if p.OIDC() {
		u, err := url.Parse(p.Issuer)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && !loopbackHTTP(p.Issuer)):
			ch.at("$.portal.issuer", "portal.issuer %q must be an https URL (http only on this machine's loopback, for tests)", p.Issuer)
		}
		if strings.TrimSpace(p.ClientID) == "" {
			ch.at("$.portal.client_id", "portal.client_id is required with portal.issuer; register stint with your identity provider")
		}
		if !p.Secure() && !loopbackHTTP(p.BaseURL) {
			ch.at("$.portal.cookie_secure", "portal.cookie_secure: false sends the session cookie in clear over %s; only plain-HTTP loopback URLs may do that", p.BaseURL)
		}
	} else if p.ClientID != "" || p.ClientSecretEnv != "" {
		ch.at("$.portal", "portal.client_id needs portal.issuer, the URL of your OIDC provider")
	}
	if p.ClientSecretEnv != "" && !envName.MatchString(p.ClientSecretEnv) {
		ch.at("$.portal.client_secret_env", "client_secret_env %q must name an environment variable (letters, digits, _), not hold the secret", p.ClientSecretEnv)
	}
	if p.SessionIdle < 0 || p.SessionMax < 0 {
		ch.at("$.portal", "portal.session_idle and session_max must be positive")
	} else if p.SessionIdle > p.SessionMax {
		ch.at("$.portal.session_idle", "portal.session_idle %s is longer than session_max %s", p.SessionIdle, p.SessionMax)
	}
	if la := p.LocalAdmin; la != nil {
		if addr, err := mail.ParseAddress(la.Email); err != nil || addr.Address != strings.TrimSpace(la.Email) {
			ch.at("$.portal.local_admin.email", "local_admin.email %q is not an email address", la.Email)
		} else if !ch.c.IsAdmin(la.Email) {
			ch.at("$.portal.local_admin.email", "local_admin.email %s must be one of admins", la.Email)
		}
		if !envName.MatchString(la.TOTPSecretEnv) {
			ch.at("$.portal.local_admin.totp_secret_env", "local_admin.totp_secret_env %q must name the environment variable holding the base32 TOTP secret", la.TOTPSecretEnv)
		}
	}
}
