package identityconfig

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// RenderOptions configure RenderText.
type RenderOptions struct {
	// Color adds ANSI colours (green creates, yellow updates, red deletes);
	// set it when writing to a terminal. Default off.
	Color bool
}

var kindTitles = map[Kind]string{
	KindUser: "Users", KindGroup: "Groups", KindMembership: "Group memberships",
	KindPermissionSet: "Permission sets", KindAssignment: "Assignments",
}

var opSymbols = map[Op]string{OpCreate: "+", OpUpdate: "~", OpDelete: "-"}
var opColors = map[Op]string{OpCreate: "\x1b[32m", OpUpdate: "\x1b[33m", OpDelete: "\x1b[31m"}

const colorReset = "\x1b[0m"

// RenderText writes the plan for people: actions grouped by kind with
// counts, field changes under each update, then a summary line and what was
// left alone.
func RenderText(w io.Writer, p *Plan, opts RenderOptions) error {
	var b strings.Builder
	paint := func(op Op, s string) string {
		if !opts.Color {
			return s
		}
		return opColors[op] + s + colorReset
	}
	counts := p.Counts()
	for _, kind := range Kinds {
		c := counts[kind]
		if len(c) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s (%s):\n", kindTitles[kind], countPhrase(c))
		for _, a := range p.Actions {
			if a.Kind != kind {
				continue
			}
			name := a.Name
			if a.Kind == KindMembership {
				name = fmt.Sprintf("user %s in group %s", a.Member, a.Name)
			}
			fmt.Fprintf(&b, "  %s\n", paint(a.Op, opSymbols[a.Op]+" "+name))
			for _, ch := range a.Changes {
				fmt.Fprintf(&b, "      %s\n", ch.text())
			}
		}
		b.WriteString("\n")
	}
	total := map[Op]int{}
	for _, a := range p.Actions {
		total[a.Op]++
	}
	if p.HasChanges() {
		fmt.Fprintf(&b, "Plan: %d to create, %d to update, %d to delete.\n", total[OpCreate], total[OpUpdate], total[OpDelete])
	} else {
		b.WriteString("No changes. Identity Center matches the file.\n")
	}
	for _, kind := range Kinds {
		if n := p.Unmanaged[kind]; n > 0 {
			fmt.Fprintf(&b, "%d %s not declared in the file left alone (--prune deletes them).\n", n, plural(n, kindNoun(kind)))
		}
	}
	if p.Protected > 0 {
		fmt.Fprintf(&b, "%d %s held by active grants kept.\n", p.Protected, plural(p.Protected, "assignment"))
	}
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "Note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (c Change) text() string {
	if c.Field == FieldProvisioning {
		return fmt.Sprintf("provisioning: the latest version is not in %s; apply provisions it", strings.Join(c.Added, ", "))
	}
	if c.Added != nil || c.Removed != nil {
		var parts []string
		for _, s := range c.Added {
			parts = append(parts, "+"+s)
		}
		for _, s := range c.Removed {
			parts = append(parts, "-"+s)
		}
		return c.Field + ": " + strings.Join(parts, ", ")
	}
	return fmt.Sprintf("%s: %s → %s", c.Field, quoteOrNone(c.Old), quoteOrNone(c.New))
}

func quoteOrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	if strings.HasPrefix(s, "{") { // a policy: already readable
		return s
	}
	return fmt.Sprintf("%q", s)
}

func countPhrase(c map[Op]int) string {
	var parts []string
	for _, op := range []Op{OpCreate, OpUpdate, OpDelete} {
		if c[op] > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", c[op], op))
		}
	}
	return strings.Join(parts, ", ")
}

func kindNoun(k Kind) string {
	if k == KindPermissionSet {
		return "permission set"
	}
	return string(k)
}

func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// RenderJSON writes the plan as indented JSON (`-o json`), with counts by
// kind and op.
func RenderJSON(w io.Writer, p *Plan) error {
	cp := *p
	out := struct {
		*Plan
		Counts     map[Kind]map[Op]int `json:"counts"`
		HasChanges bool                `json:"has_changes"`
	}{&cp, p.Counts(), p.HasChanges()}
	if out.Actions == nil {
		out.Actions = []Action{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
