package github

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	gh "github.com/google/go-github/v62/github"
)

// MaxStatusDescription is GitHub's limit on a commit status description, in
// characters. SetStatus truncates longer ones.
const MaxStatusDescription = 140

// PlanContext is the commit status context of a pull request's plan as a
// whole; UnitContext names a unit's.
const PlanContext = "csocbot/plan"

// PolicyContext is the commit status context of the policy checks of a
// pull request head: failure while a policy set fails and is not
// overridden. Branch protection can require it.
const PolicyContext = "csocbot/policy"

// UnitContext is the commit status context of one unit's plan, such as
// "csocbot/plan: live/prod/vpc".
func UnitContext(unit string) string { return PlanContext + ": " + unit }

// StatusState is the state of a commit status.
type StatusState string

// The commit status states.
const (
	StatusPending StatusState = "pending"
	StatusSuccess StatusState = "success"
	StatusFailure StatusState = "failure"
	StatusError   StatusState = "error"
)

var statusStates = []StatusState{StatusPending, StatusSuccess, StatusFailure, StatusError}

// Status is a commit status. A commit has one per context, the latest set.
type Status struct {
	Context string
	State   StatusState
	// Description is shown beside the status; SetStatus truncates it to
	// MaxStatusDescription characters.
	Description string
	// TargetURL is where the status links to, if anywhere.
	TargetURL string
}

// SetStatus sets a commit status on a commit.
func (c *APIClient) SetStatus(ctx context.Context, repo Repo, sha string, s Status) error {
	fail := func(err error) error {
		return fmt.Errorf("github: set status %q on %s@%s: %w", s.Context, repo, sha, err)
	}
	switch {
	case sha == "":
		return fail(errors.New("no commit SHA"))
	case s.Context == "":
		return fail(errors.New("no context"))
	case !slices.Contains(statusStates, s.State):
		return fail(fmt.Errorf("%q is not a commit status state", s.State))
	}
	in := &gh.RepoStatus{
		State:       gh.String(string(s.State)),
		Context:     gh.String(s.Context),
		Description: gh.String(truncate(s.Description, MaxStatusDescription)),
	}
	if s.TargetURL != "" {
		in.TargetURL = gh.String(s.TargetURL)
	}
	_, _, err := call(ctx, func(ctx context.Context) (*gh.RepoStatus, *gh.Response, error) {
		return c.gh.Repositories.CreateStatus(ctx, repo.Owner, repo.Name, sha, in)
	})
	if err != nil {
		return fail(err)
	}
	return nil
}

// truncate shortens s to at most n characters, ending it with an ellipsis
// when it cuts, and never splitting a character.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimRight(string([]rune(s)[:n-1]), " ") + "…"
}
