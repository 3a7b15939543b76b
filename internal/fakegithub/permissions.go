package fakegithub

import (
	"net/http"
	"strings"
)

// roles are GitHub's base repository roles, and the legacy "permission"
// GitHub answers for each alongside the exact role_name.
var roles = map[string]string{
	"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read", "none": "none",
}

// SetPermission gives login a role on repo (owner/name): admin, maintain,
// write, triage, read or none. Without one, the repository's owner is an
// admin and everyone else has none.
func (s *Server) SetPermission(repo, login, role string) {
	if _, ok := roles[role]; !ok {
		s.t.Fatalf("fakegithub: %q is not a repository role (admin, maintain, write, triage, read or none)", role)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.permissions[permissionKey(repo, login)] = role
}

func permissionKey(repo, login string) string {
	return strings.ToLower(repo) + "\x00" + strings.ToLower(login)
}

// getCollaboratorPermission answers GET
// /repos/{owner}/{repo}/collaborators/{username}/permission as GitHub does:
// "permission" in the legacy vocabulary (maintain reads write, triage
// reads read), role_name exactly, and the user.
func (s *Server) getCollaboratorPermission(rq *request) {
	login := rq.param("username")
	s.mu.Lock()
	role, ok := s.permissions[permissionKey(rq.repo(), login)]
	if !ok {
		role = "none"
		if strings.EqualFold(rq.param("owner"), login) {
			role = "admin"
		}
	}
	user := s.user(login)
	s.mu.Unlock()
	rq.writeJSON(http.StatusOK, map[string]any{"permission": roles[role], "role_name": role, "user": user})
}
