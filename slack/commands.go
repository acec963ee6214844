package slack

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

const usage = "*/stint* opens a form to request access.\n" +
	"*/stint request* `RESOURCE DURATION REASON...` requests at once: RESOURCE is an ID such as `aws-sso:111111111111/ReadOnlyAccess` " +
	"or `aws-s3:111111111111/payments-logs:read` (the account part may be its name), or an account and a permission set: " +
	"`/stint request prod-payments AdministratorAccess 1h INC-4211 fix the ledger`. Add `--ticket INC-4211` where the flow asks for one.\n" +
	"*/stint list* shows your pending requests and live grants, with Cancel, Extend and Revoke buttons.\n" +
	"*/stint help* shows this."

// command handles /stint. Every answer is ephemeral: only the user sees it.
func (a *App) command(ctx context.Context, w http.ResponseWriter, form url.Values) {
	sub, rest, _ := strings.Cut(strings.TrimSpace(form.Get("text")), " ")
	if strings.EqualFold(sub, "help") {
		ephemeral(w, message{Text: "How to use /stint", Blocks: []slackapi.Block{section(usage)}})
		return
	}
	c, err := a.caller(ctx, form.Get("user_id"))
	if err != nil {
		ephemeral(w, textMessage(a.userText(err)))
		return
	}
	switch strings.ToLower(sub) {
	case "":
		if _, err := a.api.OpenViewContext(ctx, form.Get("trigger_id"), requestModal(requestForm{})); err != nil {
			a.log.Warn("cannot open the request modal", "err", err)
			ephemeral(w, textMessage("Slack would not open the request form ("+err.Error()+"); try again, or use `/stint request`."))
		}
	case "list":
		ephemeral(w, a.list(ctx, c))
	case "request":
		in, err := parseRequest(rest)
		if err == nil {
			var r *stint.Request
			if r, err = a.svc.Submit(ctx, c, in); err == nil {
				ephemeral(w, submittedDM(r))
				return
			}
		}
		ephemeral(w, textMessage("Nothing was requested: "+a.userText(err)))
	default:
		ephemeral(w, message{Text: "Unknown /stint command", Blocks: []slackapi.Block{section("I do not know `" + esc(sub) + "`.\n\n" + usage)}})
	}
}

// parseRequest reads `/stint request RESOURCE DURATION REASON...` (RESOURCE
// an ID, or an account and a permission set), with --ticket anywhere.
func parseRequest(text string) (access.SubmitInput, error) {
	var in access.SubmitInput
	var args []string
	fields := strings.Fields(text)
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		switch {
		case f == "--ticket" && i+1 < len(fields):
			in.Ticket = fields[i+1]
			i++
		case strings.HasPrefix(f, "--ticket="):
			in.Ticket = strings.TrimPrefix(f, "--ticket=")
		default:
			args = append(args, f)
		}
	}
	bad := stint.Errorf(stint.EINVALID, "say what, for how long and why: `/stint request RESOURCE DURATION REASON`, e.g. `/stint request prod-payments ReadOnlyAccess 1h check the ledger`")
	if len(args) < 2 {
		return in, bad
	}
	i := 1
	switch id := args[0]; {
	case strings.HasPrefix(id, "bundle:"):
		in.Bundle = strings.TrimPrefix(id, "bundle:")
	case strings.Contains(id, ":"):
		in.Resources = []access.ResourceInput{{ID: id}}
	default:
		in.Resources = []access.ResourceInput{{Account: id, PermissionSet: args[1]}}
		i = 2
	}
	if i >= len(args) {
		return in, bad
	}
	d, err := stint.ParseDuration(args[i])
	if err != nil {
		return in, stint.Errorf(stint.EINVALID, "%q is not a duration; say how long, e.g. 30m, 2h or 1d, before the reason", args[i])
	}
	in.Duration = d
	in.Reason = strings.Join(args[i+1:], " ")
	return in, nil
}

// list is /stint list: the caller's own pending requests and live grants.
func (a *App) list(ctx context.Context, c *access.Caller) message {
	reqs, err := a.svc.Requests(ctx, c, access.RequestsInput{Pending: true})
	if err != nil {
		return textMessage(a.userText(err))
	}
	mine := reqs[:0]
	for _, r := range reqs {
		if r.RequesterID == c.User.ID {
			mine = append(mine, r)
		}
	}
	grants, err := a.svc.Grants(ctx, c, access.GrantsInput{})
	if err != nil {
		return textMessage(a.userText(err))
	}
	own := grants[:0]
	for _, g := range grants {
		if g.UserID == c.User.ID {
			own = append(own, g)
		}
	}
	return listMessage(mine, own, a.canExtend)
}
