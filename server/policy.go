package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/planner/comment"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/policy/check"
	"github.com/csocbot/csocbot/store"
)

// policyCheck is the policy checks of one plan job: a check.Checker with
// the pull request's part of the input and the overrides given at its head.
type policyCheck struct {
	*check.Checker
	pr policy.PR
	// approvals are the set owners' approve_policies at the head, by set.
	approvals map[string][]string
}

// newPolicyCheck gathers what every unit's input shares: the pull request,
// its approving reviews (with the approvers' teams among those the policy
// sets name), the changed files, and the overrides given at the head.
func (s *Server) newPolicyCheck(ctx context.Context, repo github.Repo, p planJob, files fs.FS, found *detect.Result) (*policyCheck, error) {
	pr, err := s.gh.PullRequest(ctx, repo, p.PR)
	if err != nil {
		return nil, fmt.Errorf("read pull request %s#%d for the policy checks: %w", repo, p.PR, err)
	}
	reviews, err := s.gh.Reviews(ctx, repo, p.PR)
	if err != nil {
		return nil, fmt.Errorf("read the reviews of %s#%d for the policy checks: %w", repo, p.PR, err)
	}
	in := policy.PR{
		Repo: p.Repo, Number: p.PR, Author: pr.Author, Labels: pr.Labels,
		Base:         policy.GitRef{Ref: pr.Base.Ref, SHA: pr.Base.SHA},
		Head:         policy.GitRef{Ref: pr.Head.Ref, SHA: p.HeadSHA},
		ChangedFiles: check.ChangedFiles(found.Changes),
	}
	teams, named := newTeamCache(s.gh), s.policyTeams()
	for _, r := range reviews {
		if r.State != github.ReviewApproved {
			continue
		}
		a := policy.Approval{User: r.Reviewer, SHA: r.CommitID}
		for _, team := range named {
			member, err := teams.member(ctx, team, r.Reviewer)
			if err != nil {
				return nil, err
			}
			if member {
				a.Teams = append(a.Teams, team)
			}
		}
		in.Approvals = append(in.Approvals, a)
	}
	approvals, err := s.policyApprovals(ctx, p.Repo, p.PR, p.HeadSHA)
	if err != nil {
		return nil, err
	}
	c := &policyCheck{pr: in, approvals: approvals}
	c.Checker = check.New(s.policies, check.Options{
		PR: in, Files: files, Logger: s.log, Modules: s.engine.ModuleReader(),
		Place: func(unit string) policy.Unit {
			e := s.cfg.PlacementOf(p.Repo, unit)
			return policy.Unit{Environment: e.Name, Account: e.Account, Region: e.Region, Tags: e.Tags}
		},
		Overridden: func(set string) bool { return setOverridden(s.policies.Sets(), set, approvals) },
	})
	return c, nil
}

// policyTeams are the teams the policy sets name, as first written, in
// order: the teams an approver's membership is checked in.
func (s *Server) policyTeams() []string {
	var out []string
	for _, set := range s.policies.Sets() {
		for _, t := range set.Teams {
			if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, t) }) {
				out = append(out, t)
			}
		}
	}
	return out
}

// policyApprovals returns the approvers of each set at a head.
func (s *Server) policyApprovals(ctx context.Context, repo string, pr int, head string) (map[string][]string, error) {
	list, err := s.store.PolicyApprovals(ctx, repo, pr, head)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, a := range list {
		out[a.Set] = append(out[a.Set], a.Approver)
	}
	return out, nil
}

// setOverridden reports whether enough owners approved the set name.
func setOverridden(sets []policy.Set, name string, approvals map[string][]string) bool {
	for _, s := range sets {
		if s.Name == name {
			return s.Approvals > 0 && len(approvals[name]) >= s.Approvals
		}
	}
	return false
}

