package broker

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/awserr"
	"github.com/stint-dev/stint/provider/awspolicy"
)

// CutoffPolicyName is the broker role's inline policy in which stint denies
// the sessions of revoked grants.
const CutoffPolicyName = "stint-external-cutoff"

// maxCutoffChars bounds the cut-off policy. AWS allows 10,240 characters
// for all of a role's inline policies together, and the broker role's own
// permissions policy counts too; past this, the statements of single
// grants make way for one that denies every session issued before the
// latest revocation.
const maxCutoffChars = 4096

var iamClassifier = awserr.Classifier{Service: "IAM",
	Forbidden: "stint's member role must allow iam:GetRolePolicy and iam:PutRolePolicy on the broker role; see docs/external.md",
	Codes: map[string]awserr.Rule{
		"LimitExceeded":           {Code: stint.EINVALID, Hint: "the broker role's inline policies are too large together"},
		"MalformedPolicyDocument": {Code: stint.EINVALID},
	}}

// sessionName is the role session of a grant's credentials: the grant,
// then the person (CloudTrail shows it), so that a cut-off can name the
// grant's sessions alone.
func sessionName(g *stint.Grant, person string) string {
	return SessionName(sessionPrefix(g) + person)
}

// sessionPrefix starts the session names of the grant's credentials.
func sessionPrefix(g *stint.Grant) string {
	return sessionChar.ReplaceAllString(g.ID, "-") + "."
}

// sessionPattern matches the grant's sessions in aws:userid
// ("ROLEID:SESSIONNAME").
func sessionPattern(g *stint.Grant) string { return "*:" + sessionPrefix(g) + "*" }

// cutoffDoc is the cut-off policy. Each statement denies everything to
// the sessions it matches; its Sid says until when it is needed (the last
// expiry of what it denies), so that later cut-offs drop it then.
type (
	cutoffDoc       = awspolicy.Document
	cutoffStatement = awspolicy.Statement
)

var sidUntil = regexp.MustCompile(`Until([0-9]+)$`)

