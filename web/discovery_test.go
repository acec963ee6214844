package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

// storeScans puts two scans in the env's store: the second resolves a
// finding, adds one and rescores one.
func storeScans(t *testing.T, e *env) (older, newer *stint.Scan) {
	t.Helper()
	f := func(kind stint.FindingKind, principal string, score int) stint.Finding {
		return stint.Finding{Key: stint.FindingKey(kind, "111111111111", principal, "r"), Kind: kind, Score: score, Severity: stint.Severity(score),
			AccountID: "111111111111", AccountName: "prod-payments", Principal: principal, Resource: "r", Reason: string(kind) + " of " + principal}
	}
	assignment := stint.InventoryAssignment{AccountID: "111111111111", PermissionSetARN: "arn:ps", PermissionSet: "AdministratorAccess",
		PrincipalType: "GROUP", PrincipalID: "g-eng", PrincipalName: "Engineers", Access: stint.AccessAdmin}
	older = &stint.Scan{ID: "01SCANOLD", StartedAt: t0.Add(-24 * time.Hour), FinishedAt: t0.Add(-24 * time.Hour), InstanceARN: "arn:i",
		Accounts:  []stint.ScanAccount{{ID: "111111111111", Name: "prod-payments", Scanned: true}},
		Findings:  []stint.Finding{f(stint.FindingStandingAdmin, "group:Engineers", 76), f(stint.FindingNoMFA, "iam-user:bob", 45)},
		Inventory: &stint.Inventory{Assignments: []stint.InventoryAssignment{assignment}}}
	newer = &stint.Scan{ID: "01SCANNEW", StartedAt: t0, FinishedAt: t0, InstanceARN: "arn:i",
		Accounts: []stint.ScanAccount{{ID: "111111111111", Name: "prod-payments", Scanned: true},
			{ID: "222222222222", Name: "dev-sandbox", Error: "cannot reach account 222222222222: AssumeRole refused"}},
		Findings:  []stint.Finding{f(stint.FindingStandingAdmin, "group:Engineers", 80), f(stint.FindingExternalTrust, "iam-role:=vendor", 95)},
		Inventory: &stint.Inventory{}}
	for _, s := range []*stint.Scan{older, newer} {
		s.Summary.Summarize(s.Findings)
		stint.SortFindings(s.Findings)
	}
	require.NoError(t, e.store.Tx(context.Background(), func(tx stint.Tx) error {
		if err := tx.ScanCreate(context.Background(), older); err != nil {
			return err
		}
		return tx.ScanCreate(context.Background(), newer)
	}))
	return older, newer
}

