package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/stint-dev/stint"
)

var (
	campaignsTable   = table{noun: "review campaign", name: "review_campaigns", key: "id"}
	reviewItemsTable = table{noun: "review item", name: "review_items", key: "id"}
)

// reviewItemBatch is how many items one INSERT writes (6 arguments each).
const reviewItemBatch = 250

// campaignRow is what the data column holds: the campaign without its
// version (the column's) and counts (computed by the service).
func campaignRow(c *stint.Campaign) (string, error) {
	c.CreatedAt, c.UpdatedAt, c.ClosedAt, c.Deadline = Norm(c.CreatedAt), Norm(c.UpdatedAt), normPtr(c.ClosedAt), Norm(c.Deadline)
	row := *c
	row.Version, row.Counts = 0, nil
	return jsonText("review campaign", &row)
}

func scanCampaign(d *Dialect, row Row) (*stint.Campaign, error) {
	var c stint.Campaign
	var version int64
	err := row.Scan(d.ScanJSON(&c), &version)
	c.Version = version
	return &c, err
}

// CampaignCreate stores a campaign with Version 1; ECONFLICT when its ID
// is taken.
func (t writer) CampaignCreate(ctx context.Context, c *stint.Campaign) error {
	data, err := campaignRow(c)
	if err != nil {
		return err
	}
	p := t.d.Placeholder
	query := "INSERT INTO review_campaigns (id, state, created_at, data, version) VALUES (" + p(1) + ", " + p(2) + ", " + p(3) + ", " + p(4) + ", 1) ON CONFLICT DO NOTHING"
	if err := t.insert(ctx, campaignsTable, c.ID, query, c.ID, string(c.State), t.d.Time(c.CreatedAt), data); err != nil {
		return err
	}
	c.Version = 1
	return nil
}

// CampaignUpdate writes the campaign if its version still matches (CAS).
func (t writer) CampaignUpdate(ctx context.Context, c *stint.Campaign) error {
	data, err := campaignRow(c)
	if err != nil {
		return err
	}
	p := t.d.Placeholder
	query := "UPDATE review_campaigns SET state = " + p(1) + ", data = " + p(2) + ", version = version + 1 WHERE id = " + p(3) + " AND version = " + p(4)
	if err := t.cas(ctx, campaignsTable, c.ID, query, string(c.State), data, c.ID, c.Version); err != nil {
		return err
	}
	c.Version++
	return nil
}

// CampaignGet returns the campaign, or ENOTFOUND.
func (r Reader) CampaignGet(ctx context.Context, id string) (*stint.Campaign, error) {
	return one(ctx, r, fmt.Sprintf("review campaign %q (`stint review list` lists them)", id), scanCampaign,
		"SELECT data, version FROM review_campaigns WHERE id = "+r.d.Placeholder(1), id)
}

// CampaignList lists campaigns, newest first.
func (r Reader) CampaignList(ctx context.Context, p *stint.CampaignListParams) ([]*stint.Campaign, error) {
	if p == nil {
		p = &stint.CampaignListParams{}
	}
	w := where{d: r.d}
	if len(p.States) > 0 {
		w.in("state", strs(p.States))
	}
	query := "SELECT data, version FROM review_campaigns" + w.sql() + " ORDER BY created_at DESC, id DESC LIMIT " + w.arg(limit(p.Limit, 100, 1000))
	return list(ctx, r, "review campaigns", scanCampaign, query, w.args...)
}

// reviewersText is the reviewers column of an item.
func reviewersText(refs []string) string {
	if len(refs) == 0 {
		return "|"
	}
	return "|" + strings.ToLower(strings.Join(refs, "|")) + "|"
}

func reviewItemRow(it *stint.ReviewItem) (string, error) {
	it.CreatedAt, it.UpdatedAt = Norm(it.CreatedAt), Norm(it.UpdatedAt)
	it.DecidedAt, it.ExecutedAt, it.GrantEnds = normPtr(it.DecidedAt), normPtr(it.ExecutedAt), normPtr(it.GrantEnds)
	row := *it
	row.Version = 0
	return jsonText("review item", &row)
}

