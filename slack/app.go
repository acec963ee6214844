package slack

import (
	"cmp"
	"context"
	"hash/fnv"
	"log/slog"
	"net/http"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/config"
)

// Defaults of Config.
const (
	DefaultIdentityTTL  = 10 * time.Minute
	DefaultMaxBodyBytes = 256 << 10
	DefaultCallTimeout  = 10 * time.Second
)

// service names the app's rows in the store's posted messages.
const service = "slack"

// Config configures the App.
type Config struct {
	// Service carries out every action. Required.
	Service *access.Service
	// BotToken is the bot token (xoxb-...). Required; never logged.
	BotToken string
	// SigningSecret verifies requests from Slack. Required; never logged.
	SigningSecret string
	// Settings returns the current slack section of the config (it may be
	// reloaded): channels, DMs, expiry warning. Required.
	Settings func() *config.SlackConfig
	// APIURL is Slack's Web API base URL. Default: the settings' api_url.
	APIURL string
	// HTTPClient calls Slack. Default: a client with a 10s timeout.
	HTTPClient *http.Client
	// IdentityTTL is how long a Slack user's email (and an email's Slack
	// user) is remembered. Default: 10m.
	IdentityTTL time.Duration
	// MaxBodyBytes bounds incoming request bodies. Default: 256 KiB.
	MaxBodyBytes int64
	// Now defaults to the service's clock, else time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// App is the Slack app: an HTTP handler for Slack's requests, the jobs
// that carry its notifications and their workers.
type App struct {
	svc      *access.Service
	store    stint.Store
	api      *slackapi.Client
	settings func() *config.SlackConfig
	verifier *verifier
	ids      *identities
	maxBody  int64
	now      func() time.Time
	log      *slog.Logger
	locks    [64]sync.Mutex
}

// New builds the app. It returns EINVALID when the token, the signing
// secret or the settings are missing.
func New(cfg Config) (*App, error) {
	switch {
	case cfg.Service == nil:
		return nil, stint.Errorf(stint.EINVALID, "slack: no service")
	case cfg.Settings == nil || cfg.Settings() == nil:
		return nil, stint.Errorf(stint.EINVALID, "slack: no slack settings")
	case cfg.BotToken == "":
		return nil, stint.Errorf(stint.EINVALID, "slack: the bot token is empty; set the variable slack.bot_token_env names (default %s) to the app's xoxb- token", config.DefaultSlackBotTokenEnv)
	case cfg.SigningSecret == "":
		return nil, stint.Errorf(stint.EINVALID, "slack: the signing secret is empty; set the variable slack.signing_secret_env names (default %s) to the app's signing secret", config.DefaultSlackSigningSecretEnv)
	}
	now := cfg.Now
	if now == nil {
		now = cfg.Service.Now
	}
	if now == nil {
		now = time.Now
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: DefaultCallTimeout}
	}
	apiURL := cmp.Or(cfg.APIURL, cfg.Settings().APIURL, config.DefaultSlackAPIURL)
	api := slackapi.New(cfg.BotToken, slackapi.OptionAPIURL(apiURL), slackapi.OptionHTTPClient(hc))
	a := &App{
		svc: cfg.Service, store: cfg.Service.Store, api: api, settings: cfg.Settings,
		verifier: newVerifier(cfg.SigningSecret, now),
		maxBody:  cmp.Or(cfg.MaxBodyBytes, DefaultMaxBodyBytes),
		now:      now,
		log:      cmp.Or(cfg.Logger, slog.Default()).With("component", "slack"),
	}
	a.ids = newIdentities(api, cmp.Or(cfg.IdentityTTL, DefaultIdentityTTL), now)
	return a, nil
}

// lock serialises the work on one request (rendering and updating its
// messages), so that a job that read older state cannot overwrite a newer
// message.
func (a *App) lock(requestID string) func() {
	h := fnv.New32a()
	_, _ = h.Write([]byte(requestID))
	m := &a.locks[h.Sum32()%uint32(len(a.locks))]
	m.Lock()
	return m.Unlock
}

// caller maps a Slack user to a stint caller. It returns EUNAUTHORIZED,
// with a message for the user, when the Slack user has no email stint can
// read or no identity store user has it.
func (a *App) caller(ctx context.Context, slackUserID string) (*access.Caller, error) {
	email, err := a.ids.email(ctx, slackUserID)
	if err != nil {
		return nil, err
	}
	c, err := a.svc.CallerByEmail(ctx, email)
	if stint.IsCode(err, stint.EUNAUTHORIZED) {
		return nil, stint.Errorf(stint.EUNAUTHORIZED, "your Slack email %s is not a user of AWS IAM Identity Center, so stint cannot tell who you are there; ask a stint admin to add you (or to use the same email in both)", email)
	}
	return c, err
}
