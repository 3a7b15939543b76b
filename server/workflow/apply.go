package workflow

import (
	"cmp"
	"context"
	"errors"
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
	"github.com/csocbot/csocbot/server/credentials"
	"github.com/csocbot/csocbot/store"
)

// ApplyStore is the slice of the store the apply workflow uses.
type ApplyStore interface {
	Runs(ctx context.Context, repo string, pr int, headSHA string) ([]store.Run, error)
	UpsertRun(ctx context.Context, run store.Run) (store.Run, error)
	Locks(ctx context.Context, repo string) ([]store.Lock, error)
	ApprovalReader
	PlanFiles
	Auditor
}

// Applier applies saved plans (planner/engine).
type Applier interface {
	ApplySaved(ctx context.Context, req engine.ApplyRequest) (*engine.Run, error)
}

// Apply is what an apply job does: it checks who asks and what the
// configuration requires of every unit, then applies the plans saved at
// the pull request's head in dependency order, with credentials minted
// for this run, and reports and audits each step.
type Apply struct {
	Engine       Applier
	Config       *config.Config
	Policies     *policy.Engine // nil: no policy set is configured
	PullRequests PullRequests
	Store        ApplyStore
	Credentials  Minter
	Sealer       Sealer
	Reporters    []Reporter
	Logger       *slog.Logger // its lines name the run's job (jobLogger); nil discards
}

// ApplyRequest is one `apply` command.
type ApplyRequest struct {
	Change Change
	// Actor is who gave the command.
	Actor string
	// Fetch brings the repository up to date and returns what reads it.
	// Run calls it first and, while it runs, reads what the checks need
	// of the pull request beside the repository; nil when the request is
	// refused before anything is read.
	Fetch func(ctx context.Context) (ApplySource, error)
	// ApplySource is what Fetch returned, once it did.
	ApplySource
	Head string
	Root string
	Key  string
	// Units and Dirs narrow the units, as for plan; with neither, every
	// unit with a saved plan at the head is applied.
	Units, Dirs []string
	// AfterMerge applies a merged pull request's plans (apply_mode:
	// after_merge): the base is then the merge commit's first parent, not
	// Base, and approved and mergeable are left to branch protection.
	AfterMerge bool
	// Fence, when set, is asked before each unit's apply starts: an
	// error fails the unit unstarted (its dependents are skipped) and
	// lets the units under way finish. A server whose claim on the job
	// may have lapsed stops this way before another replica could take
	// the pull request's applies over.
	Fence func() error
}

// ApplySource is the repository an apply reads, once fetched: Repo reads
// the revisions, Detector works out the units and their dependencies at
// the head (the revision the plans were made of), as for the plan.
type ApplySource struct {
	Repo     *gitrepo.Repo
	Detector *detect.Detector
	Base     string // the base branch's latest commit
}

// ApplyOutcome is what an apply did.
type ApplyOutcome struct {
	// Refused lists why nothing was applied; empty when the apply ran.
	Refused []string
	Run     *engine.Run
	// Complete is whether every unit the pull request affects is now
	// applied at the head, or had nothing to apply.
	Complete bool
}

