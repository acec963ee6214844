package client

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// CampaignInput creates an access review campaign (POST /api/v1/reviews).
type CampaignInput struct {
	Name            string    `json:"name"`
	Description     string    `json:"description,omitempty"`
	Accounts        []string  `json:"accounts,omitempty"`
	PermissionSets  []string  `json:"permission_sets,omitempty"`
	Types           []string  `json:"types,omitempty"`
	Standing        bool      `json:"standing,omitempty"`
	Scan            string    `json:"scan,omitempty"`
	JIT             bool      `json:"jit,omitempty"`
	Window          string    `json:"window,omitempty"`
	Reviewers       []string  `json:"reviewers,omitempty"`
	Deadline        time.Time `json:"deadline"`
	Reminders       []string  `json:"reminders,omitempty"`
	AutoRevoke      bool      `json:"auto_revoke,omitempty"`
	AllowSelfReview bool      `json:"allow_self_review,omitempty"`
}

// CampaignView is a campaign with the items the caller may see.
type CampaignView struct {
	stint.Campaign
	Items []*stint.ReviewItem `json:"items"`
}

// ReviewItemsParams filters ReviewItems.
type ReviewItemsParams struct {
	Campaign string
	States   []stint.ItemState
	Limit    int
}

// CreateCampaign creates a campaign (admins).
func (c *Client) CreateCampaign(ctx context.Context, in CampaignInput) (*CampaignView, error) {
	var out CampaignView
	return &out, c.do(ctx, http.MethodPost, "/api/v1/reviews", nil, in, &out)
}

// Campaigns lists campaigns, newest first; states filters them.
func (c *Client) Campaigns(ctx context.Context, states ...stint.CampaignState) ([]*stint.Campaign, error) {
	q := url.Values{}
	for _, s := range states {
		q.Add("state", string(s))
	}
	var out []*stint.Campaign
	return out, c.do(ctx, http.MethodGet, "/api/v1/reviews", q, nil, &out)
}

// Campaign returns a campaign with the items the caller may see.
func (c *Client) Campaign(ctx context.Context, id string) (*CampaignView, error) {
	var out CampaignView
	return &out, c.do(ctx, http.MethodGet, "/api/v1/reviews/"+url.PathEscape(id), nil, nil, &out)
}

// CloseCampaign closes a campaign before its deadline (admins).
func (c *Client) CloseCampaign(ctx context.Context, id string) (*stint.Campaign, error) {
	var out stint.Campaign
	return &out, c.do(ctx, http.MethodPost, "/api/v1/reviews/"+url.PathEscape(id)+"/close", nil, struct{}{}, &out)
}

// ReviewItems lists the items the caller reviews.
func (c *Client) ReviewItems(ctx context.Context, p ReviewItemsParams) ([]*stint.ReviewItem, error) {
	q := url.Values{}
	if p.Campaign != "" {
		q.Set("campaign", p.Campaign)
	}
	for _, s := range p.States {
		q.Add("state", string(s))
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	var out []*stint.ReviewItem
	return out, c.do(ctx, http.MethodGet, "/api/v1/reviews/items", q, nil, &out)
}

// ReviewItem returns one item.
func (c *Client) ReviewItem(ctx context.Context, id string) (*stint.ReviewItem, error) {
	var out stint.ReviewItem
	return &out, c.do(ctx, http.MethodGet, "/api/v1/reviews/items/"+url.PathEscape(id), nil, nil, &out)
}

// Decide records a decision (keep, revoke, convert) with a comment.
func (c *Client) Decide(ctx context.Context, itemID string, d stint.Decision, comment string) (*stint.ReviewItem, error) {
	var out stint.ReviewItem
	body := map[string]string{"decision": string(d), "comment": comment}
	return &out, c.do(ctx, http.MethodPost, "/api/v1/reviews/items/"+url.PathEscape(itemID)+"/decide", nil, body, &out)
}

// CampaignReport returns a campaign's report as JSON (format "json" or
// ""), or its CSV or HTML text.
func (c *Client) CampaignReport(ctx context.Context, id, format string) (*CampaignView, []byte, error) {
	path := "/api/v1/reviews/" + url.PathEscape(id) + "/report"
	if format == "" || format == "json" {
		var out CampaignView
		return &out, nil, c.do(ctx, http.MethodGet, path, nil, nil, &out)
	}
	if err := CheckServer(c.server); err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.server+path+"?format="+url.QueryEscape(format), nil)
	if err != nil {
		return nil, nil, stint.Errorf(stint.EINVALID, "bad request URL: %v", err)
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, stint.Errorf(stint.EUNAVAILABLE, "cannot reach stint at %s: %s", c.server, transportReason(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, nil, stint.Errorf(stint.EUNAVAILABLE, "reading the report from %s: %v", c.server, err)
	}
	if resp.StatusCode >= 300 {
		return nil, nil, apiError(resp, data)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/") {
		return nil, nil, stint.Errorf(stint.EINTERNAL, "stint at %s answered the report with %q, not text", c.server, ct)
	}
	return nil, data, nil
}
