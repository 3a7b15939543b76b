package detect

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/terragrunt"
)

// unitSet is every Terragrunt configuration of one revision, evaluated,
// and the folders holding Terraform files: what an inventory is made of.
//
// A unitSet is never modified once built. The next revision's is derived
// from it (see derive): only the files that differ between the two
// revisions are looked at, and only the units whose evaluation looked at
// one of them are evaluated again. That keeps the second pull request on
// a repository proportional to its change, not to the repository.
type unitSet struct {
	snap *gitrepo.Snapshot
	// dirs are the directories holding a terragrunt.hcl, in the order a
	// walk of the revision meets them (see configOrder).
	dirs   []string
	evals  map[string]*evaluation // dir -> evaluation
	tfDirs map[string]bool        // directories holding Terraform files
	probes *probeIndex
	// probeCount is the number of index entries that belong to evals: how
	// many of the index's entries are live.
	probeCount int
}

// evaluation is one unit's evaluation.
type evaluation struct {
	dir string
	cfg *terragrunt.Config
	err error
	// deps are the units it depends on, sorted: computed once here since
	// every inventory of every later revision needs them.
	deps []string
}

func newEvaluation(dir string, cfg *terragrunt.Config, err error) *evaluation {
	ev := &evaluation{dir: dir, cfg: cfg, err: err}
	if cfg != nil {
		ev.deps = unitDeps(cfg)
	}
	return ev
}

// unitDeps lists the units cfg depends on: its enabled dependency blocks
// and its dependencies.paths, sorted and without repeats.
func unitDeps(cfg *terragrunt.Config) []string {
	var deps []string
	for _, dep := range cfg.Dependencies {
		if dep.Enabled {
			deps = append(deps, dep.ConfigPath)
		}
	}
	deps = append(deps, cfg.DependencyPaths...)
	slices.Sort(deps)
	return compactStrings(deps)
}

// setDelta is how a derived unitSet differs from the one it came from; an
// inventory uses it to decide what it can keep.
type setDelta struct {
	prev *gitrepo.Snapshot
	// changed are the files that differ between the two revisions.
	changed map[string]struct{}
	// evaluated are the units evaluated again (each also in the old set).
	evaluated []string
	// membership is true when units or Terraform folders appeared or
	// disappeared.
	membership bool
}

// probeIndex maps every path an evaluation looked at (cfg.Probes) to the
// evaluations that did, so the units a changed file concerns are found by
// lookup instead of by visiting every unit.
//
// It only grows, which lets a unitSet and the sets derived from it share
// one: an evaluation replaced in a later set stays in the index, and each
// set keeps only the entries whose evaluation is its own (pointer
// equality). When stale entries come to outnumber live ones, a derived set
// starts a fresh index.
type probeIndex struct {
	mu     sync.RWMutex
	byPath map[string][]*evaluation
	// byGlob maps the patterns of cfg.Globs (fileset, mark_glob_as_read)
	// to the evaluations that matched files against them.
	byGlob  map[string][]*evaluation
	entries int
}

func newProbeIndex(evals map[string]*evaluation) (*probeIndex, int) {
	x := &probeIndex{byPath: map[string][]*evaluation{}, byGlob: map[string][]*evaluation{}}
	evs := make([]*evaluation, 0, len(evals))
	for _, ev := range evals {
		evs = append(evs, ev)
	}
	return x, x.add(evs)
}

// add indexes the probes of evs and returns how many entries that made.
func (x *probeIndex) add(evs []*evaluation) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := 0
	for _, ev := range evs {
		if ev.cfg == nil {
			continue
		}
		for _, p := range ev.cfg.Probes {
			x.byPath[p] = append(x.byPath[p], ev)
		}
		for _, g := range ev.cfg.Globs {
			x.byGlob[g] = append(x.byGlob[g], ev)
		}
		n += probeCount(ev)
	}
	x.entries += n
	return n
}

