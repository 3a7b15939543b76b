package workflow

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/planner/plansummary"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/workflow/policycheck"
	"github.com/csocbot/csocbot/store"
)

// applyFacts are what the apply requirements are checked against, read
// once when the command is given.
type applyFacts struct {
	Author  string // the pull request's
	HeadSHA string
	// Approvals are the approving reviews, with the commit each approved.
	Approvals []Approval
	// Mergeable is GitHub's answer; nil while GitHub has none yet.
	Mergeable *bool
	// Undiverged is whether the head contains the base branch's latest
	// commit.
	Undiverged bool
	// Runs are each unit's run at the head.
	Runs map[string]store.Run
	// PlannedAt is when each unit's saved plan was made, where it is kept.
	PlannedAt map[string]time.Time
	// Dependencies are each affected unit's dependencies.
	Dependencies map[string][]string
	// Owners are the code owners of the units' changed paths, where a
	// rule asks for their approval.
	Owners *ownerFacts
	// PolicySets and PolicyApprovals decide whether a failing set was
	// overridden at the head.
	PolicySets      []policy.Set
	PolicyApprovals map[string][]string
}

// unmet lists, in the rule's words, each requirement the unit does not
// meet; applying are the units this same command applies, so a
// dependency among them counts as applied first.
func (f applyFacts) unmet(rule config.ApplyRule, unit string, applying map[string]bool) []string {
	var out []string
	run, planned := f.Runs[unit]
	if rule.Requires(config.RequireFreshPlan) && (!planned || run.State != store.RunPlanned) {
		what := "it has no plan at this commit"
		if planned {
			what = fmt.Sprintf("its plan at this commit is %s", strings.ReplaceAll(string(run.State), "_", " "))
		}
		out = append(out, fmt.Sprintf("`fresh_plan`: %s (%s); comment `plan` and review the new plan", what, short(f.HeadSHA)))
	}
	if planned && len(run.MockedFrom) > 0 {
		// Applying it would write the mock values into real resources.
		out = append(out, fmt.Sprintf("`fresh_plan`: its plan used mock outputs of %s, which had no state then; apply %s first, then plan this unit again",
			codeList(run.MockedFrom), map[bool]string{true: "that dependency", false: "those dependencies"}[len(run.MockedFrom) == 1]))
	}
	out = append(out, f.staleOutputs(unit, run)...)
	if rule.Requires(config.RequireApproved) {
		if n := f.approvals(); n < rule.Approvals {
			out = append(out, fmt.Sprintf("`approved`: %d %s of this commit by someone other than the author, %d so far", rule.Approvals, pluralize(rule.Approvals, "approving review"), n))
		}
		out = append(out, f.codeOwnersUnmet(rule, unit)...)
	}
	if rule.Requires(config.RequireMergeable) && (f.Mergeable == nil || !*f.Mergeable) {
		why := "GitHub says the pull request cannot be merged"
		if f.Mergeable == nil {
			why = "GitHub has not yet said whether the pull request can be merged; try again in a minute"
		}
		out = append(out, "`mergeable`: "+why)
	}
	if rule.Requires(config.RequireUndiverged) && !f.Undiverged {
		out = append(out, "`undiverged`: the base branch has commits this pull request does not contain, and applying could undo them; merge or rebase the base branch, then plan again")
	}
	if rule.Requires(config.RequirePoliciesPassed) && planned {
		if open := f.failingSets(unit, run); len(open) > 0 {
			out = append(out, fmt.Sprintf("`policies_passed`: policy set %s fails and is not overridden at this commit", strings.Join(open, ", ")))
		}
	}
	if rule.Requires(config.RequireDependenciesApplied) {
		for _, d := range f.Dependencies[unit] {
			dep, changed := f.Runs[d]
			if !changed || applying[d] || dep.State == store.RunApplied || dep.State == store.RunNoChanges {
				continue
			}
			out = append(out, fmt.Sprintf("`dependencies_applied`: its dependency `%s` is not applied yet; apply it first, or together", d))
		}
	}
	return out
}

// staleOutputs says, in fresh_plan's words, which dependencies were
// applied after the unit's plan was made with changes to their outputs:
// the plan holds the values it read of them then, so applying it would
// write the old ones.
func (f applyFacts) staleOutputs(unit string, run store.Run) []string {
	at, ok := f.PlannedAt[unit]
	if !ok || run.State != store.RunPlanned {
		return nil
	}
	var out []string
	for _, d := range f.Dependencies[unit] {
		dep, ok := f.Runs[d]
		if !ok || dep.State != store.RunApplied || !dep.UpdatedAt.After(at) || slices.Contains(run.MockedFrom, d) || !changesOutputs(dep.Summary) {
			continue
		}
		out = append(out, fmt.Sprintf("`fresh_plan`: its dependency `%s` was applied after this plan was made, and changed its outputs, which this plan may have read; comment `plan` and review the new plan", d))
	}
	return out
}

// changesOutputs reports whether a plan summary (a run's Summary) changes
// any output; one that cannot be read is taken to.
func changesOutputs(summary json.RawMessage) bool {
	var s plansummary.Summary
	if err := json.Unmarshal(summary, &s); err != nil {
		return true
	}
	return len(s.Outputs) > 0
}

// approvals counts the reviewers other than the author who approved the
// head itself: a review of an older commit is stale.
func (f applyFacts) approvals() int { return len(f.approvers()) }

// approvers are those reviewers, in lower case.
func (f applyFacts) approvers() []string {
	var who []string
	for _, a := range f.Approvals {
		if a.CommitID == f.HeadSHA && !strings.EqualFold(a.Reviewer, f.Author) && !slices.Contains(who, strings.ToLower(a.Reviewer)) {
			who = append(who, strings.ToLower(a.Reviewer))
		}
	}
	return who
}

// failingSets are the policy sets that fail the unit's run and are not
// overridden, in the backquoted form replies use.
func (f applyFacts) failingSets(unit string, run store.Run) []string {
	if len(run.Policy) == 0 {
		return nil
	}
	var results policycheck.UnitResults
	if err := json.Unmarshal(run.Policy, &results); err != nil {
		return []string{"(unreadable policy results: plan again)"}
	}
	var open []string
	for _, name := range policycheck.NewVerdict(map[string]*policycheck.UnitResults{unit: &results}).Sets() {
		if !SetOverridden(f.PolicySets, name, f.PolicyApprovals) {
			open = append(open, "`"+name+"`")
		}
	}
	return open
}
