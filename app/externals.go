package app

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/mfa"
	"github.com/stint-dev/stint/provider/broker"
	"github.com/stint-dev/stint/web/portal"
)

// newExternals builds third-party access from the config's externals
// section: the broker (stint's own AWS identity assumes the broker role
// in each resource's account) and the sealer of TOTP secrets, whose key
// is read from the variable the section names. It returns nil when the
// section is absent, and EINVALID when the key is missing or malformed.
func (m *Main) newExternals(ctx context.Context, cfg *config.Config) (*access.Externals, error) {
	xc := cfg.Externals
	if xc == nil {
		return nil, nil
	}
	getenv := m.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	key := strings.TrimSpace(getenv(xc.SecretKeyEnv))
	if key == "" {
		return nil, stint.Errorf(stint.EINVALID, "externals.secret_key_env names %s, which is not set; export the sealing key in it (never in stint.yaml)", xc.SecretKeyEnv)
	}
	sealer, err := mfa.NewSealer(key)
	if err != nil {
		return nil, stint.Errorf(stint.EINVALID, "%s: %s", xc.SecretKeyEnv, stint.ErrorMessage(err))
	}
	ac, err := m.sdkConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	bc := broker.Config{AWS: ac, RoleName: xc.BrokerRole, Region: cfg.AWS.Region,
		Assumer: m.members(cfg, ac)}
	if xc.BrokerExternalIDEnv != "" {
		bc.ExternalID = strings.TrimSpace(getenv(xc.BrokerExternalIDEnv))
	}
	b, err := broker.New(bc)
	if err != nil {
		return nil, err
	}
	m.log().Info("third-party access is on", "broker_role", xc.BrokerRole, "max_session", xc.MaxSession)
	return &access.Externals{
		Broker: b, Sealer: sealer, BaseURL: cfg.Portal.BaseURL,
		MaxSession: time.Duration(xc.MaxSession), InviteTTL: time.Duration(xc.InviteTTL),
		Lock: stint.LockPolicy{MaxFailures: xc.MaxFailures, LockFor: time.Duration(xc.LockFor)},
	}, nil
}

// portalExternals is the portal's side of the externals section.
func portalExternals(cfg *config.Config) *portal.ExternalsConfig {
	if cfg.Externals == nil {
		return nil
	}
	return &portal.ExternalsConfig{SessionMax: time.Duration(cfg.Externals.SessionMax), SessionIdle: time.Duration(cfg.Externals.SessionIdle)}
}
