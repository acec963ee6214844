package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/cli"
	"github.com/stint-dev/stint/client"
	"github.com/stint-dev/stint/internal/awsrecord"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/mfa"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// TestExternalEndToEnd: a sponsor invites a third party, who enrols TOTP
// (codes computed from the secret), requests a bucket, the sponsor
// approves, `stint creds` gets credential_process credentials of the
// broker role in the bucket's account whose session policy allows that
// bucket and nothing else (read from the AssumeRole sent: moto does not
// enforce session policies), the grant expires and no credentials come
// after; on both stores.
func TestExternalEndToEnd(t *testing.T) {
	t.Parallel()
	for i, kind := range stores {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			externalEndToEnd(t, kind, []string{"shared-network", "staging-001"}[i])
		})
	}
}

const externalsKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func externalEndToEnd(t *testing.T, kind, accountName string) {
	e := setupEnv(t)
	e.useStore(t, kind)
	ctx := context.Background()
	acct := e.org.Accounts[accountName]
	bucket := "acme-exchange-" + acct
	member, err := account.New(account.Config{AWS: e.moto.AWSConfig()}).For(ctx, acct)
	require.NoError(t, err)
	_, err = s3.NewFromConfig(member, func(o *s3.Options) { o.UsePathStyle = true }).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	require.NoError(t, err)
	memberIAM := iam.NewFromConfig(member)
	_, err = memberIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("StintExternalBroker"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)})
	require.NoError(t, err)

	// More flows (the test config's list ends the file), then the section.
	e.extra = fmt.Sprintf(`  - name: acme-exchange
    requesters: [external:Acme]
    sponsors: [group:Security]
    resources:
      - s3: {accounts: ["%s"], buckets: [%s], levels: [read, write]}
    max_duration: 4h
externals:
  secret_key_env: STINT_TEST_EXTERNALS_KEY
`, acct, bucket)
	e.getenv = func(k string) string {
		if k == "STINT_TEST_EXTERNALS_KEY" {
			return externalsKey
		}
		return ""
	}
	clk := &clock{}
	rec := &awsrecord.Recorder{}
	m := e.startRecorded(t, rec, clk.hook)
	carol := e.client(t, m, "carol@example.com") // Security: sponsors the flow, is no admin

	// carol invites vera; vera opens the link and enrols TOTP.
	inv, err := carol.Invite(ctx, client.InviteInput{Email: "vera@acme.example", Org: "Acme", Expires: 30 * 24 * time.Hour})
	require.NoError(t, err)
	require.Equal(t, "carol@example.com", inv.External.Sponsor)
	u, err := url.Parse(inv.URL)
	require.NoError(t, err)
	require.Equal(t, "/external/invite", u.Path)
	x, err := m.Service.OpenInvite(ctx, u.Query().Get("token"), "e2e")
	require.NoError(t, err)
	_, err = m.Service.OpenInvite(ctx, u.Query().Get("token"), "e2e")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "the link works once")
	key, err := m.Service.EnrolmentKey(ctx, x.ID)
	require.NoError(t, err)
	code := func() string {
		clk.Advance(mfa.Period) // a fresh step: each code works once
		c, err := mfa.Code(key.Secret, m.Service.Now())
		require.NoError(t, err)
		return c
	}
	_, recovery, err := m.Service.CompleteEnrolment(ctx, x.ID, code(), "e2e")
	require.NoError(t, err)
	require.Len(t, recovery, stint.RecoveryCodes)
	veraCaller, err := m.Service.ExternalCaller(ctx, x.ID)
	require.NoError(t, err)
	token, _, err := m.Service.CreateExternalToken(ctx, veraCaller, code(), "e2e", "e2e")
	require.NoError(t, err)
	vera := client.New(m.URL(), token)

	res, err := vera.Resources(ctx)
	require.NoError(t, err)
	require.Len(t, res, 2, "read and write on the one bucket, nothing else")
	resourceID := "aws-s3:" + acct + "/" + bucket + ":read"
	_, err = vera.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{ID: "aws-s3:" + e.org.Accounts["prod-payments"] + "/payments-logs:read"}},
		Duration: time.Hour, Reason: "x"})
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "outside their flow")
	_, err = vera.Flows(ctx)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "no internal routes")
	r, err := vera.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{ID: resourceID}}, Duration: 2 * time.Hour, Reason: "nightly export"})
	require.NoError(t, err)
	require.Equal(t, stint.RequestPending, r.State)

	_, err = carol.Approve(ctx, r.ID, "ok")
	require.NoError(t, err)
	var g *stint.Grant
	eventually(t, 20*time.Second, "the grant active", func() bool {
		list, err := vera.Grants(ctx, client.GrantsParams{})
		require.NoError(t, err)
		if len(list) == 1 && list[0].State == stint.GrantActive {
			g = list[0]
			return true
		}
		return false
	})
	before := len(rec.Calls("AssumeRole"))

	// stint creds, as the AWS CLI runs it through credential_process.
	cache := t.TempDir()
	creds := func(extra ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		args := append([]string{"creds", "--resource", resourceID}, extra...)
		env := map[string]string{"STINT_SERVER": m.URL(), "STINT_TOKEN": token}
		code := cli.Execute(ctx, cli.NewRoot(cli.Options{Getenv: func(k string) string { return env[k] }, CacheDir: cache,
			Prompt: func(string) (string, error) { return code(), nil }}), args, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	exit, out, stderr := creds()
	require.Equal(t, 0, exit, stderr)
	var pc struct {
		Version                                   int
		AccessKeyID                               string `json:"AccessKeyId"`
		SecretAccessKey, SessionToken, Expiration string
	}
	require.NoError(t, json.Unmarshal([]byte(out), &pc))
	require.Equal(t, 1, pc.Version)
	exp, err := time.Parse(time.RFC3339, pc.Expiration)
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(time.Hour), exp, 2*time.Minute)

	// The broker role in the bucket's account, with the bucket's policy and no longer than the grant.
	calls := rec.Calls("AssumeRole")[before:]
	require.Len(t, calls, 1)
	require.Equal(t, "arn:aws:iam::"+acct+":role/StintExternalBroker", calls[0].Get("RoleArn"))
	require.Equal(t, g.ID+".vera@acme.example", calls[0].Get("RoleSessionName"), "the grant, then the person")
	d, err := strconv.Atoi(calls[0].Get("DurationSeconds"))
	require.NoError(t, err)
	require.Equal(t, 3600, d)
	require.LessOrEqual(t, time.Duration(d)*time.Second, g.EndsAt.Sub(m.Service.Now()))
	requireOnlyBucketPolicy(t, calls[0].Get("Policy"), bucket)

	// The credentials work in that account (moto does not apply the
	// session policy; the policy sent is what AWS would enforce).
	sess := aws.Config{Region: motoserver.Region, BaseEndpoint: aws.String(e.moto.URL()),
		Credentials: credentials.NewStaticCredentialsProvider(pc.AccessKeyID, pc.SecretAccessKey, pc.SessionToken)}
	who, err := sts.NewFromConfig(sess).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	require.Equal(t, acct, aws.ToString(who.Account))
	require.Contains(t, aws.ToString(who.Arn), ":assumed-role/StintExternalBroker/"+g.ID+".vera@acme.example")
	_, err = s3.NewFromConfig(sess, func(o *s3.Options) { o.UsePathStyle = true }).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	require.NoError(t, err)

	// The next aws command is answered from stint creds' cache: no code, no AssumeRole.
	exit, out2, stderr := creds()
	require.Equal(t, 0, exit, stderr)
	require.Equal(t, out, out2)
	require.Len(t, rec.Calls("AssumeRole")[before:], 1)

	// Every issuance is an event, without the secrets.
	evs, err := m.Store.EventList(ctx, &stint.EventListParams{Type: stint.EventCredentialsIssued})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, pc.AccessKeyID, evs[0].Data["access_key_id"])
	all, err := m.Store.EventList(ctx, &stint.EventListParams{Limit: 10000})
	require.NoError(t, err)
	raw, _ := json.Marshal(all)
	require.NotContains(t, string(raw), pc.SecretAccessKey)
	require.NotContains(t, string(raw), pc.SessionToken)
	require.NotContains(t, string(raw), key.Secret)
	logs, err := os.ReadFile(filepath.Join(e.dir, "main.log"))
	require.NoError(t, err)
	for _, secret := range []string{pc.SecretAccessKey, pc.SessionToken, key.Secret, token, u.Query().Get("token"), recovery[0]} {
		require.NotContains(t, string(logs), secret)
	}

	// Revocation: the credentials of a grant revoked early are cut off on
	// the broker role, through the member role, by a job.
	writeID := "aws-s3:" + acct + "/" + bucket + ":write"
	r2, err := vera.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{ID: writeID}}, Duration: 2 * time.Hour, Reason: "upload"})
	require.NoError(t, err)
	_, err = carol.Approve(ctx, r2.ID, "ok")
	require.NoError(t, err)
	var g2 *stint.Grant
	eventually(t, 20*time.Second, "the second grant active", func() bool {
		list, err := vera.Grants(ctx, client.GrantsParams{})
		require.NoError(t, err)
		for _, x := range list {
			if x.ID != g.ID && x.State == stint.GrantActive {
				g2 = x
				return true
			}
		}
		return false
	})
	_, err = m.Service.IssueCredentials(ctx, veraCaller, access.CredentialsInput{GrantID: g2.ID, Code: code(), Channel: "cli"})
	require.NoError(t, err)
	_, err = e.client(t, m, "bob@example.com").Revoke(ctx, g2.ID)
	require.NoError(t, err)
	var cutoff string
	eventually(t, 30*time.Second, "the cut-off on the broker role", func() bool {
		out, err := memberIAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("StintExternalBroker"), PolicyName: aws.String("stint-external-cutoff")})
		if err != nil {
			return false
		}
		cutoff, err = url.QueryUnescape(aws.ToString(out.PolicyDocument))
		require.NoError(t, err)
		return true
	})
	require.Contains(t, cutoff, `"aws:userid":"*:`+g2.ID+`.*"`)
	require.Contains(t, cutoff, `"aws:TokenIssueTime"`)
	require.Contains(t, cutoff, `"Effect":"Deny"`)
	var cutoffs []*stint.Event
	eventually(t, 10*time.Second, "the cut-off recorded", func() bool {
		cutoffs, err = m.Store.EventList(ctx, &stint.EventListParams{Type: stint.EventCredentialsCutOff})
		require.NoError(t, err)
		return len(cutoffs) == 1
	})
	require.Equal(t, g2.ID, cutoffs[0].Subject)
	before = len(rec.Calls("AssumeRole"))

	// Expiry: the grant ends (no AWS change to undo) and no credentials come after.
	clk.Advance(g.EndsAt.Sub(m.Service.Now()))
	require.NoError(t, m.Service.Expire(ctx, g.ID))
	eventually(t, 20*time.Second, "the grant ended", func() bool {
		got, err := m.Store.GrantGet(ctx, g.ID)
		require.NoError(t, err)
		return got.State == stint.GrantEnded
	})
	exit, out, stderr = creds("--no-cache")
	require.Equal(t, 6, exit, "conflict: the grant is not active")
	require.Empty(t, out)
	require.Contains(t, stderr, "credentials are issued only while a grant is active")
	require.Empty(t, rec.Calls("AssumeRole")[before:], "nothing assumed after expiry")
	refused, err := m.Store.EventList(ctx, &stint.EventListParams{Type: stint.EventCredentialsDenied})
	require.NoError(t, err)
	require.NotEmpty(t, refused)
	cutoffs, err = m.Store.EventList(ctx, &stint.EventListParams{Type: stint.EventCredentialsCutOff})
	require.NoError(t, err)
	require.Len(t, cutoffs, 1, "at its end a grant's credentials expire with it: nothing more to cut off")
}

