package portal

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/stint-dev/stint"
)

type loginData struct {
	OIDC     bool
	Local    bool
	Next     string
	Problem  string
	SignedIn string
}

func (p *Portal) loginPage(w http.ResponseWriter, r *http.Request) {
	d := loginData{OIDC: p.cfg.OIDC != nil, Local: p.local != nil, Next: localPath(r.URL.Query().Get("next"))}
	if cur := sessionOf(r); cur != nil && cur.s.UserEmail != "" {
		d.SignedIn = cur.s.UserEmail
	}
	p.render(w, r, http.StatusOK, "login", "Sign in", d)
}

// client returns the OIDC client, discovering the provider on first use
// (and again after a failure), so the portal starts while the provider is
// down and the break-glass login still works.
func (p *Portal) client(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	p.oidcMu.Lock()
	defer p.oidcMu.Unlock()
	if p.oauth != nil {
		return p.oauth, p.verifier, nil
	}
	oc := p.cfg.OIDC
	ctx, cancel := context.WithTimeout(p.oidcContext(ctx), 10*time.Second)
	defer cancel()
	prov, err := oidc.NewProvider(ctx, oc.Issuer)
	if err != nil {
		return nil, nil, stint.Errorf(stint.EUNAVAILABLE, "the identity provider %s cannot be reached (%v); try again, or ask an admin to use the break-glass login", oc.Issuer, err)
	}
	scopes := oc.Scopes
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "email", "profile"}
	}
	p.provider = prov
	p.oauth = &oauth2.Config{ClientID: oc.ClientID, ClientSecret: oc.ClientSecret, Endpoint: prov.Endpoint(),
		RedirectURL: p.cfg.BaseURL + "/auth/callback", Scopes: scopes}
	p.verifier = prov.Verifier(&oidc.Config{ClientID: oc.ClientID, Now: p.now})
	return p.oauth, p.verifier, nil
}

func (p *Portal) oidcContext(ctx context.Context) context.Context {
	hc := p.cfg.OIDC.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return oidc.ClientContext(ctx, hc)
}

