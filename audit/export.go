package audit

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// Format is how exported and forwarded events are written.
type Format string

// Formats: CSV with a header row, JSON lines of stint events, and JSON
// lines of OCSF events (see OCSF).
const (
	FormatCSV   Format = "csv"
	FormatJSONL Format = "jsonl"
	FormatOCSF  Format = "ocsf"
)

// Formats lists the formats, for messages and flag completion.
var Formats = []Format{FormatCSV, FormatJSONL, FormatOCSF}

// ParseFormat reads a format name; "" is JSON lines. It returns EINVALID
// for another.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "":
		return FormatJSONL, nil
	case FormatCSV, FormatJSONL, FormatOCSF:
		return f, nil
	}
	return "", stint.Errorf(stint.EINVALID, "unknown format %q; use csv, jsonl or ocsf", s)
}

// ContentType is the media type of a file in the format.
func (f Format) ContentType() string {
	if f == FormatCSV {
		return "text/csv; charset=utf-8"
	}
	return "application/x-ndjson"
}

// Ext is the file name extension of the format, without a dot.
func (f Format) Ext() string {
	if f == FormatOCSF {
		return "ocsf.jsonl"
	}
	return string(f)
}

// CSVHeader is the header row of a CSV export.
var CSVHeader = []string{"time", "id", "actor", "type", "subject", "data", "seq", "hash"}

// Encoder writes events one at a time in a format, so that exports of
// any size stream with flat memory. OCSF needs the grants events are
// about; the Encoder looks them up through its Subjects.
type Encoder struct {
	format   Format
	csv      *csv.Writer
	json     *json.Encoder
	subjects *Subjects
	header   bool
}

// NewEncoder returns an encoder writing to w. subjects resolves the grants
// of OCSF events; nil maps them without (no target user or privileges).
func NewEncoder(w io.Writer, f Format, subjects *Subjects) *Encoder {
	e := &Encoder{format: f, subjects: subjects}
	if f == FormatCSV {
		e.csv = csv.NewWriter(w)
	} else {
		e.json = json.NewEncoder(w)
		e.json.SetEscapeHTML(false)
	}
	return e
}

// Encode writes one event.
func (e *Encoder) Encode(ctx context.Context, ev *stint.Event) error {
	switch e.format {
	case FormatCSV:
		if !e.header {
			e.header = true
			if err := e.csv.Write(CSVHeader); err != nil {
				return err
			}
		}
		data, err := json.Marshal(ev.Data)
		if err != nil {
			return err
		}
		if ev.Data == nil {
			data = []byte("{}")
		}
		return e.csv.Write([]string{ev.Time.UTC().Format(time.RFC3339Nano), ev.ID, Cell(ev.Actor), Cell(ev.Type), Cell(ev.Subject),
			Cell(string(data)), strconv.FormatInt(ev.Seq, 10), ev.Hash})
	case FormatOCSF:
		var sub Subject
		if e.subjects != nil {
			sub = e.subjects.Of(ctx, ev)
		}
		return e.json.Encode(OCSF(ev, sub))
	}
	return e.json.Encode(ev)
}

// Flush writes what the encoder buffers (CSV rows) and reports a write
// error.
func (e *Encoder) Flush() error {
	if e.csv == nil {
		return nil
	}
	if !e.header {
		// An empty export still says what its columns would be.
		e.header = true
		if err := e.csv.Write(CSVHeader); err != nil {
			return err
		}
	}
	e.csv.Flush()
	return e.csv.Error()
}

// Cell keeps a spreadsheet from reading a value as a formula.
func Cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ExportPage is how many events an export reads from the store at a time.
const ExportPage = 1000

// Export writes the events that list returns, oldest first, a page at a
// time: list is called with the ID of the last event written ("" at
// first) and returns the next page (at most ExportPage events, fewer at
// the end). After each page flush, when not nil, is called (to push the
// bytes to a client). It returns how many events it wrote.
func Export(ctx context.Context, enc *Encoder, list func(afterID string) ([]*stint.Event, error), flush func()) (int, error) {
	n, after := 0, ""
	for {
		page, err := list(after)
		if err != nil {
			return n, err
		}
		for _, ev := range page {
			if err := enc.Encode(ctx, ev); err != nil {
				return n, err
			}
			n++
		}
		if err := enc.Flush(); err != nil {
			return n, err
		}
		if flush != nil {
			flush()
		}
		if len(page) < ExportPage {
			return n, nil
		}
		after = page[len(page)-1].ID
	}
}
