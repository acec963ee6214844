package iam_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/provider/iam"
)

// handWritten is a trust policy as people write them: an Id first,
// indentation, members out of the usual order, a Principal as a string in
// one statement and as a list in another, and a Condition.
const handWritten = `{
  "Id": "deploy-trust",   "Version" : "2012-10-17",
  "Statement": [
    {"Effect":"Allow","Principal":{"Service":"codebuild.amazonaws.com"},"Action":"sts:AssumeRole"},
    {
      "Action" : [ "sts:AssumeRole" ],
      "Sid": "CI",
      "Condition": {"StringEquals": {"sts:ExternalId": "ci-1234"}},
      "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:role/ci"]},
      "Effect": "Allow"
    }
  ]
}`

// handWrittenStatements are handWritten's statements exactly as written.
var handWrittenStatements = []string{
	`{"Effect":"Allow","Principal":{"Service":"codebuild.amazonaws.com"},"Action":"sts:AssumeRole"}`,
	`{
      "Action" : [ "sts:AssumeRole" ],
      "Sid": "CI",
      "Condition": {"StringEquals": {"sts:ExternalId": "ci-1234"}},
      "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:role/ci"]},
      "Effect": "Allow"
    }`,
}

// roleAccount makes an account with role "deploy" trusting handWritten and
// one Identity Center role, for ReadOnly; it returns the account and that
// role's ARN.
func roleAccount(t *testing.T, e *env) (string, string) {
	t.Helper()
	acct := nextAccount()
	e.role(t, acct, "deploy", handWritten)
	return acct, e.ssoRole(t, acct, "ReadOnly")
}

// statements splits a policy document into its statements, each as the
// exact text it has in the document.
func statements(t *testing.T, doc string) []string {
	t.Helper()
	var d struct{ Statement []json.RawMessage }
	require.NoError(t, json.Unmarshal([]byte(doc), &d))
	out := make([]string, len(d.Statement))
	for i, st := range d.Statement {
		out[i] = string(st)
	}
	return out
}

// stintStatement is the statement expected for a user.
func stintStatement(eff *stint.Effect, user string, until time.Time, principals ...string) string {
	p, _ := json.Marshal(principals)
	if len(principals) == 1 {
		p, _ = json.Marshal(principals[0])
	}
	return fmt.Sprintf(`{"Sid":%q,"Effect":"Allow","Principal":{"AWS":%s},"Action":["sts:AssumeRole","sts:SetSourceIdentity"],
		"Condition":{"DateLessThan":{"aws:CurrentTime":%q},"StringLike":{"aws:userid":"*:%s"}}}`,
		iam.StatementID(eff.Key), p, until.UTC().Format(time.RFC3339), user)
}

func exists(t *testing.T, e *env, eff *stint.Effect) bool {
	t.Helper()
	ok, err := e.p.Exists(t.Context(), eff)
	require.NoError(t, err)
	return ok
}

func TestRoleGrantAndRevoke(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct, readOnly := roleAccount(t, e)
	until := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	eff := roleEffect(acct, "deploy", "u-alice", "alice", until)
	require.False(t, exists(t, e, eff))

	require.NoError(t, e.p.Grant(ctx, eff))
	got := statements(t, e.trust(t, acct, "deploy"))
	require.Len(t, got, 3)
	require.Equal(t, handWrittenStatements, got[:2], "the other statements are kept byte for byte")
	require.JSONEq(t, stintStatement(eff, "alice", until, readOnly), got[2])
	require.True(t, exists(t, e, eff))
	require.Equal(t, 1, e.proxy.Count("UpdateAssumeRolePolicy"))

	require.NoError(t, e.p.Grant(ctx, eff), "granting again is success")
	require.Equal(t, 1, e.proxy.Count("UpdateAssumeRolePolicy"), "and sends nothing")

	require.NoError(t, e.p.Revoke(ctx, eff))
	require.Equal(t, handWrittenStatements, statements(t, e.trust(t, acct, "deploy")))
	require.False(t, exists(t, e, eff))
	_, err := e.iam(t, acct).GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("deploy"), PolicyName: aws.String(iam.CutoffPolicyName)})
	require.Error(t, err, "no cut-off without cutoff")

	require.NoError(t, e.p.Revoke(ctx, eff), "revoking again is success")
	require.Equal(t, 2, e.proxy.Count("UpdateAssumeRolePolicy"), "and sends nothing")
}

