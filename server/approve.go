package server

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/workflow"
	"github.com/csocbot/csocbot/server/workflow/policycheck"
	"github.com/csocbot/csocbot/store"
)

// approvePolicies records the commenter's approval of failing policy sets
// at the pull request's head, for the sets named (or, with none named,
// every failing set the commenter owns), and returns the reply. Once a
// set has enough approvals its failures are overridden at that head:
// the csocbot/policy status is updated, and units a pre-plan policy
// blocked are planned again.
func (s *Server) approvePolicies(ctx context.Context, c commentJob, named []string) (string, error) {
	if s.policies == nil || len(s.policies.Sets()) == 0 {
		return "No policy sets are configured on this server, so there is nothing to approve.", nil
	}
	repo, err := vcs.ParseRepo(c.Repo)
	if err != nil {
		return "", err
	}
	pr, err := s.gh.PullRequest(ctx, repo, c.PR)
	if err != nil {
		return "", fmt.Errorf("read pull request %s#%d: %w", c.Repo, c.PR, err)
	}
	head := pr.Head.SHA
	runs, err := s.store.Runs(ctx, c.Repo, c.PR, head)
	if err != nil {
		return "", err
	}
	units, err := storedPolicy(runs)
	if err != nil {
		return "", err
	}
	switch {
	case len(runs) == 0:
		return fmt.Sprintf("csocbot has not checked `%s`, the pull request's latest commit, yet. Wait for its plan comment, then approve.", short(head)), nil
	case len(units) == 0:
		return fmt.Sprintf("No policy set applies to the units planned at `%s`: there is nothing to approve.", short(head)), nil
	}
	v := policycheck.NewVerdict(units)
	failing := v.Sets()
	var targets []policy.Set
	var lines []string
	for _, name := range named {
		set, ok := s.policySet(name)
		switch {
		case !ok:
			lines = append(lines, fmt.Sprintf("There is no policy set `%s`. The sets are %s.", name, setNames(s.policies.Sets())))
		case !slices.Contains(failing, name):
			lines = append(lines, fmt.Sprintf("Policy set `%s` passes at `%s`: there is nothing to approve.", name, short(head)))
		default:
			targets = append(targets, set)
		}
	}
	teams := workflow.NewTeams(s.prs)
	if len(named) == 0 {
		for _, name := range failing {
			set, _ := s.policySet(name)
			if ok, _, err := s.mayApprove(ctx, teams, set, c.Author, pr.Author); err != nil {
				return "", err
			} else if ok {
				targets = append(targets, set)
			}
		}
		if len(targets) == 0 {
			if len(failing) == 0 {
				return fmt.Sprintf("No policy set fails at `%s`: there is nothing to approve.", short(head)), nil
			}
			return fmt.Sprintf("`%s` may not approve any of the failing policy sets:\n\n%s", c.Author, s.whoMayApprove(failing)), nil
		}
	}

	approvals, err := workflow.ApprovalsAt(ctx, s.store, c.Repo, c.PR, head)
	if err != nil {
		return "", err
	}
	approvedNow := false
	for _, set := range targets {
		ok, why, err := s.mayApprove(ctx, teams, set, c.Author, pr.Author)
		if err != nil {
			return "", err
		}
		if !ok {
			lines = append(lines, fmt.Sprintf("`%s` may not approve policy set `%s`: %s. %s", c.Author, set.Name, why, whoMayApproveSet(set)))
			continue
		}
		was := workflow.SetOverridden(s.policies.Sets(), set.Name, approvals)
		_, created, err := s.store.ApprovePolicy(ctx, store.PolicyApproval{
			Repo: c.Repo, PR: c.PR, HeadSHA: head, Set: set.Name, Approver: c.Author, CommentID: c.CommentID,
		})
		if err != nil {
			return "", err
		}
		if created {
			approvals[set.Name] = append(approvals[set.Name], c.Author)
		}
		got := len(approvals[set.Name])
		line := fmt.Sprintf("Recorded `%s`'s approval of policy set `%s` at `%s` (%d of %d needed).", c.Author, set.Name, short(head), got, set.Approvals)
		if !created {
			line = fmt.Sprintf("`%s` had already approved policy set `%s` at `%s` (%d of %d needed).", c.Author, set.Name, short(head), got, set.Approvals)
		}
		if workflow.SetOverridden(s.policies.Sets(), set.Name, approvals) {
			line += " Its failures are overridden at this commit; a new commit needs new approvals."
			approvedNow = approvedNow || !was
			if !was {
				s.notifyOverride(ctx, c, head, set.Name, approvals[set.Name])
			}
		}
		lines = append(lines, line)
		s.log.Info("policy approval", "repo", c.Repo, "pr", c.PR, "head", head, "set", set.Name, "approver", c.Author, "new", created)
	}

	if rc, _ := s.cfg.Repository(c.Repo); rc.Kind == config.KindGitOps {
		// The csocbot/values status and comment show overrides: check
		// the head again.
		if approvedNow {
			if err := s.queuePlan(ctx, planJob{Repo: c.Repo, PR: c.PR, HeadSHA: head, BaseRef: pr.Base.Ref, Trigger: "approve_policies by " + c.Author}); err != nil {
				return "", err
			}
			lines = append(lines, "csocbot checks the values again, with the override.")
		}
		return strings.Join(lines, "\n\n"), nil
	}
	state, desc := workflow.PolicyState(v, s.policies.Sets(), approvals)
	s.status(ctx, 0, repo, head, vcs.PolicyContext, vcs.StatusState(state), desc)
	if approvedNow && blockedUnitsCleared(runs, units, s.policies.Sets(), approvals) {
		err := s.queuePlan(ctx, planJob{
			Repo: c.Repo, PR: c.PR, HeadSHA: head, BaseRef: pr.Base.Ref,
			Trigger: "approve_policies by " + c.Author,
		})
		if err != nil {
			return "", err
		}
		lines = append(lines, "Units a policy blocked before planning are no longer blocked: csocbot plans the pull request again.")
	}
	return strings.Join(lines, "\n\n"), nil
}

