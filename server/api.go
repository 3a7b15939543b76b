package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/csocbot/csocbot/store"
)

// The bounds of the API's query parameters: how many audit entries one
// request reads, by default and at most, and how long a value may be.
const (
	defaultAPILimit = 1000
	maxAPILimit     = 10000
	maxAPIValue     = 1024
)

// apiError is the JSON body of every API answer that is not a result.
type apiError struct {
	Error string `json:"error"`
}

// api wraps an operators' API endpoint: it answers 404 while the API is
// off (no api section in the configuration), and 401 to a request
// without the API token.
func (s *Server) api(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.API == nil {
			s.apiRespond(w, http.StatusNotFound, apiError{"the API is off: set api.token_file or api.token_env in csocbot's configuration to turn it on"})
			return
		}
		if msg := s.apiRefusal(r); msg != "" {
			if ok, suppressed := s.apiRefusals.allow(); ok {
				s.log.Warn("refused an API request", "method", r.Method, "path", r.URL.Path, "why", msg, "remote", r.RemoteAddr, "refusals_not_logged", suppressed)
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="csocbot"`)
			s.apiRespond(w, http.StatusUnauthorized, apiError{msg})
			return
		}
		h(w, r)
	}
}

// apiRefusal says why r does not carry the API token, "" when it does.
// The tokens are hashed before they are compared in constant time, so
// that the comparison takes as long whatever the length of the one sent.
func (s *Server) apiRefusal(r *http.Request) string {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "send the API token (api.token_file or api.token_env in csocbot's configuration) as the header Authorization: Bearer TOKEN"
	}
	got, want := sha256.Sum256([]byte(token)), sha256.Sum256([]byte(s.cfg.API.Token.Reveal()))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return "the API token is wrong: send the one in api.token_file or api.token_env of csocbot's configuration"
	}
	return ""
}

func (s *Server) apiRespond(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(body); err != nil {
		s.log.Debug("could not write the response", "error", err)
	}
}

// apiQuery returns r's query parameters, refusing a parameter not in
// known (a misspelt filter would otherwise select everything), one given
// twice, or a value longer than maxAPIValue.
func apiQuery(r *http.Request, known ...string) (map[string]string, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("the query is malformed: %w", err)
	}
	out := map[string]string{}
	for name, values := range q {
		switch {
		case !slices.Contains(known, name):
			return nil, fmt.Errorf("unknown query parameter %q; expected %s", name, strings.Join(known, ", "))
		case len(values) > 1:
			return nil, fmt.Errorf("query parameter %q is given %d times; give it once", name, len(values))
		case len(values[0]) > maxAPIValue:
			return nil, fmt.Errorf("query parameter %q is %d bytes long, more than the %d allowed", name, len(values[0]), maxAPIValue)
		}
		out[name] = values[0]
	}
	return out, nil
}

// handleAudit answers GET /api/audit?repo=&pr=&unit=&since=&limit= with
// the matching audit entries, oldest first: the newest limit of them
// (1000 unless limit says otherwise, at most 10000).
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	q, err := apiQuery(r, "repo", "pr", "unit", "since", "limit")
	if err != nil {
		s.apiRespond(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	f := store.AuditFilter{Repo: q["repo"], Unit: q["unit"], Limit: defaultAPILimit}
	if v, ok := q["pr"]; ok {
		if f.PR, err = strconv.Atoi(v); err != nil || f.PR < 1 {
			s.apiRespond(w, http.StatusBadRequest, apiError{fmt.Sprintf("pr is a pull request number, 1 or more; got %q", v)})
			return
		}
	}
	if v, ok := q["since"]; ok {
		if f.Since, err = time.Parse(time.RFC3339, v); err != nil {
			s.apiRespond(w, http.StatusBadRequest, apiError{fmt.Sprintf("since is a time in RFC 3339 form, like 2026-12-01T00:00:00Z; got %q", v)})
			return
		}
	}
	if v, ok := q["limit"]; ok {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > maxAPILimit {
			s.apiRespond(w, http.StatusBadRequest, apiError{fmt.Sprintf("limit is how many of the newest entries to return, 1 to %d; got %q", maxAPILimit, v)})
			return
		}
	}
	entries, err := s.store.Audit(r.Context(), f)
	if err != nil {
		s.log.Error("API: could not read the audit log", "error", err)
		s.apiRespond(w, http.StatusServiceUnavailable, apiError{"could not read the audit log; the server's log says why"})
		return
	}
	if entries == nil {
		entries = []store.AuditEntry{} // [] in JSON, not null
	}
	s.apiRespond(w, http.StatusOK, entries)
}

// handleLocks answers GET /api/locks?repo= with the locks held (in repo,
// or everywhere), ordered by repository, unit and workspace.
func (s *Server) handleLocks(w http.ResponseWriter, r *http.Request) {
	q, err := apiQuery(r, "repo")
	if err != nil {
		s.apiRespond(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	locks, err := s.store.Locks(r.Context(), q["repo"])
	if err != nil {
		s.log.Error("API: could not list the locks", "error", err)
		s.apiRespond(w, http.StatusServiceUnavailable, apiError{"could not list the locks; the server's log says why"})
		return
	}
	if locks == nil {
		locks = []store.Lock{}
	}
	s.apiRespond(w, http.StatusOK, locks)
}

// handleReleaseLock answers DELETE /api/locks?repo=&unit=&workspace=: it
// releases the lock whoever holds it, records the release in the audit
// log, and returns the lock released; 404 when nobody held it.
func (s *Server) handleReleaseLock(w http.ResponseWriter, r *http.Request) {
	q, err := apiQuery(r, "repo", "unit", "workspace")
	if err == nil && (q["repo"] == "" || q["unit"] == "") {
		err = fmt.Errorf("repo and unit are required: DELETE /api/locks?repo=OWNER/NAME&unit=PATH[&workspace=NAME]")
	}
	if err != nil {
		s.apiRespond(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	repo, unit, workspace := q["repo"], q["unit"], q["workspace"]
	l, ok, err := s.store.ForceUnlock(r.Context(), repo, unit, workspace)
	switch {
	case err != nil:
		s.log.Error("API: could not release a lock", "repo", repo, "unit", unit, "workspace", workspace, "error", err)
		s.apiRespond(w, http.StatusServiceUnavailable, apiError{"could not release the lock; the server's log says why"})
		return
	case !ok:
		s.apiRespond(w, http.StatusNotFound, apiError{fmt.Sprintf("nobody holds the lock of %s in %s; GET /api/locks lists the locks held", lockName(unit, workspace), repo)})
		return
	}
	e := ReleaseAudit("api", l, "released through the API")
	if _, err := s.store.AppendAudit(r.Context(), e); err != nil {
		s.log.Error("API: released a lock but could not record it in the audit log", "repo", repo, "unit", unit, "workspace", workspace, "pr", l.PR, "error", err)
		s.apiRespond(w, http.StatusInternalServerError, apiError{fmt.Sprintf("released the lock of %s in %s (held by #%d), but could not record it in the audit log; the server's log says why", lockName(unit, workspace), repo, l.PR)})
		return
	}
	s.log.Info("API: released a lock", "repo", repo, "unit", unit, "workspace", workspace, "pr", l.PR, "holder", l.Holder)
	s.apiRespond(w, http.StatusOK, l)
}

// ReleaseAudit is the audit entry of an operator's release of lock l,
// through the API or the command line: actor is who released it, detail
// how.
func ReleaseAudit(actor string, l store.Lock, detail string) store.AuditEntry {
	if l.Workspace != "" {
		detail += " (workspace " + l.Workspace + ")"
	}
	detail += fmt.Sprintf("; held by #%d", l.PR)
	if l.Holder != "" {
		detail += " (" + l.Holder + ")"
	}
	return store.AuditEntry{Actor: actor, Action: "unlock", Repo: l.Repo, PR: l.PR, HeadSHA: l.HeadSHA, Unit: l.Unit, Outcome: "ok", Detail: detail}
}

// lockName names a unit's lock: the unit, and its workspace unless it is
// the default one.
func lockName(unit, workspace string) string {
	if workspace == "" {
		return unit
	}
	return unit + " (workspace " + workspace + ")"
}