func TestRoleTwoUsersHaveTheirOwnStatements(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct, readOnly := roleAccount(t, e)
	until := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	alice := roleEffect(acct, "deploy", "u-alice", "alice", until)
	bob := roleEffect(acct, "deploy", "u-bob", "bob", until.Add(time.Hour))

	require.NoError(t, e.p.Grant(ctx, alice))
	require.NoError(t, e.p.Grant(ctx, bob))
	got := statements(t, e.trust(t, acct, "deploy"))
	require.Len(t, got, 4)
	require.JSONEq(t, stintStatement(alice, "alice", until, readOnly), got[2])
	require.JSONEq(t, stintStatement(bob, "bob", until.Add(time.Hour), readOnly), got[3])

	require.NoError(t, e.p.Revoke(ctx, alice))
	got = statements(t, e.trust(t, acct, "deploy"))
	require.Equal(t, handWrittenStatements, got[:2])
	require.Len(t, got, 3)
	require.JSONEq(t, stintStatement(bob, "bob", until.Add(time.Hour), readOnly), got[2])
	require.False(t, exists(t, e, alice))
	require.True(t, exists(t, e, bob), "revoking one user leaves the other")
}

func TestRoleGrantMovesTheEnd(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct, readOnly := roleAccount(t, e)
	until := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	eff := roleEffect(acct, "deploy", "u-alice", "alice", until)
	require.NoError(t, e.p.Grant(ctx, eff))

	later, moved := eff.Extends(until.Add(90 * time.Minute))
	require.True(t, moved)
	require.False(t, exists(t, e, later), "a statement that ends too early is not the effect")
	require.NoError(t, e.p.Grant(ctx, later))
	got := statements(t, e.trust(t, acct, "deploy"))
	require.Len(t, got, 3, "one statement, updated in place")
	require.JSONEq(t, stintStatement(eff, "alice", until.Add(90*time.Minute), readOnly), got[2])
	require.True(t, exists(t, e, later))
	require.True(t, exists(t, e, eff), "it lasts at least as long as the earlier end")
}

func TestRolePrincipals(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct, readOnly := roleAccount(t, e)
	admin := e.ssoRole(t, acct, "Data_Admin")
	until := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)

	all := roleEffect(acct, "deploy", "u-alice", "alice", until)
	require.NoError(t, e.p.Grant(ctx, all))
	require.JSONEq(t, stintStatement(all, "alice", until, admin, readOnly), statements(t, e.trust(t, acct, "deploy"))[2],
		"every Identity Center role of the account, sorted")

	via := roleEffect(acct, "deploy", "u-bob", "bob", until, "via_permission_set", "Data_Admin")
	require.NoError(t, e.p.Grant(ctx, via))
	require.JSONEq(t, stintStatement(via, "bob", until, admin), statements(t, e.trust(t, acct, "deploy"))[3],
		"only the via permission set's role")

	calls := e.proxy.Count("UpdateAssumeRolePolicy")
	unknown := roleEffect(acct, "deploy", "u-carol", "carol", until, "via_permission_set", "PowerUser")
	requireCode(t, e.p.Grant(ctx, unknown), stint.EINVALID,
		"account "+acct+" has no Identity Center role for permission set PowerUser (found: Data_Admin, ReadOnly)", "assign PowerUser to carol")
	require.Equal(t, calls, e.proxy.Count("UpdateAssumeRolePolicy"), "nothing sent")
}