// policyStatus is the csocbot/policy commit status of a verdict.
func policyStatus(v check.Verdict, sets []policy.Set, approvals map[string][]string) (github.StatusState, string) {
	var open, overridden []string
	for _, name := range v.Sets() {
		if setOverridden(sets, name, approvals) {
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
		return github.StatusFailure, strings.Join(parts, "; ")
	case len(overridden) > 0:
		var parts []string
		for _, name := range overridden {
			parts = append(parts, fmt.Sprintf("%s overridden by %s", name, strings.Join(approvals[name], ", ")))
		}
		return github.StatusSuccess, strings.Join(parts, "; ")
	case v.Units == 0:
		return github.StatusSuccess, "No policy set applies to the planned units"
	}
	desc := fmt.Sprintf("%d %s passed", v.Units, pluralize(v.Units, "unit"))
	if v.Warnings > 0 {
		desc += fmt.Sprintf(" (%d %s)", v.Warnings, pluralize(v.Warnings, "warning"))
	}
	return github.StatusSuccess, desc
}

func pluralize(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// report adds the policy results and notes to a plan report.
func (c *policyCheck) report(s *Server, rep *comment.Report, head string) {
	c.AddToReport(rep)
	rep.PolicyNotes = s.policyNotes(check.NewVerdict(c.All()), c.approvals, c.pr.Author, head)
}

// policyNotes tells the reader of a plan comment which sets fail and who
// may override them, and how. Logins are code spans, so that the comment
// does not notify the owners at every plan.
func (s *Server) policyNotes(v check.Verdict, approvals map[string][]string, author, head string) []string {
	var notes []string
	for _, name := range v.Sets() {
		set, _ := s.policySet(name)
		units := len(v.Failing[name])
		if setOverridden(s.policies.Sets(), name, approvals) {
			notes = append(notes, fmt.Sprintf("☑️ **Policy set `%s` fails for %d %s but is overridden** at `%s` by %s.",
				name, units, pluralize(units, "unit"), short(head), logins(approvals[name])))
			continue
		}
		note := fmt.Sprintf("❌ **Policy set `%s` fails for %d %s.** ", name, units, pluralize(units, "unit"))
		if set.Approvals == 0 {
			note += "Its failures cannot be overridden: change the pull request so that it passes."
		} else {
			note += fmt.Sprintf("To override it at this commit it needs %d %s from %s: comment `%s approve_policies %s`.",
				set.Approvals, pluralize(set.Approvals, "approval"), approversText(set), s.cfg.CommandPrefix, name)
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

// policySet returns the set named name.
func (s *Server) policySet(name string) (policy.Set, bool) {
	for _, set := range s.policies.Sets() {
		if set.Name == name {
			return set, true
		}
	}
	return policy.Set{}, false
}

// approversText names who may approve a set's failures.
func approversText(set policy.Set) string {
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

// policyJSON is the run record's copy of a unit's results.
func policyJSON(up *check.UnitResults) (json.RawMessage, error) {
	if up == nil {
		return nil, nil
	}
	return json.Marshal(up)
}

// storedPolicy reads the unit results of the runs at one head.
func storedPolicy(runs []store.Run) (map[string]*check.UnitResults, error) {
	out := map[string]*check.UnitResults{}
	for _, r := range runs {
		if r.Policy == nil {
			continue
		}
		var up check.UnitResults
		if err := json.Unmarshal(r.Policy, &up); err != nil {
			return nil, fmt.Errorf("read the policy results of %s: %w", r.Unit, err)
		}
		out[r.Unit] = &up
	}
	return out, nil
}

// teamCache answers team membership questions once per job.
type teamCache struct {
	gh   github.Client
	seen map[string]bool
}

func newTeamCache(gh github.Client) *teamCache {
	return &teamCache{gh: gh, seen: map[string]bool{}}
}

// member reports whether user belongs to team ("org/team").
func (t *teamCache) member(ctx context.Context, team, user string) (bool, error) {
	key := strings.ToLower(team + "\x00" + user)
	if m, ok := t.seen[key]; ok {
		return m, nil
	}
	org, slug, _ := strings.Cut(team, "/")
	m, err := t.gh.IsTeamMember(ctx, org, slug, user)
	if err != nil {
		return false, fmt.Errorf("check whether %s is a member of %s: %w", user, team, err)
	}
	t.seen[key] = m
	return m, nil
}
