package workflow

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/csocbot/csocbot/planner/comment"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/workflow/policycheck"
)

// policyCheck is the policy checks of one plan: a policycheck.Checker
// with the pull request's part of the input and the overrides given at
// its head.
type policyCheck struct {
	*policycheck.Checker
	pr policy.PR
	// approvals are the set owners' approve_policies at the head, by set.
	approvals map[string][]string
}

// newPolicyCheck gathers what every unit's input shares: the pull request,
// its approving reviews (with the approvers' teams among those the policy
// sets name), the changed files, and the overrides given at the head.
// Without PullRequests the input's pull request is the change's revisions.
func (p *Plan) newPolicyCheck(ctx context.Context, c Change, files fs.FS, found *detect.Result) (*policyCheck, error) {
	in := policy.PR{
		Repo: c.Repo, Number: c.PR,
		Base:         policy.GitRef{Ref: c.BaseRef},
		Head:         policy.GitRef{Ref: c.HeadRef, SHA: c.HeadSHA},
		ChangedFiles: policycheck.ChangedFiles(found.Changes),
	}
	if p.PullRequests != nil && c.PR > 0 {
		if err := p.readPullRequest(ctx, c, &in); err != nil {
			return nil, err
		}
	}
	approvals := map[string][]string{}
	if p.Store != nil {
		var err error
		if approvals, err = ApprovalsAt(ctx, p.Store, c.Repo, c.PR, c.HeadSHA); err != nil {
			return nil, err
		}
	}
	sets := p.Policies.Sets()
	check := &policyCheck{pr: in, approvals: approvals}
	check.Checker = policycheck.New(p.Policies, policycheck.Options{
		PR: in, Files: files, Logger: p.Logger, Modules: p.Engine.ModuleReader(),
		Place: func(unit string) policy.Unit {
			e := p.Config.PlacementOf(c.Repo, unit)
			creds, _ := p.Config.Credentials.Profile(p.Config.CredentialsOf(c.Repo, unit))
			return policy.Unit{Environment: e.Name, Account: e.Account, Region: e.Region, Tags: e.Tags,
				Credentials: policycheck.Credentials(creds)}
		},
		Overridden: func(set string) bool { return SetOverridden(sets, set, approvals) },
	})
	return check, nil
}

// readPullRequest fills in the pull request's author, labels, branches
// and approving reviews, with each approver's teams among those the
// policy sets name.
func (p *Plan) readPullRequest(ctx context.Context, c Change, in *policy.PR) error {
	pr, err := p.PullRequests.PullRequest(ctx, c.Repo, c.PR)
	if err != nil {
		return fmt.Errorf("read pull request %s#%d for the policy checks: %w", c.Repo, c.PR, err)
	}
	reviews, err := p.PullRequests.Approvals(ctx, c.Repo, c.PR)
	if err != nil {
		return fmt.Errorf("read the reviews of %s#%d for the policy checks: %w", c.Repo, c.PR, err)
	}
	in.Author, in.Labels = pr.Author, pr.Labels
	in.Base = policy.GitRef{Ref: pr.BaseRef, SHA: pr.BaseSHA}
	in.Head.Ref = pr.HeadRef
	teams, named := NewTeams(p.PullRequests), policyTeams(p.Policies.Sets())
	for _, r := range reviews {
		a := policy.Approval{User: r.Reviewer, SHA: r.CommitID}
		for _, team := range named {
			member, err := teams.Member(ctx, team, r.Reviewer)
			if err != nil {
				return err
			}
			if member {
				a.Teams = append(a.Teams, team)
			}
		}
		in.Approvals = append(in.Approvals, a)
	}
	return nil
}

// policyTeams are the teams the policy sets name, as first written, in
// order: the teams an approver's membership is checked in.
func policyTeams(sets []policy.Set) []string {
	var out []string
	for _, set := range sets {
		for _, t := range set.Teams {
			if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, t) }) {
				out = append(out, t)
			}
		}
	}
	return out
}

// ApprovalsAt returns the approvers of each policy set at a pull request
// head.
func ApprovalsAt(ctx context.Context, st ApprovalReader, repo string, pr int, head string) (map[string][]string, error) {
	list, err := st.PolicyApprovals(ctx, repo, pr, head)
	if err != nil {
		return nil, fmt.Errorf("read the policy approvals of %s#%d: %w", repo, pr, err)
	}
	out := map[string][]string{}
	for _, a := range list {
		out[a.Set] = append(out[a.Set], a.Approver)
	}
	return out, nil
}

