// Package detect answers, for a change between two revisions of an infra
// repository: which Terragrunt units and Terraform roots does it affect, why,
// and in what order must they run?
//
// A Detector keeps caches across calls, keyed by git object hashes: parsed
// files, evaluated units (checked against every path the evaluation looked
// at) and module calls. The second pull request on a repository therefore
// re-reads only what differs.
package detect

import (
	"context"
	"fmt"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/terragrunt"
)

// Kind is what a unit is.
type Kind string

// Unit kinds.
const (
	Terragrunt Kind = "terragrunt"
	Terraform  Kind = "terraform"
)

// Options configure a Detector.
type Options struct {
	// Root is the absolute path the repository is checked out at; the
	// Terragrunt functions that return paths use it.
	Root string
	// SkipDependents turns off selecting the units that depend on an
	// affected unit. By default they are selected: their plans may change
	// when a dependency's outputs do.
	SkipDependents bool
	// Env is what get_env sees (never the server's own environment).
	// Variables that are not set evaluate to unknown values.
	Env map[string]string
	// AllowRunCmd and AllowSopsDecrypt enable those Terragrunt functions.
	AllowRunCmd      bool
	AllowSopsDecrypt bool
	// Parallelism bounds concurrent unit evaluations; 0 means GOMAXPROCS.
	Parallelism int
}

// Detector finds affected units. It is safe for concurrent use.
type Detector struct {
	repo  *gitrepo.Repo
	opts  Options
	parse *terragrunt.ParseCache

	mu      sync.Mutex
	units   map[string]*evaluation // unit dir -> newest evaluation
	modules map[string][]string    // dir + "@" + tree hash -> local module calls
	// snaps are the recently inventoried revisions by root tree hash, and
	// changed the files that differ between two of them: together they
	// validate a cached evaluation by set lookups instead of tree walks.
	snaps   map[string]*gitrepo.Snapshot
	recent  []string
	changed map[[2]string]*changedFiles
}

// keptSnapshots bounds how many revisions validate cached evaluations.
const keptSnapshots = 8

type changedFiles struct {
	once  sync.Once
	files map[string]struct{}
	err   error
}

// New returns a Detector for repo.
func New(repo *gitrepo.Repo, opts Options) *Detector {
	if opts.Parallelism <= 0 {
		opts.Parallelism = runtime.GOMAXPROCS(0)
	}
	return &Detector{
		repo:    repo,
		opts:    opts,
		parse:   terragrunt.NewParseCache(),
		units:   map[string]*evaluation{},
		modules: map[string][]string{},
		snaps:   map[string]*gitrepo.Snapshot{},
		changed: map[[2]string]*changedFiles{},
	}
}

// Unit is an affected unit.
type Unit struct {
	Path         string   `json:"path"`
	Kind         Kind     `json:"kind"`
	Reasons      []string `json:"reasons"`
	Dependencies []string `json:"dependencies"`
	// Config is the evaluated configuration of a Terragrunt unit (nil for
	// a Terraform root). Dependency outputs in it are unknown values.
	Config *terragrunt.Config `json:"-"`
	// Modules are the repository directories of the local modules the
	// unit runs: its terraform.source and every local module called from
	// there, recursively. A plan needs exactly these files.
	Modules []string `json:"-"`
}

// Result is what a change affects.
type Result struct {
	// Units are the affected units in apply order.
	Units []Unit `json:"units"`
	// Deleted are units and roots the change removes.
	Deleted []string `json:"deleted"`
	// Changes are the changed files.
	Changes []gitrepo.Change `json:"-"`
	// Unmatched are changed files that affect no unit.
	Unmatched []string `json:"-"`
	// Warnings are things a reader of the result should know, such as a
	// deletion that could not be classified.
	Warnings []string `json:"warnings,omitempty"`
}

// Detect compares the revisions base and head and returns the units the
// change affects, evaluated at head.
func (d *Detector) Detect(ctx context.Context, base, head string) (*Result, error) {
	changes, err := d.repo.Diff(ctx, base, head)
	if err != nil {
		return nil, err
	}
	snap, err := d.repo.Snapshot(ctx, head)
	if err != nil {
		return nil, err
	}
	inv, err := d.inventory(ctx, snap)
	if err != nil {
		return nil, err
	}
	res := &Result{Changes: changes, Units: []Unit{}, Deleted: []string{}}
	loadBase := func() (*inventory, error) {
		baseSnap, err := d.repo.Snapshot(ctx, base)
		if err != nil {
			return nil, err
		}
		return d.inventory(ctx, baseSnap)
	}
	d.selectUnits(inv, changes, loadBase, res)
	return res, nil
}

// inventory is everything known about one revision.
type inventory struct {
	snap  *gitrepo.Snapshot
	units map[string]*terragrunt.Config // dir -> config
	roots map[string]bool               // plain Terraform roots
	// modules maps a unit or root dir to the local module directories it
	// uses, with for each the chain that reaches it ("modules/vpc",
	// "modules/tags via modules/vpc").
	modules map[string]map[string]string
	deps    map[string][]string // unit -> units it depends on
	order   []string            // every unit and root in apply order
	tfDirs  map[string]bool     // directories holding Terraform files
}

