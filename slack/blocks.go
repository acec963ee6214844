package slack

import (
	"fmt"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/stint-dev/stint"
)

// message is what stint posts: blocks, and the text Slack shows in
// notifications and where blocks cannot be shown.
type message struct {
	Text   string           `json:"text"`
	Blocks []slackapi.Block `json:"blocks"`
}

func (m message) options() []slackapi.MsgOption {
	return []slackapi.MsgOption{slackapi.MsgOptionText(m.Text, false), slackapi.MsgOptionBlocks(m.Blocks...)}
}

// Action IDs of the buttons and inputs stint sends.
const (
	actionApprove  = "approve"
	actionDeny     = "deny"
	actionExtend   = "extend"
	actionRevoke   = "revoke"
	actionCancel   = "cancel"
	actionResource = "resource"

	callbackRequest = "stint_request"
	callbackDeny    = "stint_deny"
	callbackExtend  = "stint_extend"
)

// Limits of Block Kit that the builders keep to.
const (
	maxSectionText = 3000
	maxFieldText   = 2000
	maxListed      = 10 // resources named in a message; the rest are counted
)

// esc escapes text for mrkdwn: Slack reads &, < and > as markup.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// clip shortens s to n characters, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// when formats t so that each reader sees it in their own time zone, with
// a UTC fallback.
func when(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}

func mrkdwn(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, clip(s, maxSectionText), false, false)
}

func plain(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, s, true, false)
}

func section(s string) *slackapi.SectionBlock { return slackapi.NewSectionBlock(mrkdwn(s), nil, nil) }

func contextLine(s string) *slackapi.ContextBlock {
	return slackapi.NewContextBlock("", mrkdwn(s))
}

func button(actionID, label, value, style string) *slackapi.ButtonBlockElement {
	b := slackapi.NewButtonBlockElement(actionID, value, plain(label))
	if style != "" {
		b.Style = slackapi.Style(style)
	}
	return b
}

// where names an account: "prod-payments (111111111111)".
func where(name, id string) string {
	if name == "" || name == id {
		return id
	}
	return name + " (" + id + ")"
}

// resourceText is one resource as a person reads it.
func resourceText(r *stint.ResourceRef) string {
	return "*" + esc(r.Label()) + "* in " + esc(where(r.AccountName, r.AccountID))
}

func grantText(g *stint.Grant) string {
	ref := g.Ref()
	return resourceText(&ref)
}

// resourcesText lists a request's resources, at most maxListed.
func resourcesText(r *stint.Request, sep string) string {
	var parts []string
	for i := range r.Resources {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(r.Resources)-maxListed))
			break
		}
		parts = append(parts, resourceText(&r.Resources[i]))
	}
	if r.Bundle != "" {
		return "bundle *" + esc(r.Bundle) + "*: " + strings.Join(parts, ", ")
	}
	return strings.Join(parts, sep)
}

// approvers lists principal references for people: "group:Security".
func approvers(refs []string) string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = "`" + esc(r) + "`"
	}
	return strings.Join(out, ", ")
}

// requestView is what an approval message shows: the request and its
// grants as they are now.
type requestView struct {
	Request *stint.Request
	Grants  []*stint.Grant
}

