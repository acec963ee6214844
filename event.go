package stint

import "time"

// Event is an append-only audit record of a state change or admin action.
type Event struct {
	ID      string         `json:"id"`
	Time    time.Time      `json:"time"`
	Actor   string         `json:"actor"` // email, "system" or "reconciler"
	Type    string         `json:"type"`  // e.g. request.created, grant.active
	Subject string         `json:"subject"`
	Data    map[string]any `json:"data,omitempty"`
	// Seq, PrevHash and Hash place the event in the audit chain; the store
	// sets them when the transaction that appended the event commits.
	Seq      int64  `json:"seq,omitempty"`
	PrevHash string `json:"prev_hash,omitempty"`
	Hash     string `json:"hash,omitempty"`
}

// Event types.
const (
	EventRequestCreated   = "request.created"
	EventRequestApproved  = "request.approved"
	EventRequestReviewed  = "request.reviewed"
	EventRequestDenied    = "request.denied"
	EventRequestCancelled = "request.cancelled"
	EventRequestExpired   = "request.expired"
	EventGrantScheduled   = "grant.scheduled"
	EventGrantReady       = "grant.ready"
	EventBreakGlass       = "request.break_glass"
	EventGrantActivating  = "grant.activating"
	EventGrantActive      = "grant.active"
	EventGrantExtended    = "grant.extended"
	EventGrantRevoking    = "grant.revoking"
	EventGrantEnded       = "grant.ended"
	EventGrantFailed      = "grant.failed"
	EventGrantRetried     = "grant.retried"
	EventEffectCreated    = "effect.created"
	EventEffectAdopted    = "effect.preexisting"
	EventEffectDeleted    = "effect.deleted"
	EventEffectKept       = "effect.kept"
	EventReconcileFixed   = "reconcile.corrected"
	EventTokenCreated     = "token.created"
	EventDirectorySynced  = "directory.synced"
	EventConfigLoaded     = "config.loaded"
	EventConfigReloaded   = "config.reloaded"
	EventConfigRejected   = "config.rejected"
	EventIdentityApplied  = "identity.applied" // stint apply changed Identity Center
	EventIdentityDrift    = "identity.drift"   // the scheduled plan found differences
	// Portal sign-in. A local (break-glass) sign-in is its own type so that
	// alerts can match it alone.
	EventSignedIn          = "auth.signed_in"
	EventSignedOut         = "auth.signed_out"
	EventSignInRefused     = "auth.sign_in_refused" // unknown user, unverified email, bad IdP answer
	EventLocalSignIn       = "auth.local_sign_in"   // break-glass local admin sign-in
	EventLocalSignInFailed = "auth.local_sign_in_failed"
	EventLocalLockedOut    = "auth.local_locked_out"
	// EventAuditPruned records that retention removed the chain's oldest
	// events (up to data.through) and left a signed anchor.
	EventAuditPruned = "audit.pruned"
	// EventWeeklyReport records the weekly audit report (its counts), so
	// that it reaches the webhooks that subscribe to it.
	EventWeeklyReport = "audit.weekly_report"
	// Third-party (external) users: invites, enrolment, TOTP, credentials.
	EventExternalInvited       = "external.invited"
	EventExternalInviteOpened  = "external.invite_opened"
	EventExternalInviteRefused = "external.invite_refused" // used, expired or unknown link
	EventExternalEnrolled      = "external.enrolled"
	EventExternalDisabled      = "external.disabled"
	EventExternalTOTPFailed    = "external.totp_failed"
	EventExternalLockedOut     = "external.locked_out"
	EventExternalRecoveryUsed  = "external.recovery_used"
	// EventExternalRefused records an external asking for something
	// outside their reach (another's grant, a resource no flow of theirs
	// includes, an internal API route).
	EventExternalRefused   = "external.refused"
	EventCredentialsIssued = "credentials.issued"
	EventCredentialsDenied = "credentials.refused"
	// EventCredentialsCutOff records that AWS now refuses the credentials
	// issued for a revoked grant (the broker role's cut-off policy).
	EventCredentialsCutOff = "credentials.cut_off"
)

// DataTime reads a time from event data: a time.Time in the process that
// wrote the event, RFC 3339 text after a JSON round trip.
func DataTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case string:
		p, err := time.Parse(time.RFC3339Nano, t)
		return p, err == nil
	}
	return time.Time{}, false
}
