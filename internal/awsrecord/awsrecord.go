// Package awsrecord records the calls of AWS query-protocol services (STS,
// IAM) that the SDK sends, so that tests can inspect what was asked where
// the emulator does not enforce it: moto does not apply session policies,
// so a test reads the Policy an AssumeRole carried.
package awsrecord

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"sync"
)

// Recorder is an http.RoundTripper that keeps the form of every
// query-protocol call (Action=...) before passing it on.
type Recorder struct {
	// Next sends the calls. Default: http.DefaultTransport.
	Next http.RoundTripper

	mu    sync.Mutex
	calls []url.Values
}

// Client returns an HTTP client sending through r.
func (r *Recorder) Client() *http.Client { return &http.Client{Transport: r} }

// RoundTrip records a form-encoded body's values and sends the request.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		if v, err := url.ParseQuery(string(body)); err == nil && v.Get("Action") != "" {
			r.mu.Lock()
			r.calls = append(r.calls, v)
			r.mu.Unlock()
		}
	}
	next := r.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(req)
}

// Calls returns the recorded calls of the action ("AssumeRole"), oldest
// first.
func (r *Recorder) Calls(action string) []url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []url.Values
	for _, c := range r.calls {
		if c.Get("Action") == action {
			out = append(out, c)
		}
	}
	return out
}
