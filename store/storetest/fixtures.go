package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

// base is the suite's reference time. It has nanoseconds and is not UTC, to
// check that stores keep times in UTC to the microsecond.
var base = time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.FixedZone("UTC+2", 2*60*60))

// at returns base moved by d.
func at(d time.Duration) time.Time { return base.Add(d) }

// stored returns t as a store keeps it: UTC, truncated to microseconds.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func ptr[T any](v T) *T { return &v }

// inTx runs fn in a transaction on s and requires it to commit.
func inTx(t *testing.T, s stint.Store, fn func(ctx context.Context, tx stint.Tx) error) {
	t.Helper()
	ctx := t.Context()
	require.NoError(t, s.Tx(ctx, func(tx stint.Tx) error { return fn(ctx, tx) }))
}

// txErr runs fn in a transaction on s and returns the transaction's error.
func txErr(t *testing.T, s stint.Store, fn func(ctx context.Context, tx stint.Tx) error) error {
	ctx := t.Context()
	return s.Tx(ctx, func(tx stint.Tx) error { return fn(ctx, tx) })
}

// requireCode requires err to carry code and its message to contain each of
// parts.
func requireCode(t *testing.T, err error, code string, parts ...string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, stint.ErrorCode(err), "error: %v", err)
	for _, p := range parts {
		require.Contains(t, err.Error(), p)
	}
}

// newRequest returns a request with every field set.
func newRequest(id string) *stint.Request {
	return &stint.Request{
		ID: id, RequesterID: "u-alice", RequesterEmail: "alice@example.com", Flow: "prod-admin",
		Resources: []stint.ResourceRef{
			{ID: "aws-sso:111111111111/Admin", AccountID: "111111111111", AccountName: "prod-payments",
				PermissionSet: "Admin", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-1"},
			{ID: "aws-sso:222222222222/ReadOnly", AccountID: "222222222222", AccountName: "prod-ledger",
				PermissionSet: "ReadOnly", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-2"},
			{ID: "aws-eks:222222222222/prod/payments:edit", Type: stint.ResourceEKS, AccountID: "222222222222", AccountName: "prod-ledger",
				Name: "prod", Level: "edit", Namespace: "payments", ARN: "arn:aws:eks:us-east-1:222222222222:cluster/prod",
				Attributes: map[string]string{"version": "1.31"}},
		},
		RequesterName: "alice", Cutoff: true,
		Reason: "INC-4211: payments are failing", Duration: stint.Duration(90 * time.Minute),
		StartsAt: ptr(at(time.Hour)), Ticket: "CHG-1234", Bundle: "payments-oncall", BreakGlass: true,
		Steps: []stint.RequestStep{
			{Name: "team lead", Approvers: []string{"user:bob@example.com", "group:leads"}, Quorum: 2,
				Approvals: []string{"bob@example.com"}},
			{Name: "security \"sec\" ✓", Approvers: []string{"group:security"}, Quorum: 1},
		},
		ExtendsGrant: "g-7", ExtendBy: stint.Duration(45 * time.Minute), State: stint.RequestPending,
		Reviews: []stint.Review{{ReviewerID: "u-bob", ReviewerEmail: "bob@example.com", Decision: "approve",
			Comment: "ok \"quoted\" ✓", At: at(time.Minute)}},
		AutoApproved: true, ReviewBy: at(24 * time.Hour), CreatedAt: base, UpdatedAt: at(time.Second),
	}
}

// newGrant returns a grant with every field set.
func newGrant(id string) *stint.Grant {
	return &stint.Grant{
		ID: id, RequestID: "req-1", Flow: "prod-admin", UserID: "u-alice", UserEmail: "alice@example.com",
		ResourceID: "aws-sso:111111111111/Admin", AccountID: "111111111111", AccountName: "prod-payments",
		PermissionSet: "Admin", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-1",
		State: stint.GrantEnded, StartsAt: at(time.Hour), EndsAt: at(3 * time.Hour),
		Duration: stint.Duration(2 * time.Hour), BreakGlass: true,
		EndReason: stint.EndRevoked, EndedAt: ptr(at(2 * time.Hour)), RevokedBy: "bob@example.com",
		Extensions: 2, FailedOp: "revoke", LastError: "ConflictException: try again", Attempts: 3,
		Type: stint.ResourceRDS, Name: "orders-db", Level: "readonly", Namespace: "ns", ResourceARN: "arn:aws:rds:us-east-1:111111111111:db:orders-db",
		Attributes: map[string]string{"dbi_resource_id": "db-ABCDEFGHIJKL"}, UserName: "alice", Cutoff: true,
		CreatedAt: base, UpdatedAt: at(2 * time.Hour),
	}
}

// newEffect returns an effect with every field set.
func newEffect(key string) *stint.Effect {
	return &stint.Effect{
		Key: key, Kind: stint.EffectKindSSO, AccountID: "111111111111",
		PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-1", PrincipalType: "USER", PrincipalID: "u-alice",
		State: stint.EffectPresent, Preexisting: true, Holders: []string{"g-1", "g-2"},
		Target: "payments-logs:read", Subject: "alice", Spec: map[string]string{"name": "payments-logs", "level": "read"},
		Until: ptr(at(3 * time.Hour)), CreatedAt: base, UpdatedAt: at(time.Minute),
	}
}

// createRequests creates the requests in one transaction.
func createRequests(t *testing.T, s stint.Store, rs ...*stint.Request) {
	t.Helper()
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		for _, r := range rs {
			if err := tx.RequestCreate(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// createGrants creates the grants in one transaction.
func createGrants(t *testing.T, s stint.Store, gs ...*stint.Grant) {
	t.Helper()
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		for _, g := range gs {
			if err := tx.GrantCreate(ctx, g); err != nil {
				return err
			}
		}
		return nil
	})
}

// ids returns the IDs of values, in order.
func ids[T any](vals []*T, id func(*T) string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = id(v)
	}
	return out
}

func requestID(r *stint.Request) string { return r.ID }
func grantID(g *stint.Grant) string     { return g.ID }
func effectKey(e *stint.Effect) string  { return e.Key }
func eventID(e *stint.Event) string     { return e.ID }

// seq returns "prefix-000" ... for n values.
func seq(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%05d", prefix, i)
	}
	return out
}
