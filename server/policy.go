package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/planner/comment"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/policy/planinput"
	"github.com/csocbot/csocbot/store"
)

// unitPolicy is what the policy sets said about one unit. It is kept as
// JSON in the unit's run record.
type unitPolicy struct {
	// Moment is "pre-plan" when only the rules that need no plan ran (the
	// unit was blocked, or its plan failed or was skipped), "post-plan"
	// when every rule ran on the plan.
	Moment  string          `json:"moment"`
	Results []policy.Result `json:"results"`
}

// policyCheck runs the policy sets over the units of one plan job: before
// each unit's plan as the engine's gate, and on each plan afterwards.
type policyCheck struct {
	s     *Server
	pr    policy.PR
	files fs.FS
	// approvals are the set owners' approve_policies at the head, by set.
	approvals map[string][]string

	mu    sync.Mutex
	units map[string]*unitPolicy
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
		ChangedFiles: planinput.ChangedFiles(found.Changes),
	}
	teams := newTeamCache(s.gh)
	for _, r := range reviews {
		if r.State != github.ReviewApproved {
			continue
		}
		a := policy.Approval{User: r.Reviewer, SHA: r.CommitID}
		for _, team := range s.policyTeams() {
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
	return &policyCheck{s: s, pr: in, files: files, approvals: approvals, units: map[string]*unitPolicy{}}, nil
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

// input is the document for unit u, without a plan.
func (c *policyCheck) input(u detect.Unit) policy.Input {
	place := c.s.cfg.PlacementOf(c.pr.Repo, u.Path)
	in := policy.Input{
		Version: policy.InputVersion,
		PR:      c.pr,
		Unit: policy.Unit{Path: u.Path, Kind: string(u.Kind), Environment: place.Name,
			Account: place.Account, Region: place.Region, Tags: place.Tags},
	}
	cfg, err := planinput.Config(c.files, u.Path, u.Config)
	if err != nil {
		// The rules see what could be read; terraform reports the file
		// that does not parse when the unit is planned.
		c.s.log.Warn("policy input is incomplete", "unit", u.Path, "error", err)
	}
	in.Config = cfg
	return in
}

// evaluate runs the sets at moment m and keeps the results for the unit,
// unless no set applies to it.
func (c *policyCheck) evaluate(ctx context.Context, unit string, in policy.Input, m policy.Moment) []policy.Result {
	if !slices.ContainsFunc(c.s.policies.Sets(), func(s policy.Set) bool { return s.AppliesTo(in.PR.Repo, in.Unit.Environment) }) {
		return nil
	}
	results, err := c.s.policies.Evaluate(ctx, in, m)
	if err != nil {
		// Never a pass: every set that applies fails with the reason.
		results = nil
		for _, set := range c.s.policies.Sets() {
			if set.AppliesTo(in.PR.Repo, in.Unit.Environment) {
				results = append(results, policy.Result{Set: set.Name, Kind: policy.Error, Message: fmt.Sprintf("policy input could not be evaluated: %v; counted as a failure", err)})
			}
		}
	}
	if results == nil {
		results = []policy.Result{}
	}
	c.mu.Lock()
	c.units[unit] = &unitPolicy{Moment: m.String(), Results: results}
	c.mu.Unlock()
	return results
}

// gate is the engine's Request.Gate: the rules that need no plan run
// before anything of the unit does, and a failure no owner overrode
// blocks it.
func (c *policyCheck) gate(ctx context.Context, u detect.Unit) error {
	results := c.evaluate(ctx, u.Path, c.input(u), policy.PrePlan)
	var failing []string
	for _, r := range results {
		if r.Blocking() && !c.overridden(r.Set) && !slices.Contains(failing, r.Set) {
			failing = append(failing, r.Set)
		}
	}
	if len(failing) == 0 {
		return nil
	}
	return fmt.Errorf("%w by policy set %s", engine.ErrBlocked, strings.Join(failing, ", "))
}

// afterPlan runs every rule on each unit that has a plan.
func (c *policyCheck) afterPlan(ctx context.Context, units []detect.Unit, run *engine.Run) {
	byPath := map[string]detect.Unit{}
	for _, u := range units {
		byPath[u.Path] = u
	}
	for _, res := range run.Results {
		if res.Plan == nil || (res.Status != engine.Planned && res.Status != engine.NoChanges) {
			continue
		}
		in := c.input(byPath[res.Path])
		in.Plan, in.Changes = res.Plan, policy.Changes(res.Plan)
		c.evaluate(ctx, res.Path, in, policy.PostPlan)
	}
}

// overridden reports whether enough owners approved set at the head.
func (c *policyCheck) overridden(set string) bool {
	return setOverridden(c.s.policies.Sets(), set, c.approvals)
}

func setOverridden(sets []policy.Set, name string, approvals map[string][]string) bool {
	for _, s := range sets {
		if s.Name == name {
			return s.Approvals > 0 && len(approvals[name]) >= s.Approvals
		}
	}
	return false
}

// of returns the unit's results, nil when no set was evaluated for it.
func (c *policyCheck) of(unit string) *unitPolicy {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.units[unit]
}

// verdict sums up policy results over a pull request head.
type verdict struct {
	// failing maps the sets with blocking results to the units they fail.
	failing map[string][]string
	// warnings counts warn results; units counts units checked.
	warnings, units int
}

func newVerdict(units map[string]*unitPolicy) verdict {
	v := verdict{failing: map[string][]string{}}
	paths := make([]string, 0, len(units))
	for p := range units {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		v.units++
		for _, r := range units[p].Results {
			switch {
			case !r.Blocking():
				v.warnings++
			case !slices.Contains(v.failing[r.Set], p):
				v.failing[r.Set] = append(v.failing[r.Set], p)
			}
		}
	}
	return v
}

// sets returns the failing sets, sorted.
func (v verdict) sets() []string {
	out := make([]string, 0, len(v.failing))
	for s := range v.failing {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// status is the csocbot/policy commit status of the verdict.
func (v verdict) status(sets []policy.Set, approvals map[string][]string) (github.StatusState, string) {
	var open, overridden []string
	for _, name := range v.sets() {
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
			part := fmt.Sprintf("%s fails in %d %s", name, len(v.failing[name]), pluralize(len(v.failing[name]), "unit"))
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
	case v.units == 0:
		return github.StatusSuccess, "No policy set applies to the planned units"
	}
	desc := fmt.Sprintf("%d %s passed", v.units, pluralize(v.units, "unit"))
	if v.warnings > 0 {
		desc += fmt.Sprintf(" (%d %s)", v.warnings, pluralize(v.warnings, "warning"))
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
func (c *policyCheck) report(rep *comment.Report, head string) {
	for i := range rep.Units {
		up := c.of(rep.Units[i].Path)
		if up == nil {
			continue
		}
		rep.Units[i].Policy = []comment.PolicyResult{}
		for _, r := range up.Results {
			rep.Units[i].Policy = append(rep.Units[i].Policy, comment.PolicyResult{
				Set: r.Set, Rule: r.Rule, Kind: string(r.Kind), Message: r.Message,
				Overridden: r.Blocking() && c.overridden(r.Set),
			})
		}
	}
	c.mu.Lock()
	v := newVerdict(c.units)
	c.mu.Unlock()
	rep.PolicyNotes = c.s.policyNotes(v, c.approvals, c.pr.Author, head)
}

// policyNotes tells the reader of a plan comment which sets fail and who
// may override them, and how. Logins are code spans, so that the comment
// does not notify the owners at every plan.
func (s *Server) policyNotes(v verdict, approvals map[string][]string, author, head string) []string {
	var notes []string
	for _, name := range v.sets() {
		set, _ := s.policySet(name)
		units := len(v.failing[name])
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
func policyJSON(up *unitPolicy) (json.RawMessage, error) {
	if up == nil {
		return nil, nil
	}
	return json.Marshal(up)
}

// storedPolicy reads the unit results of the runs at one head.
func storedPolicy(runs []store.Run) (map[string]*unitPolicy, error) {
	out := map[string]*unitPolicy{}
	for _, r := range runs {
		if r.Policy == nil {
			continue
		}
		var up unitPolicy
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
