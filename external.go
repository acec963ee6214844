package stint

import (
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ExternalIDPrefix starts the ID of every external (third-party) user. It
// keeps their IDs apart from identity store IDs in requests, grants,
// tokens, sessions and policies: an external can never be taken for an
// internal user of the same email, nor the other way round.
const ExternalIDPrefix = "ext:"

// Attributes an external user carries, which flows can match with
// requester_attributes and Cedar with principal.attributes.
const (
	AttrUserType     = "user_type"
	AttrOrg          = "org"
	AttrSponsor      = "sponsor"
	UserTypeExternal = "external"
)

// Limits of external identities and their access.
const (
	// DefaultExternalExpiry is how long an external identity lasts when
	// the invite does not say.
	DefaultExternalExpiry = 30 * 24 * time.Hour
	// MaxExternalExpiry is the longest an external identity may last;
	// invite again to go on.
	MaxExternalExpiry = 365 * 24 * time.Hour
	// DefaultInviteTTL is how long an invite link may be opened.
	DefaultInviteTTL = 72 * time.Hour
	// MaxExternalDuration is the longest max_duration a flow for
	// externals may have.
	MaxExternalDuration = 12 * time.Hour
	// MinCredentialDuration is the shortest lifetime AWS STS gives
	// credentials. stint issues none in a grant's last
	// MinCredentialDuration, so that no credentials outlive their grant,
	// and grants of externals last at least this long.
	MinCredentialDuration = 15 * time.Minute
	// RecoveryCodes is how many recovery codes an enrolment gives.
	RecoveryCodes = 10
)

// IsExternalID reports whether id is an external user's ID.
func IsExternalID(id string) bool { return strings.HasPrefix(id, ExternalIDPrefix) }

// External reports whether the user is an external (third-party)
// identity. Only the ID decides: an identity store user whose user_type
// attribute reads "external" is still an internal user.
func (u *User) External() bool { return u != nil && IsExternalID(u.ID) }

// ExternalState is where an external identity is in its life.
type ExternalState string

// External states: invited (no TOTP enrolled yet, or re-enrolling after a
// recovery code) -> active -> disabled.
const (
	ExternalInvited  ExternalState = "invited"
	ExternalActive   ExternalState = "active"
	ExternalDisabled ExternalState = "disabled"
)

// External is a third-party person (a vendor's or customer's engineer)
// who is not in the identity store: invited by email, bound to TOTP, and
// able to request only through flows for their organisation. Secrets are
// kept only as hashes (the invite token, the recovery codes) or sealed
// (the TOTP secret); none of them is ever serialised.
type External struct {
	ID    string `json:"id"` // "ext:" + ULID
	Email string `json:"email"`
	Org   string `json:"org"`
	// Sponsor is the internal user (email) who vouches for the external
	// and, unless the flow says otherwise, approves their requests.
	Sponsor   string        `json:"sponsor"`
	InvitedBy string        `json:"invited_by"`
	State     ExternalState `json:"state"`
	// ExpiresAt ends the identity: no sign-in, request or credentials
	// after it, and no grant reaches past it.
	ExpiresAt       time.Time  `json:"expires_at"`
	InviteHash      string     `json:"-"`
	InviteExpiresAt time.Time  `json:"invite_expires_at"`
	InviteUsedAt    *time.Time `json:"invite_used_at,omitempty"`
	// TOTPSecret is the base32 TOTP secret, sealed by the service (never
	// plain in the store); pending until EnrolledAt is set.
	TOTPSecret string     `json:"-"`
	EnrolledAt *time.Time `json:"enrolled_at,omitempty"`
	// TOTPStep is the last time step whose code was accepted: a code of
	// that step or an earlier one is refused (single use).
	TOTPStep int64 `json:"-"`
	// Failures counts failed attempts since FailedAt; MaxFailures of them
	// within the lock period lock TOTP until LockedUntil.
	Failures       int        `json:"failures"`
	FailedAt       *time.Time `json:"-"`
	LockedUntil    *time.Time `json:"locked_until,omitempty"`
	RecoveryHashes []string   `json:"-"`
	DisabledAt     *time.Time `json:"disabled_at,omitempty"`
	DisabledBy     string     `json:"disabled_by,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Version        int64      `json:"version"`
}

// User returns the external as the policy engine and the service see
// them: their own ID space, no groups, and the attributes user_type
// (external), org and sponsor.
func (x *External) User() *User {
	return &User{ID: x.ID, UserName: x.Email, Email: x.Email, DisplayName: x.Email,
		Attributes: map[string]string{AttrUserType: UserTypeExternal, AttrOrg: x.Org, AttrSponsor: x.Sponsor}}
}

// RecoveryLeft is how many recovery codes are unused.
func (x *External) RecoveryLeft() int { return len(x.RecoveryHashes) }

// Enrolling reports whether the external opened an invite (or used a
// recovery code) and has still to enrol TOTP.
func (x *External) Enrolling() bool {
	return x.State == ExternalInvited && x.InviteUsedAt != nil && x.EnrolledAt == nil
}

// Expired reports whether the identity has ended.
func (x *External) Expired(now time.Time) bool { return !now.Before(x.ExpiresAt) }

// Usable returns nil when the external may sign in and act: active
// (enrolled), not disabled and not expired. Otherwise EUNAUTHORIZED
// saying why, without naming anything internal.
func (x *External) Usable(now time.Time) error {
	switch {
	case x.State == ExternalDisabled:
		return Errorf(EUNAUTHORIZED, "the external account %s is disabled; ask your sponsor", x.Email)
	case x.Expired(now):
		return Errorf(EUNAUTHORIZED, "the external account %s expired at %s; ask your sponsor for a new invite", x.Email, x.ExpiresAt.UTC().Format(time.RFC3339))
	case x.State != ExternalActive || x.EnrolledAt == nil:
		return Errorf(EUNAUTHORIZED, "the external account %s has not enrolled an authenticator yet; open your invite link", x.Email)
	}
	return nil
}

// Locked returns when TOTP unlocks, or nil when it is not locked at now.
func (x *External) Locked(now time.Time) *time.Time {
	if x.LockedUntil != nil && now.Before(*x.LockedUntil) {
		return x.LockedUntil
	}
	return nil
}

// Invite is what an admin or sponsor says when inviting an external.
type Invite struct {
	Email     string
	Org       string
	Sponsor   string        // an internal user's email
	InvitedBy string        // who invites (email)
	Expires   time.Duration // how long the identity lasts; 0 means DefaultExternalExpiry
	InviteTTL time.Duration // how long the link may be opened; 0 means DefaultInviteTTL
}

var orgName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._&-]{0,62}$`)

// ValidateOrg checks an organisation name: 1 to 63 letters, digits,
// spaces and ._&- starting with a letter or digit.
func ValidateOrg(org string) error {
	if !orgName.MatchString(org) {
		return Errorf(EINVALID, "organisation %q must be 1 to 63 letters, digits, spaces or ._&-, starting with a letter or digit, e.g. Acme", org)
	}
	return nil
}

func (in *Invite) check() (email string, expires, ttl time.Duration, err error) {
	addr, perr := mail.ParseAddress(strings.TrimSpace(in.Email))
	if perr != nil || addr.Address != strings.TrimSpace(in.Email) {
		return "", 0, 0, Errorf(EINVALID, "%q is not an email address", in.Email)
	}
	if err := ValidateOrg(in.Org); err != nil {
		return "", 0, 0, err
	}
	if !strings.Contains(in.Sponsor, "@") {
		return "", 0, 0, Errorf(EINVALID, "the sponsor must be an internal user's email, e.g. --sponsor bob@example.com")
	}
	expires = in.Expires
	if expires == 0 {
		expires = DefaultExternalExpiry
	}
	if expires < 0 || expires > MaxExternalExpiry {
		return "", 0, 0, Errorf(EINVALID, "an external identity lasts at most %s; got %s", FormatDuration(MaxExternalExpiry), FormatDuration(expires))
	}
	ttl = in.InviteTTL
	if ttl == 0 {
		ttl = DefaultInviteTTL
	}
	ttl = min(ttl, expires)
	return strings.ToLower(addr.Address), expires, ttl, nil
}

// NewExternal returns the external an invite makes, with the invite's
// token hash. It returns EINVALID for a malformed email, organisation or
// sponsor, or an expiry beyond MaxExternalExpiry.
func NewExternal(in Invite, id, inviteHash string, now time.Time) (*External, error) {
	email, expires, ttl, err := in.check()
	if err != nil {
		return nil, err
	}
	return &External{
		ID: ExternalIDPrefix + id, Email: email, Org: in.Org, Sponsor: strings.ToLower(in.Sponsor), InvitedBy: in.InvitedBy,
		State: ExternalInvited, ExpiresAt: now.Add(expires), InviteHash: inviteHash, InviteExpiresAt: now.Add(ttl),
		CreatedAt: now, UpdatedAt: now,
	}, nil
}

// Reinvite starts an external's enrolment afresh with a new invite: for
// one who never finished enrolling, was disabled or has expired. The old
// link, TOTP secret and recovery codes stop working. It returns ECONFLICT
// for an active external (disable them first).
func Reinvite(x *External, in Invite, inviteHash string, now time.Time) (*External, error) {
	_, expires, ttl, err := in.check()
	if err != nil {
		return nil, err
	}
	if x.State == ExternalActive && !x.Expired(now) {
		return nil, Errorf(ECONFLICT, "%s is already an active external user (until %s); `stint external disable %s` first to invite them afresh",
			x.Email, x.ExpiresAt.UTC().Format(time.RFC3339), x.Email)
	}
	next := *x
	next.Org, next.Sponsor, next.InvitedBy = in.Org, strings.ToLower(in.Sponsor), in.InvitedBy
	next.State, next.ExpiresAt = ExternalInvited, now.Add(expires)
	next.InviteHash, next.InviteExpiresAt, next.InviteUsedAt = inviteHash, now.Add(ttl), nil
	next.TOTPSecret, next.EnrolledAt, next.TOTPStep, next.RecoveryHashes = "", nil, 0, nil
	next.Failures, next.FailedAt, next.LockedUntil = 0, nil, nil
	next.DisabledAt, next.DisabledBy = nil, ""
	next.UpdatedAt = now
	return &next, nil
}

// OpenInvite uses the external's invite link: once only, before it
// expires, and before the identity ends. It returns EFORBIDDEN saying
// which of these failed.
func OpenInvite(x *External, now time.Time) (*External, error) {
	switch {
	case x.InviteUsedAt != nil || x.State != ExternalInvited:
		return nil, Errorf(EFORBIDDEN, "this invite link has been used already; ask your sponsor (%s) for a new one", x.Sponsor)
	case !now.Before(x.InviteExpiresAt) || x.Expired(now):
		return nil, Errorf(EFORBIDDEN, "this invite link expired at %s; ask your sponsor (%s) for a new one",
			x.InviteExpiresAt.UTC().Format(time.RFC3339), x.Sponsor)
	}
	next := *x
	next.InviteUsedAt, next.UpdatedAt = &now, now
	return &next, nil
}

// SetPendingSecret records the (sealed) TOTP secret shown to an
// enrolling external. It returns ECONFLICT when they are not enrolling.
func SetPendingSecret(x *External, sealed string, now time.Time) (*External, error) {
	if !x.Enrolling() {
		return nil, Errorf(ECONFLICT, "%s is not enrolling an authenticator", x.Email)
	}
	next := *x
	next.TOTPSecret, next.UpdatedAt = sealed, now
	return &next, nil
}

// CompleteEnrolment makes an enrolling external active once a code of
// their pending secret (time step step) has been verified, with fresh
// recovery codes (their hashes). It returns ECONFLICT when they are not
// enrolling or have no pending secret.
func CompleteEnrolment(x *External, step int64, recoveryHashes []string, now time.Time) (*External, error) {
	if !x.Enrolling() || x.TOTPSecret == "" {
		return nil, Errorf(ECONFLICT, "%s has no authenticator enrolment in progress; open your invite link again", x.Email)
	}
	next := *x
	next.State, next.EnrolledAt, next.TOTPStep = ExternalActive, &now, step
	next.RecoveryHashes = slices.Clone(recoveryHashes)
	next.Failures, next.FailedAt, next.LockedUntil = 0, nil, nil
	next.UpdatedAt = now
	return &next, nil
}

// DisableExternal ends the external's access to stint at once.
func DisableExternal(x *External, by string, now time.Time) (*External, error) {
	if x.State == ExternalDisabled {
		return nil, Errorf(ECONFLICT, "%s is disabled already", x.Email)
	}
	next := *x
	next.State, next.DisabledAt, next.DisabledBy, next.UpdatedAt = ExternalDisabled, &now, by, now
	return &next, nil
}

// LockPolicy says when repeated TOTP failures lock an external out.
type LockPolicy struct {
	MaxFailures int           // default 5
	LockFor     time.Duration // default 15m; also the window failures are counted in
}

// Defaults of LockPolicy.
const (
	DefaultMaxFailures = 5
	DefaultLockFor     = 15 * time.Minute
)

func (p LockPolicy) withDefaults() LockPolicy {
	if p.MaxFailures <= 0 {
		p.MaxFailures = DefaultMaxFailures
	}
	if p.LockFor <= 0 {
		p.LockFor = DefaultLockFor
	}
	return p
}

// Outcomes of a TOTP attempt, as TOTPAttempt reports them.
const (
	TOTPAccepted = "accepted"
	TOTPWrong    = "wrong code"
	TOTPReplayed = "code already used"
	TOTPLocked   = "locked"
)

// TOTPAttempt applies one verification attempt to the external: step is
// the time step the code matched (-1 for no match). It always returns the
// state to store (failures counted, the step used) and the outcome; err is
// EUNAUTHORIZED for a wrong or replayed code and EFORBIDDEN while locked
// (even the right code is refused then). The attempt that reaches
// MaxFailures locks for LockFor; a success clears the failures.
func TOTPAttempt(x *External, step int64, now time.Time, p LockPolicy) (next *External, outcome string, err error) {
	p = p.withDefaults()
	n := *x
	n.UpdatedAt = now
	if until := x.Locked(now); until != nil {
		return &n, TOTPLocked, Errorf(EFORBIDDEN, "too many wrong codes: sign-in and credentials are locked for %s until %s UTC",
			x.Email, until.UTC().Format("15:04:05"))
	}
	if step >= 0 && step > x.TOTPStep {
		n.TOTPStep, n.Failures, n.FailedAt, n.LockedUntil = step, 0, nil, nil
		return &n, TOTPAccepted, nil
	}
	outcome = TOTPWrong
	msg := "that code is wrong; check the authenticator's clock and try again"
	if step >= 0 {
		outcome, msg = TOTPReplayed, "that code has been used already; wait for the next one"
	}
	if n.FailedAt == nil || now.Sub(*n.FailedAt) >= p.LockFor {
		n.Failures, n.FailedAt = 0, &now
	}
	n.Failures++
	if n.Failures >= p.MaxFailures {
		until := now.Add(p.LockFor)
		n.LockedUntil, n.Failures, n.FailedAt = &until, 0, nil
		return &n, TOTPLocked, Errorf(EFORBIDDEN, "%s; after %d failures sign-in and credentials are locked for %s until %s UTC",
			msg, p.MaxFailures, x.Email, until.UTC().Format("15:04:05"))
	}
	return &n, outcome, Errorf(EUNAUTHORIZED, "%s", msg)
}

// UseRecoveryCode spends one recovery code (by its hash) of an active
// external: the code is gone, the authenticator is forgotten and the
// external must enrol a new one before anything else. It returns
// EUNAUTHORIZED for an unknown or spent code.
func UseRecoveryCode(x *External, hash string, now time.Time) (*External, error) {
	i := slices.Index(x.RecoveryHashes, hash)
	if i < 0 || x.State != ExternalActive {
		return nil, Errorf(EUNAUTHORIZED, "that recovery code is wrong or has been used")
	}
	next := *x
	next.RecoveryHashes = slices.Delete(slices.Clone(x.RecoveryHashes), i, i+1)
	next.State, next.EnrolledAt, next.TOTPSecret, next.InviteUsedAt = ExternalInvited, nil, "", &now
	next.Failures, next.FailedAt, next.LockedUntil = 0, nil, nil
	next.UpdatedAt = now
	return &next, nil
}

// HashRecoveryCode returns the hex SHA-256 of a recovery code, as
// stored; case, spaces and dashes do not count. (Invite tokens are hashed
// with HashToken.)
func HashRecoveryCode(secret string) string {
	s := strings.ToLower(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(secret)))
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// ExternalListParams filters ExternalList. Results are ordered by email.
type ExternalListParams struct {
	Org     string // "" means every organisation (any case)
	Sponsor string // "" means every sponsor (any case)
	Limit   int    // default 1000, at most 10000
}
