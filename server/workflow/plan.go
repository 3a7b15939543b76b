package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/workflow/policycheck"
	"github.com/csocbot/csocbot/store"
)

// Plan is what a plan job does: it works out which units a change
// affects, checks each against the policy sets before its plan (a denial
// stops the unit) and on its plan, plans them, records the runs and
// reports the result, a comment and statuses, to every reporter.
type Plan struct {
	// Engine plans the units.
	Engine *engine.Engine
	// Config maps units to environments, gives the command prefix the
	// comment quotes, and says whether runs are confined.
	Config *config.Config
	// Policies checks every unit; nil checks none.
	Policies *policy.Engine
	// PullRequests reads the pull request for the policy input; nil when
	// the change is no pull request: the input then names its revisions.
	PullRequests PullRequests
	// Store records each unit's run and reads the policy approvals given
	// at the head; nil records nothing and knows no approval.
	Store RunStore
	// Locks takes each planned unit's lock for the pull request; nil
	// locks nothing (preview).
	Locks Locker
	// PlanFiles and Sealer keep each plan, sealed, for the apply; nil
	// keeps none.
	PlanFiles PlanFiles
	Sealer    Sealer
	// Audit records each plan; nil records nothing.
	Audit Auditor
	// Credentials mints each unit's plan-role credentials; nil gives
	// terraform none.
	Credentials Minter
	// Reporters each get every report.
	Reporters []Reporter
	// Logger receives progress and warnings, each line naming the run's
	// job, repository and pull request (jobLogger); nil discards them.
	Logger *slog.Logger
}

// PlanRequest is one change to plan.
type PlanRequest struct {
	Change Change
	// Repo reads the revisions; a server opens it after its fetch.
	Repo *gitrepo.Repo
	// Detector works out the affected units; its caches may serve every
	// change of the repository.
	Detector *detect.Detector
	// Base and Head are the revisions compared; Head is planned. With the
	// merge checkout strategy Head is the pull request merged into its
	// base, not Change.HeadSHA.
	Base, Head string
	// Root is the repository's folder on disk, where the terragrunt engine
	// runs.
	Root string
	// Key names the run's working directories.
	Key string
	// Units and Dirs keep the units asked for: Units exact paths, Dirs
	// the units at or below a folder. With neither, every affected unit
	// is planned.
	Units, Dirs []string
	// Actor is who the plan is for: the commenter, or the pusher.
	Actor string
	// BaseSHA is the base branch's commit the plan is made against.
	BaseSHA string
}

// PlanOutcome is what a plan found and did.
type PlanOutcome struct {
	// Refused is why the change could not be planned (its units could
	// not be worked out); the reporters were told, and nothing ran.
	Refused  error
	Detected *detect.Result
	Run      *engine.Run
	// Policy holds each checked unit's policy results, by unit path; nil
	// when no unit was checked.
	Policy map[string]*policycheck.UnitResults
	// Locked are the units another pull request's lock kept from being
	// planned, each with who holds it.
	Locked []detect.UnitError
}

// Run plans the change req names and reports the result.
func (p *Plan) Run(ctx context.Context, req PlanRequest) (PlanOutcome, error) {
	// p serves every job at once: this run's copy logs with its job.
	cp := *p
	cp.Logger = jobLogger(p.Logger, req.Change)
	// The engine's lines name the job too, unless nobody logs the
	// workflow and the engine keeps its own logger (preview -v).
	engineLog := engineLogger(p.Logger, cp.Logger)
	p, log := &cp, cp.Logger
	start := time.Now()
	found, err := req.Detector.DetectIn(ctx, req.Repo, req.Base, req.Head)
	if err != nil {
		msg := "csocbot could not work out which units this pull request affects:\n\n```\n" + err.Error() + "\n```"
		return PlanOutcome{Refused: err}, p.refuse(ctx, req.Change, "Configuration error", msg)
	}
	log.Info("detected affected units", "units", len(found.Units), "duration", time.Since(start))
	units := selectRequested(found.Units, func(u detect.Unit) string { return u.Path }, req.Units, req.Dirs)
	unevaluated := selectRequested(found.Errors, func(e detect.UnitError) string { return e.Path }, req.Units, req.Dirs)
	units, locked, err := p.lock(ctx, req, units)
	if err != nil {
		return PlanOutcome{}, err
	}
	unevaluated = append(unevaluated, locked...)
	unitEnv, err := p.mint(ctx, req, units)
	if err != nil {
		msg := "csocbot could not get the credentials to plan this pull request, so nothing was planned:\n\n```\n" + err.Error() + "\n```"
		return PlanOutcome{Refused: err}, p.refuse(ctx, req.Change, "Credentials error", msg)
	}
	snap, err := req.Repo.Snapshot(ctx, req.Head)
	if err != nil {
		return PlanOutcome{}, err
	}
	ereq := engine.Request{
		Key:   req.Key,
		Files: snap,
		Root:  req.Root,
		Units: units,
		// A unit that does not evaluate fails alone: the others are
		// planned, its dependents skipped.
		Unevaluated: unevaluated,
		UnitEnv:     unitEnv,
		Logger:      engineLog,
	}
	var checks *policyCheck
	if p.Policies != nil && len(units) > 0 {
		if checks, err = p.newPolicyCheck(ctx, req.Change, snap, found); err != nil {
			return PlanOutcome{}, err
		}
		ereq.Gate = checks.Gate
	}
	run, err := p.Engine.Plan(ctx, ereq)
	if err != nil {
		return PlanOutcome{}, err
	}
	out := PlanOutcome{Detected: found, Run: run, Locked: locked}
	if checks != nil {
		checks.AfterPlan(ctx, units, run)
		out.Policy = checks.All()
	}
	if p.Store != nil {
		for _, res := range run.Results {
			if err := p.recordRun(ctx, req.Change, res, out.Policy[res.Path]); err != nil {
				return out, err
			}
		}
	}
	if err := p.keep(ctx, req, run); err != nil {
		return out, err
	}
	statuses := planStatuses(run)
	if checks != nil {
		state, desc := PolicyState(policycheck.NewVerdict(out.Policy), p.Policies.Sets(), checks.approvals)
		statuses = append(statuses, Status{Kind: PolicyStatus, State: state, Description: desc})
	}
	r := Report{Change: req.Change, Comment: &Comment{Markdown: p.markdown(req.Change, run, found, checks), Plan: true}, Statuses: statuses, Plan: &out}
	return out, report(ctx, p.Reporters, r)
}

