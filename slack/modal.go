package slack

import (
	"fmt"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/stint-dev/stint"
)

// Block and action IDs of the modals' inputs (each input's action ID is
// its block ID).
const (
	inputResource = "resource"
	inputDuration = "duration"
	inputReason   = "reason"
	inputTicket   = "ticket"
	inputStart    = "starts_at"
)

// requestForm is what the request modal shows: the resource picked so far
// (and its flow) and the values typed so far, kept when the modal is
// redrawn for a new pick.
type requestForm struct {
	Resource *stint.Eligible // nil until one is picked
	Flow     *stint.Flow     // the picked resource's flow
	Duration string
	Reason   string
	Ticket   string
}

func input(blockID, label string, el slackapi.BlockElement, optional bool, hint string) *slackapi.InputBlock {
	b := slackapi.NewInputBlock(blockID, plain(label), nil, el)
	b.Optional = optional
	if hint != "" {
		b.Hint = plain(hint)
	}
	return b
}

func textInput(actionID, initial, placeholder string, multiline bool) *slackapi.PlainTextInputBlockElement {
	el := slackapi.NewPlainTextInputBlockElement(nil, actionID)
	el.InitialValue = initial
	el.Multiline = multiline
	if placeholder != "" {
		el.Placeholder = plain(placeholder)
	}
	return el
}

// resourceOption is an Eligible row as an option of the picker: its text
// at most 75 characters, as Slack requires.
func resourceOption(e *stint.Eligible) *slackapi.OptionBlockObject {
	text := e.Label
	if e.AccountID != "" {
		text += " · " + where(e.AccountName, e.AccountID)
	}
	desc := "flow " + e.Flow + " · up to " + stint.FormatDuration(time.Duration(e.MaxDuration))
	if e.AutoApprove {
		desc += " · no approval needed"
	}
	return slackapi.NewOptionBlockObject(e.ResourceID, plain(clip(text, 75)), plain(clip(desc, 75)))
}

// requestModal is the /stint modal. Picking a resource redraws it for the
// resource's flow: its limits, whether a reason and a ticket are needed.
func requestModal(f requestForm) slackapi.ModalViewRequest {
	picker := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeExternal, plain("Search accounts, permission sets, resources"), inputResource)
	zero := 0
	picker.MinQueryLength = &zero
	if f.Resource != nil {
		picker.InitialOption = resourceOption(f.Resource)
	}
	resource := input(inputResource, "Resource", picker, false, "")
	resource.DispatchAction = true
	blocks := []slackapi.Block{resource}

	duration := cmpOr(f.Duration, stint.FormatDuration(stint.DefaultRequestDuration))
	durationHint := "Go syntax or days: 30m, 2h, 1d."
	reasonOptional := false
	if fl := f.Flow; fl != nil {
		duration = cmpOr(f.Duration, stint.FormatDuration(fl.Default()))
		durationHint += " At most " + stint.FormatDuration(time.Duration(fl.MaxDuration)) + " through this flow."
		reasonOptional = !fl.ReasonRequired()
		blocks = append(blocks, contextLine(flowSummary(fl)))
	}
	blocks = append(blocks,
		input(inputDuration, "Duration", textInput(inputDuration, duration, "1h", false), false, durationHint),
		input(inputReason, "Reason", textInput(inputReason, f.Reason, "What do you need it for?", true), reasonOptional, ""))
	if fl := f.Flow; fl != nil && fl.Ticket != nil {
		hint := "A change or incident reference"
		if fl.Ticket.Pattern != "" {
			hint += " matching " + fl.Ticket.Pattern
		}
		blocks = append(blocks, input(inputTicket, "Ticket", textInput(inputTicket, f.Ticket, "INC-1234", false), !fl.Ticket.Required, hint))
	}
	blocks = append(blocks, input(inputStart, "Start at", slackapi.NewDateTimePickerBlockElement(inputStart), true,
		"Leave empty to start as soon as it is approved."))
	return slackapi.ModalViewRequest{
		Type: slackapi.VTModal, CallbackID: callbackRequest,
		Title: plain("Request AWS access"), Submit: plain("Request"), Close: plain("Cancel"),
		Blocks: slackapi.Blocks{BlockSet: blocks},
	}
}

// flowSummary says what a flow asks: who approves, how long at most.
func flowSummary(f *stint.Flow) string {
	s := "Flow *" + esc(f.Name) + "* · up to " + stint.FormatDuration(time.Duration(f.MaxDuration))
	switch steps := f.Steps(nil, nil); {
	case f.AutoApprove:
		s += " · no approval needed"
	case len(steps) == 1:
		s += " · approved by " + approvers(steps[0].Approvers)
	case len(steps) > 1:
		s += fmt.Sprintf(" · %d approval steps", len(steps))
	}
	if f.BreakGlass != nil {
		s += " · break-glass via the CLI or portal"
	}
	return s
}

func cmpOr(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

// denyModal asks an approver why they deny.
func denyModal(r *stint.Request) slackapi.ModalViewRequest {
	return slackapi.ModalViewRequest{
		Type: slackapi.VTModal, CallbackID: callbackDeny, PrivateMetadata: r.ID,
		Title: plain("Deny request"), Submit: plain("Deny"), Close: plain("Back"),
		Blocks: slackapi.Blocks{BlockSet: []slackapi.Block{
			section("Deny " + esc(r.RequesterEmail) + "'s request for " + resourcesText(r, ", ") + "?"),
			input(inputReason, "Reason", textInput(inputReason, "", "The requester sees this", true), false, ""),
		}},
	}
}

// extendModal asks for how much longer, and a reason when the flow's
// extensions need approval.
func extendModal(g *stint.Grant, f *stint.Flow) slackapi.ModalViewRequest {
	limit := time.Duration(f.MaxDuration)
	if f.Extensions != nil && f.Extensions.MaxEach > 0 {
		limit = time.Duration(f.Extensions.MaxEach)
	}
	initial := min(time.Hour, limit)
	blocks := []slackapi.Block{
		section("Extend " + grantText(g) + ", which ends " + when(g.EndsAt) + "?"),
		input(inputDuration, "By", textInput(inputDuration, stint.FormatDuration(initial), "1h", false), false,
			"At most "+stint.FormatDuration(limit)+fmt.Sprintf("; %d of %d extensions used.", g.Extensions, f.ExtensionLimit())),
	}
	if f.Extensions != nil && f.Extensions.Reapproval {
		blocks = append(blocks,
			input(inputReason, "Reason", textInput(inputReason, "", "Why do you need more time?", true), false, ""),
			contextLine("Flow *"+esc(f.Name)+"* asks for approval to extend; the approvers will see this request."))
	}
	return slackapi.ModalViewRequest{
		Type: slackapi.VTModal, CallbackID: callbackExtend, PrivateMetadata: g.ID,
		Title: plain("Extend access"), Submit: plain("Extend"), Close: plain("Cancel"),
		Blocks: slackapi.Blocks{BlockSet: blocks},
	}
}

// viewValue reads an input's value from a submitted or updated view.
func viewValue(v *slackapi.View, blockID string) slackapi.BlockAction {
	if v == nil || v.State == nil {
		return slackapi.BlockAction{}
	}
	return v.State.Values[blockID][blockID]
}
