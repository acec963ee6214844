package config

import (
	"fmt"
	"strings"
	"time"
)

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseDays reads a time window's days: "mon".."sun" (any case) or ranges
// such as "mon-fri"; a range may wrap ("fri-mon" is fri, sat, sun, mon).
// The result is indexed by time.Weekday. An empty list means every day. It
// returns an error naming the first bad entry.
func ParseDays(days []string) ([7]bool, error) {
	var out [7]bool
	if len(days) == 0 {
		for i := range out {
			out[i] = true
		}
		return out, nil
	}
	for _, d := range days {
		from, to, isRange := strings.Cut(strings.ToLower(strings.TrimSpace(d)), "-")
		a, b := weekday(from), weekday(to)
		if !isRange {
			b = a
		}
		if a < 0 || b < 0 {
			return out, fmt.Errorf("day %q must be mon, tue, wed, thu, fri, sat or sun, or a range such as mon-fri", d)
		}
		for i := a; ; i = (i + 1) % 7 {
			out[i] = true
			if i == b {
				break
			}
		}
	}
	return out, nil
}

func weekday(s string) int {
	for i, w := range weekdays {
		if s == w {
			return i
		}
	}
	return -1
}

// ParseHours reads "HH:MM-HH:MM" as offsets from midnight. The end may be
// 24:00; an end before the start crosses midnight ("22:00-06:00"). Start
// and end may not be equal.
func ParseHours(s string) (start, end time.Duration, err error) {
	from, to, ok := strings.Cut(strings.TrimSpace(s), "-")
	if ok {
		start, ok = clock(from, false)
	}
	if ok {
		end, ok = clock(to, true)
	}
	switch {
	case !ok:
		return 0, 0, fmt.Errorf("hours %q must be HH:MM-HH:MM, e.g. 09:00-18:00", s)
	case start == end:
		return 0, 0, fmt.Errorf("hours %q is an empty window; leave hours out for all day", s)
	}
	return start, end, nil
}

func clock(s string, allow24 bool) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h, m := int(s[0]-'0')*10+int(s[1]-'0'), int(s[3]-'0')*10+int(s[4]-'0')
	if m > 59 {
		return 0, false
	}
	if h > 23 && !(allow24 && h == 24 && m == 0) {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, true
}

// LoadTimezone loads an IANA time zone; "" is UTC.
func LoadTimezone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("timezone %q is not an IANA time zone such as Europe/Paris or America/New_York", name)
	}
	return loc, nil
}
