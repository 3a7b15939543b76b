package detect

import (
	"context"
	"errors"
	"maps"
	"path"
	"slices"
	"sort"

	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/terragrunt"
)

// inventory is everything known about one revision.
type inventory struct {
	set   *unitSet
	units map[string]*terragrunt.Config // dir -> config
	roots map[string]bool               // plain Terraform roots
	// modules maps a unit or root dir to the local module directories it
	// uses, with for each the chain that reaches it ("modules/vpc",
	// "modules/tags via modules/vpc").
	modules map[string]map[string]string
	deps    map[string][]string // unit -> units it depends on
	order   []string            // every unit and root in apply order
	tfDirs  map[string]bool     // directories holding Terraform files
	// broken are the units whose configuration does not evaluate, with
	// why. They are nodes of the dependency graph without dependencies
	// (theirs are unknown), so the units depending on them are found.
	broken map[string]error

	// Indexes for selectUnits, so that it visits only the units a change
	// concerns.
	graph       *graph
	pos         map[string]int      // unit or root -> position in order
	moduleUsers map[string][]string // module dir -> units and roots using it
}

// revision is an inventoried revision: its units, and their inventory or
// why there is none.
type revision struct {
	set *unitSet
	inv *inventory
	err error
}

// inventory returns the inventory of snap, derived from the revision
// inventoried last when there is one.
func (d *Detector) inventory(ctx context.Context, snap *gitrepo.Snapshot) (*inventory, error) {
	d.mu.Lock()
	prev := d.latest
	d.mu.Unlock()
	rev, err := d.advance(ctx, prev, snap)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.latest = rev
	d.mu.Unlock()
	return rev.inv, rev.err
}

// advance builds the revision of snap from prev (nil when there is none).
func (d *Detector) advance(ctx context.Context, prev *revision, snap *gitrepo.Snapshot) (*revision, error) {
	if prev == nil {
		set, err := d.scanUnits(ctx, snap)
		if err != nil {
			return nil, err
		}
		return d.newRevision(set), nil
	}
	if prev.set.snap.RootHash() == snap.RootHash() {
		return prev, nil // same content, another commit
	}
	set, delta, err := d.derive(ctx, prev.set, snap)
	if err != nil {
		return nil, err
	}
	if prev.inv != nil {
		if inv, ok := d.patchInventory(prev.inv, set, delta); ok {
			return &revision{set: set, inv: inv}, nil
		}
	}
	return d.newRevision(set), nil
}

func (d *Detector) newRevision(set *unitSet) *revision {
	inv, err := d.buildInventory(set)
	return &revision{set: set, inv: inv, err: err}
}

// patchInventory derives the inventory of s from prev, the inventory of
// the set s was derived from, when the change leaves its structure alone:
// the same units and Terraform folders, every unit evaluated again
// including the same files, running the same module and depending on the
// same units, and every changed Terraform file calling the same modules.
// Then module closures, roots and the dependency graph all stay; only the
// evaluated configurations are new. ok is false otherwise.
func (d *Detector) patchInventory(prev *inventory, s *unitSet, delta *setDelta) (inv *inventory, ok bool) {
	if delta.membership {
		return nil, false
	}
	for _, dir := range delta.evaluated {
		if !sameStructure(prev.set.evals[dir], s.evals[dir]) {
			return nil, false
		}
	}
	for p := range delta.changed {
		if !isTerraformFile(path.Base(p)) {
			continue
		}
		dir := path.Dir(p)
		if !slices.Equal(d.cachedModuleCalls(delta.prev, dir), d.cachedModuleCalls(s.snap, dir)) {
			return nil, false
		}
	}
	next := *prev
	next.set = s
	if len(delta.evaluated) > 0 {
		next.units = maps.Clone(prev.units)
		for _, dir := range delta.evaluated {
			if _, isUnit := next.units[dir]; isUnit {
				next.units[dir] = s.evals[dir].cfg
			}
		}
	}
	return &next, true
}

// sameStructure reports whether two evaluations of a unit agree on
// everything an inventory takes from them besides the configuration.
func sameStructure(a, b *evaluation) bool {
	if a == nil || b == nil || a.cfg == nil || b.cfg == nil {
		return false
	}
	if !slices.EqualFunc(a.cfg.Includes, b.cfg.Includes, func(x, y terragrunt.Include) bool { return x.Path == y.Path }) {
		return false
	}
	ma, mb := a.cfg.Terraform.Module, b.cfg.Terraform.Module
	return ma.Kind == mb.Kind && ma.Dir == mb.Dir && slices.Equal(a.deps, b.deps)
}

// buildInventory makes the inventory of s from its evaluations.
func (d *Detector) buildInventory(s *unitSet) (*inventory, error) {
	snap := s.snap
	inv := &inventory{set: s, units: map[string]*terragrunt.Config{}, roots: map[string]bool{},
		modules: map[string]map[string]string{}, deps: map[string][]string{}, tfDirs: s.tfDirs, broken: map[string]error{}}

	// A terragrunt.hcl that other units include (the pre-root.hcl layout)
	// is configuration, not a unit.
	included := map[string]bool{}
	for _, ev := range s.evals {
		if ev.cfg != nil {
			for _, inc := range ev.cfg.Includes {
				included[path.Dir(inc.Path)] = true
			}
		}
	}
	for _, dir := range s.dirs {
		ev := s.evals[dir]
		if included[dir] {
			continue
		}
		if ev.err != nil {
			inv.broken[dir] = ev.err
			inv.deps[dir] = nil
			continue
		}
		inv.units[dir] = ev.cfg
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
		inv.deps[dir] = s.evals[dir].deps
	}
	// Terraform folders that no unit or other folder uses as a module are
	// roots of their own.
	var tfCandidates []string
	for dir := range s.tfDirs {
		if inv.units[dir] == nil && inv.broken[dir] == nil && !usedAsModule[dir] {
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
	inv.index()
	return inv, nil
}

// index orders the units and builds the lookups selectUnits uses. The
// units of a dependency cycle cannot be ordered: each is reported as a
// unit that does not evaluate, so its dependents are skipped and the rest
// of the repository is planned.
func (inv *inventory) index() {
	for {
		inv.graph = newGraph(inv.deps)
		order, err := inv.graph.order()
		var cycle *CycleError
		if !errors.As(err, &cycle) {
			inv.order = order
			break
		}
		for _, dir := range cycle.Cycle {
			inv.broken[dir] = cycle
			inv.deps[dir] = nil
		}
	}
	inv.pos = make(map[string]int, len(inv.order))
	for i, dir := range inv.order {
		inv.pos[dir] = i
	}
	inv.moduleUsers = map[string][]string{}
	for dir, mods := range inv.modules {
		for m := range mods {
			inv.moduleUsers[m] = append(inv.moduleUsers[m], dir)
		}
	}
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
