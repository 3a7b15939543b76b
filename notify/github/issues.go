package github

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
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

type wireComment struct {
	ID        int64     `json:"id"`
	NodeID    string    `json:"node_id"`
	User      *wireUser `json:"user"` // null for a deleted account
	Body      string    `json:"body"`
	HTMLURL   string    `json:"html_url"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (w wireComment) comment() Comment {
	c := Comment{ID: w.ID, NodeID: w.NodeID, Body: w.Body, HTMLURL: w.HTMLURL, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
	if w.User != nil {
		c.Author = w.User.Login
	}
	return c
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
	ws, err := list[wireComment](ctx, c, fmt.Sprintf("%s/issues/%d/comments", repo.path(), number))
	if err != nil {
		return nil, fmt.Errorf("github: list the comments of %s#%d: %w", repo, number, err)
	}
	out := make([]Comment, len(ws))
	for i, w := range ws {
		out[i] = w.comment()
	}
	return out, nil
}

// CreateComment comments on a pull request. It refuses an empty body and
// one over MaxCommentLength characters.
func (c *APIClient) CreateComment(ctx context.Context, repo Repo, number int, body string) (Comment, error) {
	if err := checkBody(body); err != nil {
		return Comment{}, fmt.Errorf("github: comment on %s#%d: %w", repo, number, err)
	}
	var w wireComment
	if _, err := c.do(ctx, "POST", fmt.Sprintf("%s/issues/%d/comments", repo.path(), number), map[string]string{"body": body}, &w); err != nil {
		return Comment{}, fmt.Errorf("github: comment on %s#%d: %w", repo, number, err)
	}
	return w.comment(), nil
}

// UpdateComment replaces a comment's body, with the same limits as
// CreateComment.
func (c *APIClient) UpdateComment(ctx context.Context, repo Repo, commentID int64, body string) error {
	if err := checkBody(body); err != nil {
		return fmt.Errorf("github: update comment %d in %s: %w", commentID, repo, err)
	}
	if _, err := c.do(ctx, "PATCH", fmt.Sprintf("%s/issues/comments/%d", repo.path(), commentID), map[string]string{"body": body}, nil); err != nil {
		return fmt.Errorf("github: update comment %d in %s: %w", commentID, repo, err)
	}
	return nil
}

// checkBody refuses comment bodies GitHub would.
func checkBody(body string) error {
	if strings.TrimSpace(body) == "" {
		return errors.New("comment body is empty")
	}
	if n := utf8.RuneCountInString(body); n > MaxCommentLength {
		return fmt.Errorf("%w: %d characters, GitHub takes at most %d (split it)", ErrCommentTooLong, n, MaxCommentLength)
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
	path := fmt.Sprintf("%s/issues/comments/%d/reactions", repo.path(), commentID)
	if _, err := c.do(ctx, "POST", path, map[string]Reaction{"content": reaction}, nil); err != nil {
		return fmt.Errorf("github: react %s to comment %d in %s: %w", reaction, commentID, repo, err)
	}
	return nil
}