// stUntil is when the statement is no longer needed (from its Sid).
func stUntil(s cutoffStatement) (time.Time, bool) {
	m := sidUntil.FindStringSubmatch(s.Sid)
	if m == nil {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	return time.Unix(n, 0).UTC(), err == nil
}

// stBefore is the issue time before which the statement denies sessions.
func stBefore(s cutoffStatement) time.Time {
	t, _ := time.Parse(time.RFC3339, s.Condition["DateLessThan"]["aws:TokenIssueTime"])
	return t
}

// allSessions is the Sid prefix of the statement that denies every
// session issued before a time.
const allSessions = "StintAllSessions"

func grantStatement(g *stint.Grant, before, until time.Time) cutoffStatement {
	return cutoffStatement{
		Sid:    "StintGrant" + nonAlnum.ReplaceAllString(g.ID, "") + "Until" + strconv.FormatInt(until.Unix(), 10),
		Effect: "Deny", Action: "*", Resource: "*",
		Condition: map[string]map[string]string{
			"StringLike":   {"aws:userid": sessionPattern(g)},
			"DateLessThan": {"aws:TokenIssueTime": before.UTC().Format(time.RFC3339)},
		},
	}
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]`)

// merge returns cur without the statements no longer needed at now, with
// st in place of any earlier statement of its grant. When the result
// would pass maxCutoffChars, every statement becomes one that denies all
// sessions issued before the latest of them, until the latest expiry.
func merge(cur []cutoffStatement, st cutoffStatement, now time.Time) []cutoffStatement {
	prefix, _, _ := strings.Cut(st.Sid, "Until")
	var out []cutoffStatement
	for _, s := range cur {
		if u, ok := stUntil(s); !ok || !u.After(now) || strings.HasPrefix(s.Sid, prefix+"Until") {
			continue
		}
		out = append(out, s)
	}
	out = append(out, st)
	if doc, _ := json.Marshal(cutoffDoc{Version: awspolicy.Version, Statement: out}); len(doc) <= maxCutoffChars {
		return out
	}
	var before, until time.Time
	for _, s := range out {
		if b := stBefore(s); b.After(before) {
			before = b
		}
		if u, _ := stUntil(s); u.After(until) {
			until = u
		}
	}
	return []cutoffStatement{{
		Sid: allSessions + "Until" + strconv.FormatInt(until.Unix(), 10), Effect: "Deny", Action: "*", Resource: "*",
		Condition: map[string]map[string]string{"DateLessThan": {"aws:TokenIssueTime": before.UTC().Format(time.RFC3339)}},
	}}
}

// covers reports whether the statements deny the grant's sessions issued
// before before.
func covers(sts []cutoffStatement, g *stint.Grant, before time.Time) bool {
	for _, s := range sts {
		if stBefore(s).Before(before) {
			continue
		}
		if strings.HasPrefix(s.Sid, allSessions) {
			return true
		}
		if s.Condition["StringLike"]["aws:userid"] == sessionPattern(g) {
			return true
		}
	}
	return false
}

// CutOff ends the credentials already issued for the grant: it puts on the
// broker role of the grant's account (through the member role) a
// statement that denies everything to the grant's sessions issued before
// before (rounded up to the second, the condition's precision), kept until
// until (when the last of them expires). Other statements are kept unless
// no longer needed; the policy is read back and written again until it
// holds (IAM is eventually consistent, and another revocation may write at
// the same time). It returns EINVALID without an Assumer, and AWS errors
// coded; a broker role that does not exist has no sessions to end.
func (b *Broker) CutOff(ctx context.Context, g *stint.Grant, before, until time.Time) error {
	if b.cfg.Assumer == nil {
		return stint.Errorf(stint.EINVALID, "cutting off an external's credentials needs the member role (aws.member_role)")
	}
	before = before.UTC().Truncate(time.Second).Add(time.Second)
	what := fmt.Sprintf("cut off the credentials of grant %s (broker role %s in %s, sessions issued before %s)",
		g.ID, b.cfg.RoleName, g.AccountID, before.Format(time.RFC3339))
	ac, err := b.cfg.Assumer.For(ctx, g.AccountID)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	c := iam.NewFromConfig(ac)
	st := grantStatement(g, before, until)
	tries := max(b.cfg.CutoffTries, 1)
	for attempt := 1; ; attempt++ {
		cur, found, err := b.readCutoff(ctx, c)
		if err != nil {
			return iamClassifier.Wrap(err, "%s", what)
		}
		if !found {
			return nil // no broker role: nothing was issued through it
		}
		if covers(cur, g, before) {
			return nil
		}
		if attempt > tries {
			return stint.Errorf(stint.EUNAVAILABLE, "%s: IAM did not show the statement after %d writes; it is retried later", what, tries)
		}
		if attempt > 1 {
			select {
			case <-ctx.Done():
				return stint.Errorf(stint.EUNAVAILABLE, "%s: %v", what, ctx.Err())
			case <-time.After(time.Duration(attempt-1) * b.cfg.CutoffBackoff):
			}
		}
		doc, _ := json.Marshal(cutoffDoc{Version: awspolicy.Version, Statement: merge(cur, st, time.Now())})
		_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: aws.String(b.cfg.RoleName), PolicyName: aws.String(CutoffPolicyName), PolicyDocument: aws.String(string(doc)),
		})
		if awserr.Has(err, "NoSuchEntity") {
			return nil
		}
		if err != nil {
			return iamClassifier.Wrap(err, "%s", what)
		}
	}
}

// readCutoff returns the cut-off policy's statements, and false when the
// broker role does not exist. A policy stint cannot read is replaced.
func (b *Broker) readCutoff(ctx context.Context, c *iam.Client) ([]cutoffStatement, bool, error) {
	out, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(b.cfg.RoleName), PolicyName: aws.String(CutoffPolicyName)})
	if awserr.Has(err, "NoSuchEntity") {
		if _, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(b.cfg.RoleName)}); awserr.Has(err, "NoSuchEntity") {
			return nil, false, nil
		} else if err != nil {
			return nil, false, err
		}
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	return parseCutoff(aws.ToString(out.PolicyDocument)), true, nil
}

// parseCutoff decodes a cut-off policy as IAM returns it (URL-encoded).
func parseCutoff(text string) []cutoffStatement {
	if dec, err := url.QueryUnescape(text); err == nil {
		text = dec
	}
	var doc cutoffDoc
	if json.Unmarshal([]byte(text), &doc) != nil {
		return nil
	}
	return slices.DeleteFunc(doc.Statement, func(s cutoffStatement) bool { return s.Effect != "Deny" })
}
