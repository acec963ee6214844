package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/stint-dev/stint"
)

// flowExtras checks the parts of a flow beyond requesters, durations and
// resources: approval, exclusions, attributes, bundles, tickets,
// auto-approve rules, break-glass, extensions and Cedar.
func (ch *checker) flowExtras(f *stint.Flow, fp, label string) {
	ch.refs(label, fp+".exclude", f.Exclude)
	for k, vals := range f.RequesterAttributes {
		if len(vals) == 0 {
			ch.at(fp+".requester_attributes."+k, "%s: requester_attributes.%s lists no values; add e.g. %s: [Engineering]", label, k, k)
		}
	}
	ch.approval(f, fp, label)
	ch.bundles(f, fp, label)
	if t := f.Ticket; t != nil && t.Pattern != "" {
		if _, err := regexp.Compile(t.Pattern); err != nil {
			ch.at(fp+".ticket.pattern", "%s: ticket pattern %q does not compile: %v", label, t.Pattern, err)
		}
	}
	ch.autoApproveWhen(f, fp, label)
	if bg := f.BreakGlass; bg != nil {
		if f.MaxDuration > 0 && bg.MaxDuration > f.MaxDuration {
			ch.at(fp+".break_glass.max_duration", "%s: break_glass max_duration %s exceeds the flow's max_duration %s", label, bg.MaxDuration, f.MaxDuration)
		}
		ch.groupNames(label, fp+".break_glass.groups", bg.Groups)
	}
	if ex := f.Extensions; ex != nil {
		if ex.Max < 0 {
			ch.at(fp+".extensions.max", "%s: extensions.max must be 0 (no extensions) or more", label)
		}
		if f.MaxDuration > 0 && ex.MaxEach > f.MaxDuration {
			ch.at(fp+".extensions.max_each", "%s: extensions.max_each %s exceeds max_duration %s", label, ex.MaxEach, f.MaxDuration)
		}
		if f.MaxExtensions != 0 {
			ch.at(fp+".max_extensions", "%s: set extensions or max_extensions, not both (extensions.max replaces max_extensions)", label)
		}
	}
	ch.cedar(f, fp, label)
}

// refs checks a list of "user:EMAIL" / "group:NAME" references.
func (ch *checker) refs(label, path string, refs []string) {
	for j, p := range refs {
		if err := stint.ValidatePrincipalRef(p); err != nil {
			ch.at(fmt.Sprintf("%s[%d]", path, j), "%s: %s", label, stint.ErrorMessage(err))
		}
	}
}

// groupNames checks a list of bare group names (break_glass.groups,
// requester_groups), which take no "group:" prefix.
func (ch *checker) groupNames(label, path string, names []string) {
	for j, g := range names {
		switch {
		case strings.TrimSpace(g) == "":
			ch.at(fmt.Sprintf("%s[%d]", path, j), "%s: empty group name", label)
		case strings.HasPrefix(g, "group:") || strings.HasPrefix(g, "user:"):
			ch.at(fmt.Sprintf("%s[%d]", path, j), "%s: %s lists group names; write %q, not %q", label, display(path), strings.TrimPrefix(g, "group:"), g)
		}
	}
}

