package fakegithub_test

import (
	"strings"
	"testing"
)

func TestMergePull(t *testing.T) {
	const path = "/repos/Codertocat/Hello-World/pulls/2/merge"
	const head = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	tests := []struct {
		name, body string
		edit       func(pr map[string]any)
		wantStatus int
		wantBody   string
	}{
		{"merged", `{"sha":"` + head + `"}`, nil, 200, `"merged":true`},
		{"no body", ``, nil, 200, `"message":"Pull Request successfully merged"`},
		{"head moved", `{"sha":"0000"}`, nil, 409, `Head branch was modified`},
		{"not mergeable", `{}`, func(pr map[string]any) { pr["mergeable"] = false }, 405, `Pull Request is not mergeable`},
		{"closed", `{}`, func(pr map[string]any) { pr["state"] = "closed" }, 405, `Pull Request is not mergeable`},
		{"unknown method", `{"merge_method":"octopus"}`, nil, 422, `merge_method is not included in the list`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			if tt.edit != nil {
				s.EditPullRequest("Codertocat/Hello-World", 2, tt.edit)
			}
			status, _, body := do(t, s, "PUT", path, tt.body)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Fatalf("PUT merge = %d %s, want %d with %s", status, body, tt.wantStatus, tt.wantBody)
			}
			pr := s.PullRequest("Codertocat/Hello-World", 2)
			if merged := pr["merged"] == true; merged != (status == 200) {
				t.Errorf("merged = %v after %d", pr["merged"], status)
			}
			if status == 200 && (pr["state"] != "closed" || !strings.Contains(body, pr["merge_commit_sha"].(string))) {
				t.Errorf("after the merge: state %v, merge commit %v, answer %s", pr["state"], pr["merge_commit_sha"], body)
			}
		})
	}
	s := newFake(t)
	do(t, s, "PUT", path, `{}`)
	if status, _, _ := do(t, s, "PUT", path, `{}`); status != 405 {
		t.Errorf("merging twice: %d, want 405", status)
	}
}
