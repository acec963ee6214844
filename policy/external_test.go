package policy

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

// externalsEngine has an internal flow and a flow for Acme's externals
// over the same bucket; the internal flow names, by user and through a
// config group, an internal user with the external's email, and the
// external flow's requester attributes are what an identity store user
// could also carry.
func externalsEngine(t *testing.T) (*Engine, *stint.Directory) {
	t.Helper()
	bucket := func(levels ...string) stint.FlowResource {
		return stint.FlowResource{S3: &stint.S3Selector{Accounts: []string{"111111111111"}, Buckets: []string{"acme-exchange"}, Levels: levels}}
	}
	flows := []stint.Flow{
		{Name: "internal-exchange", Requesters: []string{"user:vera@acme.example", "group:eng", "group:vendors"},
			Resources: []stint.FlowResource{bucket("read", "write")}, MaxDuration: hours(8), AutoApprove: true},
		{Name: "acme-exchange", Requesters: []string{"external:Acme"}, Sponsors: []string{"group:security"},
			RequesterAttributes: map[string][]string{"user_type": {"external"}},
			Resources:           []stint.FlowResource{bucket("read")}, MaxDuration: hours(2)},
		{Name: "globex-exchange", Requesters: []string{"external:Globex"},
			Resources: []stint.FlowResource{bucket("write")}, MaxDuration: hours(2)},
	}
	e, err := New(Config{Flows: flows, Groups: map[string][]string{"vendors": {"user:vera@acme.example"}}, Now: func() time.Time { return wednesday }})
	require.NoError(t, err)
	dir := testDirectory()
	dir.Users = append(dir.Users, stint.User{ID: "u-vera", Email: "vera@acme.example",
		Attributes: map[string]string{"user_type": "external", "org": "Acme"}})
	dir.Resources = []stint.Resource{{Type: stint.ResourceS3, AccountID: "111111111111", Name: "acme-exchange"}}
	return e, dir
}

var externalVera = &stint.User{ID: "ext:01VERA", UserName: "vera@acme.example", Email: "vera@acme.example", DisplayName: "vera@acme.example",
	Attributes: map[string]string{"user_type": "external", "org": "Acme", "sponsor": "dave@example.com"}}

func s3Ref(level string) *stint.ResourceRef {
	r := &stint.ResourceRef{Type: stint.ResourceS3, AccountID: "111111111111", Name: "acme-exchange", Level: level}
	r.ID = r.FormatID()
	return r
}

func TestExternalsAndInternalFlowsNeverMix(t *testing.T) {
	t.Parallel()
	e, dir := externalsEngine(t)
	ctx := context.Background()
	acct, err := dir.Account("111111111111")
	require.NoError(t, err)
	internalVera, err := dir.UserByEmail("vera@acme.example")
	require.NoError(t, err)
	alice, _ := dir.UserByEmail("alice@example.com")

	for _, tt := range []struct {
		name  string
		user  *stint.User
		level string
		flow  string // "" means denied
	}{
		{"the external requests through the flow for Acme", externalVera, "read", "acme-exchange"},
		{"the external never through the internal flow that names their email", externalVera, "write", ""},
		{"the external never through another organisation's flow", &stint.User{ID: "ext:2", Email: "x@globex.example",
			Attributes: map[string]string{"user_type": "external", "org": "Acme"}}, "write", ""},
		{"an internal user with the external's email and attributes: only the internal flow", internalVera, "read", "internal-exchange"},
		{"an internal engineer: the internal flow", alice, "read", "internal-exchange"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := e.DecideRequest(ctx, RequestInput{User: tt.user, Account: acct, Resource: s3Ref(tt.level), Duration: time.Hour})
			if tt.flow == "" {
				require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.flow, d.Flow.Name)
		})
	}

	// Asked of each flow directly (the Cedar policies, not only the index).
	for _, c := range e.flows {
		for _, u := range []*stint.User{externalVera, internalVera, alice} {
			q, err := e.newQuestion(RequestInput{User: u, Account: acct, Resource: s3Ref(c.flow.Resources[0].S3.Levels[0]), Duration: time.Hour})
			require.NoError(t, err)
			got := e.ask(q, c, false).allowed
			want := (c.flow.Name == "acme-exchange") == u.External() && c.flow.Name != "globex-exchange"
			require.Equal(t, want, got, "flow %s user %s", c.flow.Name, u.ID)
		}
	}

	// The external's listing has only their flow's resource; the internal
	// users' listings never show the flows for externals.
	var ids []string
	for _, el := range e.Eligible(dir, externalVera) {
		ids = append(ids, el.Flow+" "+el.ResourceID)
	}
	require.Equal(t, []string{"acme-exchange aws-s3:111111111111/acme-exchange:read"}, ids)
	for _, u := range []*stint.User{internalVera, alice} {
		for _, el := range e.Eligible(dir, u) {
			require.Equal(t, "internal-exchange", el.Flow)
		}
	}
	// Who-can lists directory users only: never through a flow for externals.
	for _, w := range e.WhoCanRef(dir, acct, s3Ref("read")) {
		require.Equal(t, "internal-exchange", w.Flow, w.User)
	}
	require.Empty(t, e.Expand(&stint.User{ID: "ext:3", Email: "vera@acme.example", Groups: []string{"eng"}}).Groups,
		"config groups never expand to externals")
}

func TestExternalSponsorApproves(t *testing.T) {
	t.Parallel()
	e, dir := externalsEngine(t)
	acct, _ := dir.Account("111111111111")
	d, err := e.DecideRequest(context.Background(), RequestInput{User: externalVera, Account: acct, Resource: s3Ref("read"), Duration: time.Hour})
	require.NoError(t, err)
	require.False(t, d.AutoApprove)
	require.Equal(t, []stint.RequestStep{{Name: "sponsor", Approvers: []string{"user:dave@example.com"}, Quorum: 1}}, d.Steps)

	r := &stint.Request{ID: "r1", RequesterID: externalVera.ID, RequesterEmail: externalVera.Email, Flow: "acme-exchange",
		Resources: []stint.ResourceRef{*s3Ref("read")}, Duration: stint.Duration(time.Hour), Steps: d.Steps, State: stint.RequestPending}
	dave, _ := dir.UserByEmail("dave@example.com")
	require.NoError(t, e.Authorize(context.Background(), ActionInput{Action: ActionApprove, User: dave, Flow: "acme-exchange", Request: r}))
	bob, _ := dir.UserByEmail("bob@example.com")
	err = e.Authorize(context.Background(), ActionInput{Action: ActionApprove, User: bob, Flow: "acme-exchange", Request: r})
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
	// The external cannot approve anything, not even as "themselves".
	err = e.Authorize(context.Background(), ActionInput{Action: ActionApprove, User: externalVera, Flow: "acme-exchange", Request: r})
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
}