func (ch *checker) approval(f *stint.Flow, fp, label string) {
	switch {
	case !f.AutoApprove && len(f.Approvers) == 0 && len(f.ApprovalSteps) == 0 && !ch.isBad(fp+".auto_approve") && !f.ForExternals():
		ch.at(fp+".approvers", "%s: set approvers (e.g. approvers: [group:Security]), approval_steps or auto_approve: true", label)
	case len(f.Approvers) > 0 && len(f.ApprovalSteps) > 0:
		ch.at(fp+".approval_steps", "%s: use approvers (one step) or approval_steps, not both", label)
	}
	if f.AutoApprove && len(f.AutoApproveWhen) > 0 {
		ch.at(fp+".auto_approve_when", "%s: auto_approve: true already approves every request; drop auto_approve_when or set auto_approve: false", label)
	}
	for i, st := range f.ApprovalSteps {
		sp := fmt.Sprintf("%s.approval_steps[%d]", fp, i)
		if len(st.Approvers) == 0 {
			ch.at(sp+".approvers", "%s: approval_steps[%d] has no approvers; add e.g. approvers: [group:Security]", label, i)
		}
		ch.refs(label, sp+".approvers", st.Approvers)
		switch users := countUsers(st.Approvers); {
		case st.Quorum < 0:
			ch.at(sp+".quorum", "%s: approval_steps[%d].quorum must be at least 1 (0 means 1)", label, i)
		case users == len(st.Approvers) && users > 0 && st.Quorum > users:
			ch.at(sp+".quorum", "%s: approval_steps[%d].quorum %d exceeds its %d approvers; the step could never pass", label, i, st.Quorum, users)
		}
		for j, ps := range st.PermissionSets {
			if strings.TrimSpace(ps) == "" {
				ch.at(fmt.Sprintf("%s.permission_sets[%d]", sp, j), "%s: empty permission set name", label)
			}
		}
		ch.groupNames(label, sp+".requester_groups", st.RequesterGroups)
	}
}

// countUsers counts distinct "user:" references.
func countUsers(refs []string) int {
	seen := map[string]bool{}
	for _, r := range refs {
		if kind, v, _ := strings.Cut(r, ":"); kind == "user" {
			seen[strings.ToLower(v)] = true
		}
	}
	return len(seen)
}

func (ch *checker) bundles(f *stint.Flow, fp, label string) {
	seen := map[string]int{}
	for i, b := range f.Bundles {
		bp := fmt.Sprintf("%s.bundles[%d]", fp, i)
		name := strings.ToLower(strings.TrimSpace(b.Name))
		switch first, dup := seen[name]; {
		case name == "":
			ch.at(bp+".name", "%s: bundles[%d] needs a name", label, i)
		case dup:
			ch.at(bp+".name", "%s: bundle name %q is already used by bundles[%d]", label, b.Name, first)
		default:
			seen[name] = i
		}
		if len(b.Resources) == 0 {
			ch.at(bp+".resources", "%s: bundles[%d] needs resources", label, i)
		}
		ch.resources(label, bp+".resources", b.Resources)
	}
}

func (ch *checker) autoApproveWhen(f *stint.Flow, fp, label string) {
	for i, r := range f.AutoApproveWhen {
		rp := fmt.Sprintf("%s.auto_approve_when[%d]", fp, i)
		if r.Time == nil && len(r.RequesterGroups) == 0 && r.OnCall == nil {
			ch.at(rp, "%s: auto_approve_when[%d] sets no condition; use time, requester_groups or on_call", label, i)
		}
		ch.groupNames(label, rp+".requester_groups", r.RequesterGroups)
		if w := r.Time; w != nil {
			for j, d := range w.Days {
				if _, err := ParseDays([]string{d}); err != nil {
					ch.at(fmt.Sprintf("%s.time.days[%d]", rp, j), "%s: %s", label, err)
				}
			}
			if w.Hours != "" {
				if _, _, err := ParseHours(w.Hours); err != nil {
					ch.at(rp+".time.hours", "%s: %s", label, err)
				}
			}
			if _, err := LoadTimezone(w.Timezone); err != nil {
				ch.at(rp+".time.timezone", "%s: %s", label, err)
			}
		}
		if oc := r.OnCall; oc != nil {
			switch {
			case (oc.File == "") == (oc.URL == ""):
				ch.at(rp+".on_call", "%s: on_call needs exactly one of file or url", label)
			case oc.URL != "":
				if u, err := url.Parse(oc.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					ch.at(rp+".on_call.url", "%s: on_call.url %q must be an http:// or https:// URL", label, oc.URL)
				}
			}
		}
	}
}