// skipDir is true for directories that never hold units: caches and hidden
// folders.
func skipDir(name string) bool {
	return strings.HasPrefix(name, ".") || name == ".terragrunt-cache" || name == ".terraform"
}

func (d *Detector) inventory(ctx context.Context, snap *gitrepo.Snapshot) (*inventory, error) {
	var candidates []string
	tfDirs := map[string]bool{}
	err := snap.Walk(".", skipDir, func(name string) {
		dir, file := path.Split(name)
		dir = strings.TrimSuffix(dir, "/")
		if dir == "" {
			dir = "."
		}
		switch {
		case file == terragrunt.ConfigFileName:
			candidates = append(candidates, dir)
		case strings.HasSuffix(file, ".tf") || strings.HasSuffix(file, ".tf.json"):
			tfDirs[dir] = true
		}
	})
	if err != nil {
		return nil, fmt.Errorf("list files of %s: %w", snap.Commit(), err)
	}
	configs, err := d.evaluateAll(ctx, snap, candidates)
	if err != nil {
		return nil, err
	}
	d.remember(snap)
	inv := &inventory{snap: snap, units: map[string]*terragrunt.Config{}, roots: map[string]bool{},
		modules: map[string]map[string]string{}, deps: map[string][]string{}, tfDirs: tfDirs}

	// A terragrunt.hcl that other units include (the pre-root.hcl layout)
	// is configuration, not a unit.
	included := map[string]bool{}
	for _, c := range configs {
		if c.cfg != nil {
			for _, inc := range c.cfg.Includes {
				included[path.Dir(inc.Path)] = true
			}
		}
	}
	var errs []error
	for i, dir := range candidates {
		c := configs[i]
		if included[dir] {
			continue
		}
		if c.err != nil {
			errs = append(errs, c.err)
			continue
		}
		inv.units[dir] = c.cfg
	}
	if len(errs) > 0 {
		return nil, &EvaluationError{Errors: errs}
	}

	usedAsModule := map[string]bool{}
	closures := map[string]map[string]string{} // module dir -> closure, shared by its units
	for dir, cfg := range inv.units {
		moduleDir := dir
		if m := cfg.Terraform.Module; m.Kind == terragrunt.LocalSource {
			moduleDir = m.Dir
			usedAsModule[m.Dir] = true
		} else if m.Kind != terragrunt.NoSource {
			moduleDir = ""
		}
		cl, ok := closures[moduleDir]
		if !ok || moduleDir == dir {
			cl = d.moduleClosure(snap, moduleDir, usedAsModule)
			closures[moduleDir] = cl
		}
		inv.modules[dir] = cl
		var deps []string
		for _, dep := range cfg.Dependencies {
			if dep.Enabled {
				deps = append(deps, dep.ConfigPath)
			}
		}
		deps = append(deps, cfg.DependencyPaths...)
		sort.Strings(deps)
		inv.deps[dir] = compactStrings(deps)
	}
	// Terraform folders that no unit or other folder uses as a module are
	// roots of their own.
	var tfCandidates []string
	for dir := range tfDirs {
		if inv.units[dir] == nil && !usedAsModule[dir] {
			tfCandidates = append(tfCandidates, dir)
		}
	}
	sort.Strings(tfCandidates)
	rootClosures := map[string]map[string]string{}
	for _, dir := range tfCandidates {
		rootClosures[dir] = d.moduleClosure(snap, dir, usedAsModule)
	}
	for _, dir := range tfCandidates {
		if !usedAsModule[dir] {
			inv.roots[dir] = true
			inv.modules[dir] = rootClosures[dir]
			inv.deps[dir] = nil
		}
	}
	g := newGraph(inv.deps)
	if inv.order, err = g.order(); err != nil {
		return nil, err
	}
	return inv, nil
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// moduleClosure returns the local modules a module directory uses,
// directly or through other local modules, each with how it is reached.
// The directory itself is included when it is a module of its own (not
// the unit directory). Every module found is marked in used.
func (d *Detector) moduleClosure(snap *gitrepo.Snapshot, dir string, used map[string]bool) map[string]string {
	out := map[string]string{}
	if dir == "" {
		return out
	}
	type item struct{ dir, via string }
	queue := []item{{dir: dir}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		if it.via != "" || used[it.dir] {
			if _, seen := out[it.dir]; seen {
				continue
			}
			out[it.dir] = it.via
		}
		for _, call := range d.cachedModuleCalls(snap, it.dir) {
			if _, seen := out[call]; seen || call == dir {
				continue
			}
			used[call] = true
			queue = append(queue, item{dir: call, via: it.dir})
		}
	}
	return out
}

func (d *Detector) cachedModuleCalls(snap *gitrepo.Snapshot, dir string) []string {
	h, ok := snap.TreeHash(dir)
	if !ok {
		return nil
	}
	key := dir + "@" + h
	d.mu.Lock()
	calls, ok := d.modules[key]
	d.mu.Unlock()
	if ok {
		return calls
	}
	calls = moduleCalls(snap, dir)
	d.mu.Lock()
	d.modules[key] = calls
	d.mu.Unlock()
	return calls
}

// EvaluationError lists the units whose configuration could not be
// evaluated.
type EvaluationError struct {
	Errors []error
}

func (e *EvaluationError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, err := range e.Errors {
		msgs[i] = err.Error()
	}
	return fmt.Sprintf("%d unit(s) could not be evaluated:\n%s", len(e.Errors), strings.Join(msgs, "\n"))
}

func (e *EvaluationError) Unwrap() []error { return e.Errors }

// evaluation is one unit's evaluation and what it depended on.
type evaluation struct {
	cfg    *terragrunt.Config
	err    error
	hashes []string // blob hash of each of cfg.Probes at evaluation time, "" when absent
	seen   string   // root hash of the newest revision it is known valid for
}

// valid reports whether a cached evaluation still holds for snap: no path
// it looked at changed since a revision it was valid for.
func (d *Detector) valid(ev *evaluation, snap *gitrepo.Snapshot) bool {
	if ev == nil || ev.cfg == nil {
		return false
	}
	if ev.seen == snap.RootHash() {
		return true
	}
	if changed, ok := d.changedSince(ev.seen, snap); ok {
		for _, p := range ev.cfg.Probes {
			if _, hit := changed[p]; hit {
				return false
			}
		}
		return true
	}
	for i, p := range ev.cfg.Probes {
		h, _ := snap.BlobHash(p)
		if h != ev.hashes[i] {
			return false
		}
	}
	return true
}

// remember keeps snap for validating evaluations later.
func (d *Detector) remember(snap *gitrepo.Snapshot) {
	d.mu.Lock()
	defer d.mu.Unlock()
	root := snap.RootHash()
	if _, ok := d.snaps[root]; ok {
		return
	}
	d.snaps[root] = snap
	d.recent = append(d.recent, root)
	if len(d.recent) > keptSnapshots {
		old := d.recent[0]
		d.recent = d.recent[1:]
		delete(d.snaps, old)
		for k := range d.changed {
			if k[0] == old || k[1] == old {
				delete(d.changed, k)
			}
		}
	}
}

// changedSince returns the files that differ between the kept revision
// with root hash from and snap; ok is false when from is no longer kept.
func (d *Detector) changedSince(from string, snap *gitrepo.Snapshot) (map[string]struct{}, bool) {
	key := [2]string{from, snap.RootHash()}
	d.mu.Lock()
	prev, ok := d.snaps[from]
	c := d.changed[key]
	if ok && c == nil {
		c = &changedFiles{}
		d.changed[key] = c
	}
	d.mu.Unlock()
	if !ok {
		return nil, false
	}
	c.once.Do(func() { c.files, c.err = snap.ChangedFiles(prev) })
	return c.files, c.err == nil
}

func (d *Detector) evaluateAll(ctx context.Context, snap *gitrepo.Snapshot, dirs []string) ([]*evaluation, error) {
	ev, err := terragrunt.New(terragrunt.Options{
		Root: d.opts.Root, FS: snap, Env: d.opts.Env, UnknownEnv: true,
		AllowRunCmd: d.opts.AllowRunCmd, AllowSopsDecrypt: d.opts.AllowSopsDecrypt, Cache: d.parse,
	})
	if err != nil {
		return nil, err
	}
	out := make([]*evaluation, len(dirs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(d.opts.Parallelism)
	const batch = 64 // amortise goroutine start-up over small units
	for start := 0; start < len(dirs); start += batch {
		end := min(start+batch, len(dirs))
		g.Go(func() error {
			for i := start; i < end; i++ {
				if err := gctx.Err(); err != nil {
					return err
				}
				out[i] = d.evaluate(gctx, ev, snap, dirs[i])
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

func (d *Detector) evaluate(ctx context.Context, ev *terragrunt.Evaluator, snap *gitrepo.Snapshot, dir string) *evaluation {
	d.mu.Lock()
	cached := d.units[dir]
	d.mu.Unlock()
	if d.valid(cached, snap) {
		if cached.seen != snap.RootHash() {
			fresh := *cached
			fresh.seen = snap.RootHash()
			cached = &fresh
			d.mu.Lock()
			d.units[dir] = cached
			d.mu.Unlock()
		}
		return cached
	}
	cfg, err := ev.EvaluateUnit(ctx, dir)
	if err != nil {
		return &evaluation{err: err}
	}
	res := &evaluation{cfg: cfg, hashes: make([]string, len(cfg.Probes)), seen: snap.RootHash()}
	for i, p := range cfg.Probes {
		res.hashes[i], _ = snap.BlobHash(p)
	}
	d.mu.Lock()
	d.units[dir] = res
	d.mu.Unlock()
	return res
}
