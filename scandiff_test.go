package stint_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

func finding(kind stint.FindingKind, principal string, score int) stint.Finding {
	return stint.Finding{Key: stint.FindingKey(kind, "111111111111", principal, "aws-sso:111111111111/Admin"), Kind: kind,
		Score: score, Severity: stint.Severity(score), AccountID: "111111111111", Principal: principal,
		Resource: "aws-sso:111111111111/Admin", Reason: "because"}
}

func TestDiffScans(t *testing.T) {
	t.Parallel()
	kept, rescored, gone := finding(stint.FindingStandingAdmin, "user:a@x", 75), finding(stint.FindingUnused, "user:b@x", 30), finding(stint.FindingNoMFA, "iam-user:c", 45)
	assignment := func(principal string) stint.InventoryAssignment {
		return stint.InventoryAssignment{AccountID: "111111111111", PermissionSetARN: "arn:ps", PermissionSet: "Admin", PrincipalType: "USER", PrincipalID: principal, PrincipalName: principal}
	}
	from := &stint.Scan{ID: "A", Findings: []stint.Finding{kept, rescored, gone},
		Inventory: &stint.Inventory{Assignments: []stint.InventoryAssignment{assignment("u1"), assignment("u2")}}}
	from.Summary.Summarize(from.Findings)
	rescored2 := rescored
	rescored2.Score = 40
	fresh := finding(stint.FindingExternalTrust, "iam-role:vendor", 90)
	to := &stint.Scan{ID: "B", Findings: []stint.Finding{fresh, kept, rescored2},
		Inventory: &stint.Inventory{Assignments: []stint.InventoryAssignment{assignment("u2"), assignment("u3")}}}
	to.Summary.Summarize(to.Findings)

	d := stint.DiffScans(from, to)
	require.Equal(t, []stint.Finding{fresh}, d.New)
	require.Equal(t, []stint.Finding{gone}, d.Resolved)
	require.Equal(t, []stint.FindingChange{{Finding: rescored2, OldScore: 30}}, d.Changed)
	require.Equal(t, 1, d.Unchanged)
	require.Equal(t, stint.Count{From: 1, To: 0}, d.ByKind[stint.FindingNoMFA])
	require.Equal(t, stint.Count{From: 0, To: 1}, d.ByKind[stint.FindingExternalTrust])
	require.Equal(t, 150, d.From.TotalScore)
	require.Equal(t, 205, d.To.TotalScore)
	require.Equal(t, []stint.InventoryAssignment{assignment("u3")}, d.AssignmentsAdded)
	require.Equal(t, []stint.InventoryAssignment{assignment("u1")}, d.AssignmentsRemoved)

	same := stint.DiffScans(to, to)
	require.Empty(t, same.New)
	require.Empty(t, same.Resolved)
	require.Empty(t, same.Changed)
	require.Equal(t, 3, same.Unchanged)
}

func TestSeverity(t *testing.T) {
	t.Parallel()
	for score, want := range map[int]string{100: "critical", 80: "critical", 79: "high", 60: "high", 59: "medium", 40: "medium", 39: "low", 0: "low"} {
		require.Equal(t, want, stint.Severity(score), "score %d", score)
	}
}

func TestWriteFindingsCSV(t *testing.T) {
	t.Parallel()
	f := finding(stint.FindingNoMFA, "iam-user:=HYPERLINK(\"x\")", 45)
	f.Reason = "console password, no MFA, \"quoted\""
	f.Details = map[string]string{"b": "2", "a": "1"}
	var buf bytes.Buffer
	require.NoError(t, stint.WriteFindingsCSV(&buf, "scan-1", []stint.Finding{f}))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2)
	require.Equal(t, stint.FindingsCSVHeader, rows[0])
	require.Equal(t, []string{"scan-1", "45", "medium", "no_mfa", "111111111111", "", "iam-user:=HYPERLINK(\"x\")",
		"aws-sso:111111111111/Admin", "console password, no MFA, \"quoted\"", "a=1; b=2", f.Key}, rows[1])

	buf.Reset()
	f.Principal = "=cmd"
	require.NoError(t, stint.WriteFindingsCSV(&buf, "scan-1", []stint.Finding{f}))
	rows, err = csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Equal(t, "'=cmd", rows[1][6], "a formula-like cell starts with an apostrophe")
}
