package server

import (
	"context"

	"github.com/csocbot/csocbot/notify/vcs"
)

// GitHub is what the server asks of GitHub. notify/github's *APIClient is
// one; cmd wires it.
type GitHub interface {
	PullRequestReader
	Commenter
	StatusSetter
	Merger
}

// Merger merges pull requests, for automerge.
type Merger interface {
	// MergePullRequest merges a pull request whose head is still headSHA,
	// and returns the commit that merged it.
	MergePullRequest(ctx context.Context, repo vcs.Repo, number int, headSHA string) (string, error)
}

// PullRequestReader reads pull requests, for the comment commands and the
// workflows' checks.
type PullRequestReader interface {
	// PullRequest returns a pull request.
	PullRequest(ctx context.Context, repo vcs.Repo, number int) (*vcs.PullRequest, error)
	// Reviews returns each reviewer's current review of a pull request.
	Reviews(ctx context.Context, repo vcs.Repo, number int) ([]vcs.Review, error)
	// IsTeamMember reports whether user is an active member of a team.
	IsTeamMember(ctx context.Context, org, team, user string) (bool, error)
}

// Commenter writes on a pull request's conversation: the plans, the
// replies to commands and the reaction acknowledging one.
type Commenter interface {
	// ListComments lists a pull request's conversation comments, oldest
	// first.
	ListComments(ctx context.Context, repo vcs.Repo, number int) ([]vcs.Comment, error)
	// CreateComment comments on a pull request, once, even when GitHub
	// answers an error after posting it. The body has at most
	// vcs.MaxCreateLength characters.
	CreateComment(ctx context.Context, repo vcs.Repo, number int, body string) (vcs.Comment, error)
	// MinimizeComment hides a comment, by its node id, behind "This
	// comment was marked as …".
	MinimizeComment(ctx context.Context, nodeID string, reason vcs.MinimizeReason) error
	// AddReaction reacts to a comment; reacting again is not an error.
	AddReaction(ctx context.Context, repo vcs.Repo, commentID int64, reaction vcs.Reaction) error
}

// StatusSetter sets commit statuses.
type StatusSetter interface {
	// SetStatus sets a commit status on a commit.
	SetStatus(ctx context.Context, repo vcs.Repo, sha string, status vcs.Status) error
}
