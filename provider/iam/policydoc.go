package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"unicode/utf8"
)

// policyDoc is an IAM policy document decoded only as far as stint needs to
// edit it: its top-level members in their order and its statements, each
// kept as the exact bytes it arrived in. Encoding it again writes every
// member and statement stint did not touch byte for byte as it was; only
// the punctuation between them (and Statement as an array) is stint's.
type policyDoc struct {
	members    []member          // top-level members in order; Statement's raw value is not used
	statements []json.RawMessage // in order
}

type member struct {
	key string
	raw json.RawMessage
}

const statementKey = "Statement"

// decodePolicy parses a policy document as IAM returns it, URL-encoded
// (RFC 3986), or as plain JSON (which starts with its opening brace).
func decodePolicy(text string) (*policyDoc, error) {
	if firstByte([]byte(text)) != '{' {
		unescaped, err := url.PathUnescape(text)
		if err != nil {
			return nil, fmt.Errorf("the document is neither JSON nor URL-encoded JSON: %w", err)
		}
		text = unescaped
	}
	return parsePolicy([]byte(text))
}

// parsePolicy parses a JSON policy document: an object whose Statement is
// an array of objects or a single object.
func parsePolicy(data []byte) (*policyDoc, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	doc := &policyDoc{}
	seenStatement := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		doc.members = append(doc.members, member{key: key, raw: raw})
		if key != statementKey {
			continue
		}
		if seenStatement {
			return nil, errors.New("the document has two Statement members")
		}
		seenStatement = true
		if doc.statements, err = parseStatements(raw); err != nil {
			return nil, err
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("the document has data after its closing brace")
	}
	return doc, nil
}

// parseStatements splits a Statement value into its statements.
func parseStatements(raw json.RawMessage) ([]json.RawMessage, error) {
	switch firstByte(raw) {
	case '{':
		return []json.RawMessage{raw}, nil
	case '[':
	default:
		return nil, errors.New("the Statement member is neither an object nor an array")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := expectDelim(dec, '['); err != nil {
		return nil, err
	}
	var out []json.RawMessage
	for dec.More() {
		var st json.RawMessage
		if err := dec.Decode(&st); err != nil {
			return nil, err
		}
		if firstByte(st) != '{' {
			return nil, errors.New("a statement is not an object")
		}
		out = append(out, st)
	}
	return out, expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, tok)
	}
	return nil
}

func firstByte(raw []byte) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

// clone returns a copy that can be edited without changing d.
func (d *policyDoc) clone() *policyDoc {
	return &policyDoc{members: slices.Clone(d.members), statements: slices.Clone(d.statements)}
}

// encode returns the document as JSON: members in their order with their
// original bytes, and Statement as an array of the statements with theirs
// (appended last when the document had none).
func (d *policyDoc) encode() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	wroteStatement := false
	for i, m := range d.members {
		if i > 0 {
			b.WriteByte(',')
		}
		writeKey(&b, m.key)
		if m.key == statementKey {
			d.writeStatements(&b)
			wroteStatement = true
			continue
		}
		b.Write(m.raw)
	}
	if !wroteStatement {
		if len(d.members) > 0 {
			b.WriteByte(',')
		}
		writeKey(&b, statementKey)
		d.writeStatements(&b)
	}
	b.WriteByte('}')
	return b.Bytes()
}

func (d *policyDoc) writeStatements(b *bytes.Buffer) {
	b.WriteByte('[')
	for i, st := range d.statements {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(st)
	}
	b.WriteByte(']')
}

func writeKey(b *bytes.Buffer, key string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(key)     // a string always encodes
	b.Truncate(b.Len() - 1) // Encode's newline
	b.WriteByte(':')
}

// find returns the index of the statement with the Sid, or -1.
func (d *policyDoc) find(sid string) int {
	return slices.IndexFunc(d.statements, func(st json.RawMessage) bool { return statementSid(st) == sid })
}

// statementSid returns a statement's Sid, or "" when it has none.
func statementSid(st json.RawMessage) string {
	var s struct {
		Sid string `json:"Sid"`
	}
	_ = json.Unmarshal(st, &s) // a statement without a string Sid is not stint's
	return s.Sid
}

// put replaces the statement with the Sid, or appends it, and reports
// whether the document changed.
func (d *policyDoc) put(sid string, st json.RawMessage) bool {
	i := d.find(sid)
	if i < 0 {
		d.statements = append(d.statements, st)
		return true
	}
	if sameJSON(d.statements[i], st) {
		return false
	}
	d.statements[i] = st
	return true
}

// remove deletes the statement with the Sid and reports whether it was
// there.
func (d *policyDoc) remove(sid string) bool {
	i := d.find(sid)
	if i < 0 {
		return false
	}
	d.statements = slices.Delete(d.statements, i, i+1)
	return true
}

// others returns the statements whose Sid is not in sids, in order.
func (d *policyDoc) others(sids ...string) []json.RawMessage {
	return slices.DeleteFunc(slices.Clone(d.statements), func(st json.RawMessage) bool {
		return slices.Contains(sids, statementSid(st))
	})
}

// size is the document's length as IAM counts it against its quotas: in
// characters, without the white space between JSON tokens.
func (d *policyDoc) size() int {
	var b bytes.Buffer
	if err := json.Compact(&b, d.encode()); err != nil {
		return len(d.encode())
	}
	return utf8.RuneCount(b.Bytes())
}

// sameStatements reports whether two lists hold the same statements in the
// same order, comparing JSON values (member order and white space aside).
func sameStatements(a, b []json.RawMessage) bool {
	return slices.EqualFunc(a, b, sameJSON)
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(a, b json.RawMessage) bool {
	ca, erra := canonical(a)
	cb, errb := canonical(b)
	return erra == nil && errb == nil && bytes.Equal(ca, cb)
}

// canonical re-encodes a JSON text with sorted object members and no
// white space.
func canonical(raw json.RawMessage) ([]byte, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}
