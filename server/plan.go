package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/planner/comment"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/policy/check"
	"github.com/csocbot/csocbot/store"
)

// planMarker marks csocbot's plan comments, so a newer plan can hide them.
const planMarker = "<!-- csocbot:plan -->"

// runPlan fetches the pull request, finds the units it affects, plans them
// and reports the plans on the pull request.
func (s *Server) runPlan(ctx context.Context, job store.Job) error {
	var p planJob
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return fmt.Errorf("decode plan job: %w", err)
	}
	repo, err := github.ParseRepo(p.Repo)
	if err != nil {
		return err
	}
	s.status(ctx, job.ID, repo, p.HeadSHA, github.PlanContext, github.StatusPending, "Planning…")

	baseSHA, err := s.repos.Fetch(ctx, p.Repo, s.cfg.GitHub.CloneURL(p.Repo), p.BaseRef, []int{p.PR})
	if err != nil {
		return fmt.Errorf("fetch %s: %w", p.Repo, err)
	}
	g, err := s.repos.Open(p.Repo)
	if err != nil {
		return err
	}
	defer g.Close()
	from, rev, conflicts, err := s.planRevisions(ctx, g, p, baseSHA)
	if err != nil {
		return err
	}
	if len(conflicts) > 0 {
		paths := make([]string, len(conflicts))
		for i, c := range conflicts {
			paths[i] = code(c)
		}
		msg := fmt.Sprintf("This pull request conflicts with %s in %s, so csocbot cannot plan what would land. Rebase or merge %s and push.",
			code(p.BaseRef), strings.Join(paths, ", "), code(p.BaseRef))
		s.status(ctx, job.ID, repo, p.HeadSHA, github.PlanContext, github.StatusFailure, "Conflicts with "+p.BaseRef)
		return s.reply(ctx, repo, p.PR, msg)
	}
	// The native engine reads the revision from git and needs no checkout;
	// the terragrunt engine runs terragrunt in one.
	root := filepath.Join(s.cfg.DataDir, "checkouts", filepath.FromSlash(p.Repo))
	if s.cfg.Terraform.Engine == config.EngineTerragrunt {
		root = filepath.Join(root, rev)
		if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
			if err := s.repos.Checkout(ctx, p.Repo, rev, root); err != nil {
				return fmt.Errorf("check out %s for the terragrunt engine: %w", short(rev), err)
			}
		}
	}
	found, err := s.detector(p.Repo, g, root).DetectIn(ctx, g, from, rev)
	if err != nil {
		s.status(ctx, job.ID, repo, p.HeadSHA, github.PlanContext, github.StatusFailure, "Configuration error")
		return s.reply(ctx, repo, p.PR, "csocbot could not work out which units this pull request affects:\n\n```\n"+err.Error()+"\n```")
	}
	units := selectRequested(found.Units, func(u detect.Unit) string { return u.Path }, p.Units, p.Dirs)
	unevaluated := selectRequested(found.Errors, func(e detect.UnitError) string { return e.Path }, p.Units, p.Dirs)
	snap, err := g.Snapshot(ctx, rev)
	if err != nil {
		return err
	}
	req := engine.Request{
		Key:   fmt.Sprintf("%s/pr-%d/%s", p.Repo, p.PR, p.HeadSHA),
		Files: snap,
		Root:  root,
		Units: units,
		// A unit that does not evaluate fails alone: the others are
		// planned, its dependents skipped.
		Unevaluated: unevaluated,
	}
	var checks *policyCheck
	if s.policies != nil && len(units) > 0 {
		if checks, err = s.newPolicyCheck(ctx, repo, p, snap, found); err != nil {
			return err
		}
		req.Gate = checks.Gate
	}
	run, err := s.engine.Plan(ctx, req)
	if err != nil {
		return err
	}
	if checks != nil {
		checks.AfterPlan(ctx, units, run)
	}
	for _, res := range run.Results {
		if err := s.recordRun(ctx, p, res, checks); err != nil {
			return err
		}
	}
	if err := s.postPlan(ctx, repo, p, run, found, checks); err != nil {
		return err
	}
	s.planStatuses(ctx, job, repo, p.HeadSHA, run)
	if checks != nil {
		state, desc := policyStatus(check.NewVerdict(checks.All()), s.policies.Sets(), checks.approvals)
		s.status(ctx, job.ID, repo, p.HeadSHA, github.PolicyContext, state, desc)
	}
	return nil
}