func TestRoleNeedsAnIdentityCenterRole(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := nextAccount()
	e.role(t, acct, "deploy", handWritten)
	eff := roleEffect(acct, "deploy", "u-alice", "alice", time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC))
	requireCode(t, e.p.Grant(ctx, eff), stint.EINVALID, "account "+acct+" has no Identity Center role yet", "assign alice a permission set")
	require.Zero(t, e.proxy.Count("UpdateAssumeRolePolicy"))
	require.Equal(t, handWrittenStatements, statements(t, e.trust(t, acct, "deploy")))
}

func TestRoleBadInput(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct, _ := roleAccount(t, e)
	until := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)

	noUntil := roleEffect(acct, "deploy", "u-alice", "alice", until)
	noUntil.Until = nil
	for _, tc := range []struct {
		name  string
		eff   *stint.Effect
		code  string
		parts []string
	}{
		{"unknown role", roleEffect(acct, "nope", "u-alice", "alice", until), stint.ENOTFOUND,
			[]string{`IAM role "nope" does not exist in account ` + acct}},
		{"no end", noUntil, stint.EINVALID, []string{"has no end"}},
		{"user name with a wildcard", roleEffect(acct, "deploy", "u-x", "al*", until), stint.EINVALID,
			[]string{`user name "al*" cannot name an STS role session`}},
		{"not an IAM kind", &stint.Effect{Key: "k", Kind: "aws-s3"}, stint.EINVALID, []string{`not "aws-s3"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireCode(t, e.p.Grant(ctx, tc.eff), tc.code, tc.parts...)
		})
	}
	require.Zero(t, e.proxy.Count("UpdateAssumeRolePolicy"), "nothing half-made")
	require.NoError(t, e.p.Revoke(ctx, roleEffect(acct, "nope", "u-alice", "alice", until)), "a role that is gone trusts no one")
	require.False(t, exists(t, e, roleEffect(acct, "nope", "u-alice", "alice", until)))
}

func TestRoleAccountUnreachable(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct, _ := roleAccount(t, e)
	e.proxy.Inject(faultproxy.Rule{Op: "AssumeRole", Fault: faultproxy.AccessDenied, BodyContains: acct})
	eff := roleEffect(acct, "deploy", "u-alice", "alice", time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC))
	requireCode(t, e.p.Grant(ctx, eff), stint.EFORBIDDEN, "cannot reach account "+acct, "AssumeRole of arn:aws:iam::"+acct+":role/OrganizationAccountAccessRole")
	requireCode(t, e.p.Revoke(ctx, eff), stint.EFORBIDDEN, "cannot reach account "+acct)
	require.Zero(t, e.proxy.Count("GetRole"))
	require.Equal(t, handWrittenStatements, statements(t, e.trust(t, acct, "deploy")))
}

func TestRoleTrustPolicySizeLimit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := nextAccount()
	// A trust policy of 2,000 characters without white space, and 4,000
	// with it: stint's statement does not fit under 2,048.
	filler := `{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`
	lambda := func(pad string) string {
		return `{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:lambda:us-east-1:` +
			acct + `:function:` + pad + `"}}}`
	}
	pad := 2000 - len(`{"Version":"2012-10-17","Statement":[`+filler+`,`+lambda("")+`]}`)
	doc := `{"Version":"2012-10-17","Statement":[` + filler + `,` + strings.Repeat(" ", 2000) + lambda(strings.Repeat("x", pad)) + `]}`
	e.role(t, acct, "deploy", doc)
	e.ssoRole(t, acct, "ReadOnly")

	eff := roleEffect(acct, "deploy", "u-alice", "alice", time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC))
	requireCode(t, e.p.Grant(ctx, eff), stint.EINVALID, "over the limit of 2048", "did not change it", `"Role trust policy length"`)
	require.Zero(t, e.proxy.Count("UpdateAssumeRolePolicy"), "nothing sent")
	require.Equal(t, doc, e.trust(t, acct, "deploy"))

	// With the quota raised, it fits.
	raised := setup(t, func(c *iam.Config) { c.TrustPolicyLimit = 4096 })
	require.NoError(t, raised.p.Grant(ctx, eff))
	require.True(t, exists(t, raised, eff))
}

func TestRoleCutoff(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct, _ := roleAccount(t, e)
	eff := roleEffect(acct, "deploy", "u-alice", "alice", time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC))
	require.NoError(t, e.p.Grant(ctx, eff))
	cutoff := func() string {
		out, err := e.iam(t, acct).GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("deploy"), PolicyName: aws.String(iam.CutoffPolicyName)})
		require.NoError(t, err)
		doc, err := unescape(aws.ToString(out.PolicyDocument))
		require.NoError(t, err)
		return doc
	}
	want := func(at string) string {
		return `{"Version":"2012-10-17","Statement":[{"Sid":"StintCutoff","Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + at + `"}}}]}`
	}

	eff.Spec["cutoff"] = "true"
	e.now = time.Date(2026, 12, 1, 10, 20, 30, 500, time.UTC)
	require.NoError(t, e.p.Revoke(ctx, eff))
	require.Equal(t, handWrittenStatements, statements(t, e.trust(t, acct, "deploy")))
	require.JSONEq(t, want("2026-12-01T10:20:31Z"), cutoff(), "sessions issued up to the revocation's second are denied")

	// A later revocation (another holder's, or this one retried) moves it;
	// an earlier time never replaces a later one.
	e.now = e.now.Add(time.Hour)
	require.NoError(t, e.p.Revoke(ctx, eff))
	require.JSONEq(t, want("2026-12-01T11:20:31Z"), cutoff())
	puts := e.proxy.Count("PutRolePolicy")
	e.now = e.now.Add(-2 * time.Hour)
	require.NoError(t, e.p.Revoke(ctx, eff))
	require.JSONEq(t, want("2026-12-01T11:20:31Z"), cutoff())
	require.Equal(t, puts, e.proxy.Count("PutRolePolicy"))
}

