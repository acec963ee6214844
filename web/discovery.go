package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

// The discovery endpoints (admins only): what `stint discover` stored, for
// the portal's page and for scripts.

// discoveryScans lists scans, newest first: their summaries are the trend.
func (s *Server) discoveryScans(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r, "limit") {
		return
	}
	limit, err := queryLimit(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	scans, err := s.svc.Scans(r.Context(), caller(r), limit)
	s.answer(w, r, http.StatusOK, nonNil(scans), err)
}

// discoveryScan answers one scan ({id} is an ID, latest or previous).
func (s *Server) discoveryScan(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r, "inventory") {
		return
	}
	inventory, err := queryBool(r.URL.Query(), "inventory")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	scan, err := s.svc.Scan(r.Context(), caller(r), chi.URLParam(r, "id"), inventory)
	s.answer(w, r, http.StatusOK, scan, err)
}

// discoveryFindings answers a page of findings, as JSON or (format=csv) CSV.
func (s *Server) discoveryFindings(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r, "scan", "kind", "min_score", "account", "principal", "offset", "limit", "format") {
		return
	}
	q := r.URL.Query()
	in, err := FindingsInput(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		s.writeError(w, r, stint.Errorf(stint.EINVALID, "format=%q must be json or csv", format))
		return
	}
	page, err := s.svc.Findings(r.Context(), caller(r), in)
	if err != nil || format != "csv" {
		s.answer(w, r, http.StatusOK, page, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="stint-findings-`+page.ScanID+`.csv"`)
	w.WriteHeader(http.StatusOK)
	if err := stint.WriteFindingsCSV(w, page.ScanID, page.Findings); err != nil {
		s.logger(r).WarnContext(r.Context(), "write findings CSV", "err", err)
	}
}

// FindingsInput reads the findings filters of a query (scan, kind,
// min_score, account, principal, offset, limit), for the API and the
// portal; EINVALID names the bad parameter.
func FindingsInput(q url.Values) (access.FindingsInput, error) {
	in := access.FindingsInput{Scan: strings.TrimSpace(q.Get("scan"))}
	in.Account, in.Principal = strings.TrimSpace(q.Get("account")), strings.TrimSpace(q.Get("principal"))
	for _, k := range q["kind"] {
		for _, kind := range strings.Split(k, ",") {
			if kind = strings.TrimSpace(kind); kind == "" {
				continue
			}
			if !stint.FindingKind(kind).Known() {
				names := make([]string, len(stint.FindingKinds))
				for i, known := range stint.FindingKinds {
					names[i] = string(known)
				}
				return in, stint.Errorf(stint.EINVALID, "kind=%q is not a finding kind; use %s", kind, strings.Join(names, ", "))
			}
			in.Kinds = append(in.Kinds, stint.FindingKind(kind))
		}
	}
	num := func(name string, lo, hi int) (int, error) {
		v := q.Get(name)
		if v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return 0, stint.Errorf(stint.EINVALID, "%s=%q must be a whole number from %d to %d", name, v, lo, hi)
		}
		return n, nil
	}
	var err error
	if in.MinScore, err = num("min_score", 0, 100); err != nil {
		return in, err
	}
	if in.Offset, err = num("offset", 0, 1<<30); err != nil {
		return in, err
	}
	in.Limit, err = num("limit", 1, 10000)
	return in, err
}

// discoveryDiff compares two scans (from and to: IDs, latest or previous).
func (s *Server) discoveryDiff(w http.ResponseWriter, r *http.Request) {
	if !s.checkQuery(w, r, "from", "to") {
		return
	}
	q := r.URL.Query()
	d, err := s.svc.ScanDiff(r.Context(), caller(r), strings.TrimSpace(q.Get("from")), strings.TrimSpace(q.Get("to")))
	s.answer(w, r, http.StatusOK, d, err)
}
