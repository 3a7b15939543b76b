package github_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/notify/vcs"
)

func TestPullRequest(t *testing.T) {
	fixture := vcs.PullRequest{
		Number:         2,
		Title:          "Update the README with new information.",
		State:          "open",
		HTMLURL:        "https://github.com/Codertocat/Hello-World/pull/2",
		Author:         "Codertocat",
		Labels:         []string{"bug"},
		Base:           vcs.Branch{Ref: "master", SHA: fixtureBaseSHA, Repo: "Codertocat/Hello-World"},
		Head:           vcs.Branch{Ref: "changes", SHA: fixtureHeadSHA, Repo: "Codertocat/Hello-World"},
		MergeableState: "unknown",
	}
	tests := []struct {
		name string
		edit func(pr map[string]any)
		want func(pr *vcs.PullRequest)
	}{
		{
			name: "as opened",
		},
		{
			name: "from a fork",
			edit: func(pr map[string]any) {
				pr["head"].(map[string]any)["repo"].(map[string]any)["full_name"] = "someone/Hello-World"
			},
			want: func(pr *vcs.PullRequest) { pr.Head.Repo, pr.Fork = "someone/Hello-World", true },
		},
		{
			name: "from a deleted fork",
			edit: func(pr map[string]any) { pr["head"].(map[string]any)["repo"] = nil },
			want: func(pr *vcs.PullRequest) { pr.Head.Repo, pr.Fork = "", true },
		},
		{
			name: "same repository in other case",
			edit: func(pr map[string]any) {
				pr["head"].(map[string]any)["repo"].(map[string]any)["full_name"] = "codertocat/hello-world"
			},
			want: func(pr *vcs.PullRequest) { pr.Head.Repo = "codertocat/hello-world" },
		},
		{
			name: "draft without labels",
			edit: func(pr map[string]any) {
				pr["draft"], pr["mergeable_state"], pr["labels"] = true, "draft", []any{}
			},
			want: func(pr *vcs.PullRequest) { pr.Draft, pr.MergeableState, pr.Labels = true, "draft", nil },
		},
		{
			name: "merged",
			edit: func(pr map[string]any) { pr["state"], pr["merged"], pr["mergeable_state"] = "closed", true, "clean" },
			want: func(pr *vcs.PullRequest) { pr.State, pr.Merged, pr.MergeableState = "closed", true, "clean" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.edit != nil {
				e.fake.EditPullRequest(e.repo.String(), e.pr, tt.edit)
			}
			want := fixture
			want.Labels = append([]string(nil), fixture.Labels...)
			if tt.want != nil {
				tt.want(&want)
			}
			got, err := e.client.PullRequest(context.Background(), e.repo, e.pr)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("PullRequest() =\n%+v\nwant\n%+v", *got, want)
			}
		})
	}
}

func TestPullRequestNotFound(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.PullRequest(context.Background(), e.repo, 99)
	want := "github: get pull request Codertocat/Hello-World#99: GET /repos/Codertocat/Hello-World/pulls/99: 404 Not Found"
	if err == nil || err.Error() != want {
		t.Fatalf("PullRequest() error = %v, want %q", err, want)
	}
	apiErr, ok := errors.AsType[*github.APIError](err)
	if !ok || apiErr.StatusCode != 404 {
		t.Errorf("error %v is not an *APIError with status 404", err)
	}
}