// Run carries out the apply req names and reports it.
func (a *Apply) Run(ctx context.Context, req ApplyRequest) (ApplyOutcome, error) {
	// a serves every job at once: this run's copy logs with its job.
	cp := *a
	cp.Logger = jobLogger(a.Logger, req.Change)
	engineLog := engineLogger(a.Logger, cp.Logger)
	a, log := &cp, cp.Logger
	c := req.Change
	chk, err := a.check(ctx, &req)
	if err != nil {
		return ApplyOutcome{}, err
	}
	units, plans, refused := chk.units, chk.plans, chk.refused
	if len(refused) > 0 {
		a.audit(ctx, store.AuditEntry{Actor: req.Actor, Action: "refusal", Repo: c.Repo, PR: c.PR, HeadSHA: c.HeadSHA, Outcome: "refused", Detail: "apply: " + strings.Join(refused, "; ")})
		msg := fmt.Sprintf("@%s: csocbot did not apply anything:\n\n- %s", req.Actor, strings.Join(refused, "\n- "))
		if req.AfterMerge {
			msg += "\n\n" + afterMergeLeft
		}
		return ApplyOutcome{Refused: refused}, report(ctx, a.Reporters, Report{Change: c, Comment: &Comment{Markdown: msg}})
	}

	envs, roles, err := a.mint(ctx, req, units)
	if err != nil {
		msg := fmt.Sprintf("@%s: csocbot could not get the credentials to apply, so nothing was applied:\n\n```\n%v\n```", req.Actor, err)
		a.audit(ctx, store.AuditEntry{Actor: req.Actor, Action: "refusal", Repo: c.Repo, PR: c.PR, HeadSHA: c.HeadSHA, Outcome: "failed", Detail: "credentials: " + err.Error()})
		return ApplyOutcome{Refused: []string{err.Error()}}, report(ctx, a.Reporters, Report{Change: c, Comment: &Comment{Markdown: msg}})
	}
	var statuses []Status
	for _, u := range units {
		statuses = append(statuses, Status{Kind: ApplyUnitStatus, Unit: u.Path, State: Pending, Description: "Applying…"})
		a.setRunState(ctx, chk.runs[u.Path], store.RunApplying)
		a.audit(ctx, store.AuditEntry{Actor: req.Actor, Action: "apply_started", Repo: c.Repo, PR: c.PR, HeadSHA: c.HeadSHA, Unit: u.Path, PlanSHA256: plans[u.Path].SHA256, RoleARN: roles[u.Path]})
	}
	statuses = append(statuses, Status{Kind: ApplyStatus, State: Pending, Description: fmt.Sprintf("Applying %s", pluralize(len(units), "unit"))})
	var paths []string
	for _, u := range units {
		paths = append(paths, u.Path)
	}
	started := &ApplyReport{Actor: req.Actor, Units: paths, Roles: roles}
	// The start is reported while the units apply (a status per unit is
	// a request to GitHub each), and waited for before anything else is
	// reported, so that it never overwrites a result.
	startReported := make(chan struct{})
	go func() {
		defer close(startReported)
		if err := report(ctx, a.Reporters, Report{Change: c, Statuses: statuses, Apply: started}); err != nil {
			log.Warn("could not report the start of an apply", "error", err)
		}
	}()
	run, err := a.applySaved(ctx, req, units, plans, envs, engineLog)
	<-startReported
	if err != nil && run == nil {
		return ApplyOutcome{}, err
	}
	// What was applied is recorded even when ctx ended meanwhile (a
	// shutdown's grace): an apply left unrecorded could be applied again.
	// Units cut off mid-apply (cut) stay applying, for the caller to
	// report interrupted as after a crash.
	cut := err != nil && ctx.Err() != nil
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	finished := &engine.Run{Binary: run.Binary}
	for _, res := range run.Results {
		if cut && res.Status == engine.Failed {
			continue
		}
		finished.Results = append(finished.Results, res)
		state, outcome := store.RunApplyFailed, "failed"
		switch res.Status {
		case engine.Applied:
			state, outcome = store.RunApplied, "ok"
			if err := a.Store.DeletePlanFile(ctx, c.Repo, c.PR, res.Path, c.HeadSHA); err != nil {
				log.Warn("could not delete an applied plan file", "unit", res.Path, "error", err)
			}
		case engine.Skipped:
			state, outcome = store.RunPlanned, "skipped"
		}
		a.setRunState(ctx, chk.runs[res.Path], state)
		a.audit(ctx, store.AuditEntry{Actor: req.Actor, Action: "apply_finished", Repo: c.Repo, PR: c.PR, HeadSHA: c.HeadSHA, Unit: res.Path,
			PlanSHA256: plans[res.Path].SHA256, RoleARN: roles[res.Path], Outcome: outcome, Detail: firstLine(res.SkipReason + errText(res.Err))})
	}
	if cut {
		statuses := applyStatuses(finished)
		statuses = statuses[:len(statuses)-1] // the apply's own is the caller's
		return ApplyOutcome{Run: run}, errors.Join(err, report(ctx, a.Reporters, Report{Change: c, Statuses: statuses}))
	}
	rep := Report{Change: c, Comment: &Comment{Markdown: a.markdown(req, run, plans, roles)}, Statuses: applyStatuses(run),
		Apply: &ApplyReport{Actor: req.Actor, Units: paths, Roles: roles, Run: run}}
	return ApplyOutcome{Run: run, Complete: err == nil && chk.complete(run)}, errors.Join(err, report(ctx, a.Reporters, rep))
}

