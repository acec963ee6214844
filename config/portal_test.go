package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
)

func TestPortalDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.LoadBytes("stint.yaml", []byte("aws: {region: eu-west-1}\n"), noEnv)
	require.NoError(t, err)
	p := c.Portal
	require.Equal(t, "http://127.0.0.1:8080", p.BaseURL)
	require.False(t, p.OIDC())
	require.False(t, p.Secure(), "plain HTTP on loopback: the cookie cannot be Secure")
	require.True(t, p.VerifiedEmailRequired())
	require.Equal(t, []string{"openid", "email", "profile"}, p.Scopes)
	require.Equal(t, "email", p.EmailClaim)
	require.Equal(t, stint.Duration(time.Hour), p.SessionIdle)
	require.Equal(t, stint.Duration(12*time.Hour), p.SessionMax)
	require.Nil(t, p.LocalAdmin)

	c, err = config.LoadBytes("stint.yaml", []byte(`aws: {region: eu-west-1}
listen: :9090
admins: [root@example.com]
portal:
  base_url: https://stint.example.com/
  issuer: https://example.okta.com
  client_id: stint
  client_secret_env: STINT_OIDC_SECRET
  session_idle: 30m
  session_max: 8h
  local_admin: {email: root@example.com, totp_secret_env: STINT_BREAKGLASS_TOTP}
`), noEnv)
	require.NoError(t, err)
	p = c.Portal
	require.Equal(t, "https://stint.example.com", p.BaseURL, "trailing slash trimmed")
	require.True(t, p.OIDC())
	require.True(t, p.Secure())
	require.Equal(t, &config.LocalAdminConfig{Email: "root@example.com", TOTPSecretEnv: "STINT_BREAKGLASS_TOTP"}, p.LocalAdmin)
	require.Equal(t, stint.Duration(30*time.Minute), p.SessionIdle)

	c, err = config.LoadBytes("stint.yaml", []byte("aws: {region: eu-west-1}\nlisten: :9090\n"), env(map[string]string{
		"STINT_PORTAL_BASE_URL": "https://jit.example.com", "STINT_PORTAL_ISSUER": "https://accounts.google.com",
		"STINT_PORTAL_CLIENT_ID": "abc.apps.googleusercontent.com"}))
	require.NoError(t, err)
	require.Equal(t, "https://jit.example.com", c.Portal.BaseURL)
	require.Equal(t, "https://accounts.google.com", c.Portal.Issuer)
	require.Equal(t, "abc.apps.googleusercontent.com", c.Portal.ClientID)

	c, err = config.LoadBytes("stint.yaml", []byte("aws: {region: eu-west-1}\nlisten: :9090\n"), noEnv)
	require.NoError(t, err)
	require.Equal(t, "http://localhost:9090", c.Portal.BaseURL)
}

func TestPortalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{"issuer over http", "portal: {issuer: http://idp.example.com, client_id: x}\n",
			`stint.yaml:2:18: portal.issuer "http://idp.example.com" must be an https URL`},
		{"no client id", "portal: {issuer: https://idp.example.com}\n",
			"portal.client_id is required with portal.issuer"},
		{"client id without issuer", "portal: {client_id: x}\n", "portal.client_id needs portal.issuer"},
		{"secret in the config", "portal: {issuer: https://idp.example.com, client_id: x, client_secret_env: 's3cr3t-value!'}\n",
			`client_secret_env "s3cr3t-value!" must name an environment variable`},
		{"base url with a path", "portal: {base_url: https://example.com/stint}\n", "must not have a path"},
		{"insecure cookie off loopback", "portal: {base_url: http://stint.example.com, issuer: https://idp.example.com, client_id: x, cookie_secure: false}\n",
			"sends the session cookie in clear"},
		{"idle longer than max", "portal: {session_idle: 2h, session_max: 1h}\n", "session_idle 2h is longer than session_max 1h"},
		{"local admin not an admin", "portal: {local_admin: {email: eve@example.com, totp_secret_env: T}}\n",
			"local_admin.email eve@example.com must be one of admins"},
		{"local admin without secret env", "admins: [root@example.com]\nportal: {local_admin: {email: root@example.com}}\n",
			`local_admin.totp_secret_env "" must name the environment variable`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.LoadBytes("stint.yaml", []byte(valid+tt.src), noEnv)
			require.Error(t, err)
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
			require.True(t, strings.Contains(err.Error(), tt.want), "got: %v", err)
		})
	}
}
