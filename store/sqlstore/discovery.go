package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/stint-dev/stint"
)

var scansTable = table{noun: "discovery scan", name: "discovery_scans", key: "id"}

// findingCols are the columns of discovery_findings, in insert order.
const findingCols = "scan_id, key, kind, score, account_id, account_name, principal, data"

// findingBatch is how many findings one INSERT writes: 8 arguments each,
// well under SQLite's and PostgreSQL's limits on arguments per statement.
const findingBatch = 250

// ScanCreate stores the scan: its header and inventory in one row, its
// findings one a row. It returns EINVALID without an ID or with two
// findings of one key, and ECONFLICT when the ID is taken.
func (t writer) ScanCreate(ctx context.Context, s *stint.Scan) error {
	if s.ID == "" {
		return stint.Errorf(stint.EINVALID, "a discovery scan needs an ID")
	}
	seen := make(map[string]bool, len(s.Findings))
	for _, f := range s.Findings {
		if f.Key == "" || seen[f.Key] {
			return stint.Errorf(stint.EINVALID, "scan %s: finding key %q is empty or repeated", s.ID, f.Key)
		}
		seen[f.Key] = true
	}
	s.StartedAt, s.FinishedAt = Norm(s.StartedAt), Norm(s.FinishedAt)
	header := *s
	header.Findings, header.Inventory = nil, nil
	meta, err := jsonText("scan", &header)
	if err != nil {
		return err
	}
	inv, err := jsonText("scan inventory", s.Inventory)
	if err != nil {
		return err
	}
	p := t.d.Placeholder
	insert := "INSERT INTO discovery_scans (id, started_at, meta, inventory) VALUES (" + p(1) + ", " + p(2) + ", " + p(3) + ", " + p(4) + ") ON CONFLICT DO NOTHING"
	if err := t.insert(ctx, scansTable, s.ID, insert, s.ID, t.d.Time(s.StartedAt), meta, inv); err != nil {
		return err
	}
	for start := 0; start < len(s.Findings); start += findingBatch {
		batch := s.Findings[start:min(start+findingBatch, len(s.Findings))]
		rows := make([]string, 0, len(batch))
		args := make([]any, 0, 8*len(batch))
		for i := range batch {
			f := &batch[i]
			data, err := jsonText("finding", f)
			if err != nil {
				return err
			}
			ps := make([]string, 8)
			for j := range ps {
				ps[j] = p(len(args) + j + 1)
			}
			rows = append(rows, "("+strings.Join(ps, ", ")+")")
			args = append(args, s.ID, f.Key, string(f.Kind), f.Score, f.AccountID, f.AccountName, f.Principal, data)
		}
		query := "INSERT INTO discovery_findings (" + findingCols + ") VALUES " + strings.Join(rows, ", ")
		if _, err := t.q.Exec(ctx, query, args...); err != nil {
			return fmt.Errorf("store the findings of scan %s: %w", s.ID, t.d.Translate(err))
		}
	}
	return nil
}

func scanHeader(d *Dialect, row Row) (*stint.Scan, error) {
	var s stint.Scan
	err := row.Scan(d.ScanJSON(&s))
	return &s, err
}

// ScanGet returns the scan with its findings (highest score first) and
// inventory; id "latest" is the newest scan. It returns ENOTFOUND when
// there is no such scan.
func (r Reader) ScanGet(ctx context.Context, id string) (*stint.Scan, error) {
	query := "SELECT meta, inventory FROM discovery_scans WHERE id = " + r.d.Placeholder(1)
	args := []any{id}
	desc := fmt.Sprintf("discovery scan %q (`stint discover scans` lists them)", id)
	if id == "latest" {
		query, args = "SELECT meta, inventory FROM discovery_scans ORDER BY started_at DESC, id DESC LIMIT 1", nil
		desc = "discovery scan (run `stint discover` first)"
	}
	s, err := one(ctx, r, desc, func(d *Dialect, row Row) (*stint.Scan, error) {
		var s stint.Scan
		err := row.Scan(d.ScanJSON(&s), d.ScanJSON(&s.Inventory))
		return &s, err
	}, query, args...)
	if err != nil {
		return nil, err
	}
	fs, err := r.findings(ctx, &stint.FindingListParams{ScanID: s.ID}, 0)
	if err != nil {
		return nil, err
	}
	s.Findings = make([]stint.Finding, len(fs))
	for i, f := range fs {
		s.Findings[i] = *f
	}
	return s, nil
}

// ScanList lists scans newest first, without findings or inventory.
func (r Reader) ScanList(ctx context.Context, p *stint.ScanListParams) ([]*stint.Scan, error) {
	if p == nil {
		p = &stint.ScanListParams{}
	}
	query := "SELECT meta FROM discovery_scans ORDER BY started_at DESC, id DESC LIMIT " + r.d.Placeholder(1)
	return list(ctx, r, "discovery scans", scanHeader, query, limit(p.Limit, 50, 1000))
}

// FindingList lists one scan's findings by score, highest first, then by
// key. It returns EINVALID without a scan ID.
func (r Reader) FindingList(ctx context.Context, p *stint.FindingListParams) ([]*stint.Finding, error) {
	if p == nil || p.ScanID == "" {
		return nil, stint.Errorf(stint.EINVALID, "say which scan's findings to list")
	}
	return r.findings(ctx, p, limit(p.Limit, 1000, 10000))
}

// findings lists findings as FindingList does; n 0 means all of them.
func (r Reader) findings(ctx context.Context, p *stint.FindingListParams, n int) ([]*stint.Finding, error) {
	w := where{d: r.d}
	w.add("scan_id = " + w.arg(p.ScanID))
	if len(p.Kinds) > 0 {
		w.in("kind", strs(p.Kinds))
	}
	if p.MinScore > 0 {
		w.add("score >= " + w.arg(p.MinScore))
	}
	if a := strings.TrimSpace(p.Account); a != "" {
		w.add("(account_id = " + w.arg(a) + " OR LOWER(account_name) = " + w.arg(strings.ToLower(a)) + ")")
	}
	if pr := strings.TrimSpace(p.Principal); pr != "" {
		w.add("LOWER(principal) LIKE " + w.likeArg(pr) + ` ESCAPE '\'`)
	}
	query := "SELECT data FROM discovery_findings" + w.sql() + " ORDER BY score DESC, key"
	if n > 0 {
		query += " LIMIT " + w.arg(n)
		if p.Offset > 0 {
			query += " OFFSET " + w.arg(p.Offset)
		}
	}
	return list(ctx, r, "findings", func(d *Dialect, row Row) (*stint.Finding, error) {
		var f stint.Finding
		err := row.Scan(d.ScanJSON(&f))
		return &f, err
	}, query, w.args...)
}