// approvalMessage is the message approvers see. It carries Approve and Deny
// buttons while the request is pending, and its status otherwise.
func approvalMessage(v requestView) message {
	r := v.Request
	var blocks []slackapi.Block
	title := "Access request"
	if r.BreakGlass {
		title = "🚨 BREAK-GLASS access, taken without approval"
	}
	blocks = append(blocks, slackapi.NewHeaderBlock(plain(title)))
	if r.BreakGlass {
		blocks = append(blocks, section(":rotating_light: *Emergency access: nobody approved this.* "+esc(r.RequesterEmail)+
			" used the break-glass of flow *"+esc(r.Flow)+"*; review why it was needed."))
	}
	fields := []*slackapi.TextBlockObject{
		mrkdwn("*Requester*\n" + esc(r.RequesterEmail)),
		mrkdwn("*Flow*\n" + esc(r.Flow)),
		mrkdwn("*Duration*\n" + stint.FormatDuration(time.Duration(r.Duration))),
	}
	if r.Ticket != "" {
		fields = append(fields, mrkdwn("*Ticket*\n"+esc(r.Ticket)))
	}
	if r.StartsAt != nil {
		fields = append(fields, mrkdwn("*Starts*\n"+when(*r.StartsAt)))
	}
	if i := r.CurrentStep(); r.State == stint.RequestPending && i >= 0 {
		st := r.Steps[i]
		fields = append(fields, mrkdwn(fmt.Sprintf("*Step*\n%s (%d of %d): %d/%d approvals",
			esc(st.Name), i+1, len(r.Steps), len(st.Approvals), max(st.Quorum, 1))))
	}
	if r.ExtendsGrant != "" {
		fields = append(fields, mrkdwn("*Extends grant*\n"+esc(r.ExtendsGrant)+" by "+stint.FormatDuration(time.Duration(r.ExtendBy))))
	}
	blocks = append(blocks,
		slackapi.NewSectionBlock(nil, fields, nil),
		section("*Resources*\n"+resourcesText(r, "\n")),
	)
	if reason := strings.TrimSpace(r.Reason); reason != "" {
		blocks = append(blocks, section("*Reason*\n>"+strings.ReplaceAll(esc(clip(reason, maxFieldText)), "\n", "\n>")))
	}
	blocks = append(blocks, section(statusText(v)))
	if r.State == stint.RequestPending {
		blocks = append(blocks, slackapi.NewActionBlock("actions",
			button(actionApprove, "Approve", r.ID, "primary"),
			button(actionDeny, "Deny", r.ID, "danger")))
	}
	blocks = append(blocks, contextLine("Request `"+r.ID+"` · "+when(r.CreatedAt)))
	text := fmt.Sprintf("%s asks for %s for %s", r.RequesterEmail, plainResources(r), stint.FormatDuration(time.Duration(r.Duration)))
	if r.BreakGlass {
		text = "BREAK-GLASS: " + r.RequesterEmail + " took " + plainResources(r) + " without approval"
	}
	return message{Text: text, Blocks: blocks}
}

// plainResources names a request's resources without markup, for
// notification text.
func plainResources(r *stint.Request) string {
	if r.Bundle != "" {
		return "bundle " + r.Bundle
	}
	var parts []string
	for i := range r.Resources {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("%d more", len(r.Resources)-3))
			break
		}
		parts = append(parts, r.Resources[i].Label()+" in "+where(r.Resources[i].AccountName, r.Resources[i].AccountID))
	}
	return strings.Join(parts, ", ")
}

// statusText says where the request and its grants are.
func statusText(v requestView) string {
	r := v.Request
	var lines []string
	var approvedBy []string
	for _, rv := range r.Reviews {
		if rv.Decision == "approve" {
			approvedBy = append(approvedBy, esc(rv.ReviewerEmail))
		}
	}
	switch r.State {
	case stint.RequestPending:
		if len(approvedBy) > 0 {
			lines = append(lines, ":white_check_mark: Approved by "+strings.Join(approvedBy, ", "))
		}
		if i := r.CurrentStep(); i >= 0 {
			st := r.Steps[i]
			lines = append(lines, fmt.Sprintf(":hourglass_flowing_sand: Waiting for *%s* (%d/%d) from %s, until %s",
				esc(st.Name), len(st.Approvals), max(st.Quorum, 1), approvers(st.Approvers), when(r.ReviewBy)))
		}
	case stint.RequestApproved:
		switch {
		case r.BreakGlass:
			lines = append(lines, ":rotating_light: Granted without approval (break-glass)")
		case r.AutoApproved:
			lines = append(lines, ":white_check_mark: Approved automatically by flow *"+esc(r.Flow)+"*")
		default:
			lines = append(lines, ":white_check_mark: Approved by "+strings.Join(approvedBy, ", "))
		}
		for _, g := range v.Grants {
			lines = append(lines, grantStatus(g))
		}
	case stint.RequestDenied:
		rv := r.Reviews[len(r.Reviews)-1]
		lines = append(lines, ":x: Denied by "+esc(rv.ReviewerEmail)+": "+esc(clip(rv.Comment, 500)))
	case stint.RequestCancelled:
		lines = append(lines, ":no_entry_sign: Cancelled by the requester")
	case stint.RequestExpired:
		lines = append(lines, ":hourglass: Expired: nobody reviewed it by "+when(r.ReviewBy))
	}
	return strings.Join(lines, "\n")
}

