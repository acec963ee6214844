package slack

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

var (
	t0     = time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC)
	prodRe = stint.ResourceRef{ID: prodAdmin, Type: stint.ResourceSSO, AccountID: "111111111111", AccountName: "prod-payments",
		PermissionSet: "AdministratorAccess"}
	s3Ref = stint.ResourceRef{ID: "aws-s3:111111111111/payments-logs:read", Type: stint.ResourceS3, AccountID: "111111111111",
		AccountName: "prod-payments", Name: "payments-logs", Level: "read"}
)

func sampleRequest() *stint.Request {
	return &stint.Request{
		ID: "01REQ", RequesterID: "u-alice", RequesterEmail: "alice@example.com", Flow: "prod-admin",
		Resources: []stint.ResourceRef{prodRe, s3Ref}, Reason: "INC-4211: the ledger <is> stuck & needs a restart",
		Duration: stint.Duration(2 * time.Hour), Ticket: "INC-4211", State: stint.RequestPending,
		Steps: []stint.RequestStep{
			{Name: "approvers", Approvers: []string{"group:Approvers"}, Quorum: 1, Approvals: []string{"frank@example.com"}},
			{Name: "security", Approvers: []string{"group:Security", "user:grace@example.com"}, Quorum: 2},
		},
		Reviews:  []stint.Review{{ReviewerEmail: "frank@example.com", Decision: "approve", At: t0.Add(time.Minute)}},
		ReviewBy: t0.Add(24 * time.Hour), CreatedAt: t0, UpdatedAt: t0.Add(time.Minute),
	}
}

func sampleGrant(state stint.GrantState, ref stint.ResourceRef) *stint.Grant {
	g := &stint.Grant{ID: "01GRANT-" + string(state), RequestID: "01REQ", Flow: "prod-admin", UserID: "u-alice", UserEmail: "alice@example.com",
		ResourceID: ref.ID, Type: ref.Type, AccountID: ref.AccountID, AccountName: ref.AccountName, PermissionSet: ref.PermissionSet,
		Name: ref.Name, Level: ref.Level, State: state, StartsAt: t0.Add(time.Hour), EndsAt: t0.Add(3 * time.Hour),
		Duration: stint.Duration(2 * time.Hour)}
	switch state {
	case stint.GrantFailed:
		g.FailedOp, g.LastError = "activate", "ConflictException: an assignment is being created"
	case stint.GrantEnded:
		at := t0.Add(2 * time.Hour)
		g.EndedAt, g.EndReason, g.RevokedBy = &at, stint.EndRevoked, "alice@example.com"
	}
	return g
}

func approved(r *stint.Request) *stint.Request {
	r.State = stint.RequestApproved
	r.Steps[1].Approvals = []string{"carol@example.com", "grace@example.com"}
	r.Reviews = append(r.Reviews,
		stint.Review{ReviewerEmail: "carol@example.com", Decision: "approve", At: t0.Add(2 * time.Minute)},
		stint.Review{ReviewerEmail: "grace@example.com", Decision: "approve", At: t0.Add(3 * time.Minute)})
	return r
}

