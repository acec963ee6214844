// Package slackfake stands in for Slack in tests: Server answers the Web
// API methods stint calls (slack-go pointed at it with OptionAPIURL) and
// records every call; Sign and the payload builders make incoming slash
// commands and interactions signed exactly as Slack signs them. Test rig
// only.
package slackfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// User is a member of the fake workspace.
type User struct {
	ID    string // U...
	Email string // "" for users whose email the app may not read
	Name  string
	IsBot bool
}

// Call is one Web API call as the server received it.
type Call struct {
	Method string            // "chat.postMessage"
	Params map[string]string // form fields, or the JSON body's top-level fields (objects as JSON text)
	Token  string            // the bot token it came with
}

// Unmarshal decodes one parameter holding JSON (blocks, view) into v.
func (c Call) Unmarshal(param string, v any) error {
	return json.Unmarshal([]byte(c.Params[param]), v)
}

// Server is the fake Slack Web API.
type Server struct {
	srv *httptest.Server

	mu    sync.Mutex
	calls []Call
	users map[string]User
	ts    int
	// fail makes a method answer an error: Slack's error code, or
	// "http:503" for an HTTP failure.
	fail map[string]string
}

// New starts a fake Slack with the users; it stops on t's cleanup.
func New(t testing.TB, users ...User) *Server {
	s := &Server{users: map[string]User{}, fail: map[string]string{}}
	for _, u := range users {
		s.users[u.ID] = u
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// APIURL is the base URL to give slack-go's OptionAPIURL.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// Fail makes method answer with the Slack error code (e.g. "ratelimited",
// "channel_not_found", or "http:503" for an HTTP error) until Fail(method,
// "") is called.
func (s *Server) Fail(method, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == "" {
		delete(s.fail, method)
		return
	}
	s.fail[method] = code
}

// Calls returns the calls of the methods (all calls when none is named),
// in order.
func (s *Server) Calls(methods ...string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if len(methods) == 0 || contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// Reset forgets the calls recorded so far.
func (s *Server) Reset() {
	s.mu.Lock()
	s.calls = nil
	s.mu.Unlock()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	body, _ := io.ReadAll(r.Body)
	c := Call{Method: method, Params: map[string]string{}}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]json.RawMessage
		_ = json.Unmarshal(body, &m)
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				c.Params[k] = str
			} else {
				c.Params[k] = string(v)
			}
		}
	} else {
		form, _ := url.ParseQuery(string(body))
		for k, q := range r.URL.Query() {
			form[k] = q
		}
		for k := range form {
			c.Params[k] = form.Get(k)
		}
	}
	c.Token = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok, ok := c.Params["token"]; ok {
		c.Token = tok
		delete(c.Params, "token")
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	code := s.fail[method]
	s.mu.Unlock()
	switch {
	case strings.HasPrefix(code, "http:"):
		status, _ := strconv.Atoi(strings.TrimPrefix(code, "http:"))
		http.Error(w, "fake outage", status)
		return
	case code == "ratelimited":
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
		return
	case code != "":
		writeJSON(w, map[string]any{"ok": false, "error": code})
		return
	}
	writeJSON(w, s.answer(c))
}

func (s *Server) answer(c Call) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := func(kv ...any) map[string]any {
		m := map[string]any{"ok": true}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	nextTS := func() string {
		s.ts++
		return fmt.Sprintf("1700000000.%06d", s.ts)
	}
	switch c.Method {
	case "users.info":
		u, found := s.users[c.Params["user"]]
		if !found {
			return map[string]any{"ok": false, "error": "user_not_found"}
		}
		return ok("user", userJSON(u))
	case "users.lookupByEmail":
		for _, u := range s.users {
			if u.Email != "" && strings.EqualFold(u.Email, c.Params["email"]) {
				return ok("user", userJSON(u))
			}
		}
		return map[string]any{"ok": false, "error": "users_not_found"}
	case "conversations.open":
		return ok("channel", map[string]any{"id": "D" + strings.TrimPrefix(c.Params["users"], "U")})
	case "chat.postMessage":
		return ok("channel", c.Params["channel"], "ts", nextTS())
	case "chat.update":
		return ok("channel", c.Params["channel"], "ts", c.Params["ts"])
	case "chat.postEphemeral":
		return ok("message_ts", nextTS())
	case "views.open", "views.update", "views.push":
		return ok("view", map[string]any{"id": "V0MODAL", "hash": "h-" + nextTS()})
	case "auth.test":
		return ok("user_id", "U0BOT", "team_id", "T0TEAM")
	}
	return map[string]any{"ok": false, "error": "unknown_method"}
}

