package server

import (
	"context"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/workflow"
	"github.com/csocbot/csocbot/store"
)

func TestMayApprove(t *testing.T) {
	fake := fakegithub.New(t)
	fake.AddToken("ghp_test", "csocbot-bot")
	fake.AddTeamMember("csoc", "leads", "bob", "active")
	fake.AddTeamMember("csoc", "leads", "carol", "pending")
	gh, err := github.NewTokenClient("ghp_test", github.Options{BaseURL: fake.URL() + "/"})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{gh: gh}
	owners := policy.Set{Name: "gen3", Owners: []string{"Alice"}, Teams: []string{"csoc/leads"}, Approvals: 1}
	authorMay := owners
	authorMay.AuthorMayApprove = true
	locked := owners
	locked.Approvals = 0
	tests := []struct {
		name   string
		set    policy.Set
		login  string
		author string
		want   bool
		why    string
	}{
		{"owner, any case", owners, "alice", "dave", true, ""},
		{"active team member", owners, "bob", "dave", true, ""},
		{"invited team member", owners, "carol", "dave", false, "they are not one of its owners"},
		{"someone else", owners, "mallory", "dave", false, "they are not one of its owners"},
		{"owner who wrote the pull request", owners, "alice", "Alice", false, "the author of a pull request cannot approve it"},
		{"owner who wrote it, where authors may approve", authorMay, "alice", "alice", true, ""},
		{"a set that cannot be overridden", locked, "alice", "dave", false, "its failures cannot be overridden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why, err := s.mayApprove(context.Background(), workflow.NewTeams(pullRequests{gh}), tt.set, tt.login, tt.author)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.want || why != tt.why {
				t.Errorf("mayApprove = %v, %q; want %v, %q", ok, why, tt.want, tt.why)
			}
		})
	}
}

// TestApprovePoliciesWithNothingToApprove covers the replies that record
// nothing: no sets configured, the head not checked yet, no set applying,
// an unknown set and a passing one.
func TestApprovePoliciesWithNothingToApprove(t *testing.T) {
	fake := fakegithub.New(t)
	fake.AddToken("ghp_test", "csocbot-bot")
	repo, pr := fake.LoadPullRequest("pull_request/opened.payload.json")
	head := "0123456789abcdef0123456789abcdef01234567"
	fake.EditPullRequest(repo, pr, func(m map[string]any) { obj(m, "head")["sha"] = head })
	gh, err := github.NewTokenClient("ghp_test", github.Options{BaseURL: fake.URL() + "/"})
	if err != nil {
		t.Fatal(err)
	}
	policies, err := policy.Load(context.Background(), []policy.Set{{Name: "network", Dir: writePolicySet(t, vpcGuard), Owners: []string{"alice"}, Approvals: 1}})
	if err != nil {
		t.Fatal(err)
	}
	s, st := newIntakeServer(t)
	s.gh = gh
	c := commentJob{Repo: repo, PR: pr, Author: "alice", CommentID: 1}
	record := func(unit string, results string) {
		t.Helper()
		run := store.Run{Repo: repo, PR: pr, HeadSHA: head, Unit: unit, State: store.RunPlanned}
		if results != "" {
			run.Policy = []byte(results)
		}
		if _, err := st.UpsertRun(context.Background(), run); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name     string
		policies *policy.Engine
		before   func()
		sets     []string
		want     string
	}{
		{"no policy sets", nil, nil, nil, "No policy sets are configured on this server"},
		{"head not checked yet", policies, nil, nil, "csocbot has not checked `0123456`"},
		{"no set applies", policies, func() { record("live/dev/app", "") }, nil, "No policy set applies to the units planned at `0123456`"},
		{"unknown set", policies, func() { record("live/prod/app", `{"moment":"post-plan","results":[]}`) }, []string{"netwrk"}, "There is no policy set `netwrk`. The sets are `network`."},
		{"passing set", policies, nil, []string{"network"}, "Policy set `network` passes at `0123456`: there is nothing to approve."},
		{"nothing fails", policies, nil, nil, "No policy set fails at `0123456`"},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			if step.before != nil {
				step.before()
			}
			s.policies = step.policies
			reply, err := s.approvePolicies(context.Background(), c, step.sets)
			if err != nil || !strings.Contains(reply, step.want) {
				t.Errorf("reply %q (%v), want %q", reply, err, step.want)
			}
		})
	}
	if got, _ := st.PolicyApprovals(context.Background(), repo, pr, head); len(got) != 0 {
		t.Errorf("approvals were recorded: %+v", got)
	}
}
