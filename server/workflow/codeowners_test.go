package workflow

import (
	"slices"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/notify/vcs/codeowners"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/terragrunt"
	"github.com/csocbot/csocbot/store"
)

func TestCodeOwnersRequirement(t *testing.T) {
	const head = "1111111111"
	rule := config.ApplyRule{Approvals: 1, CodeOwners: true, Requirements: []config.Requirement{config.RequireApproved}}
	good := func() applyFacts {
		return applyFacts{
			Author: "octocat", HeadSHA: head,
			Approvals: []Approval{{Reviewer: "alice", CommitID: head}},
			Runs:      map[string]store.Run{"vpc": {State: store.RunPlanned}},
			Owners: &ownerFacts{
				File: ".github/CODEOWNERS",
				Paths: map[string]map[string][]codeowners.Owner{"vpc": {
					"vpc/terragrunt.hcl":  {"alice", "csoc/infra"},
					"vpc/vars.hcl":        {"csoc/infra"},
					"modules/vpc/main.tf": {"bob"},
				}},
				Approved: map[string]bool{"alice": true, "csoc/infra": true, "bob": true},
			},
		}
	}
	tests := []struct {
		name string
		rule config.ApplyRule
		edit func(f *applyFacts)
		want []string
	}{
		{"every path approved", rule, func(*applyFacts) {}, nil},
		{"a user owner missing", rule, func(f *applyFacts) { delete(f.Owners.Approved, "bob") },
			[]string{"`approved`: @bob must approve this commit, as code owners (.github/CODEOWNERS) of `modules/vpc/main.tf`"}},
		{"one of two owners is enough", rule, func(f *applyFacts) { delete(f.Owners.Approved, "csoc/infra") },
			[]string{"`approved`: @csoc/infra must approve this commit, as code owners (.github/CODEOWNERS) of `vpc/vars.hcl`"}},
		{"paths grouped by their owners", rule, func(f *applyFacts) {
			f.Owners.Approved = map[string]bool{}
			f.Owners.Paths["vpc"]["vpc/outputs.tf"] = []codeowners.Owner{"csoc/infra"}
		}, []string{
			"`approved`: @bob must approve this commit, as code owners (.github/CODEOWNERS) of `modules/vpc/main.tf`",
			"`approved`: @csoc/infra must approve this commit, as code owners (.github/CODEOWNERS) of `vpc/outputs.tf`, `vpc/vars.hcl`",
			"`approved`: @alice or @csoc/infra must approve this commit, as code owners (.github/CODEOWNERS) of `vpc/terragrunt.hcl`",
		}},
		{"no CODEOWNERS in the base", rule, func(f *applyFacts) { f.Owners = &ownerFacts{} },
			[]string{"`approved`: code owners must approve, but the base branch has no CODEOWNERS file (.github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS)"}},
		{"no changed path has owners", rule, func(f *applyFacts) { f.Owners.Paths = map[string]map[string][]codeowners.Owner{} }, nil},
		{"not asked for", config.ApplyRule{Approvals: 1, Requirements: []config.Requirement{config.RequireApproved}}, func(f *applyFacts) {
			f.Owners.Approved = map[string]bool{}
		}, nil},
		{"the count and the owners both", config.ApplyRule{Approvals: 2, CodeOwners: true, Requirements: []config.Requirement{config.RequireApproved}}, func(f *applyFacts) {
			delete(f.Owners.Approved, "bob")
		}, []string{"`approved`: 2 approving reviews", "`approved`: @bob must approve"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := good()
			tt.edit(&f)
			got := f.unmet(tt.rule, "vpc", map[string]bool{"vpc": true})
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

func TestApproversLeaveOutTheAuthorAndOlderCommits(t *testing.T) {
	f := applyFacts{Author: "octocat", HeadSHA: "h", Approvals: []Approval{
		{Reviewer: "Alice", CommitID: "h"}, {Reviewer: "OctoCat", CommitID: "h"}, {Reviewer: "bob", CommitID: "old"}, {Reviewer: "alice", CommitID: "h"},
	}}
	if got := f.approvers(); !slices.Equal(got, []string{"alice"}) {
		t.Errorf("approvers = %q, want alice", got)
	}
}

func TestUnitChanges(t *testing.T) {
	units := []detect.Unit{
		{Path: "live/prod/vpc", Modules: []string{"modules/vpc"}, Config: &terragrunt.Config{Reads: []terragrunt.FileRead{{Path: "live/prod/vpc/terragrunt.hcl"}, {Path: "live/prod/env.hcl"}}}},
		{Path: "live/prod/vpc/peering"},
		{Path: "live/prod/eks", Dependencies: []string{"live/prod/vpc"}},
	}
	changes := []gitrepo.Change{
		{Path: "live/prod/vpc/terragrunt.hcl"},
		{Path: "live/prod/vpc/peering/terragrunt.hcl"},
		{Path: "live/prod/env.hcl"},
		{Path: "modules/vpc/main.tf"},
		{Path: "modules/vpcx/main.tf"},
		{Path: "live/prod/vpc/new.hcl", From: "live/prod/old.hcl", Kind: gitrepo.Renamed},
		{Path: "README.md"},
	}
	want := []string{"live/prod/env.hcl", "live/prod/vpc/new.hcl", "live/prod/vpc/terragrunt.hcl", "modules/vpc/main.tf"}
	if got := unitChanges(units, units[0], changes); !slices.Equal(got, want) {
		t.Errorf("vpc's changes = %q, want %q", got, want)
	}
	if got := unitChanges(units, units[2], changes); len(got) != 0 {
		t.Errorf("eks's changes = %q, want none: it is affected through its dependency only", got)
	}
	if got := unitChanges([]detect.Unit{{Path: "."}}, detect.Unit{Path: "."}, changes[:1]); !slices.Equal(got, []string{"live/prod/vpc/terragrunt.hcl"}) {
		t.Errorf("a root at the repository's root: %q", got)
	}
}