func userJSON(u User) map[string]any {
	return map[string]any{"id": u.ID, "name": u.Name, "is_bot": u.IsBot,
		"profile": map[string]any{"email": u.Email, "real_name": u.Name}}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Sign returns the X-Slack-Signature Slack sends with body at ts:
// "v0=" + hex(HMAC-SHA256(secret, "v0:" + ts + ":" + body)).
func Sign(secret string, ts int64, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%d:%s", ts, body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// Request builds a POST of the form body to url, signed with secret at
// time at, as Slack sends it.
func Request(url, secret string, at time.Time, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, url, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(at.Unix(), 10))
	r.Header.Set("X-Slack-Signature", Sign(secret, at.Unix(), body))
	return r
}

// seq makes each payload unique, as Slack's are (trigger IDs, action
// timestamps), so that only a deliberate replay repeats a signature.
var seq atomic.Int64

func next() string { return strconv.FormatInt(seq.Add(1), 10) }

// Command is the form body of a slash command.
func Command(userID, channelID, text string) string {
	return url.Values{
		"command": {"/stint"}, "text": {text}, "user_id": {userID}, "user_name": {userID}, "channel_id": {channelID},
		"team_id": {"T0TEAM"}, "trigger_id": {"trigger-" + userID}, "response_url": {"https://hooks.slack.invalid/commands/" + next()},
	}.Encode()
}

// Payload is the form body of an interaction: payload=JSON.
func Payload(p map[string]any) string {
	data, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	return url.Values{"payload": {string(data)}}.Encode()
}

// ButtonClick is the payload of a click on a button of a message.
func ButtonClick(userID, channel, ts, actionID, value string) map[string]any {
	return map[string]any{
		"type": "block_actions", "user": map[string]any{"id": userID}, "team": map[string]any{"id": "T0TEAM"},
		"trigger_id": "trigger-" + userID, "channel": map[string]any{"id": channel},
		"container": map[string]any{"type": "message", "channel_id": channel, "message_ts": ts},
		"message":   map[string]any{"ts": ts, "type": "message"},
		"actions": []any{map[string]any{"type": "button", "action_id": actionID, "block_id": "actions", "value": value,
			"action_ts": "1700000000." + next()}},
	}
}

// Value is one input's value in a view's state: a plain text, a selected
// option or a date and time.
type Value struct {
	Text     string // plain_text_input
	Option   string // the selected option's value (external_select, static_select)
	DateTime int64  // datetimepicker, Unix seconds
}

// ViewSubmission is the payload of a modal's submission. values maps
// block ID to action ID to value.
func ViewSubmission(userID, callbackID, privateMetadata string, values map[string]map[string]Value) map[string]any {
	return map[string]any{
		"type": "view_submission", "user": map[string]any{"id": userID}, "team": map[string]any{"id": "T0TEAM"},
		"trigger_id": "trigger-" + userID, "view": view(callbackID, privateMetadata, values), "api_app_id": "A" + next(),
	}
}

// ViewAction is the payload of a dispatched action inside a modal (a
// selection in an input with dispatch_action).
func ViewAction(userID, callbackID, privateMetadata, blockID, actionID string, v Value, values map[string]map[string]Value) map[string]any {
	return map[string]any{
		"type": "block_actions", "user": map[string]any{"id": userID}, "team": map[string]any{"id": "T0TEAM"},
		"trigger_id": "trigger-" + userID, "container": map[string]any{"type": "view", "view_id": "V0MODAL"},
		"view":    view(callbackID, privateMetadata, values),
		"actions": []any{withValue(map[string]any{"action_id": actionID, "block_id": blockID, "action_ts": "1700000000." + next()}, v)},
	}
}

// Suggestion is the payload of a type-ahead request of an external select.
func Suggestion(userID, blockID, actionID, query string) map[string]any {
	return map[string]any{
		"type": "block_suggestion", "user": map[string]any{"id": userID}, "team": map[string]any{"id": "T0TEAM"},
		"block_id": blockID, "action_id": actionID, "value": query, "api_app_id": "A" + next(),
		"view": map[string]any{"id": "V0MODAL", "type": "modal", "callback_id": "stint_request"},
	}
}

func view(callbackID, privateMetadata string, values map[string]map[string]Value) map[string]any {
	state := map[string]any{}
	for block, actions := range values {
		m := map[string]any{}
		for action, v := range actions {
			m[action] = withValue(map[string]any{}, v)
		}
		state[block] = m
	}
	return map[string]any{"id": "V0MODAL", "type": "modal", "hash": "h-0", "callback_id": callbackID,
		"private_metadata": privateMetadata, "state": map[string]any{"values": state}}
}

func withValue(m map[string]any, v Value) map[string]any {
	switch {
	case v.Option != "":
		m["type"] = "external_select"
		m["selected_option"] = map[string]any{"value": v.Option, "text": map[string]any{"type": "plain_text", "text": v.Option}}
	case v.DateTime != 0:
		m["type"] = "datetimepicker"
		m["selected_date_time"] = v.DateTime
	default:
		m["type"] = "plain_text_input"
		m["value"] = v.Text
	}
	return m
}
