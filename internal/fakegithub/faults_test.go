package fakegithub_test

import (
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/fakegithub"
)

// TestLostAnswer checks that a LostAnswer fault serves the request (the
// comment exists) and answers GitHub's error instead, once.
func TestLostAnswer(t *testing.T) {
	s := newFake(t)
	const path = "/repos/Codertocat/Hello-World/issues/2/comments"
	s.Inject(fakegithub.LostAnswer(502, 1).On("POST", path))
	code, _, body := do(t, s, "POST", path, `{"body":"first"}`)
	if code != 502 || !strings.Contains(body, `"message":"Bad Gateway"`) {
		t.Errorf("answered %d %s, want 502 with GitHub's error body", code, body)
	}
	if code, _, _ := do(t, s, "POST", path, `{"body":"second"}`); code != 201 {
		t.Errorf("the next request answered %d, want 201", code)
	}
	got := s.Comments("Codertocat/Hello-World", 2)
	if len(got) != 2 || got[0].Body != "first" || got[1].Body != "second" {
		t.Errorf("comments %+v, want the one answered 502 and the next", got)
	}
	if calls := s.Calls(); len(calls) != 2 || calls[0].Status != 502 {
		t.Errorf("calls %+v, want the first recorded as answered 502", calls)
	}
}
