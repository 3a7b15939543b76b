package fakegithub

import (
	"fmt"
	"net/http"
	"slices"
)

// PullRequest returns a copy of the object served for a pull request.
func (s *Server) PullRequest(repo string, number int) map[string]any {
	s.t.Helper()
	return s.normalize(s.servedPull(repo, number))
}

// mergePull merges a pull request, as PUT .../pulls/{n}/merge does: it
// must be open, mergeable (a served "mergeable": false is not) and, when
// the request names a sha, still at that head. The merge commit's SHA is
// made up; a test that needs a real one edits merge_commit_sha after.
func (s *Server) mergePull(rq *request) {
	p, ok := rq.findPull("pull_number")
	if !ok {
		return
	}
	var in struct {
		SHA         string `json:"sha"`
		MergeMethod string `json:"merge_method"`
	}
	if len(rq.body) > 0 && !rq.decode(&in) {
		return
	}
	if in.MergeMethod != "" && !slices.Contains([]string{"merge", "squash", "rebase"}, in.MergeMethod) {
		rq.invalid("PullRequest", "merge_method", "invalid", "merge_method is not included in the list")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	raw := s.normalize(p.raw)
	head, _ := raw["head"].(map[string]any)
	switch {
	case raw["state"] != "open" || raw["merged"] == true || raw["mergeable"] == false:
		rq.fail(http.StatusMethodNotAllowed, "Pull Request is not mergeable")
		return
	case in.SHA != "" && head != nil && fmt.Sprint(head["sha"]) != in.SHA:
		rq.fail(http.StatusConflict, "Head branch was modified. Review and try the merge again.")
		return
	}
	sha := fmt.Sprintf("%040x", s.nextID())
	now := s.tick()
	raw["state"], raw["merged"], raw["mergeable"] = "closed", true, nil
	raw["merge_commit_sha"], raw["merged_at"], raw["closed_at"] = sha, now, now
	raw["merged_by"] = s.user(rq.login)
	p.raw = s.normalize(raw)
	rq.writeJSON(http.StatusOK, map[string]any{"sha": sha, "merged": true, "message": "Pull Request successfully merged"})
}
