package github

import (
	"context"
	"fmt"

	gh "github.com/google/go-github/v62/github"
)

// TeamMembers lists the logins of a team's active members (team is the
// team's slug, as in @org/slug). It needs the members:read permission (a
// token's read:org scope).
func (c *APIClient) TeamMembers(ctx context.Context, org, team string) ([]string, error) {
	users, err := listAll(ctx, c.policy, func(ctx context.Context, page *gh.ListOptions) ([]*gh.User, *gh.Response, error) {
		return c.gh.Teams.ListTeamMembersBySlug(ctx, org, team, &gh.TeamListTeamMembersOptions{ListOptions: *page})
	})
	if err != nil {
		return nil, fmt.Errorf("github: list the members of team %s/%s: %w", org, team, err)
	}
	logins := make([]string, len(users))
	for i, u := range users {
		logins[i] = u.GetLogin()
	}
	return logins, nil
}

// IsTeamMember reports whether user is an active member of a team: one who
// has accepted the invitation. A team that does not exist, or that the
// credentials cannot see, has no members.
func (c *APIClient) IsTeamMember(ctx context.Context, org, team, user string) (bool, error) {
	m, _, err := call(ctx, c.policy, func(ctx context.Context) (*gh.Membership, *gh.Response, error) {
		return c.gh.Teams.GetTeamMembershipBySlug(ctx, org, team, user)
	})
	switch {
	case isNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("github: check %s's membership of team %s/%s: %w", user, org, team, err)
	}
	return m.GetState() == "active", nil
}