// TestMessagesGolden: every Block Kit message and modal stint sends, as
// JSON, against testdata/ (go test ./slack -update rewrites them).
func TestMessagesGolden(t *testing.T) {
	t.Parallel()
	denied := sampleRequest()
	denied.State = stint.RequestDenied
	denied.Reviews = append(denied.Reviews, stint.Review{ReviewerEmail: "carol@example.com", Decision: "deny", Comment: "use ReadOnly", At: t0.Add(time.Hour)})
	cancelled, expired := sampleRequest(), sampleRequest()
	cancelled.State, expired.State = stint.RequestCancelled, stint.RequestExpired
	breakGlass := &stint.Request{ID: "01BG", RequesterEmail: "heidi@example.com", Flow: "prod-breakglass", Resources: []stint.ResourceRef{prodRe},
		Reason: "payments down", Duration: stint.Duration(30 * time.Minute), State: stint.RequestApproved, BreakGlass: true, AutoApproved: true,
		Steps: []stint.RequestStep{{Name: "approval", Approvers: []string{"group:Security"}, Quorum: 1}}, CreatedAt: t0, ReviewBy: t0.Add(time.Hour)}
	auto := &stint.Request{ID: "01AUTO", RequesterEmail: "dave@example.com", Flow: "dev-read", Resources: []stint.ResourceRef{s3Ref},
		Duration: stint.Duration(time.Hour), State: stint.RequestApproved, AutoApproved: true, CreatedAt: t0}
	start := t0.Add(6 * time.Hour)
	scheduled := sampleRequest()
	scheduled.StartsAt = &start
	tests := []struct {
		name string
		v    any
	}{
		{"approval-pending", approvalMessage(requestView{Request: sampleRequest()})},
		{"approval-scheduled-start", approvalMessage(requestView{Request: scheduled})},
		{"approval-granting", approvalMessage(requestView{Request: approved(sampleRequest()), Grants: []*stint.Grant{
			sampleGrant(stint.GrantActivating, prodRe), sampleGrant(stint.GrantScheduled, s3Ref)}})},
		{"approval-active", approvalMessage(requestView{Request: approved(sampleRequest()), Grants: []*stint.Grant{
			sampleGrant(stint.GrantActive, prodRe), sampleGrant(stint.GrantReady, s3Ref)}})},
		{"approval-failed", approvalMessage(requestView{Request: approved(sampleRequest()), Grants: []*stint.Grant{
			sampleGrant(stint.GrantFailed, prodRe), sampleGrant(stint.GrantRevoking, s3Ref)}})},
		{"approval-ended", approvalMessage(requestView{Request: approved(sampleRequest()), Grants: []*stint.Grant{
			sampleGrant(stint.GrantEnded, prodRe)}})},
		{"approval-denied", approvalMessage(requestView{Request: denied})},
		{"approval-cancelled", approvalMessage(requestView{Request: cancelled})},
		{"approval-expired", approvalMessage(requestView{Request: expired})},
		{"approval-auto", approvalMessage(requestView{Request: auto})},
		{"approval-break-glass", approvalMessage(requestView{Request: breakGlass, Grants: []*stint.Grant{sampleGrant(stint.GrantActive, prodRe)}})},
		{"dm-submitted", submittedDM(sampleRequest())},
		{"dm-submitted-auto", submittedDM(auto)},
		{"dm-submitted-break-glass", submittedDM(breakGlass)},
		{"dm-approved", approvedDM(approved(sampleRequest()))},
		{"dm-denied", deniedDM(denied)},
		{"dm-expired", expiredDM(expired)},
		{"dm-active", activeDM(sampleGrant(stint.GrantActive, prodRe))},
		{"dm-failed", failedDM(sampleGrant(stint.GrantFailed, prodRe), "ConflictException: an assignment is being created")},
		{"dm-warning", warningDM(sampleGrant(stint.GrantActive, prodRe), 10*time.Minute, true)},
		{"dm-warning-no-extension", warningDM(sampleGrant(stint.GrantActive, s3Ref), 9*time.Minute+30*time.Second, false)},
		{"dm-extended", extendedDM(sampleGrant(stint.GrantActive, prodRe))},
		{"dm-ended", endedDM(sampleGrant(stint.GrantEnded, prodRe))},
		{"list", listMessage([]*stint.Request{sampleRequest()},
			[]*stint.Grant{sampleGrant(stint.GrantActive, prodRe), sampleGrant(stint.GrantFailed, s3Ref)},
			func(g *stint.Grant) bool { return g.Type == stint.ResourceSSO })},
		{"list-empty", listMessage(nil, nil, nil)},
		{"modal-request", requestModal(requestForm{})},
		{"modal-request-picked", requestModal(requestForm{Resource: &stint.Eligible{Flow: "prod-admin", ResourceID: prodAdmin,
			AccountID: "111111111111", AccountName: "prod-payments", Label: "AdministratorAccess", MaxDuration: stint.Duration(4 * time.Hour)},
			Flow: &testFlows()[0], Reason: "typed before the pick"})},
		{"modal-deny", denyModal(sampleRequest())},
		{"modal-extend", extendModal(sampleGrant(stint.GrantActive, s3Ref), &testFlows()[1])},
		{"modal-extend-reapproval", extendModal(sampleGrant(stint.GrantActive, prodRe), &stint.Flow{Name: "prod-admin",
			MaxDuration: stint.Duration(4 * time.Hour), Extensions: &stint.ExtensionRule{Max: 2, MaxEach: stint.Duration(30 * time.Minute), Reapproval: true}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			golden(t, tt.name, tt.v)
		})
	}
}

func TestManifestGolden(t *testing.T) {
	t.Parallel()
	m, err := Manifest("https://stint.example.com/", "")
	require.NoError(t, err)
	golden(t, "manifest", rawJSON(m))
	for _, bad := range []string{"http://stint.example.com", "stint.example.com", "https://", "https://x/?a=1"} {
		_, err := Manifest(bad, "")
		require.Equal(t, stint.EINVALID, stint.ErrorCode(err), bad)
	}
}

type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

func TestEscapeAndClip(t *testing.T) {
	t.Parallel()
	require.Equal(t, "a &lt;@U123&gt; &amp; b", esc("a <@U123> & b"), "no mention or link can be smuggled in")
	require.Equal(t, "abc", clip("abc", 3))
	require.Equal(t, "ab…", clip("abcd", 3))
	require.Equal(t, "<!date^1893574800^{date_short_pretty} {time}|2030-01-02 09:00 UTC>", when(t0))
}
