package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
)

// Output formats of -o/--output.
const (
	outputTable = "table"
	outputJSON  = "json"
)

// output is the -o/--output flag of a command that prints something.
type output struct{ format string }

func addOutput(cmd *cobra.Command) *output {
	o := &output{}
	cmd.Flags().StringVarP(&o.format, "output", "o", outputTable, "output format: table or json")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{outputTable, outputJSON}, cobra.ShellCompDirectiveNoFileComp))
	return o
}

// check returns EINVALID for an unknown format.
func (o *output) check() error {
	switch o.format {
	case outputTable, outputJSON:
		return nil
	}
	return stint.Errorf(stint.EINVALID, "unknown output format %q; use table or json", o.format)
}

func (o *output) json() bool { return o.format == outputJSON }

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// table prints rows under a header, aligned.
type table struct {
	w   io.Writer
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{w: w}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

// flush writes the table, without the padding that empty last cells leave.
func (t *table) flush() error {
	if err := t.tw.Flush(); err != nil {
		return err
	}
	lines := strings.Split(t.buf.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := io.WriteString(t.w, strings.Join(lines, "\n"))
	return err
}

// details prints "Key: value" lines, aligned; a value with several lines
// continues under the first.
type details struct {
	tw *tabwriter.Writer
}

func newDetails(w io.Writer) *details {
	return &details{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

func (d *details) add(key string, values ...string) {
	if len(values) == 0 {
		values = []string{""}
	}
	for i, v := range values {
		k := key + ":"
		if i > 0 {
			k = ""
		}
		fmt.Fprintf(d.tw, "%s\t%s\n", k, strings.ReplaceAll(v, "\n", " "))
	}
}

func (d *details) flush() error { return d.tw.Flush() }

// approx prints a duration coarsely: "45s", "59m", "3h12m", "2d4h".
func approx(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, h)
}

// relative prints t relative to now: "in 59m", "2m ago", "just now".
func relative(t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d > -time.Second && d < time.Second:
		return "just now"
	case d > 0:
		return "in " + approx(d)
	}
	return approx(d) + " ago"
}

// stamp prints an absolute time with its relative form:
// "2025-01-02T15:04:05Z (in 59m)".
func stamp(t, now time.Time) string {
	return t.UTC().Format(time.RFC3339) + " (" + relative(t, now) + ")"
}

// grantEnds says when a grant ends or ended: "in 59m", "ended 2m ago"; for
// a ready grant, when its activation window closes.
func grantEnds(g *stint.Grant, now time.Time) string {
	if g.State == stint.GrantReady {
		return "activate by " + g.EndsAt.UTC().Format("2006-01-02 15:04Z") + " (" + relative(g.EndsAt, now) + ")"
	}
	if g.State == stint.GrantEnded {
		at := g.EndsAt
		if g.EndedAt != nil {
			at = *g.EndedAt
		}
		return "ended " + relative(at, now)
	}
	return relative(g.EndsAt, now)
}

// grantStarts says when a grant starts or started.
func grantStarts(g *stint.Grant, now time.Time) string {
	if g.State == stint.GrantReady {
		return "on activation"
	}
	if g.StartsAt.After(now) {
		return relative(g.StartsAt, now)
	}
	return "started " + relative(g.StartsAt, now)
}

// resourceName prints a request's resource as
// "prod-payments/AdministratorAccess" or "prod-payments/read on S3 bucket logs".
func resourceName(r stint.ResourceRef) string {
	return accountLabel(r.AccountName, r.AccountID) + "/" + r.Label()
}

// accountWithID prints "prod-payments (111111111111)", or the ID alone.
func accountWithID(name, id string) string {
	if name == "" || name == id {
		return id
	}
	return name + " (" + id + ")"
}

func accountLabel(name, id string) string {
	if name == "" {
		return id
	}
	return name
}

// truncate shortens s to n runes with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// eventData prints an event's data as sorted key=value pairs.
func eventData(data map[string]any) string {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		var v string
		switch x := data[k].(type) {
		case string:
			v = x
			if v == "" || strings.ContainsAny(v, " \t\"=") {
				v = fmt.Sprintf("%q", v)
			}
		default:
			b, _ := json.Marshal(x)
			v = string(b)
		}
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, " ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