// SetOverridden reports whether enough owners approved the set name.
func SetOverridden(sets []policy.Set, name string, approvals map[string][]string) bool {
	for _, s := range sets {
		if s.Name == name {
			return s.Approvals > 0 && len(approvals[name]) >= s.Approvals
		}
	}
	return false
}

// PolicyState is the state and description of the policy status of a
// verdict, given the approvals at the head.
func PolicyState(v policycheck.Verdict, sets []policy.Set, approvals map[string][]string) (State, string) {
	var open, overridden []string
	for _, name := range v.Sets() {
		if SetOverridden(sets, name, approvals) {
			overridden = append(overridden, name)
		} else {
			open = append(open, name)
		}
	}
	switch {
	case len(open) > 0:
		var parts []string
		for _, name := range open {
			need := 0
			for _, s := range sets {
				if s.Name == name {
					need = s.Approvals
				}
			}
			part := fmt.Sprintf("%s fails in %d %s", name, len(v.Failing[name]), pluralize(len(v.Failing[name]), "unit"))
			if need > 0 {
				part += fmt.Sprintf(" (%d of %d owner approvals)", len(approvals[name]), need)
			}
			parts = append(parts, part)
		}
		return Failure, strings.Join(parts, "; ")
	case len(overridden) > 0:
		var parts []string
		for _, name := range overridden {
			parts = append(parts, fmt.Sprintf("%s overridden by %s", name, strings.Join(approvals[name], ", ")))
		}
		return Success, strings.Join(parts, "; ")
	case v.Units == 0:
		return Success, "No policy set applies to the planned units"
	}
	desc := fmt.Sprintf("%d %s passed", v.Units, pluralize(v.Units, "unit"))
	if v.Warnings > 0 {
		desc += fmt.Sprintf(" (%d %s)", v.Warnings, pluralize(v.Warnings, "warning"))
	}
	return Success, desc
}

func pluralize(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// addToReport adds the policy results and notes to a plan report.
func (c *policyCheck) addToReport(rep *comment.Report, sets []policy.Set, prefix, head string) {
	c.AddToReport(rep)
	rep.PolicyNotes = policyNotes(policycheck.NewVerdict(c.All()), sets, c.approvals, prefix, c.pr.Author, head)
}

// policyNotes tells the reader of a plan comment which sets fail and who
// may override them, and how. Logins are code spans, so that the comment
// does not notify the owners at every plan.
func policyNotes(v policycheck.Verdict, sets []policy.Set, approvals map[string][]string, prefix, author, head string) []string {
	var notes []string
	for _, name := range v.Sets() {
		var set policy.Set
		if i := slices.IndexFunc(sets, func(s policy.Set) bool { return s.Name == name }); i >= 0 {
			set = sets[i]
		}
		units := len(v.Failing[name])
		if SetOverridden(sets, name, approvals) {
			notes = append(notes, fmt.Sprintf("☑️ **Policy set `%s` fails for %d %s but is overridden** at `%s` by %s.",
				name, units, pluralize(units, "unit"), short(head), logins(approvals[name])))
			continue
		}
		note := fmt.Sprintf("❌ **Policy set `%s` fails for %d %s.** ", name, units, pluralize(units, "unit"))
		if set.Approvals == 0 {
			note += "Its failures cannot be overridden: change the pull request so that it passes."
		} else {
			note += fmt.Sprintf("To override it at this commit it needs %d %s from %s: comment `%s approve_policies %s`.",
				set.Approvals, pluralize(set.Approvals, "approval"), Approvers(set), prefix, name)
			if got := len(approvals[name]); got > 0 {
				note += fmt.Sprintf(" Approved so far by %s.", logins(approvals[name]))
			}
			if !set.AuthorMayApprove {
				note += fmt.Sprintf(" The author (`%s`) cannot approve.", author)
			}
			note += " A new commit needs new approvals."
		}
		notes = append(notes, note)
	}
	return notes
}

// Approvers names who may approve a set's failures.
func Approvers(set policy.Set) string {
	var who []string
	for _, o := range set.Owners {
		who = append(who, "`"+o+"`")
	}
	for _, t := range set.Teams {
		who = append(who, "members of `"+t+"`")
	}
	if len(who) == 0 {
		return "nobody"
	}
	return strings.Join(who, ", ")
}

func logins(users []string) string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = "`" + u + "`"
	}
	return strings.Join(out, ", ")
}
