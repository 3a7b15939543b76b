package fakegithub

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// maxCommentBody is GitHub's limit on a comment body, in characters.
const maxCommentBody = 65536

// reactionContents are the reactions GitHub accepts.
var reactionContents = []string{"+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"}

// Comment is an issue (or pull request conversation) comment.
type Comment struct {
	ID                int64     `json:"id"`
	NodeID            string    `json:"node_id"`
	URL               string    `json:"url"`
	HTMLURL           string    `json:"html_url"`
	IssueURL          string    `json:"issue_url"`
	Body              string    `json:"body"`
	User              User      `json:"user"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	AuthorAssociation string    `json:"author_association"`

	// Minimized and MinimizedReason are what GraphQL's minimizeComment
	// set (the reason lower-case, as GitHub reports it). The REST API
	// does not show them.
	Minimized       bool   `json:"-"`
	MinimizedReason string `json:"-"`
}

// Reaction is a reaction to a comment.
type Reaction struct {
	ID        int64     `json:"id"`
	NodeID    string    `json:"node_id"`
	User      User      `json:"user"`
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
}

// AddComment posts a comment by login on a pull request, as if someone
// had written it, and returns it.
func (s *Server) AddComment(repo string, number int, login, body string) Comment {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.addComment(s.pull(repo, number), login, body)
}

// Comments returns the comments of a pull request, oldest first.
func (s *Server) Comments(repo string, number int) []Comment {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commentsOf(s.pull(repo, number))
}

// Reactions returns the reactions to a comment, oldest first.
func (s *Server) Reactions(commentID int64) []Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Reaction(nil), s.reactions[commentID]...)
}

// addComment stores a new comment. The caller holds s.mu.
func (s *Server) addComment(p *pull, login, body string) *Comment {
	id := s.nextID()
	now := s.tick()
	c := &Comment{
		ID:                id,
		NodeID:            fmt.Sprintf("IC_fake%d", id),
		URL:               s.apiURL("/repos/%s/issues/comments/%d", p.repo, id),
		HTMLURL:           fmt.Sprintf("https://github.com/%s/pull/%d#issuecomment-%d", p.repo, p.number, id),
		IssueURL:          s.apiURL("/repos/%s/issues/%d", p.repo, p.number),
		Body:              body,
		User:              s.user(login),
		CreatedAt:         now,
		UpdatedAt:         now,
		AuthorAssociation: "MEMBER",
	}
	if c.User.Type == "Bot" {
		c.AuthorAssociation = "NONE"
	}
	s.comments[id] = c
	s.commentPull[id] = p
	p.comments = append(p.comments, id)
	return c
}

// commentsOf copies a pull request's comments. The caller holds s.mu.
func (s *Server) commentsOf(p *pull) []Comment {
	out := make([]Comment, 0, len(p.comments))
	for _, id := range p.comments {
		out = append(out, *s.comments[id])
	}
	return out
}

// findComment returns the comment of the request's comment_id in its
// repository. The caller holds s.mu; it answers 404 when there is none.
func (rq *request) findComment() (*Comment, bool) {
	id, ok := rq.intParam("comment_id")
	if !ok {
		return nil, false
	}
	c := rq.s.comments[id]
	if c == nil || !strings.EqualFold(rq.s.commentPull[id].repo, rq.repo()) {
		rq.fail(http.StatusNotFound, "Not Found")
		return nil, false
	}
	return c, true
}

// commentBody decodes and validates the body of a create or update
// comment request.
func (rq *request) commentBody() (string, bool) {
	var in struct {
		Body *string `json:"body"`
	}
	if !rq.decode(&in) {
		return "", false
	}
	switch {
	case in.Body == nil:
		rq.invalid("IssueComment", "body", "missing_field", "body is missing")
		return "", false
	case utf8.RuneCountInString(*in.Body) > maxCommentBody:
		rq.invalid("IssueComment", "body", "custom", fmt.Sprintf("body is too long (maximum is %d characters)", maxCommentBody))
		return "", false
	}
	return *in.Body, true
}

func (s *Server) listComments(rq *request) {
	p, ok := rq.findPull("issue_number")
	if !ok {
		return
	}
	s.mu.Lock()
	comments := s.commentsOf(p)
	s.mu.Unlock()
	paginate(rq, comments)
}

func (s *Server) createComment(rq *request) {
	p, ok := rq.findPull("issue_number")
	if !ok {
		return
	}
	body, ok := rq.commentBody()
	if !ok {
		return
	}
	s.mu.Lock()
	c := *s.addComment(p, rq.login, body)
	s.mu.Unlock()
	rq.w.Header().Set("Location", c.URL)
	rq.writeJSON(http.StatusCreated, c)
}

func (s *Server) getComment(rq *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := rq.findComment(); ok {
		rq.writeJSON(http.StatusOK, *c)
	}
}

func (s *Server) updateComment(rq *request) {
	body, ok := rq.commentBody()
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := rq.findComment()
	if !ok {
		return
	}
	c.Body = body
	c.UpdatedAt = s.tick()
	rq.writeJSON(http.StatusOK, *c)
}

func (s *Server) deleteComment(rq *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := rq.findComment()
	if !ok {
		return
	}
	p := s.commentPull[c.ID]
	p.comments = slices.DeleteFunc(p.comments, func(id int64) bool { return id == c.ID })
	delete(s.comments, c.ID)
	delete(s.commentPull, c.ID)
	delete(s.reactions, c.ID)
	rq.w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listReactions(rq *request) {
	s.mu.Lock()
	c, ok := rq.findComment()
	var reactions []Reaction
	if ok {
		reactions = append(reactions, s.reactions[c.ID]...)
	}
	s.mu.Unlock()
	if ok {
		paginate(rq, reactions)
	}
}

// createReaction adds a reaction, answering 201, or 200 with the existing
// reaction when the user already reacted so.
func (s *Server) createReaction(rq *request) {
	var in struct {
		Content string `json:"content"`
	}
	if !rq.decode(&in) {
		return
	}
	if !slices.Contains(reactionContents, in.Content) {
		rq.invalid("Reaction", "content", "invalid", fmt.Sprintf("content %q is not a valid reaction", in.Content))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := rq.findComment()
	if !ok {
		return
	}
	for _, r := range s.reactions[c.ID] {
		if r.Content == in.Content && strings.EqualFold(r.User.Login, rq.login) {
			rq.writeJSON(http.StatusOK, r)
			return
		}
	}
	id := s.nextID()
	r := Reaction{ID: id, NodeID: fmt.Sprintf("REA_fake%d", id), User: s.user(rq.login), Content: in.Content, CreatedAt: s.tick()}
	s.reactions[c.ID] = append(s.reactions[c.ID], r)
	rq.writeJSON(http.StatusCreated, r)
}