// planRevisions returns what to diff and what to plan: the pull request
// head against its merge base with the base branch, or, with the merge
// checkout strategy, the head merged into the base branch as it is now,
// against the base branch, so the plan shows what will land.
//
// g, opened after the fetch, reads the merge commit too: git writes it as
// loose objects, which a Repo reads on demand.
func (s *Server) planRevisions(ctx context.Context, g *gitrepo.Repo, p planJob, baseSHA string) (from, rev string, conflicts []string, err error) {
	if s.cfg.CheckoutStrategy == config.CheckoutMerge {
		merged, conflicts, err := s.repos.MergeCommit(ctx, p.Repo, p.PR, baseSHA, p.HeadSHA)
		if err != nil || len(conflicts) > 0 {
			return "", "", conflicts, err
		}
		return baseSHA, merged, nil, nil
	}
	mb, err := g.MergeBase(baseSHA, p.HeadSHA)
	return mb, p.HeadSHA, nil, err
}

// selectRequested keeps the units (or unit errors) a comment asked for:
// -u exact paths, -d units at or below a directory; with no request, all.
func selectRequested[T any](items []T, path func(T) string, paths, dirs []string) []T {
	if len(paths) == 0 && len(dirs) == 0 {
		return items
	}
	var out []T
	for _, it := range items {
		if requested(path(it), paths, dirs) {
			out = append(out, it)
		}
	}
	return out
}

// requested reports whether a comment that asked for paths (-u) and dirs
// (-d) asked for the unit at unit.
func requested(unit string, paths, dirs []string) bool {
	keep := slices.Contains(paths, unit)
	for _, d := range dirs {
		keep = keep || unit == d || strings.HasPrefix(unit, strings.TrimSuffix(d, "/")+"/")
	}
	return keep
}

// recordRun records a unit's outcome with its policy results, if any.
func (s *Server) recordRun(ctx context.Context, p planJob, res *engine.Result, checks *policyCheck) error {
	var summary, results json.RawMessage
	if res.Summary != nil {
		b, err := json.Marshal(res.Summary)
		if err != nil {
			return err
		}
		summary = b
	}
	if checks != nil {
		var err error
		if results, err = policyJSON(checks.Of(res.Path)); err != nil {
			return err
		}
	}
	state := map[engine.Status]store.RunState{
		engine.Planned: store.RunPlanned, engine.NoChanges: store.RunNoChanges,
		engine.Failed: store.RunFailed, engine.Skipped: store.RunSkipped, engine.Blocked: store.RunBlocked,
	}[res.Status]
	_, err := s.store.UpsertRun(ctx, store.Run{
		Repo: p.Repo, PR: p.PR, HeadSHA: p.HeadSHA, Unit: res.Path, State: state,
		PlanPath: res.PlanFile, PlanSHA256: res.PlanSHA256, Summary: summary, Policy: results,
	})
	return err
}