func scanReviewItem(d *Dialect, row Row) (*stint.ReviewItem, error) {
	var it stint.ReviewItem
	var version int64
	err := row.Scan(d.ScanJSON(&it), &version)
	it.Version = version
	return &it, err
}

// ReviewItemCreate stores items with Version 1, in batches. It returns
// EINVALID for an item without an ID or campaign, and ECONFLICT when an
// ID is taken.
func (t writer) ReviewItemCreate(ctx context.Context, items ...*stint.ReviewItem) error {
	p := t.d.Placeholder
	for start := 0; start < len(items); start += reviewItemBatch {
		batch := items[start:min(start+reviewItemBatch, len(items))]
		rows := make([]string, 0, len(batch))
		args := make([]any, 0, 5*len(batch))
		for _, it := range batch {
			if it.ID == "" || it.CampaignID == "" {
				return stint.Errorf(stint.EINVALID, "a review item needs an ID and a campaign")
			}
			data, err := reviewItemRow(it)
			if err != nil {
				return err
			}
			n := len(args)
			rows = append(rows, "("+p(n+1)+", "+p(n+2)+", "+p(n+3)+", "+p(n+4)+", "+p(n+5)+", 1)")
			args = append(args, it.ID, it.CampaignID, string(it.State), reviewersText(it.Reviewers), data)
		}
		query := "INSERT INTO review_items (id, campaign_id, state, reviewers, data, version) VALUES " + strings.Join(rows, ", ") + " ON CONFLICT DO NOTHING"
		n, err := t.q.Exec(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("store %d review items: %w", len(batch), t.d.Translate(err))
		}
		if int(n) != len(batch) {
			return stint.Errorf(stint.ECONFLICT, "%d of %d review items already exist", len(batch)-int(n), len(batch))
		}
		for _, it := range batch {
			it.Version = 1
		}
	}
	return nil
}

// ReviewItemUpdate writes the item if its version still matches (CAS).
func (t writer) ReviewItemUpdate(ctx context.Context, it *stint.ReviewItem) error {
	data, err := reviewItemRow(it)
	if err != nil {
		return err
	}
	p := t.d.Placeholder
	query := "UPDATE review_items SET state = " + p(1) + ", reviewers = " + p(2) + ", data = " + p(3) +
		", version = version + 1 WHERE id = " + p(4) + " AND version = " + p(5)
	if err := t.cas(ctx, reviewItemsTable, it.ID, query, string(it.State), reviewersText(it.Reviewers), data, it.ID, it.Version); err != nil {
		return err
	}
	it.Version++
	return nil
}

// ReviewItemGet returns the item, or ENOTFOUND.
func (r Reader) ReviewItemGet(ctx context.Context, id string) (*stint.ReviewItem, error) {
	return one(ctx, r, fmt.Sprintf("review item %q", id), scanReviewItem,
		"SELECT data, version FROM review_items WHERE id = "+r.d.Placeholder(1), id)
}

// ReviewItemList lists items in creation order.
func (r Reader) ReviewItemList(ctx context.Context, p *stint.ReviewItemListParams) ([]*stint.ReviewItem, error) {
	if p == nil {
		p = &stint.ReviewItemListParams{}
	}
	w := where{d: r.d}
	if p.CampaignID != "" {
		w.add("campaign_id = " + w.arg(p.CampaignID))
	}
	if len(p.States) > 0 {
		w.in("state", strs(p.States))
	}
	if len(p.Reviewers) > 0 {
		conds := make([]string, len(p.Reviewers))
		for i, ref := range p.Reviewers {
			conds[i] = "reviewers LIKE " + w.arg("%|"+likeEscape(strings.ToLower(ref))+"|%") + ` ESCAPE '\'`
		}
		w.add("(" + strings.Join(conds, " OR ") + ")")
	}
	query := "SELECT data, version FROM review_items" + w.sql() + " ORDER BY id LIMIT " + w.arg(limit(p.Limit, 1000, 100000))
	if p.Offset > 0 {
		query += " OFFSET " + w.arg(p.Offset)
	}
	return list(ctx, r, "review items", scanReviewItem, query, w.args...)
}
