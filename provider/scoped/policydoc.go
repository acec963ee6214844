package scoped

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/stint-dev/stint"
)

// Inline policy quotas of a permission set (IAM Identity Center quotas:
// "Maximum size of inline policy per permission set"). Neither can be
// raised.
const (
	// MaxPolicyBytes is the most bytes an inline policy may have.
	MaxPolicyBytes = 32768
	// MaxPolicyChars is the most non-whitespace characters it may have.
	MaxPolicyChars = 10240
	// PolicyReserve is the room CheckPolicy keeps free under both quotas
	// for the cut-off statements Remove adds.
	PolicyReserve = 512
)

const (
	policyVersion = "2012-10-17"
	// cutoffSid starts the Sid of every cut-off statement; policies given
	// to Ensure may not use it.
	cutoffSid = "StintCutoff"
	// cutoffMargin is added to the cut-off time: sessions issued up to
	// that much after it (stint's clock behind AWS's) are cut off too. The
	// user holds no assignment by then, so it costs nobody access.
	cutoffMargin = 10 * time.Second
)

// CheckPolicy validates an inline policy without calling AWS: valid JSON,
// Version 2012-10-17 (policy variables need it), one or more statements,
// each with Effect Allow or Deny, exactly one of Action and NotAction
// ("service:Action" patterns or "*"), exactly one of Resource and
// NotResource (ARNs or "*"), an optional Condition of operators mapping
// keys to values, an optional alphanumeric Sid that is unique and does not
// start with "StintCutoff" (cut-off statements are stint's), and no
// Principal (an identity policy has none). Compacted, it must leave
// PolicyReserve free under MaxPolicyBytes and MaxPolicyChars. It returns
// EINVALID saying what is wrong.
func CheckPolicy(policy string) error {
	doc, err := parsePolicy(policy, false)
	if err != nil {
		return err
	}
	if len(doc.statements) == 0 {
		return stint.Errorf(stint.EINVALID, "the policy has no statements")
	}
	out := doc.base()
	if n, c := len(out), nonSpace(out); n+PolicyReserve > MaxPolicyBytes || c+PolicyReserve > MaxPolicyChars {
		return stint.Errorf(stint.EINVALID, "the policy is too large for a permission set: %d bytes and %d non-whitespace characters; AWS allows %d and %d, and stint keeps %d free for cut-off statements; grant less in one permission set",
			n, c, MaxPolicyBytes, MaxPolicyChars, PolicyReserve)
	}
	return nil
}

// document is a parsed inline policy: its own statements (compact JSON)
// and stint's cut-off statements.
type document struct {
	statements []json.RawMessage
	cutoffs    []cutoff
	// foreign are cut-off statements stint cannot read (edited by hand):
	// kept as they are, never dropped.
	foreign []json.RawMessage
}

// cutoff denies everything to sessions of users (nil: of everyone) issued
// before at.
type cutoff struct {
	users []string
	at    time.Time
}

