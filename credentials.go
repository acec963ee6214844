package stint

import (
	"context"
	"log/slog"
	"time"
)

// Credentials are short-lived AWS credentials stint issued for one grant
// of an external user. The secret key and session token are shown to
// their owner once and never stored or logged; their String and
// LogValue show the access key ID only.
type Credentials struct {
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	SessionToken    string    `json:"session_token"`
	Expiration      time.Time `json:"expiration"`
	// Region is where the resource is (for AWS_REGION).
	Region     string `json:"region,omitempty"`
	GrantID    string `json:"grant_id"`
	ResourceID string `json:"resource_id"`
	// RoleARN is the broker role the credentials are a session of.
	RoleARN string `json:"role_arn,omitempty"`
}

// String names the credentials without their secrets.
func (c *Credentials) String() string {
	return "credentials " + c.AccessKeyID + " until " + c.Expiration.UTC().Format(time.RFC3339)
}

// LogValue keeps the secrets out of logs.
func (c *Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("access_key_id", c.AccessKeyID), slog.Time("expiration", c.Expiration))
}

// CredentialBroker issues credentials scoped to one resource: package
// provider/broker assumes the broker role in the resource's account with
// a session policy that allows that resource only.
type CredentialBroker interface {
	// Issue returns credentials for the grant's resource lasting d, in a
	// role session named sessionName. It returns EFORBIDDEN when AWS
	// refuses the broker role and EINVALID for a resource it cannot
	// scope a policy to.
	Issue(ctx context.Context, g *Grant, sessionName string, d time.Duration) (*Credentials, error)
}

// SessionCutter is a CredentialBroker that can also end credentials
// already issued: CutOff makes AWS refuse the grant's sessions issued
// before before, at least until until (when the last of them expires).
type SessionCutter interface {
	CutOff(ctx context.Context, g *Grant, before, until time.Time) error
}

// CredentialDuration is the rule for how long credentials issued at now
// for the grant last: until the grant ends, at most maxSession, in whole
// seconds. STS issues nothing shorter than MinCredentialDuration, and
// credentials must not outlive their grant, so the window in which a
// grant issues credentials ends MinCredentialDuration before the grant
// does: with less left, nothing is issued (EFORBIDDEN, saying when the
// window closed). A grant that is not active issues nothing (ECONFLICT).
func CredentialDuration(g *Grant, now time.Time, maxSession time.Duration) (time.Duration, error) {
	if g.State != GrantActive {
		what := string(g.State)
		if g.State == GrantEnded && g.EndReason != "" {
			what += " (" + g.EndReason + ")"
		}
		return 0, Errorf(ECONFLICT, "grant %s is %s; credentials are issued only while a grant is active", g.ID, what)
	}
	left := g.EndsAt.Sub(now)
	if left < MinCredentialDuration {
		if left <= 0 {
			return 0, Errorf(ECONFLICT, "grant %s ended at %s; request access again", g.ID, g.EndsAt.UTC().Format(time.RFC3339))
		}
		return 0, Errorf(EFORBIDDEN, "grant %s ends in %s; AWS issues credentials for at least %s, so stint issues none in a grant's last %s (the window closed at %s); request access again",
			g.ID, FormatDuration(left.Truncate(time.Second)), FormatDuration(MinCredentialDuration), FormatDuration(MinCredentialDuration),
			g.EndsAt.Add(-MinCredentialDuration).UTC().Format(time.RFC3339))
	}
	d := left
	if maxSession > 0 {
		d = min(d, maxSession)
	}
	return max(d.Truncate(time.Second), MinCredentialDuration), nil
}
