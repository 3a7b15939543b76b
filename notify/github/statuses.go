package github

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	gh "github.com/google/go-github/v62/github"

	"github.com/csocbot/csocbot/notify/vcs"
)

// MaxStatusDescription is GitHub's limit on a commit status description, in
// characters. SetStatus truncates longer ones.
const MaxStatusDescription = 140

var statusStates = []vcs.StatusState{vcs.StatusPending, vcs.StatusSuccess, vcs.StatusFailure, vcs.StatusError}

// SetStatus sets a commit status on a commit.
func (c *APIClient) SetStatus(ctx context.Context, repo vcs.Repo, sha string, s vcs.Status) error {
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
	_, _, err := call(ctx, c.policy, func(ctx context.Context) (*gh.RepoStatus, *gh.Response, error) {
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
