package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/stint-dev/stint"
)

// writeJSON writes v as the JSON response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing left to tell it
}

// decodeJSON reads the request body into v strictly: the body must be
// application/json, at most maxBytes long, hold exactly one JSON value, and
// name only fields v knows. An empty body decodes as {} so that POSTs whose
// fields are all optional may omit it. Errors are EINVALID and say what is
// wrong.
func decodeJSON(w http.ResponseWriter, r *http.Request, maxBytes int64, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return stint.Errorf(stint.EINVALID, "request body is larger than %s", formatBytes(maxBytes))
		}
		return stint.Errorf(stint.EINVALID, "cannot read request body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	} else if err := checkContentType(r); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return stint.Errorf(stint.EINVALID, "request body must hold exactly one JSON value; found more after the first")
	}
	return nil
}

func checkContentType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return stint.Errorf(stint.EINVALID, "missing Content-Type; send the body as application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return stint.Errorf(stint.EINVALID, "Content-Type %q is not supported; send the body as application/json", ct)
	}
	return nil
}

// jsonError turns a decoding error into a message for the API user.
func jsonError(err error) error {
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		invalid *stint.Error
	)
	switch {
	case errors.As(err, &syntax):
		return stint.Errorf(stint.EINVALID, "malformed JSON at offset %d: %s", syntax.Offset, syntax.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return stint.Errorf(stint.EINVALID, "malformed JSON: the body ends in the middle of a value")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return stint.Errorf(stint.EINVALID, "request body must be %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
		}
		return stint.Errorf(stint.EINVALID, "field %q must be %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &invalid):
		return invalid
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return stint.Errorf(stint.EINVALID, "%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return stint.Errorf(stint.EINVALID, "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names a Go kind the way an API user thinks of JSON values.
func jsonKind(kind string) string {
	switch kind {
	case "struct", "map":
		return "a JSON object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	}
	return "a number"
}

func formatBytes(n int64) string {
	if n >= 1024 && n%1024 == 0 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d bytes", n)
}
