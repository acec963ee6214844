package slack

import (
	"context"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

// blockAction handles a button click or a pick in a modal. Every click is
// checked again at click time by the service: the clicker's rights, the
// request's or grant's state. Answers are ephemeral.
func (a *App) blockAction(ctx context.Context, cb *slackapi.InteractionCallback) {
	if len(cb.ActionCallback.BlockActions) == 0 {
		return
	}
	act := cb.ActionCallback.BlockActions[0]
	c, err := a.caller(ctx, cb.User.ID)
	if err != nil {
		a.tellUser(ctx, cb, a.userText(err))
		return
	}
	id := strings.TrimSpace(act.Value)
	var reply string
	switch act.ActionID {
	case actionApprove:
		reply = a.approve(ctx, cb, c, id)
	case actionDeny:
		reply = a.openDeny(ctx, cb, c, id)
	case actionRevoke:
		if _, err := a.svc.Revoke(ctx, c, id); err != nil {
			reply = "Nothing changed: " + a.grantError(err)
		} else {
			reply = "Revoking it now; I will tell you when it has ended."
		}
	case actionCancel:
		if r, err := a.svc.Cancel(ctx, c, id); err != nil {
			reply = "Nothing changed: " + a.userText(err)
		} else {
			reply = "Request " + r.ID + " cancelled."
		}
	case actionExtend:
		reply = a.openExtend(ctx, cb, c, id)
	case actionResource:
		a.redraw(ctx, cb, c, act.SelectedOption.Value)
	}
	if reply != "" {
		a.tellUser(ctx, cb, reply)
	}
}

// messageRequest checks that an Approve or Deny button belongs to the
// approval message it was clicked on: its value must name the request that
// message is about. It returns "" when it does, else why not.
func (a *App) messageRequest(ctx context.Context, cb *slackapi.InteractionCallback, id string) string {
	channel, ts := cmpOr(cb.Container.ChannelID, cb.Channel.ID), cmpOr(cb.Container.MessageTs, cb.Message.Timestamp)
	posted, err := a.store.PostedMessageList(ctx, &stint.PostedMessageListParams{Service: service, Channel: channel, MessageID: ts})
	if err != nil {
		return a.userText(err)
	}
	if len(posted) == 0 || posted[0].RequestID != id {
		a.log.Warn("refused a button that does not match its message", "slack_user", cb.User.ID, "channel", channel, "ts", ts, "value", id)
		return "This button does not belong to a stint approval message; nothing changed."
	}
	return ""
}

func (a *App) approve(ctx context.Context, cb *slackapi.InteractionCallback, c *access.Caller, id string) string {
	if why := a.messageRequest(ctx, cb, id); why != "" {
		return why
	}
	if _, err := a.svc.Approve(ctx, c, id, "approved in Slack"); err != nil {
		return a.reviewError(ctx, c, id, err)
	}
	return "" // the message itself now says who approved
}

// openDeny opens the modal that asks for the denial's reason, after the
// same checks as Deny makes (so that nobody fills in a form for nothing).
func (a *App) openDeny(ctx context.Context, cb *slackapi.InteractionCallback, c *access.Caller, id string) string {
	if why := a.messageRequest(ctx, cb, id); why != "" {
		return why
	}
	r, err := a.svc.Request(ctx, c, id)
	if err != nil {
		return a.reviewError(ctx, c, id, err)
	}
	switch {
	case r.State != stint.RequestPending:
		return a.reviewError(ctx, c, id, stint.Errorf(stint.ECONFLICT, "request %s is %s, not pending", r.ID, r.State))
	case r.RequesterID == c.User.ID:
		return a.reviewError(ctx, c, id, stint.Errorf(stint.EFORBIDDEN, "you cannot review your own request"))
	case !approverOf(r, c.User):
		return a.reviewError(ctx, c, id, stint.Errorf(stint.EFORBIDDEN, "%s is not an approver of flow %q", c.User.Email, r.Flow))
	}
	if _, err := a.api.OpenViewContext(ctx, cb.TriggerID, denyModal(r)); err != nil {
		return "Slack would not open the form (" + err.Error() + "); deny with `stint deny " + r.ID + " --reason ...` instead."
	}
	return ""
}

func approverOf(r *stint.Request, u *stint.User) bool {
	for _, st := range r.Steps {
		for _, ref := range st.Approvers {
			if stint.MatchPrincipal(ref, u) {
				return true
			}
		}
	}
	return false
}

// reviewError says why an Approve or Deny changed nothing. A stale button
// also gets its message redrawn.
func (a *App) reviewError(ctx context.Context, c *access.Caller, id string, err error) string {
	switch stint.ErrorCode(err) {
	case stint.ECONFLICT:
		a.refresh(ctx, id)
		return "Nothing changed: " + stint.ErrorMessage(err) + "."
	case stint.EFORBIDDEN:
		if strings.Contains(stint.ErrorMessage(err), "your own request") {
			return "You cannot approve or deny your own request; nothing changed."
		}
		return "You are not an approver for this: " + stint.ErrorMessage(err) + ". Nothing changed."
	case stint.ENOTFOUND:
		if _, gerr := a.store.RequestGet(ctx, id); gerr == nil {
			return "You are not an approver for this request; nothing changed."
		}
		return "There is no request " + id + "; nothing changed."
	}
	return "Nothing changed: " + a.userText(err)
}

// refresh queues a redraw of a request's messages.
func (a *App) refresh(ctx context.Context, requestID string) {
	err := a.store.Tx(ctx, func(tx stint.Tx) error { return tx.Enqueue(ctx, stint.Job{Args: UpdateArgs{RequestID: requestID}}) })
	if err != nil {
		a.log.Warn("cannot queue a message update", "request", requestID, "err", err)
	}
}

func (a *App) grantError(err error) string {
	if stint.IsCode(err, stint.ENOTFOUND) {
		return "that grant is not one of yours."
	}
	return a.userText(err)
}

// openExtend opens the modal that asks how much longer.
func (a *App) openExtend(ctx context.Context, cb *slackapi.InteractionCallback, c *access.Caller, id string) string {
	g, err := a.svc.Grant(ctx, c, id)
	if err != nil {
		return "Nothing changed: " + a.grantError(err)
	}
	if g.UserID != c.User.ID {
		return "Nothing changed: only " + g.UserEmail + " can extend their grant."
	}
	f := a.flow(g.Flow)
	if f == nil {
		return "Nothing changed: flow " + g.Flow + " no longer exists."
	}
	if g.Extensions >= f.ExtensionLimit() {
		return "Flow " + f.Name + " allows no more extensions of this grant; request it again instead."
	}
	if _, err := a.api.OpenViewContext(ctx, cb.TriggerID, extendModal(g, f)); err != nil {
		return "Slack would not open the form (" + err.Error() + "); extend with `stint extend " + g.ID + " --for 1h` instead."
	}
	return ""
}

func (a *App) flow(name string) *stint.Flow {
	if a.svc.Flows == nil {
		return nil
	}
	for _, f := range a.svc.Flows() {
		if f.Name == name {
			return &f
		}
	}
	return nil
}

// redraw redraws the request modal for the resource picked: its flow's
// limits and whether it needs a ticket.
func (a *App) redraw(ctx context.Context, cb *slackapi.InteractionCallback, c *access.Caller, resourceID string) {
	form := requestForm{
		Duration: viewValue(&cb.View, inputDuration).Value,
		Reason:   viewValue(&cb.View, inputReason).Value,
		Ticket:   viewValue(&cb.View, inputTicket).Value,
	}
	rows, err := a.svc.Resources(ctx, c)
	if err != nil {
		a.log.Warn("list resources for Slack", "err", err)
		return
	}
	for i := range rows {
		if rows[i].ResourceID == resourceID {
			form.Resource = &rows[i]
			form.Flow = a.flow(rows[i].Flow)
			break
		}
	}
	if form.Resource == nil {
		return // not one the user may request: the submission will say so
	}
	if _, err := a.api.UpdateViewContext(ctx, requestModal(form), "", cb.View.Hash, cb.View.ID); err != nil {
		a.log.Warn("cannot redraw the request modal", "err", err)
	}
}

// submission handles a modal's submission. It returns the response that
// keeps the modal open with errors under the fields at fault, or nil to
// close it.
func (a *App) submission(ctx context.Context, cb *slackapi.InteractionCallback) *slackapi.ViewSubmissionResponse {
	v := &cb.View
	field := inputResource
	if v.CallbackID != callbackRequest {
		field = inputReason
		if v.CallbackID == callbackExtend {
			field = inputDuration
		}
	}
	c, err := a.caller(ctx, cb.User.ID)
	if err != nil {
		return fieldError(field, a.userText(err))
	}
	switch v.CallbackID {
	case callbackRequest:
		return a.submitRequest(ctx, cb, c)
	case callbackDeny:
		if _, err := a.svc.Deny(ctx, c, v.PrivateMetadata, viewValue(v, inputReason).Value); err != nil {
			return fieldError(inputReason, a.reviewError(ctx, c, v.PrivateMetadata, err))
		}
	case callbackExtend:
		return a.submitExtend(ctx, cb, c)
	}
	return nil
}

func fieldError(blockID, msg string) *slackapi.ViewSubmissionResponse {
	return slackapi.NewErrorsViewSubmissionResponse(map[string]string{blockID: clip(msg, 500)})
}

// submitRequest files the modal's request through the service, as the API
// would, and DMs the requester where it stands.
func (a *App) submitRequest(ctx context.Context, cb *slackapi.InteractionCallback, c *access.Caller) *slackapi.ViewSubmissionResponse {
	v := &cb.View
	in := access.SubmitInput{
		Reason: strings.TrimSpace(viewValue(v, inputReason).Value),
		Ticket: strings.TrimSpace(viewValue(v, inputTicket).Value),
	}
	res := strings.TrimSpace(viewValue(v, inputResource).SelectedOption.Value)
	if res == "" {
		return fieldError(inputResource, "Pick what you need access to.")
	}
	if b, ok := strings.CutPrefix(res, "bundle:"); ok {
		in.Bundle = b
	} else {
		in.Resources = []access.ResourceInput{{ID: res}}
	}
	if text := strings.TrimSpace(viewValue(v, inputDuration).Value); text != "" {
		d, err := stint.ParseDuration(text)
		if err != nil || d <= 0 {
			return fieldError(inputDuration, "Say how long, e.g. 30m, 2h or 1d.")
		}
		in.Duration = d
	}
	if at := viewValue(v, inputStart).SelectedDateTime; at > 0 {
		t := time.Unix(at, 0).UTC()
		in.StartsAt = &t
	}
	r, err := a.svc.Submit(ctx, c, in)
	if err != nil {
		return fieldError(blameField(v, err), a.userText(err))
	}
	if err := a.sendDM(ctx, c.User.Email, submittedDM(r)); err != nil {
		a.log.Warn("cannot confirm a request by DM", "request", r.ID, "err", err)
	}
	return nil
}

// blameField picks the modal field an error is about, among those the
// modal shows.
func blameField(v *slackapi.View, err error) string {
	msg := strings.ToLower(stint.ErrorMessage(err))
	for _, f := range []struct{ block, word string }{
		{inputTicket, "ticket"}, {inputReason, "reason"}, {inputStart, "start"},
		{inputDuration, "duration"}, {inputDuration, "maximum"}, {inputDuration, "longer"},
	} {
		if strings.Contains(msg, f.word) && hasInput(v, f.block) {
			return f.block
		}
	}
	return inputResource
}

func hasInput(v *slackapi.View, blockID string) bool {
	if v.State != nil {
		if _, ok := v.State.Values[blockID]; ok {
			return true
		}
	}
	for _, b := range v.Blocks.BlockSet {
		if in, ok := b.(*slackapi.InputBlock); ok && in.BlockID == blockID {
			return true
		}
	}
	return false
}

// submitExtend extends the grant, or asks for the extension's approval
// where the flow wants one.
func (a *App) submitExtend(ctx context.Context, cb *slackapi.InteractionCallback, c *access.Caller) *slackapi.ViewSubmissionResponse {
	v := &cb.View
	d, err := stint.ParseDuration(strings.TrimSpace(viewValue(v, inputDuration).Value))
	if err != nil || d <= 0 {
		return fieldError(inputDuration, "Say how much longer, e.g. 30m or 1h.")
	}
	g, err := a.svc.Grant(ctx, c, v.PrivateMetadata)
	if err != nil {
		return fieldError(inputDuration, a.grantError(err))
	}
	if f := a.flow(g.Flow); f != nil && f.Extensions != nil && f.Extensions.Reapproval {
		r, err := a.svc.Submit(ctx, c, access.SubmitInput{ExtendsGrant: g.ID, Duration: d, Reason: viewValue(v, inputReason).Value})
		if err != nil {
			return fieldError(blameField(v, err), a.userText(err))
		}
		if err := a.sendDM(ctx, c.User.Email, submittedDM(r)); err != nil {
			a.log.Warn("cannot confirm a request by DM", "request", r.ID, "err", err)
		}
		return nil
	}
	if _, err := a.svc.Extend(ctx, c, g.ID, d); err != nil {
		return fieldError(inputDuration, a.userText(err))
	}
	return nil
}
