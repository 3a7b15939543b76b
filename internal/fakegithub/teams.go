package fakegithub

import (
	"net/http"
	"strings"
)

// AddTeamMember makes login a member of the team with slug team in org.
// state is "active", or "pending" for an invitation not yet accepted.
func (s *Server) AddTeamMember(org, team, login, state string) {
	if state != "active" && state != "pending" {
		s.t.Fatalf("fakegithub: team membership state %q is neither active nor pending", state)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := teamKey(org, team)
	s.teamMembers[k] = append(s.teamMembers[k], membership{login: login, state: state})
}

func teamKey(org, team string) string {
	return strings.ToLower(org) + "/" + strings.ToLower(team)
}

// listTeamMembers lists a team's active members; 404 when the team has no
// members at all, which the fake takes to mean it does not exist.
func (s *Server) listTeamMembers(rq *request) {
	s.mu.Lock()
	members, ok := s.teamMembers[teamKey(rq.param("org"), rq.param("team_slug"))]
	var users []User
	for _, m := range members {
		if m.state == "active" {
			users = append(users, s.user(m.login))
		}
	}
	s.mu.Unlock()
	if !ok {
		rq.fail(http.StatusNotFound, "Not Found")
		return
	}
	paginate(rq, users)
}

// getTeamMembership answers a user's membership of a team, or 404 when the
// user is not a member (or the team does not exist).
func (s *Server) getTeamMembership(rq *request) {
	org, team, login := rq.param("org"), rq.param("team_slug"), rq.param("username")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.teamMembers[teamKey(org, team)] {
		if strings.EqualFold(m.login, login) {
			rq.writeJSON(http.StatusOK, map[string]string{
				"url":   s.apiURL("/organizations/%s/team/%s/memberships/%s", org, team, m.login),
				"role":  "member",
				"state": m.state,
			})
			return
		}
	}
	rq.fail(http.StatusNotFound, "Not Found")
}
