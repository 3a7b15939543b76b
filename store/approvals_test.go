package store

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func TestPolicyApprovals(t *testing.T) {
	s, _ := openTemp(t)
	c := fakeClock(s)
	ctx := t.Context()
	approve := func(sha, set, who string, comment int64) (PolicyApproval, bool) {
		t.Helper()
		a, created, err := s.ApprovePolicy(ctx, PolicyApproval{Repo: "o/r", PR: 7, HeadSHA: sha, Set: set, Approver: who, CommentID: comment})
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

func TestRunPolicyAndBlockedState(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	results := json.RawMessage(`[{"set":"gen3","rule":"untrusted_code","kind":"deny","message":"no"}]`)
	r, err := s.UpsertRun(ctx, Run{Repo: "o/r", PR: 1, HeadSHA: "aaa", Unit: "live/x", State: RunBlocked, Policy: results})
	if err != nil {
		t.Fatal(err)
	}
	if r.State != RunBlocked || string(r.Policy) != string(results) {
		t.Errorf("run %+v", r)
	}
	if _, err := s.UpsertRun(ctx, Run{Repo: "o/r", PR: 1, HeadSHA: "aaa", Unit: "live/y", State: RunPlanned, Policy: json.RawMessage(`{`)}); err == nil {
		t.Error("policy results that are not JSON were recorded")
	}
}