// grantStatus is one grant's line in an approval message.
func grantStatus(g *stint.Grant) string {
	what := grantText(g)
	switch g.State {
	case stint.GrantReady:
		return ":raised_hand: " + what + " is ready; the requester switches it on by " + when(g.EndsAt)
	case stint.GrantScheduled:
		return ":calendar: " + what + " starts " + when(g.StartsAt)
	case stint.GrantActivating:
		return ":gear: Granting " + what + "…"
	case stint.GrantActive:
		return ":unlock: " + what + " is active until " + when(g.EndsAt)
	case stint.GrantRevoking:
		return ":gear: Removing " + what + "…"
	case stint.GrantFailed:
		return ":warning: " + what + ": " + esc(g.FailedOp) + " failed: " + esc(clip(g.LastError, 300)) + "; stint retries"
	case stint.GrantEnded:
		return ":lock: " + what + " ended (" + endReason(g) + ")"
	}
	return what + ": " + string(g.State)
}

func endReason(g *stint.Grant) string {
	at := ""
	if g.EndedAt != nil {
		at = " " + when(*g.EndedAt)
	}
	switch g.EndReason {
	case stint.EndRevoked:
		if g.RevokedBy != "" {
			return "revoked by " + esc(g.RevokedBy) + at
		}
		return "revoked" + at
	case stint.EndNotActivated:
		return "not switched on in time"
	}
	return "expired" + at
}

// DMs to the requester.

func dm(text string, blocks ...slackapi.Block) message {
	return message{Text: text, Blocks: blocks}
}

func submittedDM(r *stint.Request) message {
	what := resourcesText(r, ", ")
	switch {
	case r.BreakGlass:
		return dm("Break-glass access granted", section(":rotating_light: *Break-glass:* you have "+what+" without approval. This use is reported to the approvers; keep it short."))
	case r.State == stint.RequestApproved:
		return dm("Request approved", section(":white_check_mark: Your request for "+what+" was approved automatically; access is starting."),
			contextLine("Request `"+r.ID+"`"))
	}
	step := ""
	if i := r.CurrentStep(); i >= 0 {
		step = " by " + approvers(r.Steps[i].Approvers)
	}
	return dm("Request submitted", section(":inbox_tray: Your request for "+what+" is waiting for approval"+step+
		" (flow *"+esc(r.Flow)+"*). I will tell you when it is decided."), contextLine("Request `"+r.ID+"`"))
}

func approvedDM(r *stint.Request) message {
	who := "automatically"
	var by []string
	for _, rv := range r.Reviews {
		if rv.Decision == "approve" {
			by = append(by, esc(rv.ReviewerEmail))
		}
	}
	if len(by) > 0 {
		who = "by " + strings.Join(by, ", ")
	}
	return dm("Your request was approved", section(":white_check_mark: Your request for "+resourcesText(r, ", ")+" was approved "+who+"."),
		contextLine("Request `"+r.ID+"`"))
}

func deniedDM(r *stint.Request) message {
	rv := r.Reviews[len(r.Reviews)-1]
	return dm("Your request was denied", section(":x: Your request for "+resourcesText(r, ", ")+" was denied by "+esc(rv.ReviewerEmail)+
		":\n>"+esc(clip(rv.Comment, maxFieldText))), contextLine("Request `"+r.ID+"`"))
}

func expiredDM(r *stint.Request) message {
	return dm("Your request expired", section(":hourglass: Your request for "+resourcesText(r, ", ")+
		" expired: nobody reviewed it by "+when(r.ReviewBy)+". Ask again with `/stint` if you still need it."),
		contextLine("Request `"+r.ID+"`"))
}

