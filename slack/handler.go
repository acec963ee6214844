package slack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/stint-dev/stint"
)

// Handler serves Slack's requests: POST /slack/commands (the slash
// command), /slack/interactions (buttons, modals) and /slack/options (the
// resource picker's type-ahead). Each request must carry a valid Slack
// signature; none is authenticated by bearer tokens.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /slack/commands", a.signed(a.command))
	mux.Handle("POST /slack/interactions", a.signed(a.interaction))
	mux.Handle("POST /slack/options", a.signed(a.options))
	return mux
}

// signed reads the body (bounded), verifies its signature and passes the
// form on; it answers 401 for anything Slack did not sign, or signed
// before.
func (a *App) signed(next func(ctx context.Context, w http.ResponseWriter, form url.Values)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read the request body", http.StatusBadRequest)
			return
		}
		if err := a.verifier.verify(r.Header, body); err != nil {
			a.log.Warn("refused a request not signed by Slack", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", stint.ErrorMessage(err))
			http.Error(w, stint.ErrorMessage(err), http.StatusUnauthorized)
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "the body is not a form", http.StatusBadRequest)
			return
		}
		if form.Get("ssl_check") == "1" {
			return
		}
		next(r.Context(), w, form)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// ephemeral answers a slash command with a message only its user sees.
func ephemeral(w http.ResponseWriter, m message) {
	writeJSON(w, slackapi.Msg{ResponseType: slackapi.ResponseTypeEphemeral, Text: m.Text, Blocks: slackapi.Blocks{BlockSet: m.Blocks}})
}

func textMessage(text string) message {
	return message{Text: text, Blocks: []slackapi.Block{section(esc(text))}}
}

// userText says an error to the person who caused it; internal errors are
// logged, not shown.
func (a *App) userText(err error) string {
	switch stint.ErrorCode(err) {
	case stint.EINTERNAL:
		a.log.Error("slack action failed", "err", err)
		return "Something went wrong on stint's side; nothing changed. Try again, or use the CLI or the portal."
	case stint.EUNAVAILABLE:
		a.log.Warn("slack action failed", "err", err)
	}
	return stint.ErrorMessage(err)
}

// options answers the resource picker's type-ahead with what the user may
// request, filtered by what they typed (up to 100 options, Slack's limit).
func (a *App) options(ctx context.Context, w http.ResponseWriter, form url.Values) {
	var cb slackapi.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	writeJSON(w, slackapi.OptionsResponse{Options: a.suggest(ctx, &cb)})
}

const maxOptions = 100

func (a *App) suggest(ctx context.Context, cb *slackapi.InteractionCallback) []*slackapi.OptionBlockObject {
	out := []*slackapi.OptionBlockObject{}
	c, err := a.caller(ctx, cb.User.ID)
	if err != nil {
		a.log.Info("no options for an unmapped Slack user", "slack_user", cb.User.ID, "reason", stint.ErrorMessage(err))
		return out
	}
	rows, err := a.svc.Resources(ctx, c)
	if err != nil {
		a.log.Warn("list resources for Slack", "err", err)
		return out
	}
	words := strings.Fields(strings.ToLower(cb.Value))
	for i := range rows {
		e := &rows[i]
		hay := strings.ToLower(strings.Join([]string{e.Label, e.ResourceID, e.AccountName, e.AccountID, e.Flow}, " "))
		if !containsAll(hay, words) {
			continue
		}
		out = append(out, resourceOption(e))
		if len(out) == maxOptions {
			break
		}
	}
	return out
}

func containsAll(hay string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// interaction handles button clicks, modal submissions and (when the
// options URL is not set apart) type-ahead.
func (a *App) interaction(ctx context.Context, w http.ResponseWriter, form url.Values) {
	var cb slackapi.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	switch cb.Type {
	case slackapi.InteractionTypeBlockActions:
		a.blockAction(ctx, &cb)
	case slackapi.InteractionTypeViewSubmission:
		if resp := a.submission(ctx, &cb); resp != nil {
			writeJSON(w, resp)
		}
	case slackapi.InteractionTypeBlockSuggestion:
		writeJSON(w, slackapi.OptionsResponse{Options: a.suggest(ctx, &cb)})
	}
}

// tellUser shows the clicker a message only they see, where they clicked
// (or by DM from a modal).
func (a *App) tellUser(ctx context.Context, cb *slackapi.InteractionCallback, text string) {
	channel := cmpOr(cb.Container.ChannelID, cb.Channel.ID)
	var err error
	if channel != "" {
		_, err = a.api.PostEphemeralContext(ctx, channel, cb.User.ID, textMessage(text).options()...)
	} else {
		var ch string
		if ch, err = a.ids.dm(ctx, cb.User.ID); err == nil {
			_, _, err = a.api.PostMessageContext(ctx, ch, textMessage(text).options()...)
		}
	}
	if err != nil {
		a.log.Warn("cannot answer a Slack user", "slack_user", cb.User.ID, "err", err)
	}
}