// mayApprove reports whether login may approve set's failures on a pull
// request by author, and if not, why.
func (s *Server) mayApprove(ctx context.Context, teams *workflow.Teams, set policy.Set, login, author string) (bool, string, error) {
	if set.Approvals == 0 {
		return false, "its failures cannot be overridden", nil
	}
	if strings.EqualFold(login, author) && !set.AuthorMayApprove {
		return false, "the author of a pull request cannot approve it", nil
	}
	if slices.ContainsFunc(set.Owners, func(o string) bool { return strings.EqualFold(o, login) }) {
		return true, "", nil
	}
	for _, t := range set.Teams {
		member, err := teams.Member(ctx, t, login)
		if err != nil {
			return false, "", err
		}
		if member {
			return true, "", nil
		}
	}
	return false, "they are not one of its owners", nil
}

// whoMayApprove lists who may approve each set.
func (s *Server) whoMayApprove(names []string) string {
	var lines []string
	for _, name := range names {
		set, _ := s.policySet(name)
		lines = append(lines, "- "+whoMayApproveSet(set))
	}
	return strings.Join(lines, "\n")
}

func whoMayApproveSet(set policy.Set) string {
	if set.Approvals == 0 {
		return fmt.Sprintf("Policy set `%s` cannot be overridden.", set.Name)
	}
	s := fmt.Sprintf("Policy set `%s` needs %d %s from %s", set.Name, set.Approvals, pluralize(set.Approvals, "approval"), workflow.Approvers(set))
	if set.AuthorMayApprove {
		return s + "."
	}
	return s + ", other than the pull request's author."
}

// policySet returns the set named name.
func (s *Server) policySet(name string) (policy.Set, bool) {
	for _, set := range s.policies.Sets() {
		if set.Name == name {
			return set, true
		}
	}
	return policy.Set{}, false
}

func pluralize(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func setNames(sets []policy.Set) string {
	names := make([]string, len(sets))
	for i, s := range sets {
		names[i] = "`" + s.Name + "`"
	}
	return strings.Join(names, ", ")
}

// blockedUnitsCleared reports whether some unit blocked before its plan
// has no failing set left that is not overridden.
func blockedUnitsCleared(runs []store.Run, units map[string]*policycheck.UnitResults, sets []policy.Set, approvals map[string][]string) bool {
	for _, r := range runs {
		if r.State != store.RunBlocked || units[r.Unit] == nil {
			continue
		}
		cleared := true
		for _, res := range units[r.Unit].Results {
			if res.Blocking() && !workflow.SetOverridden(sets, res.Set, approvals) {
				cleared = false
			}
		}
		if cleared {
			return true
		}
	}
	return false
}
