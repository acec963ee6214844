package mfa_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/mfa"
)

var t0 = time.Date(2025, 3, 4, 10, 0, 15, 0, time.UTC)

func TestMatch(t *testing.T) {
	t.Parallel()
	k, err := mfa.NewKey("stint", "vera@acme.example")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(k.URL, "otpauth://totp/"))
	require.Contains(t, k.URL, "secret="+k.Secret)

	for _, tt := range []struct {
		name string
		at   time.Duration
		want int64
	}{
		{"this step", 0, mfa.Step(t0)},
		{"the step before", -mfa.Period, mfa.Step(t0) - 1},
		{"the step after", mfa.Period, mfa.Step(t0) + 1},
		{"two steps off", 2 * mfa.Period, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, err := mfa.Code(k.Secret, t0.Add(tt.at))
			require.NoError(t, err)
			require.Equal(t, tt.want, mfa.Match(k.Secret, code, t0))
		})
	}
	require.Equal(t, int64(-1), mfa.Match(k.Secret, "12345", t0))
	require.Equal(t, int64(-1), mfa.Match(k.Secret, "abcdef", t0))
}

func TestQRAndRecoveryCodes(t *testing.T) {
	t.Parallel()
	k, err := mfa.NewKey("stint", "vera@acme.example")
	require.NoError(t, err)
	png, err := mfa.QR(k.URL, 200)
	require.NoError(t, err)
	require.Equal(t, "\x89PNG", string(png[:4]))
	_, err = mfa.QR("https://example.com", 200)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))

	codes := mfa.NewRecoveryCodes(10)
	require.Len(t, codes, 10)
	seen := map[string]bool{}
	for _, c := range codes {
		require.Regexp(t, `^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$`, c)
		require.False(t, seen[c])
		seen[c] = true
	}
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	l := &mfa.Limiter{PerMinute: 3}
	for range 3 {
		require.True(t, l.Allow("vera", t0))
	}
	require.False(t, l.Allow("vera", t0.Add(time.Second)))
	require.True(t, l.Allow("wim", t0), "keys are apart")
	require.True(t, l.Allow("vera", t0.Add(time.Minute)))
}

func TestSealer(t *testing.T) {
	t.Parallel()
	_, err := mfa.NewSealer("short")
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	require.NotContains(t, err.Error(), "short")
	s, err := mfa.NewSealer("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	require.NoError(t, err)
	sealed := s.Seal("JBSWY3DPEHPK3PXP", "ext:1")
	require.NotContains(t, sealed, "JBSWY3DPEHPK3PXP")
	plain, err := s.Open(sealed, "ext:1")
	require.NoError(t, err)
	require.Equal(t, "JBSWY3DPEHPK3PXP", plain)
	_, err = s.Open(sealed, "ext:2")
	require.Error(t, err, "bound to its owner")
	other, _ := mfa.NewSealer("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=")
	_, err = other.Open(sealed, "ext:1")
	require.Error(t, err)
}