func TestChangedFiles(t *testing.T) {
	e := newEnv(t)
	e.fake.SetMaxPerPage(2)
	e.fake.SetFiles(e.repo.String(), e.pr, []fakegithub.File{
		{Filename: "live/prod/vpc/terragrunt.hcl", Status: "modified", Additions: 3, Deletions: 1},
		{Filename: "live/prod/eks/terragrunt.hcl", Status: "added", Additions: 20},
		{Filename: "modules/vpc/main.tf", PreviousFilename: "modules/network/main.tf", Status: "renamed"},
		{Filename: "live/dev/old/terragrunt.hcl", Status: "removed", Deletions: 12},
		{Filename: "README.md", Status: "modified", Additions: 1, Deletions: 1},
	})
	got, err := e.client.ChangedFiles(context.Background(), e.repo, e.pr)
	if err != nil {
		t.Fatal(err)
	}
	want := []vcs.ChangedFile{
		{Path: "live/prod/vpc/terragrunt.hcl", Status: "modified", Additions: 3, Deletions: 1},
		{Path: "live/prod/eks/terragrunt.hcl", Status: "added", Additions: 20},
		{Path: "modules/vpc/main.tf", PreviousPath: "modules/network/main.tf", Status: "renamed"},
		{Path: "live/dev/old/terragrunt.hcl", Status: "removed", Deletions: 12},
		{Path: "README.md", Status: "modified", Additions: 1, Deletions: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ChangedFiles() =\n%+v\nwant\n%+v", got, want)
	}
	assertPages(t, callsTo(e.fake.Calls(), "GET", "/repos/Codertocat/Hello-World/pulls/2/files"), 3)
}

// assertPages checks that calls fetched pages 1 to n in order, 100 items a
// page asked.
func assertPages(t *testing.T, calls []fakegithub.Call, n int) {
	t.Helper()
	if len(calls) != n {
		t.Fatalf("%d calls, want %d pages", len(calls), n)
	}
	for i, c := range calls {
		page := c.Query.Get("page")
		if want := fmt.Sprint(i + 1); page != want && !(i == 0 && page == "") {
			t.Errorf("call %d asked for page %q, want %s", i+1, page, want)
		}
		if got := c.Query.Get("per_page"); got != "100" {
			t.Errorf("call %d asked for per_page %q, want 100", i+1, got)
		}
	}
}

func TestReviews(t *testing.T) {
	type review struct{ login, state, commit string }
	tests := []struct {
		name    string
		reviews []review // in submission order
		want    []vcs.Review
	}{
		{
			name: "none",
		},
		{
			name:    "approved",
			reviews: []review{{"alice", "APPROVED", "c1"}},
			want:    []vcs.Review{{Reviewer: "alice", State: vcs.ReviewApproved, CommitID: "c1"}},
		},
		{
			name:    "a later comment keeps the approval",
			reviews: []review{{"alice", "APPROVED", "c1"}, {"alice", "COMMENTED", "c2"}},
			want:    []vcs.Review{{Reviewer: "alice", State: vcs.ReviewApproved, CommitID: "c1"}},
		},
		{
			name:    "a later comment keeps the request for changes",
			reviews: []review{{"alice", "CHANGES_REQUESTED", "c1"}, {"alice", "COMMENTED", "c1"}},
			want:    []vcs.Review{{Reviewer: "alice", State: vcs.ReviewChangesRequested, CommitID: "c1"}},
		},
		{
			name:    "approval after requesting changes",
			reviews: []review{{"alice", "CHANGES_REQUESTED", "c1"}, {"alice", "APPROVED", "c2"}},
			want:    []vcs.Review{{Reviewer: "alice", State: vcs.ReviewApproved, CommitID: "c2"}},
		},
		{
			name:    "request for changes after approving",
			reviews: []review{{"alice", "APPROVED", "c1"}, {"alice", "CHANGES_REQUESTED", "c2"}},
			want:    []vcs.Review{{Reviewer: "alice", State: vcs.ReviewChangesRequested, CommitID: "c2"}},
		},
		{
			name:    "dismissed approval",
			reviews: []review{{"alice", "DISMISSED", "c1"}},
			want:    []vcs.Review{{Reviewer: "alice", State: vcs.ReviewDismissed, CommitID: "c1"}},
		},
		{
			name:    "only comments",
			reviews: []review{{"alice", "COMMENTED", "c1"}, {"alice", "COMMENTED", "c2"}},
			want:    []vcs.Review{{Reviewer: "alice", State: vcs.ReviewCommented, CommitID: "c2"}},
		},
		{
			name:    "pending reviews are left out",
			reviews: []review{{"alice", "PENDING", "c1"}, {"bob", "APPROVED", "c1"}, {"bob", "PENDING", "c2"}},
			want:    []vcs.Review{{Reviewer: "bob", State: vcs.ReviewApproved, CommitID: "c1"}},
		},
		{
			name:    "logins are case-insensitive",
			reviews: []review{{"Alice", "APPROVED", "c1"}, {"alice", "CHANGES_REQUESTED", "c2"}},
			want:    []vcs.Review{{Reviewer: "alice", State: vcs.ReviewChangesRequested, CommitID: "c2"}},
		},
		{
			name: "several reviewers over three pages",
			reviews: []review{
				{"carol", "COMMENTED", "c1"}, {"alice", "CHANGES_REQUESTED", "c1"}, {"bob", "APPROVED", "c1"},
				{"alice", "APPROVED", "c2"}, {"carol", "APPROVED", "c2"}, {"bob", "CHANGES_REQUESTED", "c2"},
			},
			want: []vcs.Review{
				{Reviewer: "alice", State: vcs.ReviewApproved, CommitID: "c2"},
				{Reviewer: "bob", State: vcs.ReviewChangesRequested, CommitID: "c2"},
				{Reviewer: "carol", State: vcs.ReviewApproved, CommitID: "c2"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.fake.SetMaxPerPage(2)
			for _, r := range tt.reviews {
				e.fake.AddReview(e.repo.String(), e.pr, fakegithub.Review{User: fakegithub.User{Login: r.login}, State: r.state, CommitID: r.commit})
			}
			got, err := e.client.Reviews(context.Background(), e.repo, e.pr)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if got[i].SubmittedAt.IsZero() {
					t.Errorf("review %d has no submission time", i)
				}
				got[i].SubmittedAt = time.Time{}
			}
			if !reflect.DeepEqual(got, append([]vcs.Review{}, tt.want...)) {
				t.Errorf("Reviews() =\n%+v\nwant\n%+v", got, tt.want)
			}
			assertPages(t, callsTo(e.fake.Calls(), "GET", "/repos/Codertocat/Hello-World/pulls/2/reviews"), max(1, (len(tt.reviews)+1)/2))
		})
	}
}

func TestReviewsError(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.Reviews(context.Background(), e.repo, 7)
	if err == nil || !strings.Contains(err.Error(), "list the reviews of pull request Codertocat/Hello-World#7") {
		t.Fatalf("Reviews() error = %v, want one naming the pull request", err)
	}
}
