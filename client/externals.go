package client

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/stint-dev/stint"
)

// InviteInput invites a third party.
type InviteInput struct {
	Email   string
	Org     string
	Sponsor string        // "" means the caller
	Expires time.Duration // 0 means the server's default, 30 days
}

// Invite is the answer of an invitation: URL is the single-use link to
// send the invitee, shown this once.
type Invite struct {
	External *stint.External `json:"external"`
	URL      string          `json:"url"`
	Token    string          `json:"token"`
}

// Invite invites an external user (admins, or a flow's sponsors).
func (c *Client) Invite(ctx context.Context, in InviteInput) (*Invite, error) {
	body := struct {
		Email   string `json:"email"`
		Org     string `json:"org"`
		Sponsor string `json:"sponsor,omitempty"`
		Expires string `json:"expires,omitempty"`
	}{in.Email, in.Org, in.Sponsor, optionalDuration(in.Expires)}
	return call[Invite](ctx, c, http.MethodPost, "/api/v1/externals", body)
}

// Externals lists external users (of org, when not "").
func (c *Client) Externals(ctx context.Context, org string) ([]*stint.External, error) {
	return list[*stint.External](ctx, c, "/api/v1/externals", query(map[string]string{"org": org}))
}

// DisableExternal disables an external user at once.
func (c *Client) DisableExternal(ctx context.Context, email string) (*stint.External, error) {
	return call[stint.External](ctx, c, http.MethodPost, "/api/v1/externals/"+url.PathEscape(email)+"/disable", struct{}{})
}

// CredentialsInput asks for credentials of one of the caller's grants.
type CredentialsInput struct {
	GrantID  string
	Resource string // a resource ID: the caller's active grant of it
	Code     string // a fresh TOTP code
}

// Credentials asks the server for short-lived AWS credentials of one of
// the calling external user's active grants.
func (c *Client) Credentials(ctx context.Context, in CredentialsInput) (*stint.Credentials, error) {
	body := struct {
		GrantID  string `json:"grant_id,omitempty"`
		Resource string `json:"resource,omitempty"`
		Code     string `json:"code"`
	}{in.GrantID, in.Resource, in.Code}
	return call[stint.Credentials](ctx, c, http.MethodPost, "/api/v1/credentials", body)
}
