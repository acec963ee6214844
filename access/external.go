package access

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/mfa"
)

// Externals configures third-party access in the service. A Service
// without it refuses every external operation with EUNAVAILABLE.
type Externals struct {
	// Broker issues the credentials. Required.
	Broker stint.CredentialBroker
	// Sealer seals TOTP secrets at rest. Required.
	Sealer *mfa.Sealer
	// BaseURL is the portal's URL; invite links are
	// BaseURL/external/invite?token=TOKEN.
	BaseURL string
	// MaxSession bounds each issuance. Default: 1h.
	MaxSession time.Duration
	// InviteTTL is how long an invite link may be opened. Default: 72h.
	InviteTTL time.Duration
	// Lock is the TOTP lock-out. Default: 5 failures within 15m lock
	// for 15m.
	Lock stint.LockPolicy
	// AttemptsPerMinute bounds TOTP attempts per external (and per email
	// signing in) in this process. Default: 10.
	AttemptsPerMinute int
	// TokenTTL is how long an external's CLI token lasts, at most until
	// their identity ends. Default: 30 days.
	TokenTTL time.Duration
	// Issuer names stint in authenticator apps. Default: "stint".
	Issuer string

	limiter     mfa.Limiter
	limiterOnce sync.Once
}

// Defaults of Externals fields.
const (
	DefaultMaxSession        = time.Hour
	DefaultAttemptsPerMinute = 10
	DefaultTokenTTL          = 30 * 24 * time.Hour
)

func (s *Service) externals() (*Externals, error) {
	x := s.Externals
	if x == nil || x.Broker == nil || x.Sealer == nil {
		return nil, stint.Errorf(stint.EUNAVAILABLE, "third-party access is not configured on this server (the externals section of stint.yaml)")
	}
	return x, nil
}

func (x *Externals) allow(key string) bool {
	x.limiterOnce.Do(func() { x.limiter.PerMinute = cmp.Or(x.AttemptsPerMinute, DefaultAttemptsPerMinute) })
	return x.limiter.Allow(key, time.Now())
}

// InviteInput is an invitation of a third party.
type InviteInput struct {
	Email   string        `json:"email"`
	Org     string        `json:"org"`
	Sponsor string        `json:"sponsor,omitempty"` // "" means the caller
	Expires time.Duration `json:"-"`                 // 0 means 30 days
}

// InviteResult is a new invite. URL (and Token) are shown once: only the
// token's hash is kept.
type InviteResult struct {
	External *stint.External `json:"external"`
	URL      string          `json:"url"`
	Token    string          `json:"token"`
}

// mayInvite reports whether the caller may invite and sponsor externals
// of the organisation: admins, and the sponsors of a flow for it.
func (s *Service) mayInvite(c *Caller, org string) bool {
	if c.External != nil {
		return false
	}
	if c.Admin {
		return true
	}
	for _, f := range s.flows() {
		if f.ForOrg(org) && f.IsSponsor(c.User) {
			return true
		}
	}
	return false
}

// sponsorsAny reports whether u sponsors externals of some flow.
func (s *Service) sponsorsAny(u *stint.User) bool {
	return slices.ContainsFunc(s.flows(), func(f stint.Flow) bool { return f.ForExternals() && f.IsSponsor(u) })
}

