package fakegithub

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// maxStatusDescription is GitHub's limit on a status description, in
// characters.
const maxStatusDescription = 140

// statusStates are the states a commit status may have.
var statusStates = []string{"error", "failure", "pending", "success"}

// Status is a commit status.
type Status struct {
	URL         string    `json:"url"`
	ID          int64     `json:"id"`
	NodeID      string    `json:"node_id"`
	State       string    `json:"state"`
	Description string    `json:"description"`
	TargetURL   string    `json:"target_url"`
	Context     string    `json:"context"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Creator     User      `json:"creator"`
}

// Statuses returns the statuses set on a commit of repo, newest first.
func (s *Server) Statuses(repo, sha string) []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Status(nil), s.statuses[statusKey(repo, sha)]...)
}

func statusKey(repo, sha string) string {
	return strings.ToLower(repo) + "@" + strings.ToLower(sha)
}

// knownCommit reports whether sha is the head or base of a pull request
// served in repo. The caller holds s.mu.
func (s *Server) knownCommit(repo, sha string) bool {
	for _, p := range s.pulls {
		if !strings.EqualFold(p.repo, repo) {
			continue
		}
		for _, side := range []string{"head", "base"} {
			if ref, ok := p.raw[side].(map[string]any); ok && strings.EqualFold(fmt.Sprint(ref["sha"]), sha) {
				return true
			}
		}
	}
	return false
}

// createStatus sets a status on a commit, which must be the head or base
// of a served pull request (GitHub answers 422 for an unknown commit).
func (s *Server) createStatus(rq *request) {
	var in struct {
		State       string `json:"state"`
		TargetURL   string `json:"target_url"`
		Description string `json:"description"`
		Context     string `json:"context"`
	}
	if !rq.decode(&in) {
		return
	}
	repo, sha := rq.repo(), rq.param("sha")
	switch {
	case !slices.Contains(statusStates, in.State):
		rq.invalid("Status", "state", "custom", "state is not included in the list")
		return
	case utf8.RuneCountInString(in.Description) > maxStatusDescription:
		rq.invalid("Status", "description", "custom", fmt.Sprintf("description is too long (maximum is %d characters)", maxStatusDescription))
		return
	}
	if in.Context == "" {
		in.Context = "default"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.knownCommit(repo, sha) {
		rq.fail(http.StatusUnprocessableEntity, "No commit found for SHA: "+sha)
		return
	}
	id := s.nextID()
	now := s.tick()
	st := Status{
		URL:         s.apiURL("/repos/%s/statuses/%s", repo, sha),
		ID:          id,
		NodeID:      fmt.Sprintf("SC_fake%d", id),
		State:       in.State,
		Description: in.Description,
		TargetURL:   in.TargetURL,
		Context:     in.Context,
		CreatedAt:   now,
		UpdatedAt:   now,
		Creator:     s.user(rq.login),
	}
	k := statusKey(repo, sha)
	s.statuses[k] = append([]Status{st}, s.statuses[k]...)
	rq.writeJSON(http.StatusCreated, st)
}

// listStatuses lists the statuses of a commit (ref must be a SHA in the
// fake), newest first.
func (s *Server) listStatuses(rq *request) {
	s.mu.Lock()
	statuses := append([]Status(nil), s.statuses[statusKey(rq.repo(), rq.param("ref"))]...)
	s.mu.Unlock()
	paginate(rq, statuses)
}
