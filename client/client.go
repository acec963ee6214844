package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// DefaultTimeout bounds each API call when no HTTP client is given.
const DefaultTimeout = 30 * time.Second

// maxResponseBytes bounds the responses the client reads.
const maxResponseBytes = 32 << 20

// Client calls one stint server.
type Client struct {
	server    string
	token     string
	http      *http.Client
	userAgent string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client. Default: one with a 30s timeout.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithUserAgent sets the User-Agent header. Default: "stint-client".
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// New returns a client of the server at the base URL server (e.g.
// http://127.0.0.1:8080) authenticating with the bearer token.
func New(server, token string, opts ...Option) *Client {
	c := &Client{
		server:    strings.TrimRight(strings.TrimSpace(server), "/"),
		token:     strings.TrimSpace(token),
		http:      &http.Client{Timeout: DefaultTimeout},
		userAgent: "stint-client",
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Server returns the server's base URL.
func (c *Client) Server() string { return c.server }

// CheckServer reports whether server is a usable base URL: http or https,
// with a host. It returns EINVALID otherwise.
func CheckServer(server string) error {
	u, err := url.Parse(strings.TrimSpace(server))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return stint.Errorf(stint.EINVALID, "server %q is not an http:// or https:// URL; set --server or STINT_SERVER, e.g. http://127.0.0.1:8080", server)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return stint.Errorf(stint.EINVALID, "server %q must not have a query or fragment", server)
	}
	return nil
}

// do calls method path with the JSON of in (when not nil) and decodes the
// answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	if err := CheckServer(c.server); err != nil {
		return err
	}
	u := c.server + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return stint.Errorf(stint.EINVALID, "bad request URL %s: %v", u, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return stint.Errorf(stint.EUNAVAILABLE, "cannot reach stint at %s: %s; is `stint serve` running? set --server or STINT_SERVER",
			c.server, transportReason(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return stint.Errorf(stint.EUNAVAILABLE, "reading the answer of stint at %s: %v", c.server, err)
	}
	if resp.StatusCode >= 300 {
		return apiError(resp, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return stint.Errorf(stint.EINTERNAL, "stint at %s answered %s %s with something other than the expected JSON (%v); is --server the stint API?",
			c.server, method, path, err)
	}
	return nil
}

// transportReason shortens a transport error to its cause: *url.Error
// repeats the method and URL we already print.
func transportReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// apiError turns a non-2xx answer into a *stint.Error: the server's code and
// message when the body has the API's error shape, else a code from the
// status.
func apiError(resp *http.Response, data []byte) error {
	var body struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &body) == nil && body.Error != nil && body.Error.Code != "" {
		return &stint.Error{Code: body.Error.Code, Message: body.Error.Message}
	}
	snippet := strings.TrimSpace(string(data))
	if len(snippet) > 200 {
		snippet = snippet[:200] + "..."
	}
	msg := fmt.Sprintf("stint server answered %s", resp.Status)
	if snippet != "" {
		msg += ": " + strings.Join(strings.Fields(snippet), " ")
	}
	return &stint.Error{Code: codeOfStatus(resp.StatusCode), Message: msg}
}

// codeOfStatus maps an HTTP status back to a code, for answers that did not
// come from the API (a proxy, a load balancer).
func codeOfStatus(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusMethodNotAllowed:
		return stint.EINVALID
	case http.StatusUnauthorized:
		return stint.EUNAUTHORIZED
	case http.StatusForbidden:
		return stint.EFORBIDDEN
	case http.StatusNotFound:
		return stint.ENOTFOUND
	case http.StatusConflict:
		return stint.ECONFLICT
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusTooManyRequests:
		return stint.EUNAVAILABLE
	}
	return stint.EINTERNAL
}
