package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// Defaults of the externals section.
const (
	DefaultBrokerRole         = "StintExternalBroker"
	DefaultBrokerSession      = time.Hour
	DefaultExternalSessionMax = time.Hour
	DefaultExternalIdle       = 15 * time.Minute
)

// ExternalsConfig configures third-party access (docs/external.md):
// external users invited by email, bound to TOTP, requesting through
// flows for their organisation, and the short-lived credentials stint
// issues them through a broker role. It is read at start: restart after
// changing it.
type ExternalsConfig struct {
	// BrokerRole is the IAM role stint assumes, in the account of each
	// resource an external is granted, to issue their credentials with a
	// session policy scoped to that resource. Default:
	// StintExternalBroker.
	BrokerRole string `json:"broker_role,omitempty" yaml:"broker_role"`
	// BrokerExternalIDEnv names the environment variable holding the
	// external ID the broker role's trust policy asks for, if any.
	// Default: "" (none sent).
	BrokerExternalIDEnv string `json:"broker_external_id_env,omitempty" yaml:"broker_external_id_env"`
	// MaxSession bounds each issuance's lifetime, from 15m to 12h; the
	// broker role's MaxSessionDuration must allow it, and AWS caps a
	// session assumed from another role's session (role chaining) at 1h.
	// Default: 1h.
	MaxSession stint.Duration `json:"max_session,omitempty" yaml:"max_session"`
	// InviteTTL is how long an invite link may be opened. Default: 72h.
	InviteTTL stint.Duration `json:"invite_ttl,omitempty" yaml:"invite_ttl"`
	// SessionMax and SessionIdle end an external's portal session this
	// long after sign-in, and unused this long. Defaults: 1h and 15m.
	SessionMax  stint.Duration `json:"session_max,omitempty" yaml:"session_max"`
	SessionIdle stint.Duration `json:"session_idle,omitempty" yaml:"session_idle"`
	// MaxFailures wrong TOTP codes within LockFor lock an external out
	// for LockFor. Defaults: 5 and 15m.
	MaxFailures int            `json:"max_failures,omitempty" yaml:"max_failures"`
	LockFor     stint.Duration `json:"lock_for,omitempty" yaml:"lock_for"`
	// SecretKeyEnv names the environment variable holding the 32-byte key
	// (base64) that seals externals' TOTP secrets in the store. Required:
	// make one with `head -c 32 /dev/urandom | base64`.
	SecretKeyEnv string `json:"secret_key_env" yaml:"secret_key_env"`
}

func (x *ExternalsConfig) setDefaults() {
	if x.BrokerRole == "" {
		x.BrokerRole = DefaultBrokerRole
	}
	if x.MaxSession == 0 {
		x.MaxSession = stint.Duration(DefaultBrokerSession)
	}
	if x.InviteTTL == 0 {
		x.InviteTTL = stint.Duration(stint.DefaultInviteTTL)
	}
	if x.SessionMax == 0 {
		x.SessionMax = stint.Duration(DefaultExternalSessionMax)
	}
	if x.SessionIdle == 0 {
		x.SessionIdle = stint.Duration(min(DefaultExternalIdle, time.Duration(x.SessionMax)))
	}
	if x.MaxFailures == 0 {
		x.MaxFailures = stint.DefaultMaxFailures
	}
	if x.LockFor == 0 {
		x.LockFor = stint.Duration(stint.DefaultLockFor)
	}
}

func (ch *checker) externals() {
	x := ch.c.Externals
	if x == nil {
		return
	}
	if !roleName.MatchString(x.BrokerRole) {
		ch.at("$.externals.broker_role", "externals.broker_role %q is not an IAM role name (letters, digits and +=,.@_-, up to 64)", x.BrokerRole)
	}
	switch {
	case x.SecretKeyEnv == "":
		ch.at("$.externals", "externals.secret_key_env is required: name the environment variable holding the key that seals TOTP secrets (make one with `head -c 32 /dev/urandom | base64`)")
	case !envName.MatchString(x.SecretKeyEnv):
		ch.at("$.externals.secret_key_env", "secret_key_env %q must name an environment variable (letters, digits, _), not hold the key", x.SecretKeyEnv)
	}
	if x.BrokerExternalIDEnv != "" && !envName.MatchString(x.BrokerExternalIDEnv) {
		ch.at("$.externals.broker_external_id_env", "broker_external_id_env %q must name an environment variable (letters, digits, _)", x.BrokerExternalIDEnv)
	}
	if d := time.Duration(x.MaxSession); d < stint.MinCredentialDuration || d > stint.MaxExternalDuration {
		ch.at("$.externals.max_session", "externals.max_session %s must be from 15m (the shortest credentials AWS issues) to 12h", x.MaxSession)
	}
	if d := time.Duration(x.InviteTTL); d < time.Minute || d > stint.MaxExternalExpiry {
		ch.at("$.externals.invite_ttl", "externals.invite_ttl %s must be from 1m to 365d", x.InviteTTL)
	}
	switch {
	case x.SessionMax < 0 || x.SessionIdle < 0:
		ch.at("$.externals", "externals.session_max and session_idle must be positive")
	case time.Duration(x.SessionMax) > 12*time.Hour:
		ch.at("$.externals.session_max", "externals.session_max %s is too long for third parties; at most 12h", x.SessionMax)
	case x.SessionIdle > x.SessionMax:
		ch.at("$.externals.session_idle", "externals.session_idle %s is longer than session_max %s", x.SessionIdle, x.SessionMax)
	}
	if x.MaxFailures < 1 || x.MaxFailures > 20 {
		ch.at("$.externals.max_failures", "externals.max_failures must be from 1 to 20")
	}
	if d := time.Duration(x.LockFor); d < time.Minute || d > 24*time.Hour {
		ch.at("$.externals.lock_for", "externals.lock_for %s must be from 1m to 24h", x.LockFor)
	}
}

