package stint_test

import (
	"fmt"
	"time"

	"github.com/stint-dev/stint"
)

// A request through a flow that needs approval: the requester cannot approve
// it, a member of the approver group can, and the approved request becomes a
// grant that expires after the requested hour.
func ExampleSubmitRequest() {
	now := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	flow := &stint.Flow{
		Name:       "prod-admin",
		Requesters: []string{"group:Engineers"},
		Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
			Accounts: []string{"ou:Prod"}, PermissionSets: []string{"AdministratorAccess"},
		}}},
		MaxDuration: stint.Duration(4 * time.Hour),
		Approvers:   []string{"group:Security"},
	}
	alice := &stint.User{ID: "u-alice", Email: "alice@example.com", Groups: []string{"Engineers", "Security"}}
	bob := &stint.User{ID: "u-bob", Email: "bob@example.com", Groups: []string{"Security"}}

	req, err := stint.SubmitRequest(stint.Submission{
		Requester: alice,
		Flow:      flow,
		Resources: []stint.ResourceRef{{
			ID: stint.ResourceID("111111111111", "AdministratorAccess"), AccountID: "111111111111",
			AccountName: "prod-payments", PermissionSet: "AdministratorAccess",
		}},
		Reason:   "INC-4211",
		Duration: time.Hour,
	}, "req-1", now)
	if err != nil {
		panic(err)
	}
	fmt.Println("submitted:", req.State, req.Duration)

	_, err = stint.ApproveRequest(req, flow, alice, "", now.Add(time.Minute))
	fmt.Println("self-approval:", stint.ErrorCode(err), "-", stint.ErrorMessage(err))

	req, _ = stint.ApproveRequest(req, flow, bob, "ok", now.Add(2*time.Minute))
	fmt.Println("approved by:", req.Reviews[0].ReviewerEmail)

	grants, _ := stint.GrantsFor(req, 0, func() string { return "grant-1" }, now.Add(2*time.Minute))
	g := grants[0]
	fmt.Println("grant:", g.ResourceID, g.State, "until", g.EndsAt.Format(time.Kitchen))

	g, _ = stint.GrantActivated(g, now.Add(3*time.Minute))
	g, _ = stint.ExpireGrant(g, g.EndsAt)
	g, _ = stint.EndGrant(g, g.EndsAt.Add(time.Second))
	fmt.Println("finally:", g.State, g.EndReason)
	// Output:
	// submitted: pending 1h
	// self-approval: forbidden - you cannot review your own request
	// approved by: bob@example.com
	// grant: aws-sso:111111111111/AdministratorAccess activating until 11:02AM
	// finally: ended expired
}
