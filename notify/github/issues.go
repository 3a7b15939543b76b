package github

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf8"

	gh "github.com/google/go-github/v62/github"

	"github.com/csocbot/csocbot/notify/vcs"
)

// ErrCommentTooLong is the error (within the one returned) for a comment
// body over vcs.MaxCommentLength characters, which csocbot refuses to send.
var ErrCommentTooLong = errors.New("comment body is too long")

// newComment converts go-github's comment.
func newComment(w *gh.IssueComment) vcs.Comment {
	return vcs.Comment{
		ID:        w.GetID(),
		NodeID:    w.GetNodeID(),
		Author:    w.GetUser().GetLogin(), // no user: a deleted account
		Body:      w.GetBody(),
		HTMLURL:   w.GetHTMLURL(),
		CreatedAt: w.GetCreatedAt().Time,
		UpdatedAt: w.GetUpdatedAt().Time,
	}
}

// ListComments lists a pull request's conversation comments, oldest first.
func (c *APIClient) ListComments(ctx context.Context, repo vcs.Repo, number int) ([]vcs.Comment, error) {
	ws, err := listAll(ctx, c.policy, func(ctx context.Context, page *gh.ListOptions) ([]*gh.IssueComment, *gh.Response, error) {
		return c.gh.Issues.ListComments(ctx, repo.Owner, repo.Name, number, &gh.IssueListCommentsOptions{ListOptions: *page})
	})
	if err != nil {
		return nil, fmt.Errorf("github: list the comments of %s#%d: %w", repo, number, err)
	}
	out := make([]vcs.Comment, len(ws))
	for i, w := range ws {
		out[i] = newComment(w)
	}
	return out, nil
}

// newPostMarker returns a hidden marker no other comment carries. With the
// newline before it, it takes the room vcs.MaxCreateLength leaves.
func newPostMarker() string {
	return fmt.Sprintf("<!-- csocbot:post:%016x -->", rand.Uint64())
}

// CreateComment comments on a pull request, once: it appends a hidden
// marker unique to this comment, and when GitHub answers a server error or
// the connection drops (GitHub may have posted the comment all the same)
// it looks for the marker among the pull request's comments before trying
// again, and returns the comment it finds. It refuses an empty body and
// one over vcs.MaxCreateLength characters.
func (c *APIClient) CreateComment(ctx context.Context, repo vcs.Repo, number int, body string) (vcs.Comment, error) {
	if err := checkBody(body, vcs.MaxCreateLength); err != nil {
		return vcs.Comment{}, fmt.Errorf("github: comment on %s#%d: %w", repo, number, err)
	}
	marker := newPostMarker()
	var found vcs.Comment
	posted := func(ctx context.Context) (bool, error) {
		comments, err := c.ListComments(ctx, repo, number)
		mine := vcs.Marked(comments, marker)
		if err != nil || len(mine) == 0 {
			return false, err
		}
		found = mine[0]
		return true, nil
	}
	w, _, err := call(withLandedCheck(ctx, posted), c.policy, func(ctx context.Context) (*gh.IssueComment, *gh.Response, error) {
		return c.gh.Issues.CreateComment(ctx, repo.Owner, repo.Name, number, &gh.IssueComment{Body: gh.String(body + "\n" + marker)})
	})
	if errors.Is(err, errLanded) {
		return found, nil
	}
	if err != nil {
		// The last attempt may have posted it too: a caller that tries
		// again later must not post it twice.
		if ambiguous(err) && ctx.Err() == nil {
			if ok, _ := posted(ctx); ok {
				return found, nil
			}
		}
		return vcs.Comment{}, fmt.Errorf("github: comment on %s#%d: %w", repo, number, err)
	}
	return newComment(w), nil
}

// ambiguous reports whether a failed write may have been made all the
// same: GitHub answered a server error, or no answer arrived. A rate limit
// or another client error refused it.
func ambiguous(err error) bool {
	if _, limited := errors.AsType[*RateLimitError](err); limited {
		return false
	}
	e, ok := errors.AsType[*APIError](err)
	return !ok || e.StatusCode >= 500
}

// UpdateComment replaces a comment's body, with the same limits as
// CreateComment, but up to vcs.MaxCommentLength characters.
func (c *APIClient) UpdateComment(ctx context.Context, repo vcs.Repo, commentID int64, body string) error {
	if err := checkBody(body, vcs.MaxCommentLength); err != nil {
		return fmt.Errorf("github: update comment %d in %s: %w", commentID, repo, err)
	}
	_, _, err := call(ctx, c.policy, func(ctx context.Context) (*gh.IssueComment, *gh.Response, error) {
		return c.gh.Issues.EditComment(ctx, repo.Owner, repo.Name, commentID, &gh.IssueComment{Body: gh.String(body)})
	})
	if err != nil {
		return fmt.Errorf("github: update comment %d in %s: %w", commentID, repo, err)
	}
	return nil
}

// checkBody refuses comment bodies GitHub would, and those longer than
// limit characters.
func checkBody(body string, limit int) error {
	if strings.TrimSpace(body) == "" {
		return errors.New("comment body is empty")
	}
	if n := utf8.RuneCountInString(body); n > limit {
		return fmt.Errorf("%w: %d characters, csocbot sends at most %d (split it)", ErrCommentTooLong, n, limit)
	}
	return nil
}

// reactions are the reactions GitHub offers.
var reactions = []vcs.Reaction{
	vcs.ReactionThumbsUp, vcs.ReactionThumbsDown, vcs.ReactionLaugh, vcs.ReactionConfused,
	vcs.ReactionHeart, vcs.ReactionHooray, vcs.ReactionRocket, vcs.ReactionEyes,
}

// AddReaction reacts to a pull request conversation comment, such as the
// command csocbot is acting on. Reacting again is not an error.
func (c *APIClient) AddReaction(ctx context.Context, repo vcs.Repo, commentID int64, reaction vcs.Reaction) error {
	if !slices.Contains(reactions, reaction) {
		return fmt.Errorf("github: react to comment %d in %s: %q is not a GitHub reaction", commentID, repo, reaction)
	}
	_, _, err := call(ctx, c.policy, func(ctx context.Context) (*gh.Reaction, *gh.Response, error) {
		return c.gh.Reactions.CreateIssueCommentReaction(ctx, repo.Owner, repo.Name, commentID, string(reaction))
	})
	if err != nil {
		return fmt.Errorf("github: react %s to comment %d in %s: %w", reaction, commentID, repo, err)
	}
	return nil
}