var (
	sidForm      = regexp.MustCompile(`^[A-Za-z0-9]*$`)
	actionForm   = regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9*?]+$`)
	statementKey = []string{"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)

// parsePolicy parses a policy. A policy given to stint (fromAWS false) is
// checked as CheckPolicy says, and a statement with a cut-off Sid is an
// error. A policy read from AWS is only split into its own statements and
// stint's cut-offs: AWS has validated it, and whatever it holds is
// compared, not judged.
func parsePolicy(policy string, fromAWS bool) (*document, error) {
	bad := func(format string, args ...any) (*document, error) {
		return nil, stint.Errorf(stint.EINVALID, "%s", fmt.Sprintf(format, args...))
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(policy), &top); err != nil {
		return bad("the policy is not a JSON object: %v", err)
	}
	for k := range top {
		if k != "Version" && k != "Id" && k != "Statement" {
			return bad("the policy has an unknown top-level element %q; IAM knows Version, Id and Statement", k)
		}
	}
	var version string
	if err := json.Unmarshal(top["Version"], &version); !fromAWS && (err != nil || version != policyVersion) {
		return bad("the policy's Version must be %q", policyVersion)
	}
	var raws []json.RawMessage
	if st := bytes.TrimSpace(top["Statement"]); len(st) > 0 && st[0] == '{' {
		raws = []json.RawMessage{st}
	} else if err := json.Unmarshal(st, &raws); err != nil {
		return bad("the policy's Statement must be a statement or a list of statements")
	}
	doc := &document{}
	sids := map[string]bool{}
	for i, raw := range raws {
		var st map[string]json.RawMessage
		if err := json.Unmarshal(raw, &st); err != nil {
			return bad("statement %d is not a JSON object", i+1)
		}
		var sid string
		if s, ok := st["Sid"]; ok {
			if err := json.Unmarshal(s, &sid); (err != nil || !sidForm.MatchString(sid)) && !fromAWS {
				return bad("statement %d: Sid must be a string of letters and digits", i+1)
			}
		}
		if strings.HasPrefix(sid, cutoffSid) {
			if !fromAWS {
				return bad("statement %d: Sids starting with %s are stint's cut-off statements; rename it", i+1, cutoffSid)
			}
			if c, ok := parseCutoff(raw); ok {
				doc.cutoffs = append(doc.cutoffs, c)
			} else {
				doc.foreign = append(doc.foreign, compact(raw))
			}
			continue
		}
		if !fromAWS {
			if sid != "" && sids[sid] {
				return bad("statement %d: Sid %q is used twice", i+1, sid)
			}
			sids[sid] = sid != ""
			if err := checkStatement(st); err != nil {
				return bad("statement %d%s: %s", i+1, sidLabel(sid), stint.ErrorMessage(err))
			}
		}
		doc.statements = append(doc.statements, compact(raw))
	}
	return doc, nil
}

func sidLabel(sid string) string {
	if sid == "" {
		return ""
	}
	return " (" + sid + ")"
}

// checkStatement checks one statement's elements.
func checkStatement(st map[string]json.RawMessage) error {
	for k := range st {
		if k == "Principal" || k == "NotPrincipal" {
			return stint.Errorf(stint.EINVALID, "an identity policy names no %s", k)
		}
		if !slices.Contains(statementKey, k) {
			return stint.Errorf(stint.EINVALID, "unknown element %q; a statement has %s", k, strings.Join(statementKey, ", "))
		}
	}
	var effect string
	if err := json.Unmarshal(st["Effect"], &effect); err != nil || (effect != "Allow" && effect != "Deny") {
		return stint.Errorf(stint.EINVALID, "Effect must be \"Allow\" or \"Deny\"")
	}
	if err := checkList(st, "Action", "NotAction", func(a string) bool { return a == "*" || actionForm.MatchString(a) },
		`"service:Action" patterns such as "s3:GetObject*", or "*"`); err != nil {
		return err
	}
	if err := checkList(st, "Resource", "NotResource", func(r string) bool { return r == "*" || strings.HasPrefix(r, "arn:") },
		`ARNs or "*"`); err != nil {
		return err
	}
	if c, ok := st["Condition"]; ok {
		var cond map[string]map[string]any
		if err := json.Unmarshal(c, &cond); err != nil || len(cond) == 0 {
			return stint.Errorf(stint.EINVALID, "Condition must map operators to {key: value(s)}")
		}
	}
	return nil
}

// checkList checks that exactly one of two list elements is present and
// that its values are well-formed.
func checkList(st map[string]json.RawMessage, key, notKey string, ok func(string) bool, want string) error {
	raw, has := st[key]
	notRaw, hasNot := st[notKey]
	if has == hasNot {
		return stint.Errorf(stint.EINVALID, "a statement needs exactly one of %s and %s", key, notKey)
	}
	if hasNot {
		key, raw = notKey, notRaw
	}
	var values []string
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		values = []string{one}
	} else if err := json.Unmarshal(raw, &values); err != nil || len(values) == 0 {
		return stint.Errorf(stint.EINVALID, "%s must be a string or a non-empty list of strings", key)
	}
	for _, v := range values {
		if !ok(v) {
			return stint.Errorf(stint.EINVALID, "%s %q is not valid; use %s", key, v, want)
		}
	}
	return nil
}

func compact(raw []byte) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return json.RawMessage(raw)
	}
	return b.Bytes()
}

func nonSpace(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// base renders the document's own statements alone.
func (d *document) base() string { return render(d.statements, nil, nil) }

// sameBase reports whether two documents have the same own statements,
// compared as JSON values (key order and spacing do not matter).
func sameBase(a, b *document) bool {
	if len(a.statements) != len(b.statements) {
		return false
	}
	for i := range a.statements {
		if canonical(a.statements[i]) != canonical(b.statements[i]) {
			return false
		}
	}
	return true
}

func canonical(raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	out, _ := json.Marshal(v) // maps marshal with sorted keys
	return string(out)
}

func render(statements []json.RawMessage, cutoffs []cutoff, foreign []json.RawMessage) string {
	var b strings.Builder
	b.WriteString(`{"Version":"` + policyVersion + `","Statement":[`)
	all := slices.Concat(statements, foreign)
	for i, c := range cutoffs {
		all = append(all, c.statement(fmt.Sprintf("%s%d", cutoffSid, i+1)))
	}
	for i, st := range all {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(st)
	}
	b.WriteString("]}")
	return b.String()
}

func fits(policy string) bool {
	return len(policy) <= MaxPolicyBytes && nonSpace(policy) <= MaxPolicyChars
}

// policy renders the document as the permission set's inline policy at
// now: its own statements, then the cut-offs that can still match a
// session (issued less than the session duration before now), one per
// user. When they do not fit the quotas, they are folded into one
// statement for all their users at the latest cut-off time, and failing
// that into one for every user: folding only ever cuts off more sessions
// (whoever is cut off signs in again), never fewer.
func (d *document) policy(now time.Time) (string, error) {
	live := liveCutoffs(d.cutoffs, now)
	out := render(d.statements, live, d.foreign)
	if fits(out) || len(live) == 0 {
		return out, d.checkFits(out)
	}
	folded := cutoff{at: live[0].at}
	everyone := false
	for _, c := range live {
		folded.at = later(folded.at, c.at)
		everyone = everyone || c.users == nil
		folded.users = append(folded.users, c.users...)
	}
	if !everyone {
		slices.Sort(folded.users)
		folded.users = slices.Compact(folded.users)
		if out = render(d.statements, []cutoff{folded}, d.foreign); fits(out) {
			return out, nil
		}
	}
	folded.users = nil
	out = render(d.statements, []cutoff{folded}, d.foreign)
	return out, d.checkFits(out)
}

func (d *document) checkFits(out string) error {
	if fits(out) {
		return nil
	}
	return stint.Errorf(stint.EINVALID, "the permission set's policy would have %d bytes and %d non-whitespace characters; AWS allows %d and %d",
		len(out), nonSpace(out), MaxPolicyBytes, MaxPolicyChars)
}

// liveCutoffs returns the cut-offs that can still match a session, one per
// user (the latest), in order of time then users.
func liveCutoffs(cs []cutoff, now time.Time) []cutoff {
	latest := map[string]time.Time{} // single user -> latest time
	var out []cutoff
	for _, c := range cs {
		if !now.Before(c.at.Add(sessionLength)) {
			continue // every session it could deny has expired
		}
		if len(c.users) == 1 {
			latest[c.users[0]] = later(latest[c.users[0]], c.at)
			continue
		}
		out = append(out, c)
	}
	for u, at := range latest {
		out = append(out, cutoff{users: []string{u}, at: at})
	}
	slices.SortFunc(out, func(a, b cutoff) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(strings.Join(a.users, ","), strings.Join(b.users, ","))
	})
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// cutoffTime is the cut-off time of a revocation at now: the next whole
// second plus cutoffMargin.
func cutoffTime(now time.Time) time.Time {
	return now.UTC().Truncate(time.Second).Add(time.Second + cutoffMargin)
}

type cutoffStatement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Action    string         `json:"Action"`
	Resource  string         `json:"Resource"`
	Condition map[string]any `json:"Condition"`
}

// statement renders the cut-off: Deny everything, on condition that the
// session was issued before at and, unless it is for everyone, that the
// caller's aws:userid ("ROLE_ID:SESSION_NAME"; Identity Center names role
// sessions after the user name) ends in ":USER".
func (c cutoff) statement(sid string) json.RawMessage {
	cond := map[string]any{"DateLessThan": map[string]string{"aws:TokenIssueTime": c.at.UTC().Format(time.RFC3339)}}
	if c.users != nil {
		patterns := make([]string, len(c.users))
		for i, u := range c.users {
			patterns[i] = "*:" + escapeLike(u)
		}
		var v any = patterns
		if len(patterns) == 1 {
			v = patterns[0]
		}
		cond["StringLike"] = map[string]any{"aws:userid": v}
	}
	out, _ := json.Marshal(cutoffStatement{Sid: sid, Effect: "Deny", Action: "*", Resource: "*", Condition: cond})
	return out
}

// parseCutoff reads a statement that cutoff.statement rendered.
func parseCutoff(raw []byte) (cutoff, bool) {
	var st struct {
		Effect, Action, Resource string
		Condition                struct {
			DateLessThan map[string]string
			StringLike   map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(raw, &st); err != nil || st.Effect != "Deny" || st.Action != "*" || st.Resource != "*" {
		return cutoff{}, false
	}
	at, err := time.Parse(time.RFC3339, st.Condition.DateLessThan["aws:TokenIssueTime"])
	if err != nil {
		return cutoff{}, false
	}
	c := cutoff{at: at}
	raw, ok := st.Condition.StringLike["aws:userid"]
	if !ok {
		return c, len(st.Condition.StringLike) == 0
	}
	var patterns []string
	var one string
	if json.Unmarshal(raw, &one) == nil {
		patterns = []string{one}
	} else if json.Unmarshal(raw, &patterns) != nil || len(patterns) == 0 {
		return cutoff{}, false
	}
	for _, p := range patterns {
		u, ok := strings.CutPrefix(p, "*:")
		if !ok {
			return cutoff{}, false
		}
		c.users = append(c.users, unescapeLike(u))
	}
	return c, true
}

// escapeLike makes s match only itself in StringLike: IAM spells a literal
// *, ? and $ as ${*}, ${?} and ${$}.
func escapeLike(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '$':
			b.WriteString("${" + string(r) + "}")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unescapeLike(s string) string {
	return strings.NewReplacer("${*}", "*", "${?}", "?", "${$}", "$").Replace(s)
}
