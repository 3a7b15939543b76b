package github_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/notify/vcs"
)

const planMarker = "<!-- csocbot:plan -->"

func TestComments(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.fake.SetMaxPerPage(2)
	command := e.fake.AddComment(e.repo.String(), e.pr, "Codertocat", "csocbot plan")

	var plans []vcs.Comment
	for _, body := range []string{"plan 1", "plan 2", "plan 3"} {
		c, err := e.client.CreateComment(ctx, e.repo, e.pr, planMarker+"\n"+body)
		if err != nil {
			t.Fatal(err)
		}
		if c.ID == 0 || c.NodeID == "" || c.Author != "csocbot" || c.HTMLURL == "" || c.CreatedAt.IsZero() {
			t.Errorf("CreateComment() = %+v, want id, node id, author, URL and time", c)
		}
		plans = append(plans, c)
	}
	quote := e.fake.AddComment(e.repo.String(), e.pr, "Codertocat", "> "+planMarker+"\n> plan 3\n\nWhy?")

	if err := e.client.UpdateComment(ctx, e.repo, plans[0].ID, planMarker+"\nplan 1, revised"); err != nil {
		t.Fatal(err)
	}
	plans[0].Body = planMarker + "\nplan 1, revised"

	got, err := e.client.ListComments(ctx, e.repo, e.pr)
	if err != nil {
		t.Fatal(err)
	}
	assertPages(t, callsTo(e.fake.Calls(), "GET", "/repos/Codertocat/Hello-World/issues/2/comments"), 3)
	want := []struct {
		id           int64
		author, body string
	}{
		{command.ID, "Codertocat", "csocbot plan"},
		{plans[0].ID, "csocbot", plans[0].Body},
		{plans[1].ID, "csocbot", plans[1].Body},
		{plans[2].ID, "csocbot", plans[2].Body},
		{quote.ID, "Codertocat", quote.Body},
	}
	if len(got) != len(want) {
		t.Fatalf("ListComments() returned %d comments, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].ID != w.id || got[i].Author != w.author || got[i].Body != w.body || got[i].NodeID == "" {
			t.Errorf("comment %d = %+v, want id %d by %s: %q", i, got[i], w.id, w.author, w.body)
		}
	}

	var marked []int64
	for _, c := range vcs.Marked(got, planMarker) {
		marked = append(marked, c.ID)
	}
	if want := []int64{plans[0].ID, plans[1].ID, plans[2].ID}; !reflect.DeepEqual(marked, want) {
		t.Errorf("Marked() = %v, want the plans %v", marked, want)
	}
}

func TestCommentBodyLimits(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr string // empty: accepted
	}{
		// é is two bytes: the limit counts characters.
		// CreateComment appends a marker, so it takes fewer than GitHub.
		{"at the limit", strings.Repeat("é", vcs.MaxCreateLength), ""},
		{"over the limit", strings.Repeat("é", vcs.MaxCommentLength+1), "65537 characters, csocbot sends at most"},
		{"empty", "", "comment body is empty"},
		{"blank", " \n\t", "comment body is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			existing := e.fake.AddComment(e.repo.String(), e.pr, "csocbot", "old")
			_, createErr := e.client.CreateComment(ctx, e.repo, e.pr, tt.body)
			updateErr := e.client.UpdateComment(ctx, e.repo, existing.ID, tt.body)
			for op, err := range map[string]error{"CreateComment": createErr, "UpdateComment": updateErr} {
				switch {
				case tt.wantErr == "" && err != nil:
					t.Errorf("%s() error = %v", op, err)
				case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
					t.Errorf("%s() error = %v, want one saying %q", op, err, tt.wantErr)
				}
			}
			if tt.wantErr == "" {
				if got := e.fake.Comments(e.repo.String(), e.pr); len(got) != 2 || got[0].Body != tt.body || !strings.HasPrefix(got[1].Body, tt.body+"\n<!-- csocbot:post:") {
					t.Errorf("the fake did not store the bodies")
				}
				return
			}
			if calls := e.fake.Calls(); len(calls) != 0 {
				t.Errorf("refused bodies were sent: %d calls", len(calls))
			}
			if strings.Contains(tt.name, "over") && !errors.Is(createErr, github.ErrCommentTooLong) {
				t.Errorf("CreateComment() error %v is not ErrCommentTooLong", createErr)
			}
		})
	}
}

func TestMinimizeComment(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	old, err := e.client.CreateComment(ctx, e.repo, e.pr, planMarker+"\nold plan")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateComment(ctx, e.repo, e.pr, planMarker+"\nnew plan"); err != nil {
		t.Fatal(err)
	}
	if err := e.client.MinimizeComment(ctx, old.NodeID, vcs.MinimizeOutdated); err != nil {
		t.Fatal(err)
	}
	comments := e.fake.Comments(e.repo.String(), e.pr)
	if !comments[0].Minimized || comments[0].MinimizedReason != "outdated" {
		t.Errorf("old plan: minimized %v, reason %q; want minimized as outdated", comments[0].Minimized, comments[0].MinimizedReason)
	}
	if comments[1].Minimized {
		t.Errorf("the new plan was minimized too")
	}
	if n := len(callsTo(e.fake.Calls(), "POST", "/graphql")); n != 1 {
		t.Errorf("%d GraphQL calls, want 1", n)
	}
}

func TestMinimizeCommentErrors(t *testing.T) {
	tests := []struct {
		name    string
		nodeID  string
		reason  vcs.MinimizeReason
		wantErr string
		sent    bool
	}{
		{"unknown comment", "IC_nosuch", vcs.MinimizeOutdated,
			"github: minimize comment IC_nosuch as outdated: NOT_FOUND: Could not resolve to a node with the global id of 'IC_nosuch'", true},
		{"unknown reason", "IC_x", "STALE", `"STALE" is not a reason GitHub offers`, false},
		{"no node id", "", vcs.MinimizeOutdated, "no node id", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			err := e.client.MinimizeComment(context.Background(), tt.nodeID, tt.reason)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("MinimizeComment() error = %v, want one saying %q", err, tt.wantErr)
			}
			if sent := len(e.fake.Calls()) > 0; sent != tt.sent {
				t.Errorf("request sent: %v, want %v", sent, tt.sent)
			}
		})
	}
}

func TestAddReaction(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	command := e.fake.AddComment(e.repo.String(), e.pr, "Codertocat", "csocbot plan")
	for range 2 { // reacting again is fine
		if err := e.client.AddReaction(ctx, e.repo, command.ID, vcs.ReactionEyes); err != nil {
			t.Fatal(err)
		}
	}
	got := e.fake.Reactions(command.ID)
	if len(got) != 1 || got[0].Content != "eyes" || got[0].User.Login != "csocbot" {
		t.Errorf("reactions = %+v, want one eyes by csocbot", got)
	}

	if err := e.client.AddReaction(ctx, e.repo, command.ID, "thumbs"); err == nil || !strings.Contains(err.Error(), `"thumbs" is not a GitHub reaction`) {
		t.Errorf("AddReaction(thumbs) error = %v", err)
	}
	err := e.client.AddReaction(ctx, e.repo, 12345, vcs.ReactionEyes)
	if want := "github: react eyes to comment 12345 in Codertocat/Hello-World: POST /repos/Codertocat/Hello-World/issues/comments/12345/reactions: 404 Not Found"; err == nil || err.Error() != want {
		t.Errorf("AddReaction(unknown comment) error = %v, want %q", err, want)
	}
}
