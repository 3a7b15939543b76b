package workflow

import (
	"slices"
	"testing"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/store"
)

func TestAfterMergeLeavesApprovedAndMergeableToBranchProtection(t *testing.T) {
	all := []config.Requirement{config.RequireApproved, config.RequireMergeable, config.RequireFreshPlan, config.RequireUndiverged}
	a := &Apply{Config: &config.Config{Apply: config.Apply{Default: config.ApplyRule{Requirements: all, Approvals: 2, CodeOwners: true}}}}
	units := []detect.Unit{{Path: "vpc"}}
	if got := a.rules(ApplyRequest{}, units)["vpc"].Requirements; !slices.Equal(got, all) {
		t.Errorf("on comment: %v, want %v", got, all)
	}
	got := a.rules(ApplyRequest{AfterMerge: true}, units)["vpc"].Requirements
	if want := []config.Requirement{config.RequireFreshPlan, config.RequireUndiverged}; !slices.Equal(got, want) {
		t.Errorf("after merge: %v, want %v", got, want)
	}
	if !slices.Equal(a.Config.Apply.Default.Requirements, all) {
		t.Error("the configuration's rule was changed")
	}
}

func TestPullRequestState(t *testing.T) {
	tests := []struct {
		afterMerge, open, merged bool
		want                     string
	}{
		{false, true, false, ""},
		{false, false, true, "the pull request is closed"},
		{true, false, true, ""},
		{true, false, false, "the pull request was closed without being merged"},
	}
	for _, tt := range tests {
		if got := pullRequestState(ApplyRequest{AfterMerge: tt.afterMerge}, PullRequest{Open: tt.open, Merged: tt.merged}); got != tt.want {
			t.Errorf("after merge %v, open %v, merged %v: %q, want %q", tt.afterMerge, tt.open, tt.merged, got, tt.want)
		}
	}
}

func TestComplete(t *testing.T) {
	run := func(st ...engine.Status) *engine.Run {
		r := &engine.Run{}
		for i, s := range st {
			r.Results = append(r.Results, &engine.Result{Path: []string{"a", "b"}[i], Status: s})
		}
		return r
	}
	before := map[string]store.Run{"a": {State: store.RunPlanned}, "b": {State: store.RunPlanned}, "c": {State: store.RunNoChanges}, "d": {State: store.RunApplied}}
	tests := []struct {
		name string
		c    checked
		run  *engine.Run
		want bool
	}{
		{"all applied now or before", checked{affected: []string{"a", "b", "c", "d"}, runs: before}, run(engine.Applied, engine.Applied), true},
		{"one failed", checked{affected: []string{"a", "b"}, runs: before}, run(engine.Applied, engine.Failed), false},
		{"one skipped", checked{affected: []string{"a", "b"}, runs: before}, run(engine.Applied, engine.Skipped), false},
		{"one left planned", checked{affected: []string{"a", "b"}, runs: before}, run(engine.Applied), false},
		{"one never planned", checked{affected: []string{"a", "e"}, runs: before}, run(engine.Applied), false},
		{"a unit could not be worked out", checked{affected: []string{"a"}, runs: before, broken: true}, run(engine.Applied), false},
	}
	for _, tt := range tests {
		if got := tt.c.complete(tt.run); got != tt.want {
			t.Errorf("%s: complete = %v, want %v", tt.name, got, tt.want)
		}
	}
}