func TestRoleLastStatementLeavesADeny(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := nextAccount()
	// A role made for stint only: its trust policy trusts no one but
	// stint's grants.
	e.role(t, acct, "breakglass", `{"Version":"2012-10-17","Statement":[{"Sid":"Nobody","Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`)
	readOnly := e.ssoRole(t, acct, "ReadOnly")
	until := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	eff := roleEffect(acct, "breakglass", "u-alice", "alice", until)
	require.NoError(t, e.p.Grant(ctx, eff))
	_, err := e.iam(t, acct).UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("breakglass"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[` + stintStatement(eff, "alice", until, readOnly) + `]}`)})
	require.NoError(t, err, "someone removed the other statement")

	require.NoError(t, e.p.Revoke(ctx, eff))
	require.Equal(t, []string{`{"Sid":"StintNoOne","Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}`},
		statements(t, e.trust(t, acct, "breakglass")), "IAM wants a statement; this one lets no one in")
	require.NoError(t, e.p.Grant(ctx, eff))
	got := statements(t, e.trust(t, acct, "breakglass"))
	require.Len(t, got, 1, "and goes when a grant comes")
	require.JSONEq(t, stintStatement(eff, "alice", until, readOnly), got[0])
}

// interceptor stands between the provider and the proxy. Its hook sees
// each IAM call by Action before it goes out (and may answer it itself) and
// after it comes back.
type interceptor struct {
	next   http.RoundTripper
	before func(action string) *http.Response
	after  func(action string)
}

func (i *interceptor) RoundTrip(r *http.Request) (*http.Response, error) {
	var action string
	if r.Body != nil {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if v, err := url.ParseQuery(string(body)); err == nil {
			action = v.Get("Action")
		}
	}
	if i.before != nil {
		if resp := i.before(action); resp != nil {
			resp.Request = r
			return resp, nil
		}
	}
	resp, err := i.next.RoundTrip(r)
	if err == nil && i.after != nil {
		i.after(action)
	}
	return resp, err
}

