package github

import (
	"context"
	"fmt"
	"net/url"
)

// teamPath is the REST path of a team, by organisation and team slug.
func teamPath(org, team string) string {
	return "orgs/" + url.PathEscape(org) + "/teams/" + url.PathEscape(team)
}

// TeamMembers lists the logins of a team's active members (team is the
// team's slug, as in @org/slug). It needs the members:read permission (a
// token's read:org scope).
func (c *APIClient) TeamMembers(ctx context.Context, org, team string) ([]string, error) {
	users, err := list[wireUser](ctx, c, teamPath(org, team)+"/members")
	if err != nil {
		return nil, fmt.Errorf("github: list the members of team %s/%s: %w", org, team, err)
	}
	logins := make([]string, len(users))
	for i, u := range users {
		logins[i] = u.Login
	}
	return logins, nil
}

// IsTeamMember reports whether user is an active member of a team: one who
// has accepted the invitation. A team that does not exist, or that the
// credentials cannot see, has no members.
func (c *APIClient) IsTeamMember(ctx context.Context, org, team, user string) (bool, error) {
	var m struct {
		State string `json:"state"`
	}
	_, err := c.do(ctx, "GET", teamPath(org, team)+"/memberships/"+url.PathEscape(user), nil, &m)
	switch {
	case isNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("github: check %s's membership of team %s/%s: %w", user, org, team, err)
	}
	return m.State == "active", nil
}
