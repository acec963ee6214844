package identityconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/stint-dev/stint"
)

// Session duration bounds set by AWS.
const (
	MinSessionDuration     = 15 * time.Minute
	MaxSessionDuration     = 12 * time.Hour
	DefaultSessionDuration = time.Hour
)

// SessionDuration is a permission set's session duration. The file may give
// it in Go syntax with days ("8h", "90m") or ISO 8601 ("PT8H"); it must lie
// within PT15M..PT12H. It formats as ISO 8601, as AWS takes it.
type SessionDuration time.Duration

// UnmarshalText parses either syntax and checks the range.
func (d *SessionDuration) UnmarshalText(b []byte) error {
	v, err := ParseSessionDuration(string(b))
	if err != nil {
		return err
	}
	*d = SessionDuration(v)
	return nil
}

// MarshalText writes ISO 8601.
func (d SessionDuration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String formats the duration as ISO 8601, e.g. "PT1H30M".
func (d SessionDuration) String() string { return FormatISODuration(time.Duration(d)) }

var isoDuration = regexp.MustCompile(`^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$`)

// ParseSessionDuration parses "PT8H" or "8h" and checks that the duration
// lies within PT15M..PT12H. It returns EINVALID otherwise.
func ParseSessionDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := parseISODuration(s)
	if err != nil {
		if d, err = stint.ParseDuration(s); err != nil {
			return 0, stint.Errorf(stint.EINVALID, "invalid session duration %q; use ISO 8601 such as PT8H or Go syntax such as 8h", s)
		}
	}
	if d < MinSessionDuration || d > MaxSessionDuration {
		return 0, stint.Errorf(stint.EINVALID, "session duration %s is outside PT15M..PT12H, the range AWS allows", FormatISODuration(d))
	}
	return d, nil
}

func parseISODuration(s string) (time.Duration, error) {
	m := isoDuration.FindStringSubmatch(strings.ToUpper(s))
	if m == nil || s == "PT" {
		return 0, fmt.Errorf("not ISO 8601")
	}
	var d time.Duration
	for i, unit := range []time.Duration{time.Hour, time.Minute, time.Second} {
		if m[i+1] != "" {
			n, err := strconv.Atoi(m[i+1])
			if err != nil {
				return 0, err
			}
			d += time.Duration(n) * unit
		}
	}
	return d, nil
}

// FormatISODuration formats d as an ISO 8601 duration, e.g. "PT1H30M".
func FormatISODuration(d time.Duration) string {
	if d <= 0 {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteString("PT")
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
		d -= m * time.Minute
	}
	if s := d / time.Second; s > 0 {
		fmt.Fprintf(&b, "%dS", s)
	}
	return b.String()
}

// ManagedPolicy is the ARN of an AWS managed policy. The file may give the
// policy's name, with its path ("job-function/ViewOnlyAccess").
type ManagedPolicy string

var (
	managedPolicyARN  = regexp.MustCompile(`^arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:iam::aws:policy/([\w+=,.@-]+/)*[\w+=,.@-]+$`)
	managedPolicyName = regexp.MustCompile(`^([\w+=,.@-]+/)*[\w+=,.@-]+$`)
)

// UnmarshalText accepts a managed policy ARN or name.
func (p *ManagedPolicy) UnmarshalText(b []byte) error {
	arn, err := ParseManagedPolicy(string(b))
	if err != nil {
		return err
	}
	*p = ManagedPolicy(arn)
	return nil
}

// ParseManagedPolicy returns the ARN of an AWS managed policy given by name
// or ARN. It returns EINVALID for any other ARN (customer managed policies
// go in customer_managed_policies) or a malformed name.
func ParseManagedPolicy(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case managedPolicyARN.MatchString(s):
		return s, nil
	case strings.HasPrefix(s, "arn:"):
		hint := ""
		if strings.Contains(s, ":policy/") && !strings.Contains(s, "::aws:policy/") {
			hint = "; a customer managed policy goes in customer_managed_policies as {name, path}"
		}
		return "", stint.Errorf(stint.EINVALID, "unknown policy ARN format %q: an AWS managed policy ARN looks like arn:aws:iam::aws:policy/ReadOnlyAccess%s", s, hint)
	case managedPolicyName.MatchString(s):
		return "arn:aws:iam::aws:policy/" + strings.TrimPrefix(s, "/"), nil
	}
	return "", stint.Errorf(stint.EINVALID, "invalid managed policy %q: give an AWS managed policy name such as ReadOnlyAccess or its ARN", s)
}