// applySaved applies the units' saved plans at the head.
func (a *Apply) applySaved(ctx context.Context, req ApplyRequest, units []detect.Unit, plans map[string]engine.SavedPlan, envs map[string]map[string]string, engineLog *slog.Logger) (*engine.Run, error) {
	snap, err := req.Repo.Snapshot(ctx, req.Head)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	run, err := a.Engine.ApplySaved(ctx, engine.ApplyRequest{Key: req.Key, Files: snap, Root: req.Root, Units: units, Plans: plans, UnitEnv: envs, Logger: engineLog, Gate: fenceGate(req.Fence)})
	if run != nil {
		a.Logger.Info("applied", "units", len(units), "duration", time.Since(start))
	}
	return run, err
}

// recordTimeout bounds recording an apply's results once its context
// has ended.
const recordTimeout = 30 * time.Second

// checked is what check found: the units to apply, their saved plans
// and runs at the head, or every reason not to apply at all.
type checked struct {
	units   []detect.Unit
	plans   map[string]engine.SavedPlan
	runs    map[string]store.Run
	refused []string
	// affected are every unit the pull request affects; broken is whether
	// some could not be worked out.
	affected []string
	broken   bool
}

// check fetches the repository (req.Fetch, which fills req.ApplySource)
// and works out the units to apply and their saved plans, and every
// reason not to apply at all.
func (a *Apply) check(ctx context.Context, req *ApplyRequest) (checked, error) {
	// The fetch is a round trip to the forge, and so are the pull
	// request's reads that do not need it: they overlap. Their results
	// are taken in the order the checks have always been made, so that
	// the same failure or refusal wins.
	fetched := make(chan error, 1)
	var src ApplySource
	go func() {
		var err error
		if req.Fetch != nil {
			src, err = req.Fetch(ctx)
		}
		fetched <- err
	}()
	reads := a.readPullRequest(ctx, *req)
	if err := <-fetched; err != nil {
		return checked{}, err
	}
	req.ApplySource = src
	c := req.Change
	if len(reads.refused) > 0 || reads.err != nil {
		return checked{refused: reads.refused}, reads.err
	}
	pr := reads.pr
	var err error
	if req.AfterMerge {
		if req.Base, err = mergedOnto(req.Repo, pr.MergeCommitSHA); err != nil {
			return checked{refused: []string{err.Error()}}, nil
		}
	}
	if reads.runsErr != nil {
		return checked{}, reads.runsErr
	}
	facts := applyFacts{Author: pr.Author, HeadSHA: c.HeadSHA, Mergeable: pr.Mergeable, Runs: map[string]store.Run{}, Dependencies: map[string][]string{}}
	for _, r := range reads.runs {
		facts.Runs[r.Unit] = r
	}
	found, err := req.Detector.DetectIn(ctx, req.Repo, req.Base, req.Head)
	if err != nil {
		return checked{refused: []string{"csocbot could not work out the units of this pull request: " + err.Error()}}, nil
	}
	for _, u := range found.Units {
		facts.Dependencies[u.Path] = u.Dependencies
	}
	if reads.approvalsErr != nil {
		return checked{}, reads.approvalsErr
	}
	facts.Approvals = reads.approvals
	if a.Policies != nil {
		facts.PolicySets = a.Policies.Sets()
		if reads.policyErr != nil {
			return checked{}, reads.policyErr
		}
		facts.PolicyApprovals = reads.policyApprovals
	}
	mb, err := req.Repo.MergeBase(req.Base, c.HeadSHA)
	facts.Undiverged = err == nil && mb == req.Base

	// The units: those asked for, else every one planned with changes.
	var units []detect.Unit
	var refused []string
	for _, u := range selectRequested(found.Units, func(u detect.Unit) string { return u.Path }, req.Units, req.Dirs) {
		run, ok := facts.Runs[u.Path]
		switch {
		case len(req.Units)+len(req.Dirs) == 0 && (!ok || run.State != store.RunPlanned):
			continue // nothing to apply there
		case ok && run.State == store.RunApplied:
			continue // applied at this head already
		case ok && run.State == store.RunApplying:
			refused = append(refused, fmt.Sprintf("`%s`: another apply of it is running; wait for its result", u.Path))
			continue
		case ok && run.State == store.RunNoChanges:
			refused = append(refused, fmt.Sprintf("`%s`: its plan has no changes, so there is nothing to apply", u.Path))
			continue
		}
		units = append(units, u)
	}
	for _, p := range req.Units {
		if !slices.ContainsFunc(found.Units, func(u detect.Unit) bool { return u.Path == p }) {
			refused = append(refused, fmt.Sprintf("`%s` is not a unit this pull request affects", p))
		}
	}
	if len(units) == 0 && len(refused) == 0 {
		refused = append(refused, fmt.Sprintf("there is no plan with changes at `%s` left to apply", short(c.HeadSHA)))
	}
	applying := map[string]bool{}
	for _, u := range units {
		applying[u.Path] = true
	}
	if reads.locksErr != nil {
		return checked{}, reads.locksErr
	}
	locks := reads.locks
	plans := map[string]engine.SavedPlan{}
	files := map[string]store.PlanFile{}
	facts.PlannedAt = map[string]time.Time{}
	for _, u := range units {
		f, err := a.Store.PlanFile(ctx, c.Repo, c.PR, u.Path, c.HeadSHA)
		switch {
		case err == nil:
			files[u.Path], facts.PlannedAt[u.Path] = f, f.CreatedAt
		case !errors.Is(err, store.ErrNotFound):
			return checked{}, err
		}
	}
	rules := a.rules(*req, units)
	if facts.Owners, err = a.codeOwners(ctx, *req, found, units, rules, facts); err != nil {
		return checked{}, err
	}
	for _, u := range units {
		rule := rules[u.Path]
		var why []string
		if ok, err := a.mayApply(ctx, rule, req.Actor, c.Repo); err != nil {
			return checked{}, err
		} else if !ok {
			why = append(why, "only "+ruleAppliers(rule)+" may apply it")
		}
		why = append(why, facts.unmet(rule, u.Path, applying)...)
		if i := slices.IndexFunc(locks, func(l store.Lock) bool { return l.Unit == u.Path }); i >= 0 && locks[i].PR != c.PR {
			why = append(why, fmt.Sprintf("pull request #%d holds its lock", locks[i].PR))
		}
		if len(why) == 0 {
			f, kept := files[u.Path]
			plan, err := a.savedPlan(c, req.Base, facts.Runs[u.Path], f, kept)
			if err != nil {
				why = append(why, err.Error())
			}
			plans[u.Path] = plan
		}
		if len(why) > 0 {
			refused = append(refused, fmt.Sprintf("`%s`: %s", u.Path, strings.Join(why, "; ")))
		}
	}
	return checked{units: units, plans: plans, runs: facts.Runs, refused: refused, affected: unitPaths(found.Units), broken: len(found.Errors) > 0}, nil
}

