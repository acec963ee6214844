// Package oidctest is an OpenID Connect provider for tests, in process and
// on a loopback port so that a real browser can use it too: discovery,
// JWKS with an RSA key, an authorize endpoint that signs in one of its
// configured users, and a token endpoint that checks the code, the client,
// the redirect URI and the PKCE verifier (S256) before it issues an RS256
// ID token carrying the request's nonce.
//
// The authorize endpoint signs in the user named by login_hint, else the
// one set with SignInAs, else it shows a page with a button per user (the
// browser tests click one).
package oidctest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// User is someone the issuer can sign in.
type User struct {
	Subject string
	Email   string
	Name    string
	// Unverified makes the ID token say email_verified: false.
	Unverified bool
}

// Config configures an Issuer.
type Config struct {
	ClientID     string // default "stint"
	ClientSecret string // "" accepts a public client (PKCE only)
	Users        []User
	// TokenTTL is how long ID tokens are valid. Default: 5 minutes.
	TokenTTL time.Duration
	// Now is the issuer's clock (tests that fix the relying party's clock
	// fix this one too). Default: time.Now.
	Now func() time.Time
}

// Issuer is a running test OIDC provider.
type Issuer struct {
	cfg    Config
	srv    *httptest.Server
	key    *rsa.PrivateKey
	kid    string
	mu     sync.Mutex
	codes  map[string]*grant
	as     string // email SignInAs chose
	tamper func(claims map[string]any)
	// Requests counts calls per path.
	Requests map[string]int
}

type grant struct {
	user        User
	clientID    string
	redirectURI string
	nonce       string
	challenge   string
	method      string
	expires     time.Time
}

// New starts an issuer on 127.0.0.1 and closes it when the test ends
// (pass t.Cleanup, or call Close).
func New(cfg Config) (*Issuer, error) {
	if cfg.ClientID == "" {
		cfg.ClientID = "stint"
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	is := &Issuer{cfg: cfg, key: key, kid: "test-key-1", codes: map[string]*grant{}, Requests: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", is.discovery)
	mux.HandleFunc("GET /jwks", is.jwks)
	mux.HandleFunc("GET /authorize", is.authorize)
	mux.HandleFunc("POST /authorize", is.authorize)
	mux.HandleFunc("POST /token", is.token)
	is.srv = httptest.NewServer(is.count(mux))
	return is, nil
}

func (is *Issuer) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		is.mu.Lock()
		is.Requests[r.URL.Path]++
		is.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// URL is the issuer URL.
func (is *Issuer) URL() string { return is.srv.URL }

// Close stops the issuer.
func (is *Issuer) Close() { is.srv.Close() }

// ClientID returns the client ID the issuer accepts.
func (is *Issuer) ClientID() string { return is.cfg.ClientID }

// SignInAs makes the authorize endpoint sign in the user with that email
// at once, without a page ("" shows the page again).
func (is *Issuer) SignInAs(email string) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.as = email
}

// Tamper lets a test change the claims of the next ID tokens (a wrong
// nonce, audience or issuer); nil stops it.
func (is *Issuer) Tamper(fn func(claims map[string]any)) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.tamper = fn
}

// AddUser adds a user the issuer can sign in.
func (is *Issuer) AddUser(u User) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.cfg.Users = append(is.cfg.Users, u)
}

func (is *Issuer) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                is.URL(),
		"authorization_endpoint":                is.URL() + "/authorize",
		"token_endpoint":                        is.URL() + "/token",
		"jwks_uri":                              is.URL() + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
	})
}

func (is *Issuer) jwks(w http.ResponseWriter, r *http.Request) {
	pub := is.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "kid": is.kid, "use": "sig", "alg": "RS256",
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

var chooser = template.Must(template.New("choose").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Test identity provider</title></head>
<body><main><h1>Test identity provider</h1><p>Sign in to {{.Client}} as:</p>
<form method="post" action="/authorize?{{.Query}}">
{{range .Users}}<p><button type="submit" name="user" value="{{.Email}}">{{.Email}}</button></p>
{{end}}</form></main></body></html>`))

func (is *Issuer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != is.cfg.ClientID || q.Get("redirect_uri") == "" {
		http.Error(w, "bad authorization request: response_type=code, a known client_id and a redirect_uri are required", http.StatusBadRequest)
		return
	}
	if !strings.Contains(" "+q.Get("scope")+" ", " openid ") {
		http.Error(w, "scope must include openid", http.StatusBadRequest)
		return
	}
	if q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" {
		http.Error(w, "PKCE is required: code_challenge with code_challenge_method=S256", http.StatusBadRequest)
		return
	}
	is.mu.Lock()
	email := is.as
	users := append([]User(nil), is.cfg.Users...)
	is.mu.Unlock()
	if h := q.Get("login_hint"); h != "" {
		email = h
	}
	if r.Method == http.MethodPost {
		email = r.PostFormValue("user")
	}
	if email == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = chooser.Execute(w, map[string]any{"Client": is.cfg.ClientID, "Query": template.URL(r.URL.RawQuery), "Users": users})
		return
	}
	var user *User
	for i := range users {
		if strings.EqualFold(users[i].Email, email) {
			user = &users[i]
		}
	}
	if user == nil {
		http.Error(w, "unknown test user "+email, http.StatusForbidden)
		return
	}
	code := random()
	is.mu.Lock()
	is.codes[code] = &grant{user: *user, clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), nonce: q.Get("nonce"),
		challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method"), expires: time.Now().Add(time.Minute)}
	is.mu.Unlock()
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (is *Issuer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request", err.Error())
		return
	}
	clientID, secret, basic := r.BasicAuth()
	if !basic {
		clientID, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if clientID != is.cfg.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(is.cfg.ClientSecret)) != 1 {
		tokenError(w, "invalid_client", "unknown client or wrong secret")
		return
	}
	if r.PostFormValue("grant_type") != "authorization_code" {
		tokenError(w, "unsupported_grant_type", "only authorization_code")
		return
	}
	code := r.PostFormValue("code")
	is.mu.Lock()
	g := is.codes[code]
	delete(is.codes, code) // codes are single use
	tamper := is.tamper
	is.mu.Unlock()
	switch {
	case g == nil || time.Now().After(g.expires):
		tokenError(w, "invalid_grant", "unknown, used or expired code")
		return
	case g.clientID != clientID || g.redirectURI != r.PostFormValue("redirect_uri"):
		tokenError(w, "invalid_grant", "code issued to another client or redirect_uri")
		return
	}
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	if b64(sum[:]) != g.challenge {
		tokenError(w, "invalid_grant", "PKCE code_verifier does not match the code_challenge")
		return
	}
	now := is.cfg.Now()
	claims := map[string]any{
		"iss": is.URL(), "sub": g.user.Subject, "aud": clientID, "iat": now.Unix(), "exp": now.Add(is.cfg.TokenTTL).Unix(),
		"email": g.user.Email, "email_verified": !g.user.Unverified, "name": g.user.Name,
	}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	if claims["sub"] == "" {
		claims["sub"] = "sub-" + g.user.Email
	}
	if tamper != nil {
		tamper(claims)
	}
	idToken, err := is.sign(claims)
	if err != nil {
		tokenError(w, "server_error", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": random(), "token_type": "Bearer", "expires_in": 300, "id_token": idToken})
}

// sign returns the claims as an RS256 JWT.
func (is *Issuer) sign(claims map[string]any) (string, error) {
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": is.kid})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signing := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, is.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign ID token: %w", err)
	}
	return signing + "." + b64(sig), nil
}

func tokenError(w http.ResponseWriter, code, desc string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return b64(b)
}
