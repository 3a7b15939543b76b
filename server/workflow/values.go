package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"runtime"
	"slices"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/planner/gitops"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/helmrender"
	"github.com/csocbot/csocbot/planner/values"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/workflow/policycheck"
	"github.com/csocbot/csocbot/store"
	"golang.org/x/sync/errgroup"
)

// Values is what a plan job does on a gitops repository: it finds the
// Argo CD Applications a change touches, merges each one's values before
// and after, renders its chart both ways, checks the result against the
// policy sets and reports one comment and the csocbot/values status.
type Values struct {
	// Config maps application folders to environments and names the
	// command prefix the comment quotes.
	Config *config.Config
	// Policies checks every affected application; nil checks none.
	Policies *policy.Engine
	// PullRequests reads the pull request for the policy input; nil when
	// the change is no pull request.
	PullRequests PullRequests
	// Store records each application's check, with its policy results
	// (so `approve_policies` can override them), and reads the overrides
	// given at the head; nil records nothing and knows no override.
	Store RunStore
	// Charts renders the applications' charts; nil diffs values only.
	Charts *helmrender.Renderer
	// Audit records the check; nil records nothing.
	Audit Auditor
	// Reporters each get every report.
	Reporters []Reporter
	// Logger receives progress and warnings, each line naming the run's
	// job, repository and pull request (jobLogger); nil discards them.
	Logger *slog.Logger
}

// ValuesRequest is one change of a gitops repository to check.
type ValuesRequest struct {
	Change Change
	Repo   *gitrepo.Repo
	// Base and Head are the revisions compared.
	Base, Head string
	// IsSelf reports whether an Application's source names the repository
	// being checked (its `ref: values` source); nil: every ref source does.
	IsSelf func(repoURL string) bool
	// Actor is who asked: the commenter, or the pusher.
	Actor string
}

// ValuesOutcome is what the check found.
type ValuesOutcome struct {
	Apps []*AppResult `json:"applications"`
	// Unused are changed files no Application uses.
	Unused []string `json:"unused_files"`
	// Problems are manifests csocbot could not read.
	Problems []gitops.Problem `json:"problems"`
	// Approvals are the policy overrides given at the head, by set.
	Approvals map[string][]string `json:"policy_approvals"`
}

// Failed reports whether the outcome fails the csocbot/values status.
func (o *ValuesOutcome) Failed(sets []policy.Set) bool {
	st, _ := o.state(sets)
	return st != Success
}

// AppResult is one affected application, before and after the change.
type AppResult struct {
	// Key identifies the application: its manifest file and name.
	Key string             `json:"key"`
	App gitops.Application `json:"application"`
	Env policy.ValuesEnv   `json:"environment"`
	Op  values.Op          `json:"op"` // added, removed, or changed
	// Files are the changed files the application uses.
	Files []string `json:"files"`
	// ValueFiles are the application's value files at the head and
	// whether each exists there.
	ValueFiles []policy.ValueFile `json:"value_files"`
	// Before and After are the merged values of the value files and
	// inline values (without the chart's defaults), masked.
	Before map[string]any `json:"before"`
	After  map[string]any `json:"after"`
	// Changes is the masked diff of Before and After.
	Changes []values.Change `json:"changes"`
	// Defaults are paths a changed values file sets to the chart's
	// default (safe to delete), by values file.
	Defaults map[string][]string `json:"chart_defaults,omitempty"`
	// Objects are the rendered objects that change; nil when nothing was
	// rendered.
	Objects []helmrender.ObjectChange `json:"objects"`
	// Rendered says whether both sides were rendered.
	Rendered bool `json:"rendered"`
	// Errors are what went wrong reading or rendering the application;
	// each fails the check.
	Errors []string `json:"errors"`
	// Notes are what the reader should know and does not fail the check.
	Notes []string `json:"notes"`
	// Policy holds the policy results, with a refused chart host among
	// them; nil when no set applies.
	Policy *policycheck.UnitResults `json:"policy"`

	base, head *gitops.Application
	// refused are chart sources on hosts the configuration does not
	// allow: never fetched, and failed like a policy.
	refused []string
}

// ChartHostsSet names the results of chart sources on hosts that are not
// allowed; like a policy set's, they fail the check, and no owner can
// override them.
const ChartHostsSet = "chart_hosts"

