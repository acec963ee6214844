package policy

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldKey returns a key under which two strings are equal exactly when
// strings.EqualFold says they are: every rune is replaced by the smallest
// rune of its case-folding orbit. Emails, group names, permission set names
// and account names are compared this way, as the root package does.
func foldKey(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s) // foldRune maps ASCII letters to lower case too
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune picks one representative of r's case-folding orbit: the lower
// case ASCII letter when the orbit has one (so 'K', 'k' and the Kelvin sign
// all give 'k'), else the smallest rune.
func foldRune(r rune) rune {
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < m {
			m = f
		}
	}
	if m >= 'A' && m <= 'Z' {
		m += 'a' - 'A'
	}
	return m
}

// cedarString quotes s as a Cedar string literal. Config text must be valid
// UTF-8 (New rejects anything else), so the literal means exactly s.
func cedarString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, `\u{%x}`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// stripGroup accepts "group:NAME" where a bare group name is expected.
func stripGroup(s string) string { return strings.TrimPrefix(s, "group:") }
