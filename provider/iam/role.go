package iam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/awserr"
)

// Identity Center's roles in member accounts: AWSReservedSSO_<permission
// set>_<16 hex digits>, under this path (or a region below it).
const (
	ssoRolePath   = "/aws-reserved/sso.amazonaws.com/"
	ssoRolePrefix = "AWSReservedSSO_"
)

// TrustActions are what stint's trust statements allow: assuming the role,
// and carrying a source identity into the session (STS requires
// sts:SetSourceIdentity when the calling session has one, and lets the
// user stamp their name on the session for CloudTrail otherwise). Not
// sts:TagSession: session tags would let the requester set principal tags
// that attribute-based policies trust.
var TrustActions = []string{"sts:AssumeRole", "sts:SetSourceIdentity"}

// noOneSid is the Sid of the statement that stands in for an empty trust
// policy (IAM wants at least one statement): it lets nobody in.
const noOneSid = "StintNoOne"

var noOneStatement = json.RawMessage(`{"Sid":"` + noOneSid + `","Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}`)

// StatementID returns the Sid of stint's trust statement for an effect:
// "Stint" and 24 hex digits of the SHA-256 of its key. Sids are
// alphanumeric; this one is the same in every process and across restarts,
// so a retried or repeated grant finds the statement it made.
func StatementID(effectKey string) string {
	sum := sha256.Sum256([]byte(effectKey))
	return "Stint" + hex.EncodeToString(sum[:12])
}

// sessionName is the form of STS role session names. Identity Center names
// a user's role sessions after their user name; the names contain neither
// the wildcards of StringLike nor policy variables.
var sessionName = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// trust is an aws-iam-role effect: stint's statement for one user in one
// role's trust policy.
type trust struct {
	key, account, role, user, via string
	sid                           string
	until                         *time.Time
	cutoff                        bool
}

func (t trust) String() string {
	return fmt.Sprintf("trust statement %s for %s in role %s in account %s", t.sid, t.user, t.role, t.account)
}

func trustOf(e *stint.Effect) (trust, error) {
	t := trust{
		key: e.Key, account: e.AccountID, role: e.Spec["name"], user: e.Subject, via: e.Spec["via_permission_set"],
		sid: StatementID(e.Key), until: e.Until, cutoff: e.Spec["cutoff"] == "true",
	}
	switch {
	case t.account == "" || t.role == "":
		return t, stint.Errorf(stint.EINVALID, "effect %s names no account or IAM role", e.Key)
	case t.user == "":
		return t, stint.Errorf(stint.EINVALID, "effect %s has no user name: the role's trust statement matches the requester's Identity Center sessions by it", e.Key)
	case !sessionName.MatchString(t.user):
		return t, stint.Errorf(stint.EINVALID, "the requester's user name %q cannot name an STS role session (letters, digits and +=,.@_-, 2 to 64), so no trust statement can match their sessions for role %s in account %s",
			t.user, t.role, t.account)
	}
	return t, nil
}

// trustStatement is the statement stint writes; its fields encode in this
// order and its condition maps sorted.
type trustStatement struct {
	Sid       string `json:"Sid"`
	Effect    string `json:"Effect"`
	Principal struct {
		AWS any `json:"AWS"`
	} `json:"Principal"`
	Action    []string                     `json:"Action"`
	Condition map[string]map[string]string `json:"Condition"`
}

// statement returns the trust statement letting the user's sessions of
// the Identity Center roles assume the role until t.until: aws:userid of
// an assumed-role session is "ROLE_ID:SESSION_NAME", and Identity Center
// names sessions after the user; DateLessThan makes AWS refuse new
// sessions at the end even if stint is down.
func (t trust) statement(principals []string) json.RawMessage {
	st := trustStatement{Sid: t.sid, Effect: "Allow", Action: TrustActions, Condition: map[string]map[string]string{
		"StringLike":   {"aws:userid": "*:" + t.user},
		"DateLessThan": {"aws:CurrentTime": t.until.UTC().Format(time.RFC3339)},
	}}
	st.Principal.AWS = principals
	if len(principals) == 1 {
		st.Principal.AWS = principals[0]
	}
	raw, _ := json.Marshal(st) // strings and maps of strings always encode
	return raw
}

// statementUntil returns the DateLessThan aws:CurrentTime of a statement.
func statementUntil(st json.RawMessage) (time.Time, bool) {
	var s struct {
		Condition map[string]map[string]any `json:"Condition"`
	}
	if json.Unmarshal(st, &s) != nil {
		return time.Time{}, false
	}
	v, _ := s.Condition["DateLessThan"]["aws:CurrentTime"].(string)
	at, err := time.Parse(time.RFC3339, v)
	return at, err == nil
}

