package stint_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

func TestSSOEffect(t *testing.T) {
	t.Parallel()
	g := grantIn(stint.GrantActivating)
	e := stint.NewSSOEffect(g, t0)
	require.Equal(t, "aws-sso:111111111111|arn:aws:sso:::permissionSet/ssoins-1/ps-admin|USER|u-alice", e.Key)
	require.Equal(t, g.EffectKey(), e.Key)
	require.Equal(t, stint.SSOEffectKey(g.AccountID, g.PermissionSetARN, g.UserID), e.Key)
	require.Equal(t, stint.EffectKindSSO, e.Kind)
	require.Equal(t, g.AccountID, e.AccountID)
	require.Equal(t, g.PermissionSetARN, e.PermissionSetARN)
	require.Equal(t, "USER", e.PrincipalType)
	require.Equal(t, g.UserID, e.PrincipalID)
	require.Equal(t, stint.EffectCreating, e.State)
	require.False(t, e.Preexisting)
	require.Empty(t, e.Holders)

	other := grantIn(stint.GrantActivating, func(g *stint.Grant) { g.ID = "g-2" })
	require.Equal(t, g.EffectKey(), other.EffectKey(), "two grants of one user to one resource share the effect")
}

func TestEffectHold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		holders []string
		grant   string
		want    []string
	}{
		{name: "first holder", grant: "g-1", want: []string{"g-1"}},
		{name: "second holder shares the effect", holders: []string{"g-1"}, grant: "g-2", want: []string{"g-1", "g-2"}},
		{name: "holding twice is idempotent", holders: []string{"g-1", "g-2"}, grant: "g-1", want: []string{"g-1", "g-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := &stint.Effect{Key: "k", State: stint.EffectPresent, Holders: tt.holders}
			before := append([]string(nil), tt.holders...)
			next := e.Hold(tt.grant, t0.Add(time.Minute))
			require.Equal(t, tt.want, next.Holders)
			require.True(t, next.HeldBy(tt.grant))
			require.Equal(t, t0.Add(time.Minute), next.UpdatedAt)
			require.Equal(t, before, e.Holders, "the input effect is never changed")
		})
	}
}

func TestEffectRelease(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		holders     []string
		preexisting bool
		grant       string
		want        []string
		remove      bool
	}{
		{name: "last holder removes the effect", holders: []string{"g-1"}, grant: "g-1", remove: true},
		{name: "shared effect stays while another grant holds it", holders: []string{"g-1", "g-2"}, grant: "g-1", want: []string{"g-2"}},
		{name: "shared effect goes with the second release", holders: []string{"g-2"}, grant: "g-2", remove: true},
		{name: "pre-existing effect is never removed", holders: []string{"g-1"}, preexisting: true, grant: "g-1"},
		{name: "pre-existing effect without holders is never removed", preexisting: true, grant: "g-1"},
		{name: "releasing a grant that does not hold it keeps the others", holders: []string{"g-1"}, grant: "g-9", want: []string{"g-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := &stint.Effect{Key: "k", State: stint.EffectPresent, Holders: tt.holders, Preexisting: tt.preexisting}
			before := append([]string(nil), tt.holders...)
			next, remove := e.Release(tt.grant, t0.Add(time.Hour))
			require.Equal(t, tt.remove, remove)
			require.ElementsMatch(t, tt.want, next.Holders)
			require.False(t, next.HeldBy(tt.grant))
			require.Equal(t, t0.Add(time.Hour), next.UpdatedAt)
			if remove {
				require.Equal(t, stint.EffectDeleting, next.State)
			} else {
				require.Equal(t, stint.EffectPresent, next.State)
			}
			require.Equal(t, before, e.Holders, "the input effect is never changed")
			require.Equal(t, stint.EffectPresent, e.State)
		})
	}
}

// Two overlapping grants of the same access: ending the first must not take
// the access from the second.
func TestEffectOverlappingGrants(t *testing.T) {
	t.Parallel()
	e := stint.NewSSOEffect(grantIn(stint.GrantActivating), t0)
	e = e.Hold("g-1", t0)
	e = e.Hold("g-2", t0.Add(time.Minute))
	e, remove := e.Release("g-1", t0.Add(time.Hour))
	require.False(t, remove)
	require.Equal(t, []string{"g-2"}, e.Holders)
	_, remove = e.Release("g-2", t0.Add(2*time.Hour))
	require.True(t, remove)
}

// Token tests live here until the root package has a token_test.go.
func TestTokenHash(t *testing.T) {
	t.Parallel()
	secret, hash := stint.NewTokenSecret()
	require.True(t, strings.HasPrefix(secret, stint.TokenPrefix))
	require.Greater(t, len(secret), len(stint.TokenPrefix)+40)
	require.Equal(t, stint.HashToken(secret), hash)
	require.Len(t, hash, 64, "hex SHA-256")
	require.NotContains(t, hash, secret)

	other, otherHash := stint.NewTokenSecret()
	require.NotEqual(t, secret, other)
	require.NotEqual(t, hash, otherHash)

	require.Equal(t, hash, stint.HashToken("  "+secret+"\n"), "surrounding space (e.g. from a file) is ignored")
	require.NotEqual(t, hash, stint.HashToken(secret+"x"))
	// The SHA-256 of "stint_test", so stored hashes stay readable by every version.
	require.Equal(t, "18ba0b842e86ab14155534788f06dbdf1ddc42f04725fa3f44d8e61028cace93", stint.HashToken("stint_test"))
}

func TestTokenExpired(t *testing.T) {
	t.Parallel()
	exp := t0.Add(time.Hour)
	tests := []struct {
		name    string
		expires *time.Time
		at      time.Time
		want    bool
	}{
		{name: "no expiry never expires", at: t0.Add(1000 * time.Hour)},
		{name: "before expiry", expires: &exp, at: t0},
		{name: "at expiry", expires: &exp, at: exp, want: true},
		{name: "after expiry", expires: &exp, at: exp.Add(time.Second), want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok := &stint.Token{ExpiresAt: tt.expires}
			require.Equal(t, tt.want, tok.Expired(tt.at))
		})
	}
}