func activeDM(g *stint.Grant) message {
	return dm("Your access is active", section(":unlock: Your access to "+grantText(g)+" is active until "+when(g.EndsAt)+"."),
		slackapi.NewActionBlock("actions", button(actionRevoke, "End it now", g.ID, "")),
		contextLine("Grant `"+g.ID+"`"))
}

func failedDM(g *stint.Grant, cause string) message {
	return dm("Granting your access failed", section(":warning: Granting "+grantText(g)+" failed: "+esc(clip(cause, 500))+
		". stint retries automatically; I will tell you when it is active."), contextLine("Grant `"+g.ID+"`"))
}

// warningDM tells the user their access ends soon, with Extend when the
// flow allows another extension.
func warningDM(g *stint.Grant, left time.Duration, canExtend bool) message {
	var buttons []slackapi.BlockElement
	if canExtend {
		buttons = append(buttons, button(actionExtend, "Extend", g.ID, "primary"))
	}
	buttons = append(buttons, button(actionRevoke, "End it now", g.ID, ""))
	text := ":alarm_clock: Your access to " + grantText(g) + " ends " + when(g.EndsAt) + " (in " + stint.FormatDuration(left.Round(time.Second)) + ")."
	if !canExtend {
		text += " Its flow allows no more extensions; request it again if you need more time."
	}
	return dm("Your access ends soon", section(text), slackapi.NewActionBlock("actions", buttons...), contextLine("Grant `"+g.ID+"`"))
}

func extendedDM(g *stint.Grant) message {
	return dm("Your access was extended", section(":arrows_counterclockwise: Your access to "+grantText(g)+" now ends "+when(g.EndsAt)+"."),
		contextLine("Grant `"+g.ID+"`"))
}

func endedDM(g *stint.Grant) message {
	return dm("Your access has ended", section(":lock: Your access to "+grantText(g)+" has ended ("+endReason(g)+")."),
		contextLine("Grant `"+g.ID+"`"))
}

// listMessage is /stint list: the caller's pending requests (with Cancel)
// and live grants (with Extend and Revoke).
func listMessage(requests []*stint.Request, grants []*stint.Grant, canExtend func(*stint.Grant) bool) message {
	blocks := []slackapi.Block{slackapi.NewHeaderBlock(plain("Your access"))}
	if len(requests) == 0 && len(grants) == 0 {
		blocks = append(blocks, section("You have no pending requests and no live grants. Ask for access with `/stint`."))
		return message{Text: "Your access", Blocks: blocks}
	}
	if len(requests) > 0 {
		blocks = append(blocks, section("*Pending requests*"))
	}
	for i, r := range requests {
		if i == maxListed {
			blocks = append(blocks, contextLine(fmt.Sprintf("and %d more; see `stint requests`", len(requests)-maxListed)))
			break
		}
		s := section(resourcesText(r, ", ") + " for " + stint.FormatDuration(time.Duration(r.Duration)) + "\n" + statusText(requestView{Request: r}))
		s.Accessory = slackapi.NewAccessory(button(actionCancel, "Cancel", r.ID, ""))
		blocks = append(blocks, s)
	}
	if len(grants) > 0 {
		blocks = append(blocks, slackapi.NewDividerBlock(), section("*Grants*"))
	}
	for i, g := range grants {
		if i == maxListed {
			blocks = append(blocks, contextLine(fmt.Sprintf("and %d more; see `stint grants`", len(grants)-maxListed)))
			break
		}
		blocks = append(blocks, section(grantStatus(g)))
		var buttons []slackapi.BlockElement
		if g.State == stint.GrantActive && canExtend(g) {
			buttons = append(buttons, button(actionExtend, "Extend", g.ID, "primary"))
		}
		if g.State.Live() || g.State == stint.GrantFailed {
			buttons = append(buttons, button(actionRevoke, "Revoke", g.ID, "danger"))
		}
		if len(buttons) > 0 {
			blocks = append(blocks, slackapi.NewActionBlock("grant-"+g.ID, buttons...))
		}
	}
	return message{Text: "Your access", Blocks: blocks}
}