// pullRequestReads are what check reads of the pull request beside the
// repository, each with its error, for check to take in its order.
type pullRequestReads struct {
	// refused or err end the checks; the rest is then not read.
	refused []string
	err     error

	pr              PullRequest
	runs            []store.Run
	runsErr         error
	approvals       []Approval
	approvalsErr    error
	policyApprovals map[string][]string
	policyErr       error
	locks           []store.Lock
	locksErr        error
}

// readPullRequest reads what the checks need of the pull request that
// the repository does not hold: whether apply may run at all, the pull
// request, its runs at the head, its approvals and the repository's
// locks.
func (a *Apply) readPullRequest(ctx context.Context, req ApplyRequest) pullRequestReads {
	c := req.Change
	if !a.Config.Apply.Enabled {
		return pullRequestReads{refused: []string{"`apply` is not enabled on this server (apply.enabled in its configuration)"}}
	}
	if a.Sealer == nil {
		return pullRequestReads{refused: []string{"this server keeps no plan files to apply: its configuration has no plan_encryption key"}}
	}
	pr, err := a.PullRequests.PullRequest(ctx, c.Repo, c.PR)
	if err != nil {
		return pullRequestReads{err: fmt.Errorf("read pull request %s#%d: %w", c.Repo, c.PR, err)}
	}
	if why := pullRequestState(req, pr); why != "" {
		return pullRequestReads{refused: []string{why}}
	}
	if pr.HeadSHA != c.HeadSHA {
		return pullRequestReads{refused: []string{fmt.Sprintf("the pull request's head moved to `%s` while the command waited; plan again", short(pr.HeadSHA))}}
	}
	r := pullRequestReads{pr: pr}
	r.runs, r.runsErr = a.Store.Runs(ctx, c.Repo, c.PR, c.HeadSHA)
	if r.approvals, r.approvalsErr = a.PullRequests.Approvals(ctx, c.Repo, c.PR); r.approvalsErr != nil {
		r.approvalsErr = fmt.Errorf("read the reviews of %s#%d: %w", c.Repo, c.PR, r.approvalsErr)
	}
	if a.Policies != nil {
		r.policyApprovals, r.policyErr = ApprovalsAt(ctx, a.Store, c.Repo, c.PR, c.HeadSHA)
	}
	r.locks, r.locksErr = a.Store.Locks(ctx, c.Repo)
	return r
}