// externalFlow checks a flow for externals where each rule's field is, so
// that `stint config validate` points at it; sponsors of any flow, too.
func (ch *checker) externalFlow(f *stint.Flow, fp, label string) {
	ch.refs(label, fp+".sponsors", f.Sponsors)
	if !f.ForExternals() {
		if len(f.Sponsors) > 0 {
			ch.at(fp+".sponsors", "%s: sponsors are for flows for externals (requesters: [external:ORG])", label)
		}
		return
	}
	if ch.c.Externals == nil {
		ch.at(fp+".requesters", "%s: flows for externals need the externals section (broker role, sealing key); see docs/external.md", label)
	}
	for j, r := range f.Requesters {
		if !strings.HasPrefix(r, "external:") {
			ch.at(fmt.Sprintf("%s.requesters[%d]", fp, j), "%s: requesters mixes %q with external: references; a flow is either for externals or for internal users", label, r)
		}
	}
	switch d := time.Duration(f.MaxDuration); {
	case d > stint.MaxExternalDuration:
		ch.at(fp+".max_duration", "%s: max_duration %s is too long for externals; at most 12h", label, f.MaxDuration)
	case d > 0 && d < stint.MinCredentialDuration:
		ch.at(fp+".max_duration", "%s: max_duration %s is shorter than 15m, the shortest credentials AWS issues", label, f.MaxDuration)
	}
	if f.DefaultDuration != 0 && time.Duration(f.DefaultDuration) < stint.MinCredentialDuration {
		ch.at(fp+".default_duration", "%s: default_duration %s is shorter than 15m, the shortest credentials AWS issues", label, f.DefaultDuration)
	}
	if f.AutoApprove {
		ch.at(fp+".auto_approve", "%s: requests of externals are always approved by a person (their sponsor by default); drop auto_approve", label)
	}
	if len(f.AutoApproveWhen) > 0 {
		ch.at(fp+".auto_approve_when", "%s: requests of externals are always approved by a person; drop auto_approve_when", label)
	}
	if f.BreakGlass != nil {
		ch.at(fp+".break_glass", "%s: externals have no break-glass access; drop break_glass", label)
	}
	if len(f.Exclude) > 0 {
		ch.at(fp+".exclude", "%s: exclude does not apply to externals; disable one with `stint external disable EMAIL`", label)
	}
	for i := range f.Resources {
		r := &f.Resources[i]
		if err := stint.CheckExternalResource(r); err != nil {
			ch.at(ch.selectorPath(fmt.Sprintf("%s.resources[%d]", fp, i), r), "%s: resources[%d]: %s", label, i, stint.ErrorMessage(err))
		}
	}
	for i, b := range f.Bundles {
		for j := range b.Resources {
			r := &b.Resources[j]
			rp := ch.selectorPath(fmt.Sprintf("%s.bundles[%d].resources[%d]", fp, i, j), r)
			if err := stint.CheckExternalResource(r); err != nil {
				ch.at(rp, "%s: bundles[%d].resources[%d]: %s", label, i, j, stint.ErrorMessage(err))
			} else if !f.CoversSelector(r.Selector()) {
				ch.at(rp, "%s: bundle %q reaches beyond the flow's resources (%s); a bundle may only hold resources the flow lists", label, b.Name, r.Selector())
			}
		}
	}
}

// selectorPath is the YAML path of a resource entry's selector.
func (ch *checker) selectorPath(rp string, r *stint.FlowResource) string {
	if sel := r.Selector(); sel != nil {
		return rp + "." + yamlKey(sel.Type)
	}
	if r.IdentityCenter != nil {
		return rp + ".identity_center"
	}
	return rp
}
