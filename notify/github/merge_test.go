package github_test

import (
	"context"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/fakegithub"
)

func TestMergePullRequest(t *testing.T) {
	path := "/repos/Codertocat/Hello-World/pulls/2/merge"
	tests := []struct {
		name      string
		head      string
		edit      func(pr map[string]any)
		fault     *fakegithub.Fault
		wantErr   string
		wantPuts  int
		wantMerge bool
	}{
		{name: "merged", head: fixtureHeadSHA, wantPuts: 1, wantMerge: true},
		{name: "head moved", head: "0000000000000000000000000000000000000000", wantErr: "409 Conflict: Head branch was modified", wantPuts: 1},
		{name: "not mergeable", head: fixtureHeadSHA, edit: func(pr map[string]any) { pr["mergeable"] = false }, wantErr: "405 Method Not Allowed: Pull Request is not mergeable", wantPuts: 1},
		{name: "merged, answered 502", head: fixtureHeadSHA, fault: ptr(fakegithub.LostAnswer(502, 3).On("PUT", path)), wantPuts: 1, wantMerge: true},
		{name: "not merged, answered 502", head: fixtureHeadSHA, fault: ptr(fakegithub.ServerError(502, 1).On("PUT", path)), wantPuts: 2, wantMerge: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.edit != nil {
				e.fake.EditPullRequest(e.repo.String(), e.pr, tt.edit)
			}
			if tt.fault != nil {
				e.fake.Inject(*tt.fault)
			}
			sha, err := e.client.MergePullRequest(context.Background(), e.repo, e.pr, tt.head)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			pr := e.fake.PullRequest(e.repo.String(), e.pr)
			if merged := pr["merged"] == true; merged != tt.wantMerge {
				t.Errorf("merged = %v, want %v", merged, tt.wantMerge)
			}
			if tt.wantMerge && (sha == "" || sha != pr["merge_commit_sha"]) {
				t.Errorf("merge commit %q, served %v", sha, pr["merge_commit_sha"])
			}
			if n := len(callsTo(e.fake.Calls(), "PUT", path)); n != tt.wantPuts {
				t.Errorf("%d merge requests, want %d", n, tt.wantPuts)
			}
			got, err := e.client.PullRequest(context.Background(), e.repo, e.pr)
			if err != nil || got.Merged != tt.wantMerge || (tt.wantMerge && got.MergeCommitSHA != sha) {
				t.Errorf("PullRequest after: %+v, %v", got, err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
