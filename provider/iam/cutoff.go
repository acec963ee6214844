package iam

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/awspolicy"
)

// cutoffPolicy is the inline role policy that ends the role's sessions
// issued before a time: it denies every action to them.
type (
	cutoffPolicy    = awspolicy.Document
	cutoffStatement = awspolicy.Statement
)

func newCutoffPolicy(before time.Time) []byte {
	doc, _ := json.Marshal(cutoffPolicy{Version: awspolicy.Version, Statement: []cutoffStatement{{
		Sid: "StintCutoff", Effect: "Deny", Action: "*", Resource: "*",
		Condition: map[string]map[string]string{"DateLessThan": {"aws:TokenIssueTime": before.UTC().Format(time.RFC3339)}},
	}}})
	return doc
}

// cutoffTime returns the time of a cut-off policy document.
func cutoffTime(text string) (time.Time, bool) {
	doc, err := decodePolicy(text)
	if err != nil || len(doc.statements) != 1 {
		return time.Time{}, false
	}
	var st cutoffStatement
	if json.Unmarshal(doc.statements[0], &st) != nil || st.Effect != "Deny" {
		return time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339, st.Condition["DateLessThan"]["aws:TokenIssueTime"])
	return at, err == nil
}

// cutoff puts the inline policy CutoffPolicyName on the role, denying
// every action to every session of the role issued before now (rounded up
// to the second, the precision of the condition). It ends every session of
// the role issued until then, the other holders' and those of people
// outside stint too: flows use it only for roles that nobody uses but
// through stint, and other holders simply assume the role again. A cut-off
// already at that time or later is kept; an earlier one is replaced. It
// reads the policy back and retries, as editTrust does, until it holds.
func (p *Provider) cutoff(ctx context.Context, c *awsiam.Client, t trust) error {
	before := p.now().UTC().Truncate(time.Second).Add(time.Second)
	what := fmt.Sprintf("cut off the sessions of role %s in account %s issued before %s", t.role, t.account, before.Format(time.RFC3339))
	for attempt := 1; ; attempt++ {
		cur, err := p.readCutoff(ctx, c, t)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if !cur.Before(before) {
			msg := "IAM role sessions cut off"
			if attempt == 1 {
				msg = "IAM role cut-off already in place"
			}
			p.log.InfoContext(ctx, msg, "account", t.account, "role", t.role, "before", cur)
			return nil
		}
		if attempt > p.editTries {
			return stint.Errorf(stint.EUNAVAILABLE, "%s: IAM did not show the cut-off policy after %d writes; it is retried later", what, p.editTries)
		}
		if attempt > 1 { // written, but not shown (yet), or replaced by an earlier time
			if err := p.backoff(ctx, attempt-1); err != nil {
				return stint.Errorf(stint.EUNAVAILABLE, "%s: the operation ended while retrying (%v); it is retried later", what, err)
			}
		}
		_, err = c.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{
			RoleName: aws.String(t.role), PolicyName: aws.String(CutoffPolicyName), PolicyDocument: aws.String(string(newCutoffPolicy(before))),
		})
		if isNotFound(err) {
			return nil // the role is gone, and its sessions with it
		}
		if err != nil {
			return awsError(err, "%s", what)
		}
	}
}

// readCutoff returns the time of the role's cut-off policy; the zero time
// when it has none (or one stint cannot read, which is then replaced).
func (p *Provider) readCutoff(ctx context.Context, c *awsiam.Client, t trust) (time.Time, error) {
	out, err := c.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String(t.role), PolicyName: aws.String(CutoffPolicyName)})
	if isNotFound(err) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, awsError(err, "read policy %s of role %s in account %s", CutoffPolicyName, t.role, t.account)
	}
	at, _ := cutoffTime(aws.ToString(out.PolicyDocument))
	return at, nil
}
