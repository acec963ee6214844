package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/stint-dev/stint"
)

// statusByCode is the one table from stint error codes to HTTP statuses.
var statusByCode = map[string]int{
	stint.EINVALID:      http.StatusBadRequest,
	stint.EUNAUTHORIZED: http.StatusUnauthorized,
	stint.EFORBIDDEN:    http.StatusForbidden,
	stint.ENOTFOUND:     http.StatusNotFound,
	stint.ECONFLICT:     http.StatusConflict,
	stint.EUNAVAILABLE:  http.StatusServiceUnavailable,
	stint.EINTERNAL:     http.StatusInternalServerError,
}

// StatusOf returns the HTTP status for a stint error code; unknown codes are
// internal errors.
func StatusOf(code string) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers with err's code and message. Internal errors are logged
// with their details and answered with "internal error" only.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := stint.ErrorCode(err)
	if _, known := statusByCode[code]; !known {
		code = stint.EINTERNAL
	}
	msg := stint.ErrorMessage(err)
	var se *stint.Error
	if errors.As(err, &se) {
		// Keep the context added while the error travelled up.
		msg = err.Error()
	}
	log := s.logger(r)
	switch code {
	case stint.EINTERNAL:
		log.ErrorContext(r.Context(), "internal error", slog.Any("err", err))
		msg = "internal error"
	case stint.EUNAVAILABLE:
		log.WarnContext(r.Context(), "unavailable", slog.Any("err", err))
	}
	status := StatusOf(code)
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="stint"`)
	}
	writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: msg}})
}
