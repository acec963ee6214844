package audit_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/audit"
	"github.com/stint-dev/stint/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./audit -update to write %s", path)
	require.Equal(t, string(want), string(got), "%s differs; if intended, run go test ./audit -update", path)
}

func TestOCSFClasses(t *testing.T) {
	t.Parallel()
	grant := &stint.Grant{ID: "g-1", RequestID: "r-1", UserID: "u-alice", UserEmail: "alice@example.com", UserName: "alice",
		ResourceID: "aws-sso:111111111111/AdministratorAccess", AccountID: "111111111111", AccountName: "prod-payments",
		PermissionSet: "AdministratorAccess", State: stint.GrantEnded, EndReason: stint.EndExpired}
	notActivated := *grant
	notActivated.EndReason = stint.EndNotActivated
	breakGlass := *grant
	breakGlass.BreakGlass = true
	tests := []struct {
		typ      string
		grant    *stint.Grant
		data     map[string]any
		typeUID  int
		severity int
		status   int
	}{
		{stint.EventRequestCreated, nil, nil, 300401, 1, 1},
		{stint.EventRequestDenied, nil, nil, 300403, 1, 1},
		{stint.EventBreakGlass, nil, nil, 300403, 4, 1},
		{stint.EventGrantActive, grant, nil, 300501, 1, 1},
		{stint.EventGrantActive, &breakGlass, nil, 300501, 4, 1},
		{stint.EventGrantEnded, grant, nil, 300502, 1, 1},
		{stint.EventGrantEnded, &notActivated, nil, 300403, 1, 1},
		{stint.EventGrantFailed, grant, nil, 300403, 3, 2},
		{stint.EventEffectDeleted, grant, nil, 300404, 1, 1},
		{stint.EventIdentityDrift, nil, map[string]any{"drift": true}, 300402, 3, 1},
		{stint.EventSignedIn, nil, nil, 300201, 1, 1},
		{stint.EventSignedOut, nil, nil, 300202, 1, 1},
		{stint.EventLocalSignInFailed, nil, nil, 300201, 3, 2},
		{stint.EventLocalLockedOut, nil, nil, 300109, 4, 1},
		{stint.EventAuditPruned, nil, nil, 300404, 1, 1},
		{"something.new", nil, nil, 300499, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			o := audit.OCSF(&stint.Event{ID: "e", Time: t0, Actor: "system", Type: tt.typ, Subject: "s", Data: tt.data}, audit.Subject{Grant: tt.grant})
			require.Equal(t, tt.typeUID, o.TypeUID)
			require.Equal(t, tt.typeUID/100, o.ClassUID)
			require.Equal(t, tt.typeUID%100, o.ActivityID)
			require.NotEmpty(t, o.ActivityName)
			require.NotEmpty(t, o.ClassName)
			require.Equal(t, tt.severity, o.SeverityID)
			require.Equal(t, tt.status, o.StatusID)
			if o.ClassUID == audit.ClassUserAccess || o.ClassUID == audit.ClassAuthentication || o.ClassUID == audit.ClassAccountChange {
				require.NotNil(t, o.User, "the class requires user")
			}
			if o.ClassUID == audit.ClassEntityManagement {
				require.NotNil(t, o.Entity, "the class requires entity")
			}
		})
	}
}

// TestExportFormats writes a small trail in every format and compares it
// with golden files; OCSF events about a grant carry its user and resource.
func TestExportFormats(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := sqlite.OpenTest(t)
	g := &stint.Grant{ID: "01GRANT", RequestID: "01REQ", Flow: "prod-admin", UserID: "u-alice", UserEmail: "alice@example.com", UserName: "alice",
		ResourceID: "aws-sso:111111111111/AdministratorAccess", AccountID: "111111111111", AccountName: "prod-payments",
		PermissionSet: "AdministratorAccess", State: stint.GrantActive, StartsAt: t0, EndsAt: t0.Add(time.Hour), CreatedAt: t0, UpdatedAt: t0}
	require.NoError(t, s.Tx(ctx, func(tx stint.Tx) error {
		if err := tx.GrantCreate(ctx, g); err != nil {
			return err
		}
		for _, e := range []*stint.Event{
			{ID: "01E1", Time: t0, Actor: "alice@example.com", Type: stint.EventRequestCreated, Subject: "01REQ",
				Data: map[string]any{"flow": "prod-admin", "reason": "=INC-4211, \"payments\"", "resources": []any{g.ResourceID}}},
			{ID: "01E2", Time: t0.Add(time.Minute), Actor: "bob@example.com", Type: stint.EventRequestApproved, Subject: "01REQ", Data: map[string]any{"comment": "ok"}},
			{ID: "01E3", Time: t0.Add(2 * time.Minute), Actor: "system", Type: stint.EventGrantActive, Subject: "01GRANT"},
			{ID: "01E4", Time: t0.Add(3 * time.Minute), Actor: "alice@example.com", Type: stint.EventSignedIn, Subject: "alice@example.com", Data: map[string]any{"method": "oidc"}},
		} {
			if err := tx.EventAppend(ctx, e); err != nil {
				return err
			}
		}
		return nil
	}))
	for _, f := range audit.Formats {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			enc := audit.NewEncoder(&buf, f, &audit.Subjects{Reader: s})
			n, err := audit.Export(ctx, enc, func(after string) ([]*stint.Event, error) {
				return s.EventList(ctx, &stint.EventListParams{AfterID: after, Oldest: true, Limit: audit.ExportPage})
			}, nil)
			require.NoError(t, err)
			require.Equal(t, 4, n)
			golden(t, "export."+f.Ext(), buf.Bytes())
			if f == audit.FormatCSV {
				require.True(t, strings.HasPrefix(buf.String(), strings.Join(audit.CSVHeader, ",")+"\n"))
				return
			}
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			require.Len(t, lines, 4)
			for _, l := range lines {
				require.True(t, json.Valid([]byte(l)), l)
			}
		})
	}
	var buf bytes.Buffer
	enc := audit.NewEncoder(&buf, audit.FormatCSV, nil)
	require.NoError(t, enc.Flush())
	require.Equal(t, strings.Join(audit.CSVHeader, ",")+"\n", buf.String(), "an empty CSV export has its header")
	require.Equal(t, "'=SUM(A1)", audit.Cell("=SUM(A1)"), "no formula")
	_, err := audit.ParseFormat("xml")
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
}
