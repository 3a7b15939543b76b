package workflow

import (
	"context"
	"fmt"
	"strings"
)

// Teams answers team membership questions, each once: a workflow asks
// about the same approvers for several sets.
type Teams struct {
	m    TeamMembership
	seen map[string]bool
}

// NewTeams returns a Teams asking m.
func NewTeams(m TeamMembership) *Teams {
	return &Teams{m: m, seen: map[string]bool{}}
}

// Member reports whether user belongs to team ("org/team").
func (t *Teams) Member(ctx context.Context, team, user string) (bool, error) {
	key := strings.ToLower(team + "\x00" + user)
	if m, ok := t.seen[key]; ok {
		return m, nil
	}
	org, slug, _ := strings.Cut(team, "/")
	m, err := t.m.IsTeamMember(ctx, org, slug, user)
	if err != nil {
		return false, fmt.Errorf("check whether %s is a member of %s: %w", user, team, err)
	}
	t.seen[key] = m
	return m, nil
}