// grantRole adds or updates the user's trust statement in the role and
// checks, reading the policy back, that it holds and that the other
// statements are as they were. It changes nothing when the statement is
// already as wanted. The principals are the Identity Center roles in the
// account: the via_permission_set's, or all of them.
//
// It returns ENOTFOUND when the role does not exist; EINVALID when the
// effect has no Until, when no Identity Center role can be the principal
// (the user never had a permission set there), when the policy would
// exceed TrustPolicyLimit (nothing is sent) or when IAM rejects it;
// EFORBIDDEN when the account cannot be reached or IAM refuses; and
// EUNAVAILABLE when IAM keeps failing or the policy keeps changing under
// the edit.
func (p *Provider) grantRole(ctx context.Context, e *stint.Effect) error {
	t, err := trustOf(e)
	if err != nil {
		return err
	}
	if t.until == nil {
		return stint.Errorf(stint.EINVALID, "grant %s: the effect has no end (Until); IAM role access is timed", t)
	}
	c, err := p.client(ctx, t.account)
	if err != nil {
		return fmt.Errorf("grant %s: %w", t, err)
	}
	defer p.lockRole(t.account, t.role)()

	var principals []string // listed once, after the role is known to exist
	_, err = p.editTrust(ctx, c, t, "grant", false, func(doc *policyDoc) (bool, error) {
		if principals == nil {
			found, err := p.ssoRoles(ctx, c, t)
			if err != nil {
				return false, err
			}
			principals = found
		}
		removed := doc.remove(noOneSid)
		return doc.put(t.sid, t.statement(principals)) || removed, nil
	})
	if err != nil {
		return err
	}
	p.log.InfoContext(ctx, "IAM role trust statement in place", "account", t.account, "role", t.role, "user", t.user,
		"sid", t.sid, "until", t.until.UTC(), "principals", len(principals))
	return nil
}

// revokeRole removes the user's trust statement from the role, checking
// as grantRole does; a statement or role that is gone is success. With
// cutoff it then puts the cut-off policy (see cutoff), also when the
// statement was already gone, so that a revocation retried after a crash
// still cuts off.
func (p *Provider) revokeRole(ctx context.Context, e *stint.Effect) error {
	t, err := trustOf(e)
	if err != nil {
		return err
	}
	c, err := p.client(ctx, t.account)
	if err != nil {
		return fmt.Errorf("revoke %s: %w", t, err)
	}
	defer p.lockRole(t.account, t.role)()

	found, err := p.editTrust(ctx, c, t, "revoke", true, func(doc *policyDoc) (bool, error) {
		if !doc.remove(t.sid) {
			return false, nil
		}
		if len(doc.statements) == 0 {
			doc.statements = append(doc.statements, noOneStatement)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	if !found {
		p.log.InfoContext(ctx, "IAM role gone; nothing to revoke", "account", t.account, "role", t.role, "user", t.user)
		return nil
	}
	p.log.InfoContext(ctx, "IAM role trust statement removed", "account", t.account, "role", t.role, "user", t.user, "sid", t.sid)
	if t.cutoff {
		return p.cutoff(ctx, c, t)
	}
	return nil
}

// roleExists reports whether the user's trust statement is in the role
// and lasts at least until e.Until. A missing role has none.
func (p *Provider) roleExists(ctx context.Context, e *stint.Effect) (bool, error) {
	t, err := trustOf(e)
	if err != nil {
		return false, err
	}
	c, err := p.client(ctx, t.account)
	if err != nil {
		return false, fmt.Errorf("check %s: %w", t, err)
	}
	doc, err := p.readTrust(ctx, c, t)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	i := doc.find(t.sid)
	if i < 0 {
		return false, nil
	}
	if t.until == nil {
		return true, nil
	}
	until, ok := statementUntil(doc.statements[i])
	return ok && !until.Before(t.until.Truncate(time.Second)), nil
}

// editTrust edits the role's trust policy: it reads it, lets edit change
// a copy, writes the copy when edit changed it, and reads it back to check
// that every statement is as written. A lost update (another writer in
// between: IAM has no conditional update) and MalformedPolicyDocument
// naming a principal (an Identity Center role so new that IAM does not
// know it yet) start a new round after a backoff, EditAttempts rounds in
// all. The caller holds the role's lock. It reports whether the role
// exists; a missing role is ENOTFOUND unless missingOK.
func (p *Provider) editTrust(ctx context.Context, c *awsiam.Client, t trust, verb string, missingOK bool, edit func(*policyDoc) (bool, error)) (bool, error) {
	what := verb + " " + t.String()
	for attempt := 1; ; attempt++ {
		doc, err := p.readTrust(ctx, c, t)
		if isNotFound(err) {
			if missingOK {
				return false, nil
			}
			return false, stint.Errorf(stint.ENOTFOUND, "%s: IAM role %q does not exist in account %s; check the flow's iam_role selector and discover the account's resources again",
				what, t.role, t.account)
		}
		if err != nil {
			return false, fmt.Errorf("%s: %w", what, err)
		}
		want := doc.clone()
		changed, err := edit(want)
		if err != nil || !changed {
			return true, err
		}
		if n := want.size(); n > p.trustLimit {
			return true, stint.Errorf(stint.EINVALID, "%s: the role's trust policy would be %d characters (not counting white space), over the limit of %d, so stint did not change it; raise the account's \"Role trust policy length\" IAM quota and the provider's trust policy limit with it, remove statements the role no longer needs, or set via_permission_set on the flow so that stint's statements name one Identity Center role",
				what, n, p.trustLimit)
		}
		_, err = c.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String(t.role), PolicyDocument: aws.String(string(want.encode()))})
		switch {
		case isNotFound(err) && missingOK:
			return false, nil
		case hasCode(err, "MalformedPolicyDocument") && strings.Contains(strings.ToLower(awsMessage(err)), "principal"):
			if attempt >= p.editTries {
				return true, awserr.Coded(stint.EUNAVAILABLE, err, "%s: IAM still rejects a principal after %d attempts (%s); an Identity Center role that was just created takes IAM a while to know, so it is retried later",
					what, attempt, awsMessage(err))
			}
			p.log.InfoContext(ctx, "IAM does not know a principal yet; retrying", "account", t.account, "role", t.role, "attempt", attempt, "err", awsMessage(err))
		case err != nil:
			return true, awsError(err, "%s", what)
		default:
			got, err := p.readTrust(ctx, c, t)
			if err != nil && !isNotFound(err) {
				return true, fmt.Errorf("%s: read back: %w", what, err)
			}
			if err == nil && sameStatements(got.statements, want.statements) {
				return true, nil
			}
			if attempt >= p.editTries {
				return true, stint.Errorf(stint.EUNAVAILABLE, "%s: the role's trust policy changed under stint's edit %d times (another writer, or IAM showing an older version); it is retried later",
					what, attempt)
			}
			p.log.WarnContext(ctx, "IAM role trust policy changed under the edit; retrying", "account", t.account, "role", t.role, "attempt", attempt)
		}
		if err := p.backoff(ctx, attempt); err != nil {
			return true, stint.Errorf(stint.EUNAVAILABLE, "%s: the operation ended while retrying (%v); it is retried later", what, err)
		}
	}
}

// readTrust reads the role's trust policy. The SDK error of a missing role
// is returned as it is, for isNotFound.
func (p *Provider) readTrust(ctx context.Context, c *awsiam.Client, t trust) (*policyDoc, error) {
	out, err := c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String(t.role)})
	if isNotFound(err) {
		return nil, err
	}
	if err != nil {
		return nil, awsError(err, "read role %s in account %s", t.role, t.account)
	}
	doc, err := decodePolicy(aws.ToString(out.Role.AssumeRolePolicyDocument))
	if err != nil {
		return nil, stint.Errorf(stint.EINVALID, "the trust policy of role %s in account %s is not a policy document stint can edit (%v); fix it in IAM", t.role, t.account, err)
	}
	return doc, nil
}