// Run checks the change and reports the result.
func (v *Values) Run(ctx context.Context, req ValuesRequest) (*ValuesOutcome, error) {
	// v serves every job at once: this run's copy logs with its job.
	cp := *v
	cp.Logger = jobLogger(v.Logger, req.Change)
	v, log := &cp, cp.Logger
	base, err := req.Repo.Snapshot(ctx, req.Base)
	if err != nil {
		return nil, err
	}
	head, err := req.Repo.Snapshot(ctx, req.Head)
	if err != nil {
		return nil, err
	}
	diff, err := req.Repo.Diff(ctx, req.Base, req.Head)
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, c := range diff {
		changed = append(changed, c.Paths()...)
	}
	slices.Sort(changed)
	changed = slices.Compact(changed)

	opts := gitops.Options{IsSelf: req.IsSelf}
	headApps, problems, err := gitops.Discover(ctx, head, opts)
	if err != nil {
		return nil, fmt.Errorf("find the Argo CD Applications at %s: %w", short(req.Head), err)
	}
	baseApps, _, err := gitops.Discover(ctx, base, opts)
	if err != nil {
		return nil, fmt.Errorf("find the Argo CD Applications at %s: %w", short(req.Base), err)
	}
	out := &ValuesOutcome{Problems: problems}
	out.Apps, out.Unused = affected(baseApps, headApps, changed)
	log.Info("found affected applications", "applications", len(out.Apps), "unused files", len(out.Unused))

	var pr policy.PR
	if v.Policies != nil && len(out.Apps) > 0 {
		if pr, err = v.policyPR(ctx, req.Change, diff); err != nil {
			return nil, err
		}
	}
	out.Approvals = map[string][]string{}
	if v.Store != nil && req.Change.PR > 0 {
		if out.Approvals, err = ApprovalsAt(ctx, v.Store, req.Change.Repo, req.Change.PR, req.Change.HeadSHA); err != nil {
			return nil, err
		}
	}
	var charts *helmrender.Run
	if v.Charts != nil {
		charts = v.Charts.NewRun()
	}
	// Applications are independent: each is read, rendered and checked
	// on its own, as many at once as there are processors.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, a := range out.Apps {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			v.check(gctx, req, base, head, charts, a)
			if v.Policies != nil {
				a.Policy = v.evaluate(gctx, pr, a)
			}
			for _, msg := range a.refused {
				if a.Policy == nil {
					a.Policy = &policycheck.UnitResults{Moment: policy.PostPlan.String()}
				}
				a.Policy.Results = append(a.Policy.Results, policy.Result{Set: ChartHostsSet, Rule: ChartHostsSet, Kind: policy.Deny, Message: msg})
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := v.record(ctx, req.Change, out); err != nil {
		return out, err
	}
	v.audit(ctx, req, out)
	return out, report(ctx, v.Reporters, v.report(req.Change, out))
}

// AppSummary is what a run of a gitops check records of an application,
// for what is said once the pull request merges.
type AppSummary struct {
	Application string `json:"application"`
	Namespace   string `json:"namespace"`
	Environment string `json:"environment"`
	Prod        bool   `json:"prod"`
	Changes     int    `json:"changes"`
	Objects     int    `json:"objects"`
	Removed     bool   `json:"removed"`
}

// record keeps each application's outcome as a run at the head, under
// its key.
func (v *Values) record(ctx context.Context, c Change, out *ValuesOutcome) error {
	if v.Store == nil || c.PR == 0 {
		return nil
	}
	for _, a := range out.Apps {
		state := store.RunPlanned
		switch {
		case len(a.Errors) > 0:
			state = store.RunFailed
		case len(a.Changes) == 0 && len(a.Objects) == 0:
			state = store.RunNoChanges
		}
		var results json.RawMessage
		if a.Policy != nil {
			b, err := json.Marshal(a.Policy)
			if err != nil {
				return fmt.Errorf("record the policy results of %s: %w", a.App.Name, err)
			}
			results = b
		}
		summary, err := json.Marshal(AppSummary{Application: a.App.Name, Namespace: a.App.Destination.Namespace, Environment: a.Env.Name,
			Prod: a.Env.Prod, Changes: len(a.Changes), Objects: len(a.Objects), Removed: a.Op == values.Removed})
		if err != nil {
			return err
		}
		if _, err := v.Store.UpsertRun(ctx, store.Run{Repo: c.Repo, PR: c.PR, HeadSHA: c.HeadSHA, Unit: a.Key, State: state, Summary: summary, Policy: results}); err != nil {
			return fmt.Errorf("record the check of %s: %w", a.App.Name, err)
		}
	}
	return nil
}

// affected pairs the applications at base and head that use a changed
// file, and lists the changed files no application uses.
func affected(base, head []gitops.Application, changed []string) ([]*AppResult, []string) {
	headUses, headUnused := gitops.Uses(head, changed)
	baseUses, baseUnused := gitops.Uses(base, changed)
	byKey := map[string]*AppResult{}
	var order []string
	add := func(apps []gitops.Application, uses map[string][]string, side string) {
		for i := range apps {
			app := &apps[i]
			key := app.Key()
			files, ok := uses[key]
			if !ok {
				continue
			}
			a, seen := byKey[key]
			if !seen {
				a = &AppResult{Key: key, App: *app}
				byKey[key] = a
				order = append(order, key)
			}
			if side == "head" {
				a.head = app
			} else {
				a.base = app
			}
			a.Files = append(a.Files, files...)
			switch {
			case side == "head" && !seen:
				a.Op = values.Added
			case side == "base" && !seen:
				a.Op = values.Removed
			case side == "base":
				a.Op = values.Changed
			}
		}
	}
	add(head, headUses, "head")
	add(base, baseUses, "base")
	slices.Sort(order)
	apps := make([]*AppResult, len(order))
	for i, k := range order {
		a := byKey[k]
		slices.Sort(a.Files)
		a.Files = slices.Compact(a.Files)
		apps[i] = a
	}
	var unused []string
	for _, f := range headUnused {
		if slices.Contains(baseUnused, f) {
			unused = append(unused, f)
		}
	}
	return apps, unused
}

// side is one application at one revision: its merged values and the
// values of each of its files.
type side struct {
	app    *gitops.Application
	merged map[string]any
	files  map[string]map[string]any
}

// check fills in a's values, diff, rendered objects and environment.
func (v *Values) check(ctx context.Context, req ValuesRequest, base, head fs.FS, charts *helmrender.Run, a *AppResult) {
	before := v.read(base, a.base, a, false)
	after := v.read(head, a.head, a, true)
	a.Env = v.environment(req.Change.Repo, head, a.App, after.merged)
	a.Changes = values.Mask(values.Diff(before.merged, after.merged))
	a.Before, a.After = values.MaskTree(before.merged), values.MaskTree(after.merged)
	if charts == nil {
		return
	}
	beforeSide, okBefore := v.side(before, a)
	afterSide, okAfter := v.side(after, a)
	if !okBefore || !okAfter {
		return
	}
	objects, err := charts.Compare(ctx, beforeSide, afterSide)
	if err == nil {
		a.Rendered, a.Objects = true, objects
		if after.app != nil {
			v.defaults(ctx, charts, after, a)
		}
		return
	}
	var ce *helmrender.CompareError
	if !errors.As(err, &ce) {
		a.Errors = append(a.Errors, fmt.Sprintf("render the chart of %s: %v", a.App.Name, err))
		return
	}
	for _, e := range []struct {
		err   error
		s     side
		where string
	}{{ce.Base, before, "base"}, {ce.Head, after, "head"}} {
		switch {
		case e.err == nil:
		case errors.Is(e.err, helmrender.ErrHostNotAllowed):
			if msg := e.err.Error(); !slices.Contains(a.refused, msg) {
				a.refused = append(a.refused, msg)
			}
		default:
			src, _ := chartSource(e.s.app)
			a.Errors = append(a.Errors, fmt.Sprintf("render %s at the %s: %v", chartName(src), e.where, e.err))
		}
	}
}

// read merges app's values at one revision in Helm's order: value files
// in order, then inline values. The chart's defaults are left out: the
// diff is of what the repository sets.
func (v *Values) read(files fs.FS, app *gitops.Application, a *AppResult, isHead bool) side {
	s := side{app: app, files: map[string]map[string]any{}}
	if app == nil {
		return s
	}
	var layers []map[string]any
	for _, vf := range app.ValueFiles() {
		if vf.Repo != "self" {
			if isHead {
				a.Notes = append(a.Notes, fmt.Sprintf("value file %s comes from %s; csocbot diffs only the value files of this repository", vf.Raw, vf.Repo))
			}
			continue
		}
		data, err := fs.ReadFile(files, vf.Path)
		if isHead {
			a.ValueFiles = append(a.ValueFiles, policy.ValueFile{Path: vf.Path, Exists: err == nil})
		}
		if errors.Is(err, fs.ErrNotExist) {
			continue // a missing file is the policies' to judge; Argo CD would fail the sync
		}
		if err != nil {
			a.Errors = append(a.Errors, fmt.Sprintf("read %s: %v", vf.Path, err))
			continue
		}
		vals, err := values.Parse(data)
		if err != nil {
			if isHead {
				a.Errors = append(a.Errors, fmt.Sprintf("%s: %v", vf.Path, err))
			}
			continue
		}
		s.files[vf.Path] = vals
		layers = append(layers, vals)
	}
	for _, src := range app.Sources {
		if src.Helm == nil {
			continue
		}
		if src.Helm.Values != "" {
			vals, err := values.Parse([]byte(src.Helm.Values))
			if err != nil {
				if isHead {
					a.Errors = append(a.Errors, fmt.Sprintf("helm.values of %s: %v", app.Name, err))
				}
			} else {
				layers = append(layers, vals)
			}
		}
		if src.Helm.ValuesObject != nil {
			layers = append(layers, src.Helm.ValuesObject)
		}
	}
	s.merged = values.Merge(layers...)
	return s
}

// chartSource is the source of the application's chart: the first source
// that is not only a `ref`.
func chartSource(app *gitops.Application) (gitops.Source, bool) {
	for _, src := range app.Sources {
		if src.Ref == "" || src.Path != "" || src.Chart != "" {
			return src, true
		}
	}
	return gitops.Source{}, false
}

// side is what helmrender compares of one revision of the application:
// nil when it does not exist there; ok is false when it names no chart.
func (v *Values) side(s side, a *AppResult) (*helmrender.Side, bool) {
	if s.app == nil {
		return nil, true
	}
	src, ok := chartSource(s.app)
	if !ok {
		a.Errors = append(a.Errors, fmt.Sprintf("application %s names no chart source", s.app.Name))
		return nil, false
	}
	return &helmrender.Side{
		Source:  helmrender.ChartSource{RepoURL: src.RepoURL, Path: src.Path, Chart: src.Chart, Revision: src.TargetRevision},
		Values:  s.merged,
		Release: helmrender.Release{Name: releaseName(s.app, src), Namespace: s.app.Destination.Namespace},
	}, true
}

// defaults notes, per values file the change touches, the keys that
// equal the chart's defaults.
func (v *Values) defaults(ctx context.Context, charts *helmrender.Run, s side, a *AppResult) {
	src, ok := chartSource(s.app)
	if !ok {
		return
	}
	defs, err := charts.Defaults(ctx, helmrender.ChartSource{RepoURL: src.RepoURL, Path: src.Path, Chart: src.Chart, Revision: src.TargetRevision}, s.merged)
	if err != nil {
		return // the render reported it
	}
	for file, vals := range s.files {
		if !slices.Contains(a.Files, file) {
			continue
		}
		if paths := values.Redundant(defs, vals); len(paths) > 0 {
			if a.Defaults == nil {
				a.Defaults = map[string][]string{}
			}
			a.Defaults[file] = paths
		}
	}
}

func releaseName(app *gitops.Application, src gitops.Source) string {
	if src.Helm != nil && src.Helm.ReleaseName != "" {
		return src.Helm.ReleaseName
	}
	return app.Name
}

func chartName(src gitops.Source) string {
	if src.Chart != "" {
		return fmt.Sprintf("chart %s %s from %s", src.Chart, src.TargetRevision, src.RepoURL)
	}
	return fmt.Sprintf("chart %s at %s of %s", src.Path, src.TargetRevision, src.RepoURL)
}

// environment places the application: the configured environment of its
// folder, and the account from the configuration or else the cluster's
// cluster-values file.
func (v *Values) environment(repo string, files fs.FS, app gitops.Application, after map[string]any) policy.ValuesEnv {
	e := v.Config.PlacementOf(repo, app.Dir)
	env := policy.ValuesEnv{Name: e.Name, Prod: e.Prod, Cluster: app.Cluster, Account: e.Account}
	if cv, err := gitops.ClusterValues(files, app.Cluster); err == nil {
		if env.Account == "" {
			env.Account, _ = cv["accountNumber"].(string)
		}
		if c, ok := cv["cluster"].(string); ok && c != "" {
			env.Cluster = c
		}
	}
	if g, ok := after["global"].(map[string]any); ok {
		env.Hostname, _ = g["hostname"].(string)
	}
	if env.Hostname == "" {
		env.Hostname = path.Base(app.Dir)
	}
	return env
}

// policyPR is the pull request part of every application's input.
func (v *Values) policyPR(ctx context.Context, c Change, diff []gitrepo.Change) (policy.PR, error) {
	in := policy.PR{
		Repo: c.Repo, Number: c.PR,
		Base:         policy.GitRef{Ref: c.BaseRef},
		Head:         policy.GitRef{Ref: c.HeadRef, SHA: c.HeadSHA},
		ChangedFiles: policycheck.ChangedFiles(diff),
	}
	if v.PullRequests == nil || c.PR == 0 {
		return in, nil
	}
	pr, err := v.PullRequests.PullRequest(ctx, c.Repo, c.PR)
	if err != nil {
		return in, fmt.Errorf("read pull request %s#%d for the policy checks: %w", c.Repo, c.PR, err)
	}
	in.Author, in.Labels = pr.Author, pr.Labels
	in.Base = policy.GitRef{Ref: pr.BaseRef, SHA: pr.BaseSHA}
	in.Head.Ref = pr.HeadRef
	return in, nil
}

// evaluate runs the policy sets that apply to the application's
// environment on its values; nil when none applies.
func (v *Values) evaluate(ctx context.Context, pr policy.PR, a *AppResult) *policycheck.UnitResults {
	sets := v.Policies.Sets()
	if !slices.ContainsFunc(sets, func(s policy.Set) bool { return s.AppliesTo(pr.Repo, a.Env.Name) }) {
		return nil
	}
	in := policy.Input{Version: policy.InputVersion, PR: pr, Values: valuesInput(a)}
	in.Unit.Environment = a.Env.Name
	results, err := v.Policies.Evaluate(ctx, in, policy.PostPlan)
	if err != nil {
		results = nil
		for _, s := range sets {
			if s.AppliesTo(pr.Repo, a.Env.Name) {
				results = append(results, policy.Result{Set: s.Name, Kind: policy.Error,
					Message: fmt.Sprintf("policy input could not be evaluated: %v; counted as a failure", err)})
			}
		}
	}
	if results == nil {
		results = []policy.Result{}
	}
	return &policycheck.UnitResults{Moment: policy.PostPlan.String(), Results: results}
}

// valuesInput is the application's part of the policy input.
func valuesInput(a *AppResult) *policy.Values {
	in := &policy.Values{
		Application: policy.ValuesApp{Name: a.App.Name, Namespace: a.App.Namespace, Project: a.App.Project, File: a.App.File},
		Environment: a.Env,
		ValueFiles:  a.ValueFiles,
		Before:      a.Before,
		After:       a.After,
	}
	for _, s := range a.App.Sources {
		in.Application.Sources = append(in.Application.Sources, policy.ValuesSource{
			RepoURL: s.RepoURL, Path: s.Path, Chart: s.Chart, TargetRevision: s.TargetRevision, Ref: s.Ref})
	}
	for _, c := range a.Changes {
		in.Changes = append(in.Changes, policy.ValuesChange{Path: c.Path, Op: string(c.Op), Before: c.Before, After: c.After,
			BeforeType: c.BeforeType, AfterType: c.AfterType, TypeChanged: c.TypeChanged})
	}
	for _, o := range a.Objects {
		in.Objects = append(in.Objects, policy.ObjectChange{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, Op: o.Op})
	}
	return in
}

// audit records the check: one entry per application.
func (v *Values) audit(ctx context.Context, req ValuesRequest, out *ValuesOutcome) {
	if v.Audit == nil {
		return
	}
	sets := []policy.Set(nil)
	if v.Policies != nil {
		sets = v.Policies.Sets()
	}
	for _, a := range out.Apps {
		outcome := "ok"
		if a.failed(sets, out.Approvals) {
			outcome = "failed"
		}
		e := store.AuditEntry{Actor: cmpOr(req.Actor, "csocbot"), Action: "values", Repo: req.Change.Repo, PR: req.Change.PR,
			HeadSHA: req.Change.HeadSHA, Unit: a.Key, Outcome: outcome,
			Detail: fmt.Sprintf("%d changed values, %d changed objects", len(a.Changes), len(a.Objects))}
		if _, err := v.Audit.AppendAudit(ctx, e); err != nil {
			v.Logger.Warn("could not append to the audit log", "error", err)
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// failed reports whether the application fails the check: it could not
// be read or rendered, or a policy set fails that no owner overrode.
func (a *AppResult) failed(sets []policy.Set, approvals map[string][]string) bool {
	return len(a.Errors) > 0 || len(a.failingSets(sets, approvals)) > 0
}

// failingSets are the sets with blocking results not overridden.
func (a *AppResult) failingSets(sets []policy.Set, approvals map[string][]string) []string {
	if a.Policy == nil {
		return nil
	}
	var out []string
	for _, r := range a.Policy.Results {
		if r.Blocking() && !SetOverridden(sets, r.Set, approvals) && !slices.Contains(out, r.Set) {
			out = append(out, r.Set)
		}
	}
	return out
}