// refuse tells the reporters why a change cannot be planned: the plan
// status fails with status, then message is the reply.
func (p *Plan) refuse(ctx context.Context, c Change, status, message string) error {
	if err := report(ctx, p.Reporters, Report{Change: c, Statuses: []Status{{Kind: PlanStatus, State: Failure, Description: status}}}); err != nil {
		return err
	}
	return report(ctx, p.Reporters, Report{Change: c, Comment: &Comment{Markdown: message}})
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
func (p *Plan) recordRun(ctx context.Context, c Change, res *engine.Result, results *policycheck.UnitResults) error {
	var summary, policyResults json.RawMessage
	if res.Summary != nil {
		b, err := json.Marshal(res.Summary)
		if err != nil {
			return fmt.Errorf("record the run of %s: %w", res.Path, err)
		}
		summary = b
	}
	if results != nil {
		b, err := json.Marshal(results)
		if err != nil {
			return fmt.Errorf("record the policy results of %s: %w", res.Path, err)
		}
		policyResults = b
	}
	state := map[engine.Status]store.RunState{
		engine.Planned: store.RunPlanned, engine.NoChanges: store.RunNoChanges,
		engine.Failed: store.RunFailed, engine.Skipped: store.RunSkipped, engine.Blocked: store.RunBlocked,
	}[res.Status]
	var mocked []string
	for _, m := range res.Mocked {
		mocked = append(mocked, m.ConfigPath)
	}
	_, err := p.Store.UpsertRun(ctx, store.Run{
		Repo: c.Repo, PR: c.PR, HeadSHA: c.HeadSHA, Unit: res.Path, State: state,
		PlanPath: res.PlanFile, PlanSHA256: res.PlanSHA256, Summary: summary, Policy: policyResults, MockedFrom: mocked,
	})
	return err
}

// planStatuses are a status per unit and one for the whole plan.
func planStatuses(run *engine.Run) []Status {
	var out []Status
	counts := map[engine.Status]int{}
	for _, res := range run.Results {
		counts[res.Status]++
		state, desc := Success, "No changes"
		switch res.Status {
		case engine.Planned:
			if s := res.Summary; s != nil {
				desc = fmt.Sprintf("+%d ~%d -%d ±%d", s.Create, s.Update, s.Delete, s.Replace)
			}
		case engine.Failed:
			state, desc = Failure, "Plan failed: "+res.FailedCommand
		case engine.Skipped:
			state, desc = Failure, "Skipped: "+res.SkipReason
			if strings.Contains(res.SkipReason, "skip = true") {
				state = Success
			}
		case engine.Blocked:
			state, desc = Failure, "Not planned: "+res.BlockReason
		}
		out = append(out, Status{Kind: UnitStatus, Unit: res.Path, State: state, Description: desc})
	}
	state := Success
	if counts[engine.Failed] > 0 || counts[engine.Blocked] > 0 {
		state = Failure
	}
	desc := fmt.Sprintf("%d planned, %d without changes, %d failed, %d skipped",
		counts[engine.Planned], counts[engine.NoChanges], counts[engine.Failed], counts[engine.Skipped])
	if n := counts[engine.Blocked]; n > 0 {
		desc += fmt.Sprintf(", %d blocked by policy", n)
	}
	return append(out, Status{Kind: PlanStatus, State: state, Description: desc})
}

func short(sha string) string { return sha[:min(7, len(sha))] }
