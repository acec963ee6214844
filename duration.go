package stint

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration parses Go duration syntax ("90m", "1h30m") extended with days
// ("7d", "1d12h") and bare integers meaning seconds ("3600"). Durations must be
// positive.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, Errorf(EINVALID, "empty duration; use e.g. 30m, 4h or 7d")
	}
	const maxDuration = time.Duration(math.MaxInt64)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 {
			return 0, Errorf(EINVALID, "duration %q must be positive", s)
		}
		if n > int64(maxDuration/time.Second) {
			return 0, Errorf(EINVALID, "duration %q is too long", s)
		}
		return time.Duration(n) * time.Second, nil
	}
	in := s
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || n < 0 {
			return 0, Errorf(EINVALID, "invalid duration %q; use e.g. 30m, 4h or 7d", in)
		}
		if n > int64(maxDuration/(24*time.Hour)) {
			return 0, Errorf(EINVALID, "duration %q is too long", in)
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
	}
	var rest time.Duration
	if s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || (d < 0 && days > 0) { // no "1d-1h"
			return 0, Errorf(EINVALID, "invalid duration %q; use e.g. 30m, 4h or 7d", in)
		}
		rest = d
	}
	if rest > maxDuration-days {
		return 0, Errorf(EINVALID, "duration %q is too long", in)
	}
	d := days + rest
	if d <= 0 {
		return 0, Errorf(EINVALID, "duration must be positive")
	}
	return d, nil
}

// FormatDuration prints d compactly, using days for whole days ("2d", "1d4h", "30m").
func FormatDuration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	var b strings.Builder
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
		d -= m * time.Minute
	}
	if d > 0 {
		fmt.Fprintf(&b, "%gs", d.Seconds())
	}
	return b.String()
}

// Duration is a time.Duration that reads and writes ParseDuration syntax in
// JSON and YAML.
type Duration time.Duration

// String formats the duration with FormatDuration.
func (d Duration) String() string { return FormatDuration(time.Duration(d)) }

// MarshalJSON writes the duration as a string such as "4h".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON accepts a duration string or a number of seconds. Zero ("0s"
// or 0, as MarshalJSON writes an unset duration) gives zero.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err := json.Unmarshal(b, &n); err != nil {
			return Errorf(EINVALID, "duration must be a string such as \"4h\" or a number of seconds")
		}
		s = strconv.FormatInt(n, 10)
	}
	if isZeroDuration(s) {
		*d = 0
		return nil
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// UnmarshalText accepts ParseDuration syntax (used by YAML decoders), and
// zero ("0s", as MarshalText writes an unset duration, or "0").
func (d *Duration) UnmarshalText(b []byte) error {
	if isZeroDuration(string(b)) {
		*d = 0
		return nil
	}
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration in FormatDuration syntax.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// isZeroDuration reports whether s is how a zero Duration is written.
func isZeroDuration(s string) bool {
	s = strings.TrimSpace(s)
	return s == "0s" || s == "0"
}
