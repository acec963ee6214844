package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/audit"
)

// V1Rows inserts a request and two grants as stint wrote them at schema
// version 1, before requests had steps, tickets, bundles, break-glass and
// extensions and grants their duration. It is plain SQL that runs on SQLite
// and PostgreSQL alike. A store's upgrade test runs it on a database migrated
// to version 1 only, opens the database (which applies the later migrations)
// and passes the store to CheckV1Rows.
const V1Rows = `
INSERT INTO requests (id, requester_id, requester_email, flow, resources, reason, duration_ns,
	starts_at, state, reviews, auto_approved, review_by, created_at, updated_at, version)
VALUES ('req-v1', 'u-alice', 'alice@example.com', 'prod-admin',
	'[{"id":"aws-sso:111111111111/Admin","account_id":"111111111111","account_name":"prod-payments","permission_set":"Admin","permission_set_arn":"arn:aws:sso:::permissionSet/ssoins-1/ps-1"}]',
	'INC-4211', 5400000000000, '2030-01-02T02:04:05.123456Z', 'approved',
	'[{"reviewer_id":"u-bob","reviewer":"bob@example.com","decision":"approve","at":"2030-01-02T01:05:05.123456Z"}]',
	FALSE, '2030-01-03T01:04:05.123456Z', '2030-01-02T01:04:05.123456Z', '2030-01-02T01:05:05.123456Z', 2);

INSERT INTO grants (id, request_id, flow, user_id, user_email, resource_id, account_id, account_name,
	permission_set, permission_set_arn, state, starts_at, ends_at, end_reason, ended_at, revoked_by,
	extensions, failed_op, last_error, attempts, created_at, updated_at, version)
VALUES
	('g-v1', 'req-v1', 'prod-admin', 'u-alice', 'alice@example.com', 'aws-sso:111111111111/Admin',
	'111111111111', 'prod-payments', 'Admin', 'arn:aws:sso:::permissionSet/ssoins-1/ps-1', 'active',
	'2030-01-02T02:04:05.123456Z', '2030-01-02T04:04:05.123456Z', '', NULL, '', 1, '', '', 0,
	'2030-01-02T01:05:05.123456Z', '2030-01-02T02:04:06.123456Z', 3),
	('g-v1-orphan', 'req-gone', 'prod-admin', 'u-bob', 'bob@example.com', 'aws-sso:222222222222/ReadOnly',
	'222222222222', 'prod-ledger', 'ReadOnly', 'arn:aws:sso:::permissionSet/ssoins-1/ps-2', 'ended',
	'2030-01-01T01:04:05.123456Z', '2030-01-01T02:04:05.123456Z', 'revoked', '2030-01-01T01:34:05.123456Z',
	'carol@example.com', 0, '', '', 2, '2030-01-01T01:00:00.000001Z', '2030-01-01T01:34:05.123456Z', 5);
`

// V1Events are two events as stint wrote them before the audit chain; the
// store seals them into it, oldest first, when it opens the database.
const V1Events = `
INSERT INTO events (id, time, actor, type, subject, data) VALUES
	('ev-v1-b', '2030-01-02T01:05:05.123456Z', 'bob@example.com', 'request.approved', 'req-v1', '{"comment":"ok","n":2}'),
	('ev-v1-a', '2030-01-02T01:04:05.123456Z', 'alice@example.com', 'request.created', 'req-v1', '{"reason":"INC-4211"}');
`