// oidcStart begins the authorization code flow: a fresh sign-in session
// holds the state, nonce and PKCE verifier, and the browser goes to the
// provider.
func (p *Portal) oidcStart(w http.ResponseWriter, r *http.Request) {
	if p.cfg.OIDC == nil {
		p.errorPage(w, r, http.StatusNotFound, "Single sign-on is not configured: set portal.issuer and portal.client_id in stint.yaml.")
		return
	}
	oc, _, err := p.client(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	state, nonce, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
	if _, err := p.startSignIn(w, r, map[string]string{"state": state, "nonce": nonce, "verifier": verifier,
		"next": localPath(r.URL.Query().Get("next"))}); err != nil {
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, oc.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// oidcCallback finishes the flow: the state must be the session's, the
// code is exchanged with the PKCE verifier, the ID token verified (issuer,
// audience, expiry, signature) and its nonce checked; its verified email
// must belong to an identity store user. Then the session is replaced.
func (p *Portal) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if p.cfg.OIDC == nil {
		p.notFound(w, r)
		return
	}
	q := r.URL.Query()
	cur := sessionOf(r)
	if cur == nil || cur.s.UserEmail != "" || cur.s.Data["state"] == "" {
		p.errorPage(w, r, http.StatusBadRequest, "This sign-in was not started here, or took too long. Start again from the sign-in page.")
		return
	}
	data := cur.s.Data
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(data["state"])) != 1 {
		p.refuse(w, r, "", "state does not match the sign-in session")
		p.errorPage(w, r, http.StatusBadRequest, "The sign-in answer does not belong to this browser's sign-in. Start again from the sign-in page.")
		return
	}
	if e := q.Get("error"); e != "" {
		p.refuse(w, r, "", "provider error: "+e)
		p.errorPage(w, r, http.StatusForbidden, fmt.Sprintf("The identity provider refused the sign-in (%s: %s).", e, q.Get("error_description")))
		return
	}
	oc, verifier, err := p.client(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	ctx := p.oidcContext(r.Context())
	tok, err := oc.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(data["verifier"]))
	if err != nil {
		p.refuse(w, r, "", "code exchange failed")
		p.logger(r).Warn("OIDC code exchange failed", slog.Any("err", err))
		p.errorPage(w, r, http.StatusBadGateway, "The identity provider did not accept the sign-in code. Start again from the sign-in page.")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		p.errorPage(w, r, http.StatusBadGateway, "The identity provider sent no ID token; is the openid scope allowed for stint's client?")
		return
	}
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		p.refuse(w, r, "", "ID token rejected")
		p.logger(r).Warn("OIDC ID token rejected", slog.Any("err", err))
		p.errorPage(w, r, http.StatusForbidden, "The identity provider's ID token could not be verified (issuer, audience, expiry or signature). Start again from the sign-in page.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(data["nonce"])) != 1 {
		p.refuse(w, r, "", "nonce does not match")
		p.errorPage(w, r, http.StatusForbidden, "The ID token was not issued for this sign-in (nonce). Start again from the sign-in page.")
		return
	}
	email, err := p.email(idt)
	if err != nil {
		p.refuse(w, r, "", stint.ErrorMessage(err))
		p.fail(w, r, err)
		return
	}
	if _, err := p.svc.CallerByEmail(r.Context(), email); err != nil {
		if stint.IsCode(err, stint.EUNAUTHORIZED) {
			p.refuse(w, r, email, "not in the identity store")
			_ = p.svc.EndSession(r.Context(), cur.s.Hash, nil)
			p.clearCookie(w)
			p.render(w, r, http.StatusForbidden, "unknown", "Not a stint user", map[string]string{"Email": email})
			return
		}
		p.fail(w, r, err)
		return
	}
	ev := &stint.Event{Actor: email, Type: stint.EventSignedIn, Subject: email, Data: map[string]any{
		"method": stint.SessionOIDC, "issuer": p.cfg.OIDC.Issuer, "remote": r.RemoteAddr}}
	if err := p.signIn(w, r, email, stint.SessionOIDC, p.cfg.SessionMax, ev); err != nil {
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, localPath(data["next"]), http.StatusSeeOther)
}

// email returns the ID token's email claim, verified unless allowed not
// to be.
func (p *Portal) email(idt *oidc.IDToken) (string, error) {
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return "", stint.Errorf(stint.EUNAUTHORIZED, "the ID token's claims cannot be read")
	}
	name := p.cfg.OIDC.EmailClaim
	if name == "" {
		name = "email"
	}
	email, _ := claims[name].(string)
	email = strings.TrimSpace(email)
	if email == "" {
		return "", stint.Errorf(stint.EUNAUTHORIZED, "the identity provider sent no %q claim; allow the email scope for stint's client", name)
	}
	if !p.cfg.OIDC.AllowUnverifiedEmail {
		if v, _ := claims["email_verified"].(bool); !v {
			return "", stint.Errorf(stint.EUNAUTHORIZED, "the identity provider does not vouch for %s (email_verified is not true); verify the address there", email)
		}
	}
	return email, nil
}

// refuse records a refused sign-in.
func (p *Portal) refuse(w http.ResponseWriter, r *http.Request, email, why string) {
	actor := email
	if actor == "" {
		actor = "anonymous"
	}
	if err := p.svc.RecordAuth(r.Context(), &stint.Event{Actor: actor, Type: stint.EventSignInRefused, Subject: actor,
		Data: map[string]any{"reason": why, "remote": r.RemoteAddr}}); err != nil {
		p.logger(r).Warn("could not record a refused sign-in", slog.Any("err", err))
	}
}

// logout deletes the session (CSRF-checked like every POST).
func (p *Portal) logout(w http.ResponseWriter, r *http.Request) {
	cur := sessionOf(r)
	var ev *stint.Event
	if cur.s.UserEmail != "" {
		ev = &stint.Event{Actor: cur.s.UserEmail, Type: stint.EventSignedOut, Subject: cur.s.UserEmail, Data: map[string]any{"method": cur.s.Method}}
	}
	if err := p.svc.EndSession(r.Context(), cur.s.Hash, ev); err != nil {
		p.fail(w, r, err)
		return
	}
	p.clearCookie(w)
	if cur.s.Method == stint.SessionExternal {
		http.Redirect(w, r, "/external/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
