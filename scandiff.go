package stint

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ScanRef names a scan in a diff.
type ScanRef struct {
	ID         string    `json:"id"`
	StartedAt  time.Time `json:"started_at"`
	Findings   int       `json:"findings"`
	TotalScore int       `json:"total_score"`
}

// Count is a number in two scans.
type Count struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// FindingChange is a finding in both scans whose score moved.
type FindingChange struct {
	Finding
	OldScore int `json:"old_score"`
}

// ScanDiff is what changed between two scans: findings new, resolved and
// rescored (matched by Key), and standing assignments added and removed.
type ScanDiff struct {
	From      ScanRef         `json:"from"`
	To        ScanRef         `json:"to"`
	New       []Finding       `json:"new"`
	Resolved  []Finding       `json:"resolved"`
	Changed   []FindingChange `json:"changed"`
	Unchanged int             `json:"unchanged"`
	// ByKind counts findings by kind in each scan.
	ByKind map[FindingKind]Count `json:"by_kind"`
	// AssignmentsAdded and AssignmentsRemoved compare the standing
	// assignments of the inventories (empty when a scan has none).
	AssignmentsAdded   []InventoryAssignment `json:"assignments_added"`
	AssignmentsRemoved []InventoryAssignment `json:"assignments_removed"`
}

// DiffScans compares two scans with their findings (and, for assignments,
// their inventories). Lists are by score, highest first.
func DiffScans(from, to *Scan) *ScanDiff {
	d := &ScanDiff{From: refOf(from), To: refOf(to), New: []Finding{}, Resolved: []Finding{}, Changed: []FindingChange{},
		ByKind: map[FindingKind]Count{}, AssignmentsAdded: []InventoryAssignment{}, AssignmentsRemoved: []InventoryAssignment{}}
	old := make(map[string]*Finding, len(from.Findings))
	for i := range from.Findings {
		f := &from.Findings[i]
		old[f.Key] = f
		c := d.ByKind[f.Kind]
		c.From++
		d.ByKind[f.Kind] = c
	}
	seen := make(map[string]bool, len(to.Findings))
	for _, f := range to.Findings {
		seen[f.Key] = true
		c := d.ByKind[f.Kind]
		c.To++
		d.ByKind[f.Kind] = c
		switch o, ok := old[f.Key]; {
		case !ok:
			d.New = append(d.New, f)
		case o.Score != f.Score:
			d.Changed = append(d.Changed, FindingChange{Finding: f, OldScore: o.Score})
		default:
			d.Unchanged++
		}
	}
	for _, f := range from.Findings {
		if !seen[f.Key] {
			d.Resolved = append(d.Resolved, f)
		}
	}
	SortFindings(d.New)
	SortFindings(d.Resolved)
	slices.SortFunc(d.Changed, func(a, b FindingChange) int { return compareFindings(&a.Finding, &b.Finding) })
	if from.Inventory != nil && to.Inventory != nil {
		d.AssignmentsAdded = assignmentsNotIn(to.Inventory.Assignments, from.Inventory.Assignments)
		d.AssignmentsRemoved = assignmentsNotIn(from.Inventory.Assignments, to.Inventory.Assignments)
	}
	return d
}

func refOf(s *Scan) ScanRef {
	return ScanRef{ID: s.ID, StartedAt: s.StartedAt, Findings: s.Summary.Findings, TotalScore: s.Summary.TotalScore}
}

func assignmentsNotIn(a, b []InventoryAssignment) []InventoryAssignment {
	in := make(map[string]bool, len(b))
	for i := range b {
		in[b[i].Key()] = true
	}
	out := []InventoryAssignment{}
	for _, x := range a {
		if !in[x.Key()] {
			out = append(out, x)
		}
	}
	slices.SortFunc(out, func(x, y InventoryAssignment) int {
		return cmp.Or(strings.Compare(x.AccountID, y.AccountID), strings.Compare(x.PermissionSet, y.PermissionSet),
			strings.Compare(x.PrincipalName, y.PrincipalName), strings.Compare(x.PrincipalID, y.PrincipalID))
	})
	return out
}

// SortFindings orders findings by score, highest first, then by key.
func SortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int { return compareFindings(&a, &b) })
}

func compareFindings(a, b *Finding) int {
	return cmp.Or(cmp.Compare(b.Score, a.Score), strings.Compare(a.Key, b.Key))
}

// Summarize counts the findings into s: Findings, ByKind, BySeverity and
// TotalScore.
func (s *ScanSummary) Summarize(fs []Finding) {
	s.Findings, s.TotalScore = len(fs), 0
	s.ByKind, s.BySeverity = map[FindingKind]int{}, map[string]int{}
	for _, f := range fs {
		s.ByKind[f.Kind]++
		s.BySeverity[f.Severity]++
		s.TotalScore += f.Score
	}
}

// csvCell keeps a spreadsheet from reading a cell as a formula: names
// from AWS may start with = or + (IAM allows both), so such a cell gets a
// leading apostrophe, which spreadsheets hide.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// FindingsCSVHeader is the first row WriteFindingsCSV writes.
var FindingsCSVHeader = []string{"scan_id", "score", "severity", "kind", "account_id", "account_name", "principal", "resource", "reason", "details", "key"}

// WriteFindingsCSV writes the findings as CSV (RFC 4180) with a header row;
// details are "key=value" pairs joined by "; ", sorted by key. Text cells
// that a spreadsheet would take for a formula (starting with =, +, - or @)
// start with an apostrophe.
func WriteFindingsCSV(w io.Writer, scanID string, fs []Finding) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(FindingsCSVHeader); err != nil {
		return err
	}
	for _, f := range fs {
		details := make([]string, 0, len(f.Details))
		for _, k := range slices.Sorted(maps.Keys(f.Details)) {
			details = append(details, k+"="+f.Details[k])
		}
		row := []string{scanID, strconv.Itoa(f.Score), f.Severity, string(f.Kind), f.AccountID, csvCell(f.AccountName),
			csvCell(f.Principal), csvCell(f.Resource), csvCell(f.Reason), csvCell(strings.Join(details, "; ")), csvCell(f.Key)}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write findings CSV: %w", err)
	}
	return nil
}