// mayApply reports whether actor may apply under rule.
func (a *Apply) mayApply(ctx context.Context, rule config.ApplyRule, actor, repo string) (bool, error) {
	if !rule.Restricted() || slices.ContainsFunc(rule.Users, func(u string) bool { return strings.EqualFold(u, actor) }) {
		return true, nil
	}
	for _, team := range rule.Teams {
		org, slug, _ := strings.Cut(team, "/")
		ok, err := a.PullRequests.IsTeamMember(ctx, org, slug, actor)
		if err != nil {
			return false, fmt.Errorf("check %s's membership of %s: %w", actor, team, err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

func ruleAppliers(rule config.ApplyRule) string {
	var who []string
	for _, t := range rule.Teams {
		who = append(who, "members of `"+t+"`")
	}
	for _, u := range rule.Users {
		who = append(who, "`"+u+"`")
	}
	return strings.Join(who, " and ")
}

// savedPlan opens the plan reviewers saw, f (kept false when the store
// has none), refusing one made against another base than the base
// branch's latest commit.
func (a *Apply) savedPlan(c Change, base string, run store.Run, f store.PlanFile, kept bool) (engine.SavedPlan, error) {
	if !kept {
		return engine.SavedPlan{}, errors.New("its plan file is not kept (planned before apply was enabled, or already applied); plan again")
	}
	if f.SHA256 != run.PlanSHA256 {
		return engine.SavedPlan{}, errors.New("its saved plan is not the one reported on this pull request; plan again")
	}
	if a.Config.CheckoutStrategy == config.CheckoutMerge && f.BaseSHA != base {
		return engine.SavedPlan{}, fmt.Errorf("it was planned merged into `%s`, and the base branch has moved to `%s` since; plan again", short(f.BaseSHA), short(base))
	}
	ad := planFileData(f)
	plan, err := a.Sealer.OpenBytes(f.Plan, ad)
	if err != nil {
		return engine.SavedPlan{}, fmt.Errorf("its saved plan cannot be read (%v); plan again", err)
	}
	var lock []byte
	if f.LockFile != nil {
		if lock, err = a.Sealer.OpenBytes(f.LockFile, append(ad, "lock"...)); err != nil {
			return engine.SavedPlan{}, fmt.Errorf("its saved lock file cannot be read (%v); plan again", err)
		}
	}
	return engine.SavedPlan{Bytes: plan, SHA256: f.SHA256, LockFile: lock}, nil
}

// planFileData binds a sealed plan file to where it belongs, so that no
// blob can be swapped for another unit's, head's or pull request's.
func planFileData(f store.PlanFile) []byte {
	return []byte(strings.Join([]string{"csocbot-plan-v1", f.Repo, fmt.Sprint(f.PR), f.HeadSHA, f.BaseSHA, f.Unit, f.SHA256}, "\x00"))
}

// mint gets each unit's apply credentials, one minting per profile.
func (a *Apply) mint(ctx context.Context, req ApplyRequest, units []detect.Unit) (map[string]map[string]string, map[string]string, error) {
	envs, roles := map[string]map[string]string{}, map[string]string{}
	if a.Credentials == nil {
		return envs, roles, nil
	}
	byProfile := map[string]credentials.Credentials{}
	for _, u := range units {
		profile := a.Config.CredentialsOf(req.Change.Repo, u.Path)
		creds, ok := byProfile[profile]
		if !ok {
			var err error
			creds, err = a.Credentials.Mint(ctx, profile, credentials.Request{
				Purpose: credentials.Apply, Repo: req.Change.Repo, PR: req.Change.PR, User: req.Actor, HeadSHA: req.Change.HeadSHA,
			})
			if err != nil {
				return nil, nil, err
			}
			byProfile[profile] = creds
		}
		envs[u.Path] = environ(creds.Environ())
		roles[u.Path] = creds.RoleARN
	}
	return envs, roles, nil
}

func environ(lines []string) map[string]string {
	env := map[string]string{}
	for _, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		env[k] = v
	}
	return env
}

func (a *Apply) setRunState(ctx context.Context, run store.Run, state store.RunState) {
	run.State = state
	if _, err := a.Store.UpsertRun(ctx, run); err != nil {
		a.Logger.Warn("could not record a run's state", "unit", run.Unit, "state", state, "error", err)
	}
}

// audit appends e; a failure to audit is logged loudly, since the apply
// itself has happened or is refused either way.
func (a *Apply) audit(ctx context.Context, e store.AuditEntry) {
	if _, err := a.Store.AppendAudit(ctx, e); err != nil {
		a.Logger.Error("could not append to the audit log", "action", e.Action, "unit", e.Unit, "error", err)
	}
}

// applyStatuses are a status per unit and one for the whole apply.
func applyStatuses(run *engine.Run) []Status {
	var out []Status
	counts := map[engine.Status]int{}
	for _, res := range run.Results {
		counts[res.Status]++
		st := Status{Kind: ApplyUnitStatus, Unit: res.Path, State: Success, Description: fmt.Sprintf("Applied in %s", res.Duration.Round(time.Second))}
		switch res.Status {
		case engine.Failed:
			st.State, st.Description = Failure, "Apply failed: "+res.FailedCommand
		case engine.Skipped:
			st.State, st.Description = Failure, "Not applied: "+res.SkipReason
		}
		out = append(out, st)
	}
	state := Success
	if counts[engine.Applied] != len(run.Results) {
		state = Failure
	}
	return append(out, Status{Kind: ApplyStatus, State: state,
		Description: fmt.Sprintf("%d applied, %d failed, %d not applied", counts[engine.Applied], counts[engine.Failed], counts[engine.Skipped])})
}

// markdown is the apply's reply: who asked, which plans with which role,
// and per unit the result, with the output's tail where one failed.
func (a *Apply) markdown(req ApplyRequest, run *engine.Run, plans map[string]engine.SavedPlan, roles map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### csocbot apply of `%s`\n\nAsked by @%s. Each unit's plan is the one reviewed at `%s`, checked by its sha256 before it ran.\n\n",
		short(req.Change.HeadSHA), req.Actor, short(req.Change.HeadSHA))
	b.WriteString("| Unit | Result | Plan sha256 | Role |\n|:--|:--|:--|:--|\n")
	var left []string
	for _, res := range run.Results {
		result := "✅ applied"
		switch res.Status {
		case engine.Failed:
			result = "❌ failed"
			left = append(left, res.Path)
		case engine.Skipped:
			result = "⏭️ not applied: " + res.SkipReason
			left = append(left, res.Path)
		}
		role := roles[res.Path]
		if role == "" {
			role = "none"
		}
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | `%s` |\n", res.Path, result, shortDigest(plans[res.Path].SHA256), role)
	}
	for _, res := range run.Results {
		if res.Status == engine.Failed {
			fmt.Fprintf(&b, "\n<details open><summary>❌ <code>%s</code>: %s failed</summary>\n\n```\n%s\n```\n\n</details>\n", res.Path, res.FailedCommand, strings.TrimSpace(res.ErrorTail))
		}
	}
	prefix := cmp.Or(a.Config.CommandPrefix, config.DefaultCommandPrefix)
	switch {
	case len(left) > 0 && req.AfterMerge:
		fmt.Fprintf(&b, "\n**Left to apply:** %s. %s\n", codeList(left), afterMergeLeft)
	case req.AfterMerge:
		b.WriteString("\nEvery unit applied. Its locks are released now that it is merged.\n")
	case len(left) > 0:
		fmt.Fprintf(&b, "\n**Left to apply:** %s. Fix what failed, push and plan again, or comment `%s apply` to retry what was not applied.\n", codeList(left), prefix)
	default:
		fmt.Fprintf(&b, "\nEvery unit applied. Merge the pull request; its locks are released when it is merged or closed (or comment `%s unlock`).\n", prefix)
	}
	return b.String()
}

func codeList(items []string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = "`" + s + "`"
	}
	return strings.Join(out, ", ")
}

func shortDigest(d string) string { return d[:min(12, len(d))] }

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// fenceGate is the engine's gate for an apply's fence; nil without one.
func fenceGate(fence func() error) func(context.Context, detect.Unit) error {
	if fence == nil {
		return nil
	}
	return func(context.Context, detect.Unit) error { return fence() }
}