// postPlan hides csocbot's earlier plan comments and posts this plan, in
// as many parts as GitHub's size limit needs.
func (s *Server) postPlan(ctx context.Context, repo github.Repo, p planJob, run *engine.Run, found *detect.Result, checks *policyCheck) error {
	title := fmt.Sprintf("csocbot plan for `%s` (%s %s)", short(p.HeadSHA), run.Binary.Flavor, run.Binary.Version)
	report := run.Report(title, func(unit string) string { return s.cfg.EnvironmentOf(p.Repo, unit) })
	report.Deleted = found.Deleted
	report.Unconfined = s.cfg.Sandbox.Off
	if checks != nil {
		checks.report(s, &report, p.HeadSHA)
	}
	md := comment.Render(report)
	if len(run.Results) == 0 && len(found.Deleted) == 0 {
		md = fmt.Sprintf("### csocbot plan for `%s`\n\nThis pull request changes no Terragrunt unit or Terraform root (%d changed files).\n", short(p.HeadSHA), len(found.Changes))
	}
	existing, err := s.gh.ListComments(ctx, repo, p.PR)
	if err != nil {
		return fmt.Errorf("list comments: %w", err)
	}
	for _, c := range github.Marked(existing, planMarker) {
		if err := s.gh.MinimizeComment(ctx, c.NodeID, github.MinimizeOutdated); err != nil {
			s.log.Warn("could not hide an earlier plan comment", "comment", c.ID, "error", err)
		}
	}
	parts := comment.Split(md, github.MaxCreateLength-len(planMarker)-1)
	for _, part := range parts {
		posted, err := s.gh.CreateComment(ctx, repo, p.PR, part+"\n"+planMarker)
		if err != nil {
			return fmt.Errorf("post the plan comment: %w", err)
		}
		if err := s.store.RecordComment(ctx, store.Comment{Repo: p.Repo, PR: p.PR, CommentID: posted.ID, Kind: store.CommentPlan, HeadSHA: p.HeadSHA}); err != nil {
			return err
		}
	}
	return nil
}

// planStatuses sets a commit status per unit and one for the whole plan.
func (s *Server) planStatuses(ctx context.Context, job store.Job, repo github.Repo, sha string, run *engine.Run) {
	counts := map[engine.Status]int{}
	for _, res := range run.Results {
		counts[res.Status]++
		state, desc := github.StatusSuccess, "No changes"
		switch res.Status {
		case engine.Planned:
			if s := res.Summary; s != nil {
				desc = fmt.Sprintf("+%d ~%d -%d ±%d", s.Create, s.Update, s.Delete, s.Replace)
			}
		case engine.Failed:
			state, desc = github.StatusFailure, "Plan failed: "+res.FailedCommand
		case engine.Skipped:
			state, desc = github.StatusFailure, "Skipped: "+res.SkipReason
			if strings.Contains(res.SkipReason, "skip = true") {
				state = github.StatusSuccess
			}
		case engine.Blocked:
			state, desc = github.StatusFailure, "Not planned: "+res.BlockReason
		}
		s.status(ctx, job.ID, repo, sha, github.UnitContext(res.Path), state, desc)
	}
	state := github.StatusSuccess
	if counts[engine.Failed] > 0 || counts[engine.Blocked] > 0 {
		state = github.StatusFailure
	}
	desc := fmt.Sprintf("%d planned, %d without changes, %d failed, %d skipped",
		counts[engine.Planned], counts[engine.NoChanges], counts[engine.Failed], counts[engine.Skipped])
	if n := counts[engine.Blocked]; n > 0 {
		desc += fmt.Sprintf(", %d blocked by policy", n)
	}
	s.status(ctx, job.ID, repo, sha, github.PlanContext, state, desc)
}

// status sets a commit status linking to job (none when 0); a failure is
// logged, not fatal: the comment carries the same information.
func (s *Server) status(ctx context.Context, job int64, repo github.Repo, sha, context string, state github.StatusState, desc string) {
	st := github.Status{Context: context, State: state, Description: desc}
	if s.cfg.PublicURL != "" && job > 0 {
		st.TargetURL = fmt.Sprintf("%s/jobs/%d", s.cfg.PublicURL, job)
	}
	if err := s.gh.SetStatus(ctx, repo, sha, st); err != nil {
		s.log.Warn("could not set a commit status", "context", context, "error", err)
	}
}

// reply posts a comment csocbot writes itself.
func (s *Server) reply(ctx context.Context, repo github.Repo, pr int, body string) error {
	posted, err := s.gh.CreateComment(ctx, repo, pr, body)
	if err != nil {
		return fmt.Errorf("comment on %s#%d: %w", repo, pr, err)
	}
	return s.store.RecordComment(ctx, store.Comment{Repo: repo.String(), PR: pr, CommentID: posted.ID, Kind: store.CommentHelp})
}

func short(sha string) string { return sha[:min(7, len(sha))] }

// code formats text from a pull request as inline code.
func code(s string) string { return "`" + strings.ReplaceAll(s, "`", "'") + "`" }