// Name returns the policy's name with its path, e.g. "ReadOnlyAccess".
func (p ManagedPolicy) Name() string {
	_, name, _ := strings.Cut(string(p), ":policy/")
	return name
}

// InlinePolicy is an inline policy document in canonical JSON (compact,
// object keys sorted), so that two documents that mean the same compare
// equal. The file may give a JSON string or a YAML mapping.
type InlinePolicy string

// decodeNode takes a JSON string or a YAML mapping.
func (p *InlinePolicy) decodeNode(n ast.Node) error {
	if text, ok := scalarText(n); ok {
		canon, err := CanonicalJSON(text)
		if err != nil {
			return stint.Errorf(stint.EINVALID, "inline policy is not valid JSON: %v", err)
		}
		*p = InlinePolicy(canon)
		return nil
	}
	if n.Type() != ast.MappingType {
		return stint.Errorf(stint.EINVALID, "inline policy must be a JSON string or a YAML mapping, got %s", describe(n))
	}
	var v any
	if err := yaml.NodeToValue(n, &v); err != nil {
		return stint.Errorf(stint.EINVALID, "inline policy: %v", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return stint.Errorf(stint.EINVALID, "inline policy cannot be written as JSON: %v", err)
	}
	canon, err := CanonicalJSON(string(b))
	if err != nil {
		return stint.Errorf(stint.EINVALID, "inline policy: %v", err)
	}
	*p = InlinePolicy(canon)
	return nil
}

// UnmarshalText lets JSON strings set the policy (used by tests and the
// JSON form).
func (p *InlinePolicy) UnmarshalText(b []byte) error {
	canon, err := CanonicalJSON(string(b))
	if err != nil {
		return stint.Errorf(stint.EINVALID, "inline policy is not valid JSON: %v", err)
	}
	*p = InlinePolicy(canon)
	return nil
}

// CanonicalJSON returns doc compact with object keys sorted; "" stays "".
// It fails when doc is not one JSON object.
func CanonicalJSON(doc string) (string, error) {
	if strings.TrimSpace(doc) == "" {
		return "", nil
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	if dec.More() {
		return "", fmt.Errorf("text after the JSON document")
	}
	if _, ok := v.(map[string]any); !ok {
		return "", fmt.Errorf("a policy document is a JSON object")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimRight(buf.String(), "\n"), nil
}

// Principal is "user:USER_NAME" or "group:GROUP_NAME".
type Principal struct {
	Type string // USER or GROUP
	Name string
}

// UnmarshalText parses "user:NAME" or "group:NAME".
func (p *Principal) UnmarshalText(b []byte) error {
	kind, name, ok := strings.Cut(strings.TrimSpace(string(b)), ":")
	switch {
	case ok && kind == "user" && name != "":
		*p = Principal{Type: "USER", Name: name}
	case ok && kind == "group" && name != "":
		*p = Principal{Type: "GROUP", Name: name}
	default:
		return stint.Errorf(stint.EINVALID, "principal %q must be user:USER_NAME or group:GROUP_NAME", string(b))
	}
	return nil
}

// MarshalText writes "user:NAME" or "group:NAME".
func (p Principal) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// String formats the principal as in the file.
func (p Principal) String() string { return strings.ToLower(p.Type) + ":" + p.Name }

// Selector selects accounts: a 12-digit account ID, name:NAME, ou:PATH
// (that OU and every OU under it), tag:KEY=VALUE or all; see
// stint.MatchAccount.
type Selector string

// UnmarshalText checks the selector's syntax.
func (s *Selector) UnmarshalText(b []byte) error {
	v := strings.TrimSpace(string(b))
	if err := stint.ValidateAccountSelector(v); err != nil {
		return err
	}
	*s = Selector(v)
	return nil
}