// CheckV1Rows checks a store opened on a database holding V1Rows and
// migrated since: every field written then reads back as written, the new
// ones read as their zero values (a grant's duration as its request's), and
// the rows take the new fields and states.
func CheckV1Rows(t *testing.T, s stint.Store) {
	t.Helper()
	ctx := t.Context()
	v1 := func(month time.Month, day, hour, min, sec, usec int) time.Time {
		return time.Date(2030, month, day, hour, min, sec, usec*1000, time.UTC)
	}
	wantReq := &stint.Request{
		ID: "req-v1", RequesterID: "u-alice", RequesterEmail: "alice@example.com", Flow: "prod-admin",
		Resources: []stint.ResourceRef{{ID: "aws-sso:111111111111/Admin", AccountID: "111111111111",
			AccountName: "prod-payments", PermissionSet: "Admin",
			PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-1"}},
		Reason: "INC-4211", Duration: stint.Duration(90 * time.Minute), StartsAt: ptr(v1(1, 2, 2, 4, 5, 123456)),
		State: stint.RequestApproved,
		Reviews: []stint.Review{{ReviewerID: "u-bob", ReviewerEmail: "bob@example.com", Decision: "approve",
			At: v1(1, 2, 1, 5, 5, 123456)}},
		ReviewBy: v1(1, 3, 1, 4, 5, 123456), CreatedAt: v1(1, 2, 1, 4, 5, 123456),
		UpdatedAt: v1(1, 2, 1, 5, 5, 123456), Version: 2,
	}
	gotReq, err := s.RequestGet(ctx, "req-v1")
	require.NoError(t, err)
	require.Equal(t, wantReq, gotReq)

	wantGrant := &stint.Grant{
		ID: "g-v1", RequestID: "req-v1", Flow: "prod-admin", UserID: "u-alice", UserEmail: "alice@example.com",
		ResourceID: "aws-sso:111111111111/Admin", AccountID: "111111111111", AccountName: "prod-payments",
		PermissionSet: "Admin", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-1",
		State: stint.GrantActive, StartsAt: v1(1, 2, 2, 4, 5, 123456), EndsAt: v1(1, 2, 4, 4, 5, 123456),
		Duration: stint.Duration(90 * time.Minute), Extensions: 1,
		CreatedAt: v1(1, 2, 1, 5, 5, 123456), UpdatedAt: v1(1, 2, 2, 4, 6, 123456), Version: 3,
	}
	wantOrphan := &stint.Grant{
		ID: "g-v1-orphan", RequestID: "req-gone", Flow: "prod-admin", UserID: "u-bob", UserEmail: "bob@example.com",
		ResourceID: "aws-sso:222222222222/ReadOnly", AccountID: "222222222222", AccountName: "prod-ledger",
		PermissionSet: "ReadOnly", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-2",
		State: stint.GrantEnded, StartsAt: v1(1, 1, 1, 4, 5, 123456), EndsAt: v1(1, 1, 2, 4, 5, 123456),
		EndReason: stint.EndRevoked, EndedAt: ptr(v1(1, 1, 1, 34, 5, 123456)), RevokedBy: "carol@example.com",
		Attempts: 2, CreatedAt: v1(1, 1, 1, 0, 0, 1), UpdatedAt: v1(1, 1, 1, 34, 5, 123456), Version: 5,
	}
	grants, err := s.GrantList(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, []*stint.Grant{wantGrant, wantOrphan}, grants, "a grant without its request lasts 0")
	due, err := s.GrantListDue(ctx, &stint.GrantListDueParams{Before: v1(1, 3, 0, 0, 0, 0)})
	require.NoError(t, err)
	require.Equal(t, []*stint.Grant{wantGrant}, due)

	// The old rows take the new fields and the ready state.
	gotReq.Ticket, gotReq.Bundle, gotReq.BreakGlass = "CHG-1", "oncall", true
	gotReq.Steps = []stint.RequestStep{{Name: "lead", Approvers: []string{"group:leads"}, Quorum: 1,
		Approvals: []string{"bob@example.com"}}}
	gotReq.ExtendsGrant, gotReq.ExtendBy = "g-v1", stint.Duration(time.Hour)
	wantGrant.State, wantGrant.EndsAt, wantGrant.BreakGlass = stint.GrantReady, v1(1, 2, 5, 0, 0, 0), true
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		if err := tx.RequestUpdate(ctx, gotReq); err != nil {
			return err
		}
		return tx.GrantUpdate(ctx, wantGrant)
	})
	again, err := s.RequestGet(ctx, "req-v1")
	require.NoError(t, err)
	require.Equal(t, gotReq, again)
	due, err = s.GrantListDue(ctx, &stint.GrantListDueParams{Before: v1(1, 2, 5, 0, 0, 1)})
	require.NoError(t, err)
	require.Equal(t, []*stint.Grant{wantGrant}, due, "a ready grant is due at the end of its window")
	due, err = s.GrantListDue(ctx, &stint.GrantListDueParams{Before: v1(1, 2, 5, 0, 0, 0)})
	require.NoError(t, err)
	require.Empty(t, due)

	// The events written before the chain are sealed into it, oldest first,
	// and the trail verifies.
	events, err := s.EventList(ctx, &stint.EventListParams{Subject: "req-v1"})
	require.NoError(t, err)
	require.Len(t, events, 2)
	require.Equal(t, []string{"ev-v1-a", "ev-v1-b"}, []string{events[0].ID, events[1].ID})
	require.Equal(t, []int64{1, 2}, []int64{events[0].Seq, events[1].Seq})
	rep, err := audit.Verify(ctx, s, nil)
	require.NoError(t, err)
	require.True(t, rep.OK(), "broken: %v", rep.Broken)
	// The migration indexed the old request's resources for audit queries.
	events, err = s.EventList(ctx, &stint.EventListParams{Resource: "aws-sso:111111111111/Admin"})
	require.NoError(t, err)
	require.Len(t, events, 2, "the events of req-v1, found by its resource")
	events, err = s.EventList(ctx, &stint.EventListParams{Account: "111111111111", Flow: "prod-admin"})
	require.NoError(t, err)
	require.Len(t, events, 2)
}

// SchemaVersion is the number of the newest migration, which both stores
// carry (migrations/NNNN_*.sql); upgrade tests check a migrated database
// reaches it.
const SchemaVersion = 11
