package access

import (
	"context"
	"time"

	"github.com/stint-dev/stint"
)

// The discovery views: what `stint discover` stored, for admins (the JSON
// API, and the portal's page).

// FindingsInput filters Findings.
type FindingsInput struct {
	// Scan is a scan ID, "latest" or "previous"; "" means the latest.
	Scan string
	stint.FindingListParams
}

// FindingsPage is a page of one scan's findings.
type FindingsPage struct {
	ScanID    string          `json:"scan_id"`
	StartedAt time.Time       `json:"started_at"`
	Offset    int             `json:"offset"`
	Findings  []stint.Finding `json:"findings"`
}

func adminOnly(c *Caller) error {
	if c == nil || !c.Admin {
		return stint.Errorf(stint.EFORBIDDEN, "only admins can see discovery scans")
	}
	return nil
}

// Scans lists stored scans, newest first, with their summaries (the trend
// over time); limit defaults to 50. EFORBIDDEN for non-admins.
func (s *Service) Scans(ctx context.Context, c *Caller, limit int) ([]*stint.Scan, error) {
	if err := adminOnly(c); err != nil {
		return nil, err
	}
	return s.Store.ScanList(ctx, &stint.ScanListParams{Limit: limit})
}

// Scan returns a stored scan ("latest", "previous" or an ID): its accounts,
// summary and notes, and its inventory when asked; findings are listed by
// Findings. ENOTFOUND when there is none, EFORBIDDEN for non-admins.
func (s *Service) Scan(ctx context.Context, c *Caller, ref string, inventory bool) (*stint.Scan, error) {
	if err := adminOnly(c); err != nil {
		return nil, err
	}
	scan, err := stint.ScanByRef(ctx, s.Store, ref)
	if err != nil {
		return nil, err
	}
	scan.Findings = nil
	if !inventory {
		scan.Inventory = nil
	}
	return scan, nil
}

// Findings returns a page of a scan's findings, highest score first,
// filtered by kind, score, account and principal. EFORBIDDEN for
// non-admins.
func (s *Service) Findings(ctx context.Context, c *Caller, in FindingsInput) (*FindingsPage, error) {
	if err := adminOnly(c); err != nil {
		return nil, err
	}
	scan, err := s.scanHeader(ctx, in.Scan)
	if err != nil {
		return nil, err
	}
	in.ScanID = scan.ID
	fs, err := s.Store.FindingList(ctx, &in.FindingListParams)
	if err != nil {
		return nil, err
	}
	page := &FindingsPage{ScanID: scan.ID, StartedAt: scan.StartedAt, Offset: in.Offset,
		Findings: make([]stint.Finding, len(fs))}
	for i, f := range fs {
		page.Findings[i] = *f
	}
	return page, nil
}

// scanHeader resolves a scan reference without reading its findings.
func (s *Service) scanHeader(ctx context.Context, ref string) (*stint.Scan, error) {
	switch ref {
	case "", "latest", "previous":
		list, err := s.Store.ScanList(ctx, &stint.ScanListParams{Limit: 2})
		if err != nil {
			return nil, err
		}
		i := 0
		if ref == "previous" {
			i = 1
		}
		if len(list) <= i {
			return nil, stint.Errorf(stint.ENOTFOUND, "no %s discovery scan; run `stint discover`", map[bool]string{true: "previous", false: "stored"}[i == 1])
		}
		return list[i], nil
	}
	return s.Store.ScanGet(ctx, ref)
}

// ScanDiff compares two stored scans (IDs, "latest" or "previous"; by
// default previous and latest). EFORBIDDEN for non-admins.
func (s *Service) ScanDiff(ctx context.Context, c *Caller, from, to string) (*stint.ScanDiff, error) {
	if err := adminOnly(c); err != nil {
		return nil, err
	}
	if from == "" {
		from = "previous"
	}
	a, err := stint.ScanByRef(ctx, s.Store, from)
	if err != nil {
		return nil, err
	}
	b, err := stint.ScanByRef(ctx, s.Store, to)
	if err != nil {
		return nil, err
	}
	return stint.DiffScans(a, b), nil
}
