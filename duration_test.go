package stint_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want time.Duration
		code string
	}{
		{name: "minutes", in: "90m", want: 90 * time.Minute},
		{name: "go syntax", in: "1h30m", want: 90 * time.Minute},
		{name: "hours", in: "4h", want: 4 * time.Hour},
		{name: "days", in: "7d", want: 7 * 24 * time.Hour},
		{name: "one day", in: "1d", want: 24 * time.Hour},
		{name: "days and hours", in: "1d12h", want: 36 * time.Hour},
		{name: "days hours minutes", in: "2d3h4m", want: 51*time.Hour + 4*time.Minute},
		{name: "bare seconds", in: "3600", want: time.Hour},
		{name: "seconds", in: "45s", want: 45 * time.Second},
		{name: "surrounding space", in: "  2h ", want: 2 * time.Hour},
		{name: "zero days plus hours", in: "0d2h", want: 2 * time.Hour},
		{name: "empty", in: "", code: stint.EINVALID},
		{name: "blank", in: "   ", code: stint.EINVALID},
		{name: "zero seconds", in: "0", code: stint.EINVALID},
		{name: "negative seconds", in: "-5", code: stint.EINVALID},
		{name: "negative go duration", in: "-5m", code: stint.EINVALID},
		{name: "zero go duration", in: "0s", code: stint.EINVALID},
		{name: "zero days", in: "0d", code: stint.EINVALID},
		{name: "unknown unit", in: "5x", code: stint.EINVALID},
		{name: "word", in: "soon", code: stint.EINVALID},
		{name: "fractional days", in: "1.5d", code: stint.EINVALID},
		{name: "days after hours", in: "1h1d", code: stint.EINVALID},
		{name: "d alone", in: "d", code: stint.EINVALID},
		{name: "garbage after days", in: "1dx", code: stint.EINVALID},
		{name: "negative part after days", in: "1d-1h", code: stint.EINVALID},
		{name: "seconds overflow", in: "10000000000", code: stint.EINVALID},
		{name: "seconds overflow wrapping positive", in: "20000000000", code: stint.EINVALID},
		{name: "days overflow", in: "200000d", code: stint.EINVALID},
		{name: "days overflow wrapping positive", in: "300000d", code: stint.EINVALID},
		{name: "days plus hours overflow", in: "106751d23h59m", code: stint.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := stint.ParseDuration(tt.in)
			if tt.code != "" {
				require.Error(t, err)
				require.Equal(t, tt.code, stint.ErrorCode(err), "error: %v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseDurationMessageQuotesInput(t *testing.T) {
	t.Parallel()
	_, err := stint.ParseDuration("1d2x")
	require.Error(t, err)
	require.Contains(t, stint.ErrorMessage(err), `"1d2x"`)
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   time.Duration
		want string
	}{
		{name: "zero", in: 0, want: "0s"},
		{name: "negative", in: -time.Hour, want: "0s"},
		{name: "seconds", in: 45 * time.Second, want: "45s"},
		{name: "fractional seconds", in: 1500 * time.Millisecond, want: "1.5s"},
		{name: "minutes", in: 30 * time.Minute, want: "30m"},
		{name: "ninety minutes", in: 90 * time.Minute, want: "1h30m"},
		{name: "hours", in: 4 * time.Hour, want: "4h"},
		{name: "one day", in: 24 * time.Hour, want: "1d"},
		{name: "week", in: 7 * 24 * time.Hour, want: "7d"},
		{name: "day and a half", in: 36 * time.Hour, want: "1d12h"},
		{name: "everything", in: 26*time.Hour + 3*time.Minute + 4*time.Second, want: "1d2h3m4s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, stint.FormatDuration(tt.in))
		})
	}
}

func TestDurationRoundTrip(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{
		time.Second, 90 * time.Second, 30 * time.Minute, 90 * time.Minute, time.Hour, 4 * time.Hour,
		24 * time.Hour, 36 * time.Hour, 7 * 24 * time.Hour, 400*24*time.Hour + time.Minute,
		1500 * time.Millisecond,
	} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			s := stint.FormatDuration(d)
			got, err := stint.ParseDuration(s)
			require.NoError(t, err, "parse %q", s)
			require.Equal(t, d, got, "via %q", s)
		})
	}
}

func TestDurationJSON(t *testing.T) {
	t.Parallel()
	t.Run("marshals as a string", func(t *testing.T) {
		t.Parallel()
		b, err := json.Marshal(struct {
			D stint.Duration `json:"d"`
		}{stint.Duration(36 * time.Hour)})
		require.NoError(t, err)
		require.JSONEq(t, `{"d":"1d12h"}`, string(b))
	})
	tests := []struct {
		name string
		in   string
		want time.Duration
		code string
	}{
		{name: "string", in: `"4h"`, want: 4 * time.Hour},
		{name: "days string", in: `"7d"`, want: 7 * 24 * time.Hour},
		{name: "number of seconds", in: `3600`, want: time.Hour},
		{name: "seconds as string", in: `"3600"`, want: time.Hour},
		{name: "zero as written by MarshalJSON", in: `"0s"`, want: 0},
		{name: "zero number", in: `0`, want: 0},
		{name: "bad string", in: `"soon"`, code: stint.EINVALID},
		{name: "negative", in: `"-1h"`, code: stint.EINVALID},
		{name: "boolean", in: `true`, code: stint.EINVALID},
		{name: "fraction", in: `1.5`, code: stint.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var d stint.Duration
			err := json.Unmarshal([]byte(tt.in), &d)
			if tt.code != "" {
				require.Error(t, err)
				require.Equal(t, tt.code, stint.ErrorCode(err), "error: %v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, time.Duration(d))
		})
	}
}

// A flow without a default duration survives a trip through JSON (as the
// API and its client do).
func TestFlowJSONRoundTrip(t *testing.T) {
	t.Parallel()
	f := stint.Flow{Name: "f", Requesters: []string{"group:E"}, MaxDuration: stint.Duration(4 * time.Hour), AutoApprove: true}
	b, err := json.Marshal(f)
	require.NoError(t, err)
	var got stint.Flow
	require.NoError(t, json.Unmarshal(b, &got))
	require.Equal(t, f, got)
}

func TestDurationText(t *testing.T) {
	t.Parallel()
	var d stint.Duration
	require.NoError(t, d.UnmarshalText([]byte("1d12h")))
	require.Equal(t, 36*time.Hour, time.Duration(d))
	b, err := d.MarshalText()
	require.NoError(t, err)
	require.Equal(t, "1d12h", string(b))
	require.Equal(t, "1d12h", d.String())

	err = d.UnmarshalText([]byte("nope"))
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	require.Equal(t, 36*time.Hour, time.Duration(d), "a failed unmarshal leaves the value alone")
}
