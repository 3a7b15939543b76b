package workflow

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/workflow/policycheck"
	"github.com/csocbot/csocbot/store"
)

func TestUnmetRequirements(t *testing.T) {
	const head, old = "1111111111", "0000000000"
	all := config.ApplyRule{Approvals: 1, Requirements: []config.Requirement{
		config.RequireApproved, config.RequireMergeable, config.RequirePoliciesPassed, config.RequireDependenciesApplied, config.RequireUndiverged,
	}}
	yes, no := true, false
	denied, err := json.Marshal(policycheck.UnitResults{Moment: "post-plan", Results: []policy.Result{{Set: "gen3", Rule: "untrusted_code", Kind: policy.Deny, Message: "no"}}})
	if err != nil {
		t.Fatal(err)
	}
	planned := func(state store.RunState) store.Run { return store.Run{State: state} }
	planTime := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	outputsChanged := json.RawMessage(`{"Update":1,"Outputs":[{"Name":"vpc_id","Action":"update"}]}`)
	good := func() applyFacts {
		return applyFacts{
			Author: "octocat", HeadSHA: head,
			Approvals:  []Approval{{Reviewer: "alice", CommitID: head}},
			Mergeable:  &yes,
			Undiverged: true,
			Runs: map[string]store.Run{
				"vpc": planned(store.RunApplied),
				"eks": planned(store.RunPlanned),
			},
			Dependencies: map[string][]string{"eks": {"vpc", "iam"}},
			PolicySets:   []policy.Set{{Name: "gen3", Approvals: 1}},
		}
	}
	tests := []struct {
		name     string
		rule     config.ApplyRule
		edit     func(f *applyFacts)
		applying []string
		want     []string // parts of each unmet requirement, in order
	}{
		{"all met", all, func(*applyFacts) {}, nil, nil},
		{"no plan at the head", all, func(f *applyFacts) { delete(f.Runs, "eks") }, nil, []string{"`fresh_plan`: it has no plan at this commit"}},
		{"a failed plan", all, func(f *applyFacts) { f.Runs["eks"] = planned(store.RunFailed) }, nil, []string{"`fresh_plan`: its plan at this commit is failed"}},
		{"fresh_plan even when not listed", config.ApplyRule{}, func(f *applyFacts) { f.Runs["eks"] = planned(store.RunBlocked) }, nil, []string{"`fresh_plan`: its plan at this commit is blocked"}},
		{"approval of an older commit", all, func(f *applyFacts) { f.Approvals[0].CommitID = old }, nil, []string{"`approved`: 1 approving review of this commit by someone other than the author, 0 so far"}},
		{"the author's own approval", all, func(f *applyFacts) { f.Approvals[0].Reviewer = "OctoCat" }, nil, []string{"`approved`: 1 approving review"}},
		{"one reviewer twice for two", config.ApplyRule{Approvals: 2, Requirements: []config.Requirement{config.RequireApproved}}, func(f *applyFacts) {
			f.Approvals = append(f.Approvals, Approval{Reviewer: "Alice", CommitID: head})
		}, nil, []string{"`approved`: 2 approving reviews of this commit by someone other than the author, 1 so far"}},
		{"not mergeable", all, func(f *applyFacts) { f.Mergeable = &no }, nil, []string{"`mergeable`: GitHub says the pull request cannot be merged"}},
		{"mergeable unknown", all, func(f *applyFacts) { f.Mergeable = nil }, nil, []string{"`mergeable`: GitHub has not yet said"}},
		{"diverged", all, func(f *applyFacts) { f.Undiverged = false }, nil, []string{"`undiverged`: the base branch has commits"}},
		{"a failing policy set", all, func(f *applyFacts) { f.Runs["eks"] = store.Run{State: store.RunPlanned, Policy: denied} }, nil, []string{"`policies_passed`: policy set `gen3` fails"}},
		{"an overridden policy set", all, func(f *applyFacts) {
			f.Runs["eks"] = store.Run{State: store.RunPlanned, Policy: denied}
			f.PolicyApprovals = map[string][]string{"gen3": {"alice"}}
		}, nil, nil},
		{"a plan made with mock outputs", config.ApplyRule{}, func(f *applyFacts) {
			f.Runs["eks"] = store.Run{State: store.RunPlanned, MockedFrom: []string{"vpc"}}
		}, nil, []string{"`fresh_plan`: its plan used mock outputs of `vpc`, which had no state then; apply that dependency first, then plan this unit again"}},
		{"a dependency applied since the plan, changing outputs", all, func(f *applyFacts) {
			f.PlannedAt = map[string]time.Time{"eks": planTime}
			f.Runs["vpc"] = store.Run{State: store.RunApplied, UpdatedAt: planTime.Add(time.Minute), Summary: outputsChanged}
		}, nil, []string{"`fresh_plan`: its dependency `vpc` was applied after this plan was made, and changed its outputs"}},
		{"a dependency applied since the plan, outputs unchanged", all, func(f *applyFacts) {
			f.PlannedAt = map[string]time.Time{"eks": planTime}
			f.Runs["vpc"] = store.Run{State: store.RunApplied, UpdatedAt: planTime.Add(time.Minute), Summary: json.RawMessage(`{"Update":1}`)}
		}, nil, nil},
		{"a dependency applied before the plan", all, func(f *applyFacts) {
			f.PlannedAt = map[string]time.Time{"eks": planTime}
			f.Runs["vpc"] = store.Run{State: store.RunApplied, UpdatedAt: planTime.Add(-time.Minute), Summary: outputsChanged}
		}, nil, nil},
		{"a dependency left unapplied", all, func(f *applyFacts) { f.Runs["vpc"] = planned(store.RunPlanned) }, nil, []string{"`dependencies_applied`: its dependency `vpc` is not applied yet"}},
		{"a dependency applied together", all, func(f *applyFacts) { f.Runs["vpc"] = planned(store.RunPlanned) }, []string{"vpc"}, nil},
		{"requirements not asked for", config.ApplyRule{}, func(f *applyFacts) {
			f.Approvals, f.Mergeable, f.Undiverged = nil, &no, false
			f.Runs["vpc"] = planned(store.RunPlanned)
		}, nil, nil},
		{"everything at once", all, func(f *applyFacts) {
			f.Approvals, f.Mergeable, f.Undiverged = nil, &no, false
		}, nil, []string{"`approved`", "`mergeable`", "`undiverged`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := good()
			tt.edit(&f)
			applying := map[string]bool{"eks": true}
			for _, u := range tt.applying {
				applying[u] = true
			}
			got := f.unmet(tt.rule, "eks", applying)
			if len(got) != len(tt.want) {
				t.Fatalf("unmet = %q, want %d like %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("unmet[%d] = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}
