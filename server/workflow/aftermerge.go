package workflow

import (
	"fmt"
	"slices"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/store"
)

// afterMergeLeft is what to do about units a merged pull request left
// unapplied: it cannot be planned again, and its locks are released.
const afterMergeLeft = "The pull request is merged, so it cannot be planned again here: the change is on the base branch, unapplied. " +
	"Open a pull request that touches these units (a fix, or a revert) and plan again there; its plan includes this change."

// pullRequestState says why the pull request's state forbids the apply,
// "" when it does not: a comment applies an open pull request, an apply
// after merge a merged one.
func pullRequestState(req ApplyRequest, pr PullRequest) string {
	switch {
	case req.AfterMerge && !pr.Merged:
		return "the pull request was closed without being merged"
	case !req.AfterMerge && !pr.Open:
		return "the pull request is closed"
	}
	return ""
}

// mergedOnto returns the commit a merged pull request went onto: its
// merge commit's first parent, which the merge strategy's plans must have
// been made on (a squash or a merge commit has it; a rebase of several
// commits does not, so its plans are refused as made on another base).
func mergedOnto(repo *gitrepo.Repo, mergeCommit string) (string, error) {
	if mergeCommit == "" {
		return "", fmt.Errorf("GitHub does not say which commit merged the pull request, so csocbot cannot tell what its plans were made on")
	}
	h, err := repo.ResolveCommit(mergeCommit + "^1")
	if err != nil {
		return "", fmt.Errorf("csocbot cannot read the merge commit `%s` on the base branch (%v); was the branch rewritten?", short(mergeCommit), err)
	}
	return h.String(), nil
}

// rules are each unit's apply rule. After a merge, branch protection
// decided approved and mergeable: the merge is the approval.
func (a *Apply) rules(req ApplyRequest, units []detect.Unit) map[string]config.ApplyRule {
	out := map[string]config.ApplyRule{}
	for _, u := range units {
		r := a.Config.ApplyRuleOf(req.Change.Repo, u.Path)
		if req.AfterMerge {
			r.Requirements = slices.DeleteFunc(slices.Clone(r.Requirements), func(q config.Requirement) bool {
				return q == config.RequireApproved || q == config.RequireMergeable
			})
		}
		out[u.Path] = r
	}
	return out
}

// complete reports whether, after run, every unit the pull request
// affects is applied at the head or had nothing to apply.
func (c checked) complete(run *engine.Run) bool {
	if c.broken || len(c.affected) == 0 {
		return false
	}
	applied := map[string]bool{}
	for _, res := range run.Results {
		applied[res.Path] = res.Status == engine.Applied
	}
	for _, u := range c.affected {
		if ok, ran := applied[u]; ran {
			if !ok {
				return false
			}
			continue
		}
		if st := c.runs[u].State; st != store.RunApplied && st != store.RunNoChanges {
			return false
		}
	}
	return true
}

func unitPaths(units []detect.Unit) []string {
	out := make([]string, len(units))
	for i, u := range units {
		out[i] = u.Path
	}
	return out
}