// probedBy returns the units of s whose evaluation looked at p, by name
// or with a glob pattern matching it; a unit may be listed twice.
func (s *unitSet) probedBy(p string) []string {
	s.probes.mu.RLock()
	defer s.probes.mu.RUnlock()
	var out []string
	for _, ev := range s.probes.byPath[p] {
		if s.evals[ev.dir] == ev {
			out = append(out, ev.dir)
		}
	}
	for g, evs := range s.probes.byGlob {
		if ok, _ := terragrunt.MatchGlob(g, p); !ok {
			continue
		}
		for _, ev := range evs {
			if s.evals[ev.dir] == ev {
				out = append(out, ev.dir)
			}
		}
	}
	return out
}

// configOrder compares two unit directories in the order a walk of the
// revision meets their terragrunt.hcl files. Git sorts a tree's entries
// by name with a directory's name followed by "/", so that order is the
// byte order of the files' full paths.
func configOrder(a, b string) int {
	return strings.Compare(configFile(a), configFile(b))
}

func configFile(dir string) string {
	if dir == "." {
		return terragrunt.ConfigFileName
	}
	return dir + "/" + terragrunt.ConfigFileName
}

// hasConfigFile reports whether dir holds terragrunt.hcl or
// terragrunt.hcl.json in snap.
func hasConfigFile(snap *gitrepo.Snapshot, dir string) bool {
	for _, name := range []string{terragrunt.ConfigFileName, terragrunt.JSONConfigFileName} {
		if _, ok := snap.BlobHash(path.Join(dir, name)); ok {
			return true
		}
	}
	return false
}

// scanUnits builds the unitSet of snap from nothing: it lists the
// revision and evaluates every unit.
func (d *Detector) scanUnits(ctx context.Context, snap *gitrepo.Snapshot) (*unitSet, error) {
	s := &unitSet{snap: snap, tfDirs: map[string]bool{}}
	err := snap.Walk(".", skipDir, func(name string) {
		dir, file := path.Split(name)
		dir = strings.TrimSuffix(dir, "/")
		if dir == "" {
			dir = "."
		}
		switch {
		case terragrunt.IsConfigFile(file):
			s.dirs = append(s.dirs, dir)
		case isTerraformFile(file):
			s.tfDirs[dir] = true
		}
	})
	if err != nil {
		return nil, fmt.Errorf("list files of %s: %w", snap.Commit(), err)
	}
	// A folder with both terragrunt.hcl and terragrunt.hcl.json is one
	// unit, and the walk meets the JSON file later than configOrder says.
	slices.SortFunc(s.dirs, configOrder)
	s.dirs = slices.Compact(s.dirs)
	evs, err := d.evaluateAll(ctx, snap, s.dirs)
	if err != nil {
		return nil, err
	}
	s.evals = make(map[string]*evaluation, len(evs))
	for _, ev := range evs {
		s.evals[ev.dir] = ev
	}
	s.probes, s.probeCount = newProbeIndex(s.evals)
	return s, nil
}

// skipDir is true for directories that never hold units: caches and hidden
// folders.
func skipDir(name string) bool {
	return strings.HasPrefix(name, ".") || name == ".terragrunt-cache" || name == ".terraform"
}

func isTerraformFile(name string) bool {
	return strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tf.json")
}

// skippedPath is true for a file below a directory a walk skips.
func skippedPath(p string) bool {
	dirs := strings.Split(path.Dir(p), "/")
	for _, dir := range dirs {
		if dir != "." && skipDir(dir) {
			return true
		}
	}
	return false
}

