package github

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v62/github"
)

// MaxCommentLength is GitHub's limit on a comment body, in characters.
const MaxCommentLength = 65536

// ErrCommentTooLong is the error (within the one returned) for a comment
// body over MaxCommentLength characters, which csocbot refuses to send.
var ErrCommentTooLong = errors.New("comment body is too long")

// Comment is a pull request conversation comment.
type Comment struct {
	ID int64
	// NodeID is the comment's GraphQL id, which MinimizeComment takes.
	NodeID    string
	Author    string
	Body      string
	HTMLURL   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// newComment converts go-github's comment.
func newComment(w *gh.IssueComment) Comment {
	return Comment{
		ID:        w.GetID(),
		NodeID:    w.GetNodeID(),
		Author:    w.GetUser().GetLogin(), // no user: a deleted account
		Body:      w.GetBody(),
		HTMLURL:   w.GetHTMLURL(),
		CreatedAt: w.GetCreatedAt().Time,
		UpdatedAt: w.GetUpdatedAt().Time,
	}
}

// Marked returns the comments that carry marker, a hidden HTML comment
// such as "<!-- csocbot:plan -->", on a line of its own. A quoted marker
// ("> <!-- … -->") does not count. Callers that must not act on other
// people's comments should also check Author.
func Marked(comments []Comment, marker string) []Comment {
	var out []Comment
	for _, c := range comments {
		if slices.ContainsFunc(strings.Split(c.Body, "\n"), func(line string) bool {
			return strings.TrimSpace(line) == marker
		}) {
			out = append(out, c)
		}
	}
	return out
}

// ListComments lists a pull request's conversation comments, oldest first.
func (c *APIClient) ListComments(ctx context.Context, repo Repo, number int) ([]Comment, error) {
	ws, err := listAll(ctx, func(ctx context.Context, page *gh.ListOptions) ([]*gh.IssueComment, *gh.Response, error) {
		return c.gh.Issues.ListComments(ctx, repo.Owner, repo.Name, number, &gh.IssueListCommentsOptions{ListOptions: *page})
	})
	if err != nil {
		return nil, fmt.Errorf("github: list the comments of %s#%d: %w", repo, number, err)
	}
	out := make([]Comment, len(ws))
	for i, w := range ws {
		out[i] = newComment(w)
	}
	return out, nil
}

// postMarkerLength is how many characters CreateComment appends: a newline
// and a marker like "<!-- csocbot:post:0123456789abcdef -->".
const postMarkerLength = 1 + len("<!-- csocbot:post:") + 16 + len(" -->")

// MaxCreateLength is the longest body CreateComment takes, in characters:
// GitHub's limit less the marker it appends.
const MaxCreateLength = MaxCommentLength - postMarkerLength

// newPostMarker returns a hidden marker no other comment carries.
func newPostMarker() string {
	return fmt.Sprintf("<!-- csocbot:post:%016x -->", rand.Uint64())
}

// CreateComment comments on a pull request, once: it appends a hidden
// marker unique to this comment, and when GitHub answers a server error or
// the connection drops (GitHub may have posted the comment all the same)
// it looks for the marker among the pull request's comments before trying
// again, and returns the comment it finds. It refuses an empty body and
// one over MaxCreateLength characters.
func (c *APIClient) CreateComment(ctx context.Context, repo Repo, number int, body string) (Comment, error) {
	if err := checkBody(body, MaxCreateLength); err != nil {
		return Comment{}, fmt.Errorf("github: comment on %s#%d: %w", repo, number, err)
	}
	marker := newPostMarker()
	var found Comment
	posted := func(ctx context.Context) (bool, error) {
		comments, err := c.ListComments(ctx, repo, number)
		mine := Marked(comments, marker)
		if err != nil || len(mine) == 0 {
			return false, err
		}
		found = mine[0]
		return true, nil
	}
	w, _, err := call(withLandedCheck(ctx, posted), func(ctx context.Context) (*gh.IssueComment, *gh.Response, error) {
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
		return Comment{}, fmt.Errorf("github: comment on %s#%d: %w", repo, number, err)
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
// CreateComment, but up to MaxCommentLength characters.
func (c *APIClient) UpdateComment(ctx context.Context, repo Repo, commentID int64, body string) error {
	if err := checkBody(body, MaxCommentLength); err != nil {
		return fmt.Errorf("github: update comment %d in %s: %w", commentID, repo, err)
	}
	_, _, err := call(ctx, func(ctx context.Context) (*gh.IssueComment, *gh.Response, error) {
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

// Reaction is a reaction to a comment.
type Reaction string

// The reactions GitHub offers.
const (
	ReactionThumbsUp   Reaction = "+1"
	ReactionThumbsDown Reaction = "-1"
	ReactionLaugh      Reaction = "laugh"
	ReactionConfused   Reaction = "confused"
	ReactionHeart      Reaction = "heart"
	ReactionHooray     Reaction = "hooray"
	ReactionRocket     Reaction = "rocket"
	ReactionEyes       Reaction = "eyes"
)

var reactions = []Reaction{
	ReactionThumbsUp, ReactionThumbsDown, ReactionLaugh, ReactionConfused,
	ReactionHeart, ReactionHooray, ReactionRocket, ReactionEyes,
}

// AddReaction reacts to a pull request conversation comment, such as the
// command csocbot is acting on. Reacting again is not an error.
func (c *APIClient) AddReaction(ctx context.Context, repo Repo, commentID int64, reaction Reaction) error {
	if !slices.Contains(reactions, reaction) {
		return fmt.Errorf("github: react to comment %d in %s: %q is not a GitHub reaction", commentID, repo, reaction)
	}
	_, _, err := call(ctx, func(ctx context.Context) (*gh.Reaction, *gh.Response, error) {
		return c.gh.Reactions.CreateIssueCommentReaction(ctx, repo.Owner, repo.Name, commentID, string(reaction))
	})
	if err != nil {
		return fmt.Errorf("github: react %s to comment %d in %s: %w", reaction, commentID, repo, err)
	}
	return nil
}
