package storetest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// testPolicyApprovals checks that an approver approves a set at a head
// once, whatever the case of their login.
func testPolicyApprovals(t *testing.T, newDB NewDatabase) {
	c := newClock()
	s := openNew(t, newDB, c)
	ctx := t.Context()
	approve := func(sha, set, who string, comment int64) (store.PolicyApproval, bool) {
		t.Helper()
		a, created, err := s.ApprovePolicy(ctx, store.PolicyApproval{Repo: "o/r", PR: 7, HeadSHA: sha, Set: set, Approver: who, CommentID: comment})
		if err != nil {
			t.Fatal(err)
		}
		c.advance(time.Second)
		return a, created
	}
	first, created := approve("aaa", "gen3", "alice", 11)
	if !created || first.ID == 0 || first.CommentID != 11 || first.CreatedAt.IsZero() {
		t.Fatalf("first approval %+v, created %v", first, created)
	}
	tests := []struct {
		name        string
		sha, set    string
		who         string
		wantCreated bool
	}{
		{"the same approver again", "aaa", "gen3", "alice", false},
		{"logins are case-insensitive", "aaa", "gen3", "ALICE", false},
		{"another approver", "aaa", "gen3", "bob", true},
		{"another set", "aaa", "network", "alice", true},
		{"a new head starts over", "bbb", "gen3", "alice", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, created := approve(tt.sha, tt.set, tt.who, 12)
			if created != tt.wantCreated {
				t.Errorf("created = %v, want %v", created, tt.wantCreated)
			}
			if !created && (a.ID != first.ID || !a.CreatedAt.Equal(first.CreatedAt)) {
				t.Errorf("a repeated approval returned %+v, want the first %+v", a, first)
			}
		})
	}
	got, err := s.PolicyApprovals(ctx, "o/r", 7, "aaa")
	if err != nil {
		t.Fatal(err)
	}
	var who []string
	for _, a := range got {
		who = append(who, a.Set+":"+a.Approver)
	}
	if want := []string{"gen3:alice", "gen3:bob", "network:alice"}; !slices.Equal(who, want) {
		t.Errorf("approvals at aaa %v, want %v", who, want)
	}
	if got, _ := s.PolicyApprovals(ctx, "o/r", 8, "aaa"); len(got) != 0 {
		t.Errorf("another pull request has approvals %+v", got)
	}
}

// testRunPolicyAndBlockedState checks that a run keeps its policy results
// and may be blocked.
func testRunPolicyAndBlockedState(t *testing.T, newDB NewDatabase) {
	s := openNew(t, newDB, nil)
	ctx := t.Context()
	results := json.RawMessage(`[{"set":"gen3","rule":"untrusted_code","kind":"deny","message":"no"}]`)
	r, err := s.UpsertRun(ctx, store.Run{Repo: "o/r", PR: 1, HeadSHA: "aaa", Unit: "live/x", State: store.RunBlocked, Policy: results})
	if err != nil {
		t.Fatal(err)
	}
	if r.State != store.RunBlocked || string(r.Policy) != string(results) {
		t.Errorf("run %+v", r)
	}
	if _, err := s.UpsertRun(ctx, store.Run{Repo: "o/r", PR: 1, HeadSHA: "aaa", Unit: "live/y", State: store.RunPlanned, Policy: json.RawMessage(`{`)}); err == nil {
		t.Error("policy results that are not JSON were recorded")
	}
}
