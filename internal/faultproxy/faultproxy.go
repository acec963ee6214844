package faultproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault is an answer the proxy gives instead of forwarding a call.
type Fault int

// Faults.
const (
	// Throttle answers HTTP 400 ThrottlingException ("Rate exceeded"), as
	// AWS JSON services do.
	Throttle Fault = iota
	// TooManyRequests answers HTTP 429 TooManyRequestsException.
	TooManyRequests
	// InternalError answers HTTP 500 InternalServerException.
	InternalError
	// Unavailable answers HTTP 503 ServiceUnavailableException.
	Unavailable
	// Conflict answers HTTP 400 ConflictException, as sso-admin does while
	// another operation on the same account and permission set is running.
	Conflict
	// AccessDenied answers HTTP 403 AccessDenied, as STS does when the
	// caller may not assume a role.
	AccessDenied
)

// Rule makes the proxy answer matching calls with a fault.
type Rule struct {
	// Op is the operation name to match; "" matches every call.
	Op    string
	Fault Fault
	// Times is how many matching calls get the fault; 0 means no limit.
	Times int
	// For is how long, from when the rule is added, matching calls get the
	// fault; 0 means no limit. A rule with neither limit lasts until Clear.
	For time.Duration
	// BodyContains, if set, matches only calls whose body contains it
	// (the account ID in an AssumeRole's RoleArn, say).
	BodyContains string
}

// Call is one request the proxy received.
type Call struct {
	Op      string    // operation name; "" when the proxy could not tell
	Service string    // X-Amz-Target prefix, e.g. "SWBExternalService"; "" for query services
	At      time.Time // when it arrived
	Status  int       // HTTP status answered
	Fault   bool      // answered by the proxy (a Rule or a failing StatusRule), not moto
}

// Proxy is a running fault proxy.
type Proxy struct {
	srv    *httptest.Server
	target *url.URL
	rp     *httputil.ReverseProxy

	mu       sync.Mutex
	rules    []*activeRule
	statuses []StatusRule
	calls    []Call
	polls    map[string]int // status polls seen per kind and request ID
	fakes    map[string]*fakeOp
	inFlight map[string]bool
	peak     int
}

type activeRule struct {
	Rule
	until time.Time
	used  int
}

// New starts a proxy in front of target (moto's URL). Close it when done.
func New(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: target %q: %w", target, err)
	}
	p := &Proxy{target: u, polls: map[string]int{}, fakes: map[string]*fakeOp{}, inFlight: map[string]bool{}}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host // keep the signed Host header valid
		},
		ModifyResponse: p.modifyResponse,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			// The client went away, or moto is down: say so to the client
			// only; tests that cancel calls would otherwise flood the log.
			http.Error(w, "faultproxy: "+err.Error(), http.StatusBadGateway)
		},
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	return p, nil
}

// Start starts a proxy in front of target for a test and closes it when the
// test ends.
func Start(t testing.TB, target string) *Proxy {
	t.Helper()
	p, err := New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// URL returns the proxy's base URL, to use as the AWS endpoint.
func (p *Proxy) URL() string { return p.srv.URL }

// Close stops the proxy.
func (p *Proxy) Close() { p.srv.Close() }

// Inject adds a fault rule. Rules are tried in the order added; the first
// that matches a call answers it.
func (p *Proxy) Inject(r Rule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a := &activeRule{Rule: r}
	if r.For > 0 {
		a.until = time.Now().Add(r.For)
	}
	p.rules = append(p.rules, a)
}

// Clear removes every fault and status rule; counts are kept.
func (p *Proxy) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules, p.statuses = nil, nil
}

// Calls returns every call received so far, in arrival order.
func (p *Proxy) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Call(nil), p.calls...)
}

// Count returns how many calls of the operation arrived; "" counts all.
func (p *Proxy) Count(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.calls {
		if op == "" || c.Op == op {
			n++
		}
	}
	return n
}

// ResetCounts forgets the calls received so far and the in-flight peak.
func (p *Proxy) ResetCounts() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = nil
	p.peak = len(p.inFlight)
}

type ctxKey struct{}

// serve answers a call with a fault or forwards it to moto.
func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "faultproxy: read request: "+err.Error(), http.StatusBadGateway)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	call := Call{At: time.Now()}
	call.Service, call.Op = operation(r, body)

	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	if fault, ok := p.match(call.Op, body, call.At); ok {
		call.Fault = true
		writeFault(rec, r, fault)
	} else if p.answerFailing(rec, call.Op, body) {
		call.Fault = true
	} else {
		p.rp.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), ctxKey{}, call.Op)))
	}
	call.Status = rec.status
	p.mu.Lock()
	p.calls = append(p.calls, call)
	p.mu.Unlock()
}

func (p *Proxy) match(op string, body []byte, now time.Time) (Fault, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.rules {
		if (r.Op != "" && r.Op != op) || (r.BodyContains != "" && !bytes.Contains(body, []byte(r.BodyContains))) {
			continue
		}
		if (r.Times > 0 && r.used >= r.Times) || (!r.until.IsZero() && now.After(r.until)) {
			continue
		}
		r.used++
		return r.Fault, true
	}
	return 0, false
}

// operation names the call from X-Amz-Target or the query Action.
func operation(r *http.Request, body []byte) (service, op string) {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		if i := strings.LastIndexByte(target, '.'); i >= 0 {
			return target[:i], target[i+1:]
		}
		return "", target
	}
	if a := r.URL.Query().Get("Action"); a != "" {
		return "", a
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if v, err := url.ParseQuery(string(body)); err == nil {
			return "", v.Get("Action")
		}
	}
	return "", ""
}

func writeFault(w http.ResponseWriter, r *http.Request, f Fault) {
	status, code, msg := http.StatusBadRequest, "ThrottlingException", "Rate exceeded"
	switch f {
	case TooManyRequests:
		status, code = http.StatusTooManyRequests, "TooManyRequestsException"
	case InternalError:
		status, code, msg = http.StatusInternalServerError, "InternalServerException", "Internal failure injected by faultproxy"
	case Unavailable:
		status, code, msg = http.StatusServiceUnavailable, "ServiceUnavailableException", "Service unavailable (injected by faultproxy)"
	case Conflict:
		code, msg = "ConflictException", "An operation on this account and permission set is in progress"
	case AccessDenied:
		status, code, msg = http.StatusForbidden, "AccessDenied", "User is not authorized to perform: sts:AssumeRole (injected by faultproxy)"
	}
	if r.Header.Get("X-Amz-Target") != "" {
		ct := r.Header.Get("Content-Type")
		if ct == "" {
			ct = "application/x-amz-json-1.1"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("X-Amzn-ErrorType", code)
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, msg)
		return
	}
	if code == "ThrottlingException" {
		code = "Throttling" // the query services' spelling
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>faultproxy</RequestId></ErrorResponse>`, code, msg)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Flush lets the reverse proxy stream.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