// derive builds the unitSet of snap from s, an earlier or later revision
// of the same repository.
func (d *Detector) derive(ctx context.Context, s *unitSet, snap *gitrepo.Snapshot) (*unitSet, *setDelta, error) {
	changed, err := snap.ChangedFiles(s.snap)
	if err != nil {
		return nil, nil, err
	}
	delta := &setDelta{prev: s.snap, changed: changed}
	next := &unitSet{snap: snap, dirs: s.dirs, evals: s.evals, tfDirs: s.tfDirs, probes: s.probes, probeCount: s.probeCount}
	added, removed, err := next.updateMembership(changed, delta)
	if err != nil {
		return nil, nil, err
	}

	// Evaluate again: new units, units whose evaluation looked at a
	// changed path, and units that failed (a failure records nothing to
	// check, and is rare).
	redo := map[string]bool{}
	for _, dir := range added {
		redo[dir] = true
	}
	for p := range changed {
		for _, dir := range s.probedBy(p) {
			redo[dir] = true
		}
	}
	for folder := range appearedFolders(s.snap, snap, slices.Collect(maps.Keys(changed))) {
		for _, dir := range s.probedBy(folder) {
			redo[dir] = true
		}
	}
	for dir, ev := range s.evals {
		if ev.err != nil {
			redo[dir] = true
		}
	}
	for _, dir := range removed {
		delete(redo, dir)
	}
	if len(redo) == 0 && len(removed) == 0 {
		return next, delta, nil
	}
	dirs := make([]string, 0, len(redo))
	for dir := range redo {
		dirs = append(dirs, dir)
	}
	slices.SortFunc(dirs, configOrder)
	evs, err := d.evaluateAll(ctx, snap, dirs)
	if err != nil {
		return nil, nil, err
	}

	next.evals = maps.Clone(s.evals)
	for _, dir := range removed {
		next.probeCount -= probeCount(next.evals[dir])
		delete(next.evals, dir)
	}
	for _, ev := range evs {
		if old, ok := next.evals[ev.dir]; ok {
			next.probeCount -= probeCount(old)
			delta.evaluated = append(delta.evaluated, ev.dir)
		}
		next.evals[ev.dir] = ev
	}
	next.indexProbes(evs)
	return next, delta, nil
}

func probeCount(ev *evaluation) int {
	if ev == nil || ev.cfg == nil {
		return 0
	}
	return len(ev.cfg.Probes) + len(ev.cfg.Globs)
}

// indexProbes adds the new evaluations evs to the probe index, or builds
// a fresh index when most entries of the shared one are stale.
func (s *unitSet) indexProbes(evs []*evaluation) {
	s.probes.mu.RLock()
	entries := s.probes.entries
	s.probes.mu.RUnlock()
	fresh := 0
	for _, ev := range evs {
		fresh += probeCount(ev)
	}
	if entries+fresh > 2*(s.probeCount+fresh)+1024 {
		s.probes, s.probeCount = newProbeIndex(s.evals)
		return
	}
	s.probeCount += s.probes.add(evs)
}

// updateMembership applies the changed files to the lists of unit and
// Terraform directories of s (copying them first) and returns the units
// that appeared and disappeared.
func (s *unitSet) updateMembership(changed map[string]struct{}, delta *setDelta) (added, removed []string, err error) {
	tfSeen := map[string]bool{}
	tfCopied := false
	for p := range changed {
		if skippedPath(p) {
			continue
		}
		dir, file := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		if dir == "" {
			dir = "."
		}
		switch {
		case terragrunt.IsConfigFile(file):
			exists := hasConfigFile(s.snap, dir)
			i, had := slices.BinarySearchFunc(s.dirs, dir, configOrder)
			switch {
			case exists && !had:
				s.dirs = slices.Insert(slices.Clip(s.dirs), i, dir)
				added = append(added, dir)
			case !exists && had:
				s.dirs = slices.Delete(slices.Clone(s.dirs), i, i+1)
				removed = append(removed, dir)
			}
		case isTerraformFile(file) && !tfSeen[dir]:
			tfSeen[dir] = true
			has, err := hasTerraformFiles(s.snap, dir)
			if err != nil {
				return nil, nil, err
			}
			if has != s.tfDirs[dir] {
				if !tfCopied {
					s.tfDirs, tfCopied = maps.Clone(s.tfDirs), true
				}
				delta.membership = true
				if has {
					s.tfDirs[dir] = true
				} else {
					delete(s.tfDirs, dir)
				}
			}
		}
	}
	if len(added) > 0 || len(removed) > 0 {
		delta.membership = true
	}
	return added, removed, nil
}

// hasTerraformFiles reports whether dir holds a Terraform file in snap.
func hasTerraformFiles(snap *gitrepo.Snapshot, dir string) (bool, error) {
	entries, err := snap.ReadDir(dir)
	if err != nil {
		if _, ok := snap.TreeHash(dir); !ok {
			return false, nil // the directory is gone
		}
		return false, err
	}
	for _, e := range entries {
		if !e.IsDir() && isTerraformFile(e.Name()) {
			return true, nil
		}
	}
	return false, nil
}