func TestDiscoveryAPI(t *testing.T) {
	t.Parallel()
	e := setup(t)
	w := e.call("GET", "/api/v1/discovery/scans/latest", carol, nil)
	requireAPIError(t, w, http.StatusNotFound, stint.ENOTFOUND, "stint discover")
	older, newer := storeScans(t, e)

	t.Run("admins only", func(t *testing.T) {
		for _, path := range []string{"/api/v1/discovery/scans", "/api/v1/discovery/scans/latest", "/api/v1/discovery/findings", "/api/v1/discovery/diff"} {
			requireAPIError(t, e.call("GET", path, alice, nil), http.StatusForbidden, stint.EFORBIDDEN, "admins")
		}
	})
	t.Run("scans newest first: the trend", func(t *testing.T) {
		scans := decode[[]stint.Scan](t, e.call("GET", "/api/v1/discovery/scans", carol, nil), http.StatusOK)
		require.Len(t, scans, 2)
		require.Equal(t, []string{"01SCANNEW", "01SCANOLD"}, []string{scans[0].ID, scans[1].ID})
		require.Equal(t, 175, scans[0].Summary.TotalScore)
		require.Equal(t, 121, scans[1].Summary.TotalScore)
		require.Nil(t, scans[0].Inventory)
		require.Empty(t, scans[0].Findings)
		one := decode[[]stint.Scan](t, e.call("GET", "/api/v1/discovery/scans?limit=1", carol, nil), http.StatusOK)
		require.Len(t, one, 1)
		requireAPIError(t, e.call("GET", "/api/v1/discovery/scans?limit=0", carol, nil), http.StatusBadRequest, stint.EINVALID, "limit")
	})
	t.Run("one scan, latest or previous, with its inventory when asked", func(t *testing.T) {
		got := decode[stint.Scan](t, e.call("GET", "/api/v1/discovery/scans/latest", carol, nil), http.StatusOK)
		require.Equal(t, newer.ID, got.ID)
		require.Equal(t, "AssumeRole refused", strings.TrimPrefix(got.Accounts[1].Error, "cannot reach account 222222222222: "))
		require.Nil(t, got.Inventory)
		require.Empty(t, got.Findings)
		prev := decode[stint.Scan](t, e.call("GET", "/api/v1/discovery/scans/previous?inventory=true", carol, nil), http.StatusOK)
		require.Equal(t, older.ID, prev.ID)
		require.Equal(t, older.Inventory, prev.Inventory)
		requireAPIError(t, e.call("GET", "/api/v1/discovery/scans/01NOPE", carol, nil), http.StatusNotFound, stint.ENOTFOUND, "01NOPE")
		requireAPIError(t, e.call("GET", "/api/v1/discovery/scans/latest?nope=1", carol, nil), http.StatusBadRequest, stint.EINVALID, "inventory")
	})
	t.Run("findings filtered and paged", func(t *testing.T) {
		page := decode[access.FindingsPage](t, e.call("GET", "/api/v1/discovery/findings", carol, nil), http.StatusOK)
		require.Equal(t, newer.ID, page.ScanID)
		require.Equal(t, newer.Findings, page.Findings)
		page = decode[access.FindingsPage](t, e.call("GET", "/api/v1/discovery/findings?scan=previous&kind=no_mfa,external_trust&min_score=40", carol, nil), http.StatusOK)
		require.Equal(t, older.ID, page.ScanID)
		require.Len(t, page.Findings, 1)
		require.Equal(t, stint.FindingNoMFA, page.Findings[0].Kind)
		page = decode[access.FindingsPage](t, e.call("GET", "/api/v1/discovery/findings?principal=VENDOR&account=prod-payments", carol, nil), http.StatusOK)
		require.Len(t, page.Findings, 1)
		page = decode[access.FindingsPage](t, e.call("GET", "/api/v1/discovery/findings?offset=1&limit=1", carol, nil), http.StatusOK)
		require.Equal(t, newer.Findings[1:], page.Findings)
		require.Equal(t, 1, page.Offset)
		for q, msg := range map[string]string{"kind=bad": "standing_admin", "min_score=101": "min_score", "limit=0": "limit", "format=xml": "csv", "since=1h": "known"} {
			requireAPIError(t, e.call("GET", "/api/v1/discovery/findings?"+q, carol, nil), http.StatusBadRequest, stint.EINVALID, msg)
		}
	})
	t.Run("findings as CSV", func(t *testing.T) {
		w := e.call("GET", "/api/v1/discovery/findings?format=csv", carol, nil)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.Equal(t, "text/csv; charset=utf-8", w.Header().Get("Content-Type"))
		require.Contains(t, w.Header().Get("Content-Disposition"), "stint-findings-01SCANNEW.csv")
		rows, err := csv.NewReader(w.Body).ReadAll()
		require.NoError(t, err)
		require.Equal(t, stint.FindingsCSVHeader, rows[0])
		require.Len(t, rows, 3)
		require.Equal(t, "iam-role:=vendor", rows[1][6], "a cell that does not start like a formula is kept")
	})
	t.Run("diff between scans", func(t *testing.T) {
		d := decode[stint.ScanDiff](t, e.call("GET", "/api/v1/discovery/diff", carol, nil), http.StatusOK)
		require.Equal(t, older.ID, d.From.ID)
		require.Equal(t, newer.ID, d.To.ID)
		require.Len(t, d.New, 1)
		require.Len(t, d.Resolved, 1)
		require.Len(t, d.Changed, 1)
		require.Equal(t, 76, d.Changed[0].OldScore)
		require.Len(t, d.AssignmentsRemoved, 1)
		d = decode[stint.ScanDiff](t, e.call("GET", "/api/v1/discovery/diff?from=01SCANNEW&to=01SCANNEW", carol, nil), http.StatusOK)
		require.Equal(t, 2, d.Unchanged)
		requireAPIError(t, e.call("GET", "/api/v1/discovery/diff?from=01NOPE", carol, nil), http.StatusNotFound, stint.ENOTFOUND, "01NOPE")
	})
}

// TestDiscoveryOpenAPISchemas: the discovery schemas name the JSON fields
// of the types the handlers write.
func TestDiscoveryOpenAPISchemas(t *testing.T) {
	t.Parallel()
	doc, _ := loadOpenAPI(t)
	for name, typ := range map[string]any{
		"Scan": stint.Scan{}, "ScanSummary": stint.ScanSummary{}, "ScanAccount": stint.ScanAccount{}, "Finding": stint.Finding{},
		"FindingsPage": access.FindingsPage{}, "ScanRef": stint.ScanRef{}, "Count": stint.Count{}, "ScanDiff": stint.ScanDiff{},
		"Inventory": stint.Inventory{}, "DirectoryUser": stint.User{}, "DirectoryGroup": stint.Group{},
		"InventoryPermissionSet": stint.InventoryPermissionSet{}, "InventoryAssignment": stint.InventoryAssignment{}, "SSORole": stint.SSORole{},
		"IAMUser": stint.IAMUser{}, "AccessKey": stint.AccessKey{}, "IAMRole": stint.IAMRole{}, "TrustedPrincipal": stint.TrustedPrincipal{},
		"ServiceUsage": stint.ServiceUsage{},
	} {
		s, ok := doc.Components.Schemas[name]
		require.True(t, ok, "no schema %s", name)
		var got []string
		for p := range s.Properties {
			got = append(got, p)
		}
		slices.Sort(got)
		require.Equal(t, jsonFields(reflect.TypeOf(typ)), got, name)
	}
}