// ssoRoles returns the ARNs of the account's Identity Center roles that
// may carry the user's sessions, sorted: the via permission set's, or
// every one. It returns EINVALID when there is none.
func (p *Provider) ssoRoles(ctx context.Context, c *awsiam.Client, t trust) ([]string, error) {
	var arns, seen []string
	pages := awsiam.NewListRolesPaginator(c, &awsiam.ListRolesInput{PathPrefix: aws.String(ssoRolePath)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, awsError(err, "list the Identity Center roles of account %s", t.account)
		}
		for _, r := range page.Roles {
			ps, ok := ssoPermissionSet(aws.ToString(r.RoleName))
			if !ok {
				continue
			}
			seen = append(seen, ps)
			if t.via == "" || strings.EqualFold(ps, t.via) {
				arns = append(arns, aws.ToString(r.Arn))
			}
		}
	}
	switch {
	case len(arns) > 0:
		slices.Sort(arns)
		return arns, nil
	case t.via != "":
		slices.Sort(seen)
		return nil, stint.Errorf(stint.EINVALID, "grant %s: account %s has no Identity Center role for permission set %s (found: %s); Identity Center creates it when the permission set is first assigned in the account, so assign %s to %s there first, then retry",
			t, t.account, t.via, listOrNone(seen), t.via, t.user)
	}
	return nil, stint.Errorf(stint.EINVALID, "grant %s: account %s has no Identity Center role yet, so %s has no session that could assume %s; assign %s a permission set in the account (or set via_permission_set on the flow to one they have), then retry",
		t, t.account, t.user, t.role, t.user)
}

// ssoPermissionSet returns the permission set of an Identity Center role
// name: AWSReservedSSO_<name>_<16 hex digits>.
func ssoPermissionSet(role string) (string, bool) {
	rest, ok := strings.CutPrefix(role, ssoRolePrefix)
	i := strings.LastIndexByte(rest, '_')
	if !ok || i <= 0 || len(rest)-i-1 != 16 {
		return "", false
	}
	return rest[:i], true
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