// Invite invites a third party by email: a new external user of the
// organisation, sponsored by an internal user, with a single-use invite
// link (only its hash is stored) that expires after the invite TTL.
// Inviting an external again (who never enrolled, was disabled or has
// expired) starts afresh. Admins may name any identity store user as
// sponsor; a flow's sponsors invite for that flow's organisations and
// sponsor themselves. It returns EFORBIDDEN for anyone else, EINVALID
// for an organisation no flow is for or an email of the identity store,
// and ECONFLICT for an active external.
func (s *Service) Invite(ctx context.Context, c *Caller, in InviteInput) (*InviteResult, error) {
	cfg, err := s.externals()
	if err != nil {
		return nil, err
	}
	in.Email, in.Org, in.Sponsor = strings.TrimSpace(in.Email), strings.TrimSpace(in.Org), strings.TrimSpace(in.Sponsor)
	if !s.mayInvite(c, in.Org) {
		return nil, stint.Errorf(stint.EFORBIDDEN, "only admins and the sponsors of a flow for %s's externals may invite them", in.Org)
	}
	if !slices.ContainsFunc(s.flows(), func(f stint.Flow) bool { return f.ForOrg(in.Org) }) {
		return nil, stint.Errorf(stint.EINVALID, "no flow is for externals of %q; add one with requesters: [external:%s] first", in.Org, in.Org)
	}
	if in.Sponsor == "" {
		in.Sponsor = c.User.Email
	}
	if !c.Admin && !strings.EqualFold(in.Sponsor, c.User.Email) {
		return nil, stint.Errorf(stint.EFORBIDDEN, "a flow's sponsor invites as the sponsor; only admins name someone else (--sponsor)")
	}
	dir, err := s.Directory(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := dir.UserByEmail(in.Sponsor); err != nil {
		return nil, stint.Errorf(stint.EINVALID, "sponsor %s is not a user of the identity store; the sponsor must be an internal user", in.Sponsor)
	}
	if _, err := dir.UserByEmail(in.Email); err == nil {
		return nil, stint.Errorf(stint.EINVALID, "%s is a user of the identity store; internal people request access as themselves, not as externals", in.Email)
	}
	token, hash := newInviteToken()
	now := s.now()
	inv := stint.Invite{Email: in.Email, Org: in.Org, Sponsor: in.Sponsor, InvitedBy: c.User.Email, Expires: in.Expires,
		InviteTTL: cmp.Or(cfg.InviteTTL, stint.DefaultInviteTTL)}
	var x *stint.External
	err = s.Store.Tx(ctx, func(tx stint.Tx) error {
		old, err := tx.ExternalGetByEmail(ctx, in.Email)
		switch {
		case stint.IsCode(err, stint.ENOTFOUND):
			if x, err = stint.NewExternal(inv, s.newID(), hash, now); err != nil {
				return err
			}
			err = tx.ExternalCreate(ctx, x)
		case err != nil:
			return err
		case !c.Admin && !strings.EqualFold(old.Sponsor, c.User.Email):
			return stint.Errorf(stint.EFORBIDDEN, "%s is sponsored by %s; only they or an admin may invite them again", old.Email, old.Sponsor)
		default:
			if x, err = stint.Reinvite(old, inv, hash, now); err != nil {
				return err
			}
			err = tx.ExternalUpdate(ctx, x)
		}
		if err != nil {
			return err
		}
		return s.append(ctx, tx, s.event(c.User.Email, stint.EventExternalInvited, x.ID, map[string]any{
			"email": x.Email, "org": x.Org, "sponsor": x.Sponsor, "expires_at": x.ExpiresAt, "invite_expires_at": x.InviteExpiresAt}))
	})
	if err != nil {
		return nil, err
	}
	return &InviteResult{External: x, Token: token, URL: strings.TrimRight(cfg.BaseURL, "/") + "/external/invite?token=" + token}, nil
}

// newInviteToken returns a fresh invite token and its hash.
func newInviteToken() (token, hash string) {
	token, _ = stint.NewTokenSecret()
	token = "stinv_" + strings.TrimPrefix(token, stint.TokenPrefix)
	return token, stint.HashToken(token)
}

// ExternalsInput filters Externals.
type ExternalsInput struct {
	Org string
}

// ExternalUsers lists external users: all of them for admins, those they
// sponsor for a flow's sponsors (EFORBIDDEN for anyone else).
func (s *Service) ExternalUsers(ctx context.Context, c *Caller, in ExternalsInput) ([]*stint.External, error) {
	if c.External != nil || (!c.Admin && !s.sponsorsAny(c.User)) {
		return nil, stint.Errorf(stint.EFORBIDDEN, "only admins and sponsors list external users")
	}
	p := &stint.ExternalListParams{Org: in.Org}
	if !c.Admin {
		p.Sponsor = c.User.Email
	}
	return s.Store.ExternalList(ctx, p)
}

// DisableExternal disables an external user at once: no sign-in, token,
// request or credentials any more; their live grants are revoked and
// their pending requests cancelled in the same transaction. Admins and
// the external's sponsor may. It returns ENOTFOUND for an unknown email
// (or one the caller does not sponsor) and ECONFLICT when disabled
// already.
func (s *Service) DisableExternal(ctx context.Context, c *Caller, email string) (*stint.External, error) {
	if c.External != nil {
		return nil, stint.Errorf(stint.EFORBIDDEN, "external users cannot manage external users")
	}
	var next *stint.External
	var plans []*revokePlan
	err := s.Store.Tx(ctx, func(tx stint.Tx) error {
		plans = nil
		x, err := tx.ExternalGetByEmail(ctx, email)
		if err == nil && !c.Admin && !strings.EqualFold(x.Sponsor, c.User.Email) {
			err = stint.Errorf(stint.ENOTFOUND, "no external user %s that you sponsor", email)
		}
		if err != nil {
			return err
		}
		now := s.now()
		if next, err = stint.DisableExternal(x, c.User.Email, now); err != nil {
			return err
		}
		if err := tx.ExternalUpdate(ctx, next); err != nil {
			return err
		}
		grants, err := tx.GrantList(ctx, &stint.GrantListParams{UserID: x.ID, Limit: 10000,
			States: []stint.GrantState{stint.GrantReady, stint.GrantScheduled, stint.GrantActivating, stint.GrantActive, stint.GrantFailed}})
		if err != nil {
			return err
		}
		var revoked, cancelled []string
		for _, g := range grants {
			ng, err := stint.RevokeGrant(g, c.User.Email, now)
			if err != nil {
				continue
			}
			plan, err := s.beginEnd(ctx, tx, ng, c.User.Email, now)
			if err != nil {
				return err
			}
			plans, revoked = append(plans, plan), append(revoked, g.ID)
		}
		pending, err := tx.RequestList(ctx, &stint.RequestListParams{RequesterID: x.ID, States: []stint.RequestState{stint.RequestPending}, Limit: 1000})
		if err != nil {
			return err
		}
		for _, r := range pending {
			nr, err := stint.CancelRequest(r, x.User(), now)
			if err != nil {
				continue
			}
			if err := tx.RequestUpdate(ctx, nr); err != nil {
				return err
			}
			if err := s.append(ctx, tx, s.event(c.User.Email, stint.EventRequestCancelled, r.ID, map[string]any{"reason": "external user disabled"})); err != nil {
				return err
			}
			cancelled = append(cancelled, r.ID)
		}
		return s.append(ctx, tx, s.event(c.User.Email, stint.EventExternalDisabled, x.ID, map[string]any{
			"email": x.Email, "org": x.Org, "grants_revoked": revoked, "requests_cancelled": cancelled}))
	})
	if err != nil {
		return nil, err
	}
	for _, p := range plans {
		s.startRevoke(p)
	}
	s.kick()
	return next, nil
}

// ExternalCaller returns the caller of an external user's session or
// token. It returns EUNAUTHORIZED when the external is unknown, disabled,
// expired or not enrolled.
func (s *Service) ExternalCaller(ctx context.Context, id string) (*Caller, error) {
	if _, err := s.externals(); err != nil {
		return nil, err
	}
	x, err := s.Store.ExternalGet(ctx, id)
	if stint.IsCode(err, stint.ENOTFOUND) {
		return nil, stint.Errorf(stint.EUNAUTHORIZED, "unknown external user")
	}
	if err != nil {
		return nil, err
	}
	if err := x.Usable(s.now()); err != nil {
		return nil, err
	}
	return &Caller{User: x.User(), External: x}, nil
}

// InvitePreview returns the external an invite token names, without
// using it (the page a link opens shows who invites them before they
// start). It returns EFORBIDDEN for an unknown, used or expired link.
func (s *Service) InvitePreview(ctx context.Context, token string) (*stint.External, error) {
	if _, err := s.externals(); err != nil {
		return nil, err
	}
	x, err := s.Store.ExternalGetByInvite(ctx, stint.HashToken(token))
	if stint.IsCode(err, stint.ENOTFOUND) {
		return nil, stint.Errorf(stint.EFORBIDDEN, "this invite link is not valid; ask your sponsor for a new one")
	}
	if err != nil {
		return nil, err
	}
	if _, err := stint.OpenInvite(x, s.now()); err != nil {
		return nil, err
	}
	return x, nil
}

// OpenInvite uses an invite link: once, before it expires. The external
// then enrols an authenticator (EnrolmentKey, CompleteEnrolment) before
// anything else. Every refusal is an audit event; it returns EFORBIDDEN
// for an unknown, used or expired link.
func (s *Service) OpenInvite(ctx context.Context, token, remote string) (*stint.External, error) {
	if _, err := s.externals(); err != nil {
		return nil, err
	}
	var next *stint.External
	var refused error
	err := s.Store.Tx(ctx, func(tx stint.Tx) error {
		x, err := tx.ExternalGetByInvite(ctx, stint.HashToken(token))
		if stint.IsCode(err, stint.ENOTFOUND) {
			refused = stint.Errorf(stint.EFORBIDDEN, "this invite link is not valid; ask your sponsor for a new one")
			return s.append(ctx, tx, s.event("anonymous", stint.EventExternalInviteRefused, "invite", map[string]any{"reason": "unknown link", "remote": remote}))
		}
		if err != nil {
			return err
		}
		if next, refused = stint.OpenInvite(x, s.now()); refused != nil {
			return s.append(ctx, tx, s.event(x.Email, stint.EventExternalInviteRefused, x.ID, map[string]any{"reason": stint.ErrorMessage(refused), "remote": remote}))
		}
		if err := tx.ExternalUpdate(ctx, next); err != nil {
			return err
		}
		return s.append(ctx, tx, s.event(x.Email, stint.EventExternalInviteOpened, x.ID, map[string]any{"remote": remote}))
	})
	if err != nil {
		return nil, err
	}
	return next, refused
}

// EnrolmentKey is what an enrolling external loads into an authenticator.
type EnrolmentKey struct {
	Secret string // base32
	URL    string // otpauth://
}

// EnrolmentKey returns the TOTP secret an enrolling external is to load:
// made (and sealed in the store) on first use, the same one after. It
// returns ECONFLICT when the external is not enrolling.
func (s *Service) EnrolmentKey(ctx context.Context, id string) (*EnrolmentKey, error) {
	cfg, err := s.externals()
	if err != nil {
		return nil, err
	}
	x, err := s.Store.ExternalGet(ctx, id)
	if err != nil {
		return nil, err
	}
	if !x.Enrolling() || x.Expired(s.now()) {
		return nil, stint.Errorf(stint.ECONFLICT, "%s has no authenticator enrolment in progress; open your invite link again", x.Email)
	}
	issuer := cmp.Or(cfg.Issuer, "stint")
	if x.TOTPSecret != "" {
		secret, err := cfg.Sealer.Open(x.TOTPSecret, x.ID)
		if err != nil {
			return nil, err
		}
		k, err := mfa.KeyOf(issuer, x.Email, secret)
		if err != nil {
			return nil, err
		}
		return &EnrolmentKey{Secret: k.Secret, URL: k.URL}, nil
	}
	k, err := mfa.NewKey(issuer, x.Email)
	if err != nil {
		return nil, err
	}
	next, err := stint.SetPendingSecret(x, cfg.Sealer.Seal(k.Secret, x.ID), s.now())
	if err != nil {
		return nil, err
	}
	if err := s.Store.Tx(ctx, func(tx stint.Tx) error { return tx.ExternalUpdate(ctx, next) }); err != nil {
		if stint.IsCode(err, stint.ECONFLICT) { // made meanwhile (a second tab): show that one
			return s.EnrolmentKey(ctx, id)
		}
		return nil, err
	}
	return &EnrolmentKey{Secret: k.Secret, URL: k.URL}, nil
}

// CompleteEnrolment verifies a code of the pending secret and makes the
// external active, with fresh recovery codes: returned once, stored as
// hashes. Wrong codes count towards the lock-out like any other.
func (s *Service) CompleteEnrolment(ctx context.Context, id, code, remote string) (*stint.External, []string, error) {
	if _, err := s.externals(); err != nil {
		return nil, nil, err
	}
	x, err := s.Store.ExternalGet(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !x.Enrolling() || x.TOTPSecret == "" || x.Expired(s.now()) {
		return nil, nil, stint.Errorf(stint.ECONFLICT, "%s has no authenticator enrolment in progress; open your invite link again", x.Email)
	}
	x, err = s.verifyCode(ctx, x, code, "enrol", remote)
	if err != nil {
		return nil, nil, err
	}
	codes := mfa.NewRecoveryCodes(stint.RecoveryCodes)
	hashes := make([]string, len(codes))
	for i, c := range codes {
		hashes[i] = stint.HashRecoveryCode(c)
	}
	var next *stint.External
	err = s.Store.Tx(ctx, func(tx stint.Tx) error {
		if next, err = stint.CompleteEnrolment(x, x.TOTPStep, hashes, s.now()); err != nil {
			return err
		}
		if err := tx.ExternalUpdate(ctx, next); err != nil {
			return err
		}
		return s.append(ctx, tx, s.event(x.Email, stint.EventExternalEnrolled, x.ID, map[string]any{
			"recovery_codes": len(codes), "remote": remote}))
	})
	if err != nil {
		return nil, nil, err
	}
	return next, codes, nil
}

// ExternalSignIn checks an external's email and a fresh TOTP code (for
// the portal): rate limited per email, refused while locked, each code
// once; every failure is an audit event. A wrong email answers like a
// wrong code, so the answer tells nobody who is an external.
func (s *Service) ExternalSignIn(ctx context.Context, email, code, remote string) (*Caller, error) {
	cfg, err := s.externals()
	if err != nil {
		return nil, err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if !cfg.allow("email:" + email) {
		return nil, stint.Errorf(stint.EFORBIDDEN, "too many attempts; wait a minute before trying again")
	}
	wrong := stint.Errorf(stint.EUNAUTHORIZED, "that email and code do not match; check the authenticator's clock and try again")
	x, err := s.Store.ExternalGetByEmail(ctx, email)
	if stint.IsCode(err, stint.ENOTFOUND) || (err == nil && x.Usable(s.now()) != nil) {
		reason := "unknown email"
		if err == nil {
			reason = stint.ErrorMessage(x.Usable(s.now()))
		}
		if rerr := s.Store.Tx(ctx, func(tx stint.Tx) error {
			return s.append(ctx, tx, s.event(email, stint.EventExternalTOTPFailed, email, map[string]any{"purpose": "sign-in", "reason": reason, "remote": remote}))
		}); rerr != nil {
			return nil, rerr
		}
		return nil, wrong
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.verifyCode(ctx, x, code, "sign-in", remote); err != nil {
		if stint.IsCode(err, stint.EUNAUTHORIZED) {
			return nil, stint.Errorf(stint.EUNAUTHORIZED, "%s", stint.ErrorMessage(err))
		}
		return nil, err
	}
	return s.ExternalCaller(ctx, x.ID)
}

// ExternalRecover spends one of an external's recovery codes: their
// authenticator is forgotten and they must enrol a new one (the returned
// external is enrolling). Wrong codes count towards the lock-out.
func (s *Service) ExternalRecover(ctx context.Context, email, code, remote string) (*stint.External, error) {
	cfg, err := s.externals()
	if err != nil {
		return nil, err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if !cfg.allow("email:" + email) {
		return nil, stint.Errorf(stint.EFORBIDDEN, "too many attempts; wait a minute before trying again")
	}
	wrong := stint.Errorf(stint.EUNAUTHORIZED, "that email and recovery code do not match")
	var next *stint.External
	var failed error
	err = s.Store.Tx(ctx, func(tx stint.Tx) error {
		now := s.now()
		x, err := tx.ExternalGetByEmail(ctx, email)
		if stint.IsCode(err, stint.ENOTFOUND) {
			failed = wrong
			return s.append(ctx, tx, s.event(email, stint.EventExternalTOTPFailed, email, map[string]any{"purpose": "recovery", "reason": "unknown email", "remote": remote}))
		}
		if err != nil {
			return err
		}
		if until := x.Locked(now); until != nil {
			failed = stint.Errorf(stint.EFORBIDDEN, "too many wrong codes: locked until %s UTC", until.UTC().Format("15:04:05"))
			return s.append(ctx, tx, s.event(x.Email, stint.EventExternalTOTPFailed, x.ID, map[string]any{"purpose": "recovery", "reason": stint.TOTPLocked, "remote": remote}))
		}
		if err := x.Usable(now); err != nil {
			failed = wrong
			return s.append(ctx, tx, s.event(x.Email, stint.EventExternalTOTPFailed, x.ID, map[string]any{"purpose": "recovery", "reason": stint.ErrorMessage(err), "remote": remote}))
		}
		next, err = stint.UseRecoveryCode(x, stint.HashRecoveryCode(code), now)
		if err != nil {
			// A wrong recovery code counts like a wrong TOTP code.
			counted, outcome, ferr := stint.TOTPAttempt(x, -1, now, cfg.Lock)
			failed = wrong
			if outcome == stint.TOTPLocked {
				failed = ferr
			}
			return s.recordTOTPFailure(ctx, tx, x, counted, outcome, "recovery", remote)
		}
		if err := tx.ExternalUpdate(ctx, next); err != nil {
			return err
		}
		return s.append(ctx, tx, s.event(x.Email, stint.EventExternalRecoveryUsed, x.ID, map[string]any{
			"recovery_codes_left": next.RecoveryLeft(), "remote": remote, "note": "authenticator reset; a new one must be enrolled"}))
	})
	if err != nil {
		return nil, err
	}
	return next, failed
}

// verifyCode checks a TOTP code of the external (of their enrolled or
// pending secret): rate limited per external, refused while locked, and
// each time step once. The outcome is stored in its own transaction, so
// that a failure is recorded and counted even though the action fails.
// It returns the external with the step used.
func (s *Service) verifyCode(ctx context.Context, x *stint.External, code, purpose, remote string) (*stint.External, error) {
	cfg, err := s.externals()
	if err != nil {
		return nil, err
	}
	if !cfg.allow("ext:" + x.ID) {
		return nil, stint.Errorf(stint.EFORBIDDEN, "too many attempts; wait a minute before trying again")
	}
	secret, err := cfg.Sealer.Open(x.TOTPSecret, x.ID)
	if err != nil {
		return nil, err
	}
	for range 3 {
		now := s.now()
		next, outcome, verr := stint.TOTPAttempt(x, mfa.Match(secret, code, now), now, cfg.Lock)
		err := s.Store.Tx(ctx, func(tx stint.Tx) error {
			if verr == nil {
				return tx.ExternalUpdate(ctx, next)
			}
			return s.recordTOTPFailure(ctx, tx, x, next, outcome, purpose, remote)
		})
		if stint.IsCode(err, stint.ECONFLICT) { // another attempt at once: judge against it
			if x, err = s.Store.ExternalGet(ctx, x.ID); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		return next, verr
	}
	return nil, stint.Errorf(stint.ECONFLICT, "the code could not be checked (concurrent attempts); try again")
}

// recordTOTPFailure stores a failed attempt's state and its events: the
// failure, and the lock-out when this attempt locked.
func (s *Service) recordTOTPFailure(ctx context.Context, tx stint.Tx, before, after *stint.External, outcome, purpose, remote string) error {
	if err := tx.ExternalUpdate(ctx, after); err != nil {
		return err
	}
	now := s.now()
	if err := s.append(ctx, tx, s.event(before.Email, stint.EventExternalTOTPFailed, before.ID, map[string]any{
		"purpose": purpose, "reason": outcome, "failures": after.Failures, "remote": remote})); err != nil {
		return err
	}
	if before.Locked(now) == nil && after.Locked(now) != nil {
		s.log().Warn("external user locked out after repeated wrong codes", "external", before.ID, "until", after.LockedUntil)
		return s.append(ctx, tx, s.event(before.Email, stint.EventExternalLockedOut, before.ID, map[string]any{
			"until": after.LockedUntil, "remote": remote}))
	}
	return nil
}

// CredentialsInput asks for credentials of one of the caller's grants: by
// grant ID, or by resource ID (the active grant of that resource), with a
// fresh TOTP code.
type CredentialsInput struct {
	GrantID  string `json:"grant_id,omitempty"`
	Resource string `json:"resource,omitempty"`
	Code     string `json:"code"`
	// Channel says where they are delivered ("portal", "cli"), for the
	// audit event.
	Channel string `json:"-"`
	Remote  string `json:"-"`
}

// IssueCredentials issues an external user short-lived AWS credentials
// for one of their active grants, after a fresh TOTP code (even within a
// signed-in portal session): the broker role of the resource's account
// with a session policy for that resource only, lasting until the grant
// ends (at most the broker's MaxSession, never past the identity's end),
// and nothing in a grant's last 15 minutes (see stint.CredentialDuration).
// Every issuance and refusal is an audit event; secrets are not in them.
// It returns EFORBIDDEN for internal users, ENOTFOUND for a grant or
// resource that is not the caller's, ECONFLICT for a grant that is not
// active, and the errors of the code check.
func (s *Service) IssueCredentials(ctx context.Context, c *Caller, in CredentialsInput) (*stint.Credentials, error) {
	cfg, err := s.externals()
	if err != nil {
		return nil, err
	}
	if c.External == nil {
		return nil, stint.Errorf(stint.EFORBIDDEN, "stint issues credentials to external users; internal users sign in through the AWS access portal")
	}
	x := c.External
	g, err := s.credentialGrant(ctx, c, in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	d, err := stint.CredentialDuration(g, now, cmp.Or(cfg.MaxSession, DefaultMaxSession))
	if err == nil && x.ExpiresAt.Before(now.Add(d)) {
		if d = x.ExpiresAt.Sub(now).Truncate(time.Second); d < stint.MinCredentialDuration {
			err = stint.Errorf(stint.EFORBIDDEN, "your external account ends at %s, too soon for credentials (at least %s); ask your sponsor",
				x.ExpiresAt.UTC().Format(time.RFC3339), stint.FormatDuration(stint.MinCredentialDuration))
		}
	}
	if err != nil {
		s.credentialsRefused(ctx, c, g.ID, g.ResourceID, in, err)
		return nil, err
	}
	if _, err := s.verifyCode(ctx, x, in.Code, "credentials", in.Remote); err != nil {
		return nil, err
	}
	creds, err := cfg.Broker.Issue(ctx, g, x.Email, d)
	if err != nil {
		s.credentialsRefused(ctx, c, g.ID, g.ResourceID, in, err)
		return nil, err
	}
	sum := sha256.Sum256([]byte(creds.SessionToken))
	var ended bool
	err = s.Store.Tx(ctx, func(tx stint.Tx) error {
		// The grant may have ended while STS answered: the credentials
		// are then not handed out, and cut off like the others.
		cur, err := tx.GrantGet(ctx, g.ID)
		if err != nil {
			return err
		}
		if ended = cur.State != stint.GrantActive; ended {
			if err := tx.Enqueue(ctx, stint.Job{Args: stint.ExternalCutoffArgs{GrantID: g.ID, Before: s.now(), Until: creds.Expiration}}); err != nil {
				return err
			}
		}
		return s.append(ctx, tx, s.event(x.Email, stint.EventCredentialsIssued, g.ID, map[string]any{
			"withheld": ended,
			"resource": g.ResourceID, "access_key_id": creds.AccessKeyID, "role_arn": creds.RoleARN, "expiration": creds.Expiration,
			"duration": stint.FormatDuration(d), "channel": in.Channel, "remote": in.Remote, "org": x.Org,
			// A digest of the session token lets CloudTrail evidence be matched without keeping the token.
			"session_token_sha256": hex.EncodeToString(sum[:8])}))
	})
	if err != nil {
		return nil, err
	}
	if ended {
		err := stint.Errorf(stint.ECONFLICT, "grant %s ended while its credentials were being issued; none are given", g.ID)
		s.credentialsRefused(ctx, c, g.ID, g.ResourceID, in, err)
		return nil, err
	}
	s.log().Info("credentials issued to an external user", "external", x.ID, "grant", g.ID, "credentials", creds)
	return creds, nil
}

// credentialGrant finds the caller's grant for an issuance. Asking for
// someone else's grant, or a resource the caller holds no grant of, is
// refused as not found and recorded.
func (s *Service) credentialGrant(ctx context.Context, c *Caller, in CredentialsInput) (*stint.Grant, error) {
	in.GrantID, in.Resource = strings.TrimSpace(in.GrantID), strings.TrimSpace(in.Resource)
	switch {
	case in.GrantID != "":
		g, err := s.Store.GrantGet(ctx, in.GrantID)
		if err == nil && g.UserID == c.User.ID {
			return g, nil
		}
		if err != nil && !stint.IsCode(err, stint.ENOTFOUND) {
			return nil, err
		}
		nf := stint.Errorf(stint.ENOTFOUND, "grant %q not found", in.GrantID)
		s.credentialsRefused(ctx, c, in.GrantID, "", in, nf)
		return nil, nf
	case in.Resource == "":
		return nil, stint.Errorf(stint.EINVALID, "name the grant or the resource, e.g. --resource aws-s3:111111111111/bucket:read")
	}
	list, err := s.Store.GrantList(ctx, &stint.GrantListParams{UserID: c.User.ID, Limit: 1000})
	if err != nil {
		return nil, err
	}
	var ended *stint.Grant
	for _, g := range list {
		if !resourceMatches(g, in.Resource) {
			continue
		}
		if g.State == stint.GrantActive {
			return g, nil
		}
		if ended == nil {
			ended = g // newest first: the latest grant of the resource
		}
	}
	if ended != nil {
		return ended, nil // CredentialDuration says why it issues nothing
	}
	nf := stint.Errorf(stint.ENOTFOUND, "you hold no grant of %s; `stint grants` lists yours", in.Resource)
	s.credentialsRefused(ctx, c, "", in.Resource, in, nf)
	return nil, nf
}

// resourceMatches reports whether id names the grant's resource, by
// account ID or account name.
func resourceMatches(g *stint.Grant, id string) bool {
	if strings.EqualFold(g.ResourceID, id) {
		return true
	}
	ref, err := stint.ParseResourceID(id)
	if err != nil || !strings.EqualFold(ref.AccountID, g.AccountName) {
		return false
	}
	ref.AccountID = g.AccountID
	return strings.EqualFold(ref.FormatID(), g.ResourceID)
}

func (s *Service) credentialsRefused(ctx context.Context, c *Caller, grantID, resource string, in CredentialsInput, cause error) {
	subject := cmp.Or(grantID, resource, c.User.ID)
	err := s.Store.Tx(ctx, func(tx stint.Tx) error {
		return s.append(ctx, tx, s.event(c.User.Email, stint.EventCredentialsDenied, subject, map[string]any{
			"grant_id": grantID, "resource": resource, "reason": stint.ErrorMessage(cause), "channel": in.Channel, "remote": in.Remote}))
	})
	if err != nil {
		s.log().Warn("could not record a refused issuance", "err", err)
	}
}

// CreateExternalToken gives an external user a personal API token for
// the CLI, after a fresh TOTP code. It lasts TokenTTL, at most until the
// identity ends, and only authenticates: every issuance of credentials
// through it still needs a fresh code. Shown once; only its hash is kept.
func (s *Service) CreateExternalToken(ctx context.Context, c *Caller, code, name, remote string) (string, *stint.Token, error) {
	cfg, err := s.externals()
	if err != nil {
		return "", nil, err
	}
	if c.External == nil {
		return "", nil, stint.Errorf(stint.EFORBIDDEN, "internal users get tokens from an admin (`stint token create`)")
	}
	x := c.External
	if _, err := s.verifyCode(ctx, x, code, "token", remote); err != nil {
		return "", nil, err
	}
	now := s.now()
	exp := now.Add(cmp.Or(cfg.TokenTTL, DefaultTokenTTL))
	if x.ExpiresAt.Before(exp) {
		exp = x.ExpiresAt
	}
	secret, hash := stint.NewTokenSecret()
	t := &stint.Token{ID: s.newID(), Hash: hash, UserEmail: x.ID, Name: cmp.Or(strings.TrimSpace(name), "cli"), CreatedAt: now, ExpiresAt: &exp}
	err = s.Store.Tx(ctx, func(tx stint.Tx) error {
		if err := tx.TokenCreate(ctx, t); err != nil {
			return err
		}
		return s.append(ctx, tx, s.event(x.Email, stint.EventTokenCreated, t.ID, map[string]any{
			"user": x.Email, "external": x.ID, "name": t.Name, "expires_at": exp, "remote": remote}))
	})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// refuseExternal records that an external asked for something outside
// their reach, and returns err (or a generic refusal) for them.
func (s *Service) refuseExternal(ctx context.Context, c *Caller, what, subject string, err error) error {
	if c == nil || c.External == nil {
		return err
	}
	if rerr := s.Store.Tx(ctx, func(tx stint.Tx) error {
		return s.append(ctx, tx, s.event(c.User.Email, stint.EventExternalRefused, cmp.Or(subject, c.User.ID), map[string]any{
			"action": what, "reason": stint.ErrorMessage(err)}))
	}); rerr != nil {
		s.log().Warn("could not record a refusal", "err", rerr)
	}
	return err
}

// RefuseExternal records that an external asked for something outside
// their reach (an internal API route, a portal page) and returns the
// EFORBIDDEN error to answer with.
func (s *Service) RefuseExternal(ctx context.Context, c *Caller, what string) error {
	return s.refuseExternal(ctx, c, what, "", stint.Errorf(stint.EFORBIDDEN, "external users may not %s", what))
}

// forExternal removes from a request what an external must not see of
// the organisation: approvers other than their sponsor, reviewers' IDs
// and emails (but their sponsor's).
func forExternal(c *Caller, r *stint.Request) *stint.Request {
	if c == nil || c.External == nil || r == nil {
		return r
	}
	sponsor := c.External.Sponsor
	hide := func(email string) string {
		if strings.EqualFold(email, sponsor) {
			return email
		}
		return "an approver"
	}
	out := *r
	out.Steps = make([]stint.RequestStep, len(r.Steps))
	for i, st := range r.Steps {
		st.Approvers = slices.Clone(st.Approvers)
		for j, a := range st.Approvers {
			if !strings.EqualFold(a, "user:"+sponsor) {
				st.Approvers[j] = "(internal approvers)"
			}
		}
		st.Approvers = slices.Compact(st.Approvers)
		st.Approvals = slices.Clone(st.Approvals)
		for j, a := range st.Approvals {
			st.Approvals[j] = hide(a)
		}
		out.Steps[i] = st
	}
	out.Reviews = make([]stint.Review, len(r.Reviews))
	for i, rv := range r.Reviews {
		rv.ReviewerID, rv.ReviewerEmail = "", hide(rv.ReviewerEmail)
		out.Reviews[i] = rv
	}
	return &out
}

// forExternalGrant hides who revoked an external's grant, unless they did.
func forExternalGrant(c *Caller, g *stint.Grant) *stint.Grant {
	if c == nil || c.External == nil || g == nil || g.RevokedBy == "" || strings.EqualFold(g.RevokedBy, c.User.Email) {
		return g
	}
	out := *g
	out.RevokedBy = "stint"
	return &out
}