func intercept(i *interceptor) func(*iam.Config) {
	i.next = http.DefaultTransport
	return func(c *iam.Config) { c.AWS.HTTPClient = &http.Client{Transport: i} }
}

func TestRoleLostUpdateIsRedone(t *testing.T) {
	t.Parallel()
	var (
		once sync.Once
		e    *env
		acct string
	)
	intruder := `{"Sid":"Intruder","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:root"},"Action":"sts:AssumeRole"}`
	hook := &interceptor{after: func(action string) {
		if action != "UpdateAssumeRolePolicy" {
			return
		}
		once.Do(func() {
			// Another writer read the policy before stint wrote, and
			// writes now: stint's statement is lost.
			_, err := e.iam(t, acct).UpdateAssumeRolePolicy(t.Context(), &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("deploy"),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[` + strings.Join(handWrittenStatements, ",") + `,` + intruder + `]}`)})
			require.NoError(t, err)
		})
	}}
	e = setup(t, intercept(hook))
	acct, readOnly := roleAccount(t, e)
	until := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	eff := roleEffect(acct, "deploy", "u-alice", "alice", until)

	require.NoError(t, e.p.Grant(t.Context(), eff))
	require.Equal(t, 2, e.proxy.Count("UpdateAssumeRolePolicy"), "written again after the read-back showed the loss")
	got := statements(t, e.trust(t, acct, "deploy"))
	require.Len(t, got, 4)
	require.Equal(t, handWrittenStatements, got[:2])
	require.Equal(t, intruder, got[2], "the other writer's statement is kept")
	require.JSONEq(t, stintStatement(eff, "alice", until, readOnly), got[3])
}

func TestRoleNewPrincipalIsRetried(t *testing.T) {
	t.Parallel()
	rejections := 0
	var mu sync.Mutex
	hook := &interceptor{before: func(action string) *http.Response {
		mu.Lock()
		defer mu.Unlock()
		if action != "UpdateAssumeRolePolicy" || rejections >= 2 {
			return nil
		}
		rejections++
		// What IAM answers for a role created moments ago.
		body := `<ErrorResponse><Error><Type>Sender</Type><Code>MalformedPolicyDocument</Code><Message>Invalid principal in policy: "AWS":"arn:aws:iam::1:role/x"</Message></Error><RequestId>r</RequestId></ErrorResponse>`
		return &http.Response{StatusCode: http.StatusBadRequest, Header: http.Header{"Content-Type": {"text/xml"}},
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
	}}
	e := setup(t, intercept(hook))
	acct, _ := roleAccount(t, e)
	eff := roleEffect(acct, "deploy", "u-alice", "alice", time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC))
	require.NoError(t, e.p.Grant(t.Context(), eff))
	require.True(t, exists(t, e, eff))
	require.Equal(t, 1, e.proxy.Count("UpdateAssumeRolePolicy"), "the two rejected ones never reached IAM")

	// Rejected every time: EUNAVAILABLE, to be retried later.
	mu.Lock()
	rejections = -100
	mu.Unlock()
	other := roleEffect(acct, "deploy", "u-bob", "bob", time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC))
	requireCode(t, e.p.Grant(t.Context(), other), stint.EUNAVAILABLE, "IAM still rejects a principal after 4 attempts", "Invalid principal")
	require.False(t, exists(t, e, other))
}

func TestRoleConcurrentGrantsAllLand(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct, _ := roleAccount(t, e)
	until := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	users := []string{"alice", "bob", "carol", "dave"}
	var wg sync.WaitGroup
	errs := make([]error, len(users))
	for i, u := range users {
		wg.Go(func() { errs[i] = e.p.Grant(ctx, roleEffect(acct, "deploy", "u-"+u, u, until)) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	got := statements(t, e.trust(t, acct, "deploy"))
	require.Len(t, got, 2+len(users), "edits of one role are serialised: none is lost")
	require.Equal(t, handWrittenStatements, got[:2])
	for _, u := range users {
		require.True(t, exists(t, e, roleEffect(acct, "deploy", "u-"+u, u, until)), u)
	}
}
