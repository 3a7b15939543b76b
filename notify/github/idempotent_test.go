package github_test

import (
	"context"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/notify/github"
)

// TestCreateCommentPostsOnce checks that a comment GitHub created but
// answered with an error is not posted again: the client finds its marker
// among the pull request's comments before retrying.
func TestCreateCommentPostsOnce(t *testing.T) {
	const path = "/repos/Codertocat/Hello-World/issues/2/comments"
	tests := []struct {
		name      string
		attempts  int // the retry policy's MaxAttempts; 0 keeps fastRetry's
		fault     fakegithub.Fault
		wantPosts int
	}{
		{name: "created, answered 502", fault: fakegithub.LostAnswer(502, 3).On("POST", path), wantPosts: 1},
		{name: "created, answered 502, no retry left", attempts: 1, fault: fakegithub.LostAnswer(502, 1).On("POST", path), wantPosts: 1},
		{name: "not created, answered 502", fault: fakegithub.ServerError(502, 1).On("POST", path), wantPosts: 2},
		{name: "connection dropped before it was created", fault: fakegithub.DropConnection(1).On("POST", path), wantPosts: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(o *github.Options) {
				if tt.attempts > 0 {
					o.Retry.MaxAttempts = tt.attempts
				}
			})
			e.fake.AddComment(e.repo.String(), e.pr, "Codertocat", "csocbot plan")
			e.fake.Inject(tt.fault)
			c, err := e.client.CreateComment(context.Background(), e.repo, e.pr, "The plan.")
			if err != nil {
				t.Fatal(err)
			}
			comments := e.fake.Comments(e.repo.String(), e.pr)
			if len(comments) != 2 || comments[1].ID != c.ID || !strings.HasPrefix(comments[1].Body, "The plan.\n<!-- csocbot:post:") {
				t.Errorf("comments %+v; want the command and one comment %d with the plan and its marker", comments, c.ID)
			}
			if posts := callsTo(e.fake.Calls(), "POST", path); len(posts) != tt.wantPosts {
				t.Errorf("%d POSTs, want %d", len(posts), tt.wantPosts)
			}
		})
	}
}

// TestCreateCommentMarkersDiffer checks that every comment gets its own
// marker, so one is never taken for another.
func TestCreateCommentMarkersDiffer(t *testing.T) {
	e := newEnv(t)
	for range 2 {
		if _, err := e.client.CreateComment(context.Background(), e.repo, e.pr, "same body"); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.fake.Comments(e.repo.String(), e.pr); len(got) != 2 || got[0].Body == got[1].Body {
		t.Errorf("two comments with one body got the same marker: %+v", got)
	}
}