// startRecorded is startWith whose AWS calls go through rec.
func (e *env) startRecorded(t *testing.T, rec *awsrecord.Recorder, hook func(*access.Service)) *app.Main {
	t.Helper()
	path := e.writeConfig(t, e.moto.URL(), "127.0.0.1:0")
	ac := motoserver.AWSConfig(e.moto.URL())
	ac.HTTPClient = rec.Client()
	logf, err := os.Create(filepath.Join(e.dir, "main.log"))
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = logf.Close()
		if t.Failed() {
			data, _ := os.ReadFile(filepath.Join(e.dir, "main.log"))
			t.Logf("stint log:\n%s", data)
		}
	})
	m := &app.Main{ConfigPath: path, Addr: "127.0.0.1:0", AWS: &ac,
		Logger:         slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ProviderConfig: func(c *identitycenter.Config) { c.PollInterval = 50 * time.Millisecond },
		ServiceHook:    hook, Getenv: e.getenv}
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// requireOnlyBucketPolicy checks that a session policy allows the bucket
// and its objects, and account-wide only the listing of bucket names.
func requireOnlyBucketPolicy(t *testing.T, policy, bucket string) {
	t.Helper()
	var doc struct{ Statement []map[string]any }
	require.NoError(t, json.Unmarshal([]byte(policy), &doc))
	require.NotEmpty(t, doc.Statement)
	for _, st := range doc.Statement {
		require.Equal(t, "Allow", st["Effect"])
		for _, r := range asList(st["Resource"]) {
			switch r {
			case "arn:aws:s3:::" + bucket, "arn:aws:s3:::" + bucket + "/*":
			case "*":
				require.Equal(t, []string{"s3:ListAllMyBuckets"}, asList(st["Action"]))
			default:
				t.Fatalf("the session policy reaches %s", r)
			}
		}
		for _, a := range asList(st["Action"]) {
			require.True(t, strings.HasPrefix(a, "s3:"), a)
		}
	}
}

func asList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = s.(string)
		}
		return out
	}
	return nil
}
