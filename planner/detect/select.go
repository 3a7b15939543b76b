package detect

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/terragrunt"
)

// selectUnits maps the changed files, and the folders that appear or
// disappear with them, to the units and roots they affect, adds their
// dependents, and fills res in apply order.
func (d *Detector) selectUnits(inv *inventory, changes []gitrepo.Change, folders map[string]gitrepo.Change, loadBase func() (*inventory, error), res *Result) {
	reasons := map[string][]string{}
	add := func(unit, reason string) {
		for _, r := range reasons[unit] {
			if r == reason {
				return
			}
		}
		reasons[unit] = append(reasons[unit], reason)
	}

	// The changed paths, and every directory above them: a module is
	// affected when anything below its directory changes.
	changed := map[string]gitrepo.Change{}
	changedDirs := map[string]string{} // dir -> a changed path below it
	for _, c := range changes {
		for _, p := range c.Paths() {
			changed[p] = c
			for dir := path.Dir(p); ; dir = path.Dir(dir) {
				if _, ok := changedDirs[dir]; ok {
					break
				}
				changedDirs[dir] = p
				if dir == "." {
					break
				}
			}
		}
	}
	for dir, c := range folders {
		changed[dir] = c
	}
	matched := map[string]bool{}
	deleted := map[string]bool{}
	for _, c := range changes {
		for _, p := range c.Paths() {
			if owner, ok := inv.owner(p); ok {
				add(owner, describe(c, p))
				matched[c.Path] = true
			}
			if terragrunt.IsConfigFile(path.Base(p)) && (c.Kind == gitrepo.Deleted || (c.Kind == gitrepo.Renamed && p == c.From)) {
				if dir := path.Dir(p); inv.units[dir] == nil {
					deleted[dir] = true
					matched[c.Path] = true
				}
			}
		}
	}
	for _, unit := range inv.concerned(changed, changedDirs) {
		if cfg := inv.units[unit]; cfg != nil {
			for _, r := range cfg.Reads[1:] { // Reads[0] is the unit's own file
				if c, ok := changed[r.Path]; ok {
					add(unit, fmt.Sprintf("%s %s (%s)", readVerb(r.Why), r.Path, changeWord(c, r.Path)))
					matched[c.Path] = true
				}
			}
			for _, p := range cfg.Probes {
				// A file that appears or disappears where an evaluation
				// looked for one changes what it finds.
				if c, ok := changed[p]; ok && c.Kind != gitrepo.Modified {
					add(unit, fmt.Sprintf("looks for %s (%s)", p, changeWord(c, p)))
					matched[c.Path] = true
					if _, ok := folders[p]; ok {
						markBelow(p, changed, matched)
					}
				}
			}
			for _, g := range cfg.Globs {
				// Likewise where fileset or mark_glob_as_read looked.
				for _, p := range globMatches(g, changed) {
					if c := changed[p]; c.Kind != gitrepo.Modified {
						add(unit, fmt.Sprintf("looks for %s (%s %s)", g, p, changeWord(c, p)))
						matched[c.Path] = true
					}
				}
			}
		}
		for _, dir := range sortedKeys(inv.modules[unit]) {
			p, ok := changedDirs[dir]
			if !ok {
				continue
			}
			r := fmt.Sprintf("module %s changed (%s)", dir, p)
			if via := inv.modules[unit][dir]; via != "" {
				r = fmt.Sprintf("module %s, called by %s, changed (%s)", dir, via, p)
			}
			add(unit, r)
			for q, c := range changed {
				if strings.HasPrefix(q, dir+"/") {
					matched[c.Path] = true
				}
			}
		}
	}
	if err := deletedRoots(inv, changes, loadBase, deleted, matched); err != nil {
		res.Warnings = append(res.Warnings, err.Error())
	}
	stackErrors := stackFileErrors(changes, matched)
	selectBroken(inv, changes, loadBase, matched, reasons, add)

	if !d.opts.SkipDependents {
		var roots []string
		for u := range reasons {
			roots = append(roots, u)
		}
		sort.Strings(roots)
		for unit, via := range inv.graph.dependentsClosure(roots) {
			add(unit, "depends on "+via)
		}
	}
	selectBrokenDependencies(inv, reasons, add)

	selected := make([]string, 0, len(reasons))
	for dir := range reasons {
		selected = append(selected, dir)
	}
	inv.inApplyOrder(selected)
	skipCause := map[string]string{} // skipped unit -> the unit that does not evaluate
	for _, dir := range selected {
		if err := inv.broken[dir]; err != nil {
			res.Errors = append(res.Errors, unitError(dir, err))
			continue
		}
		// Dependencies are copied: the inventory is kept for the next call.
		u := Unit{Path: dir, Kind: Terraform, Reasons: reasons[dir], Dependencies: slices.Clone(inv.deps[dir]), Config: inv.units[dir], Modules: sortedKeys(inv.modules[dir])}
		if u.Dependencies == nil {
			u.Dependencies = []string{}
		}
		if u.Config != nil {
			u.Kind = Terragrunt
			u.Warnings = newerSyntaxWarnings(u.Config, d.opts.TerragruntVersion)
		}
		u.Skipped = skipReason(inv, u, skipCause)
		res.Units = append(res.Units, u)
	}
	for dir := range deleted {
		res.Deleted = append(res.Deleted, dir)
	}
	sort.Strings(res.Deleted)
	res.Errors = append(res.Errors, stackErrors...)
	for _, c := range changes {
		if !matched[c.Path] {
			res.Unmatched = append(res.Unmatched, c.Path)
		}
	}
}

// concerned returns, in apply order, the units and roots that may be
// affected by the changed paths: those whose evaluation read or looked for
// one, and those using a module in a changed directory. The indexes make
// this cost what the change touches, not what the repository holds.
func (inv *inventory) concerned(changed map[string]gitrepo.Change, changedDirs map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	visit := func(dir string) {
		if !seen[dir] {
			seen[dir] = true
			out = append(out, dir)
		}
	}
	for p := range changed {
		for _, dir := range inv.set.probedBy(p) {
			if inv.units[dir] != nil {
				visit(dir)
			}
		}
	}
	for dir := range changedDirs {
		for _, user := range inv.moduleUsers[dir] {
			visit(user)
		}
	}
	inv.inApplyOrder(out)
	return out
}

// inApplyOrder sorts units and roots of inv in apply order.
func (inv *inventory) inApplyOrder(dirs []string) {
	slices.SortFunc(dirs, func(a, b string) int { return inv.pos[a] - inv.pos[b] })
}

// owner returns the unit or root whose directory holds p: the deepest one,
// since units may nest.
func (inv *inventory) owner(p string) (string, bool) {
	for dir := path.Dir(p); ; dir = path.Dir(dir) {
		if inv.units[dir] != nil || inv.roots[dir] || inv.broken[dir] != nil {
			return dir, true
		}
		if dir == "." {
			return "", false
		}
	}
}

// deletedRoots finds Terraform roots the change removes: folders that lost
// their last Terraform file and were roots, not modules, at the base
// revision. Only then is the base revision inventoried, so the common case
// costs nothing.
func deletedRoots(inv *inventory, changes []gitrepo.Change, loadBase func() (*inventory, error), deleted, matched map[string]bool) error {
	var gone []string
	for _, c := range changes {
		from := c.Path
		if c.Kind == gitrepo.Renamed {
			from = c.From
		} else if c.Kind != gitrepo.Deleted {
			continue
		}
		if !(strings.HasSuffix(from, ".tf") || strings.HasSuffix(from, ".tf.json")) {
			continue
		}
		dir := path.Dir(from)
		if !inv.tfDirs[dir] && inv.units[dir] == nil {
			gone = append(gone, dir)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	base, err := loadBase()
	if err != nil {
		return fmt.Errorf("could not tell whether %s were Terraform roots or modules, so they are not reported as deleted: the base revision does not evaluate: %w", strings.Join(gone, ", "), err)
	}
	for _, dir := range gone {
		if base.roots[dir] {
			deleted[dir] = true
			for _, c := range changes {
				if path.Dir(c.Path) == dir || (c.Kind == gitrepo.Renamed && path.Dir(c.From) == dir) {
					matched[c.Path] = true
				}
			}
		}
	}
	return nil
}

func describe(c gitrepo.Change, p string) string {
	switch c.Kind {
	case gitrepo.Renamed:
		return fmt.Sprintf("renamed %s to %s", c.From, c.Path)
	case gitrepo.Added:
		return "added " + p
	case gitrepo.Deleted:
		return "deleted " + p
	}
	return "changed " + p
}

func changeWord(c gitrepo.Change, p string) string {
	switch {
	case c.Kind == gitrepo.Renamed && p == c.From:
		return "renamed away"
	case c.Kind == gitrepo.Renamed:
		return "renamed here"
	case c.Kind == gitrepo.Added:
		return "added"
	case c.Kind == gitrepo.Deleted:
		return "deleted"
	}
	return "changed"
}

func readVerb(why string) string {
	switch why {
	case "include":
		return "includes"
	case "read_terragrunt_config":
		return "reads config"
	case "templatefile":
		return "renders template"
	}
	return "reads"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// globMatches lists the changed paths matching a pattern of Config.Globs,
// in order.
func globMatches(pattern string, changed map[string]gitrepo.Change) []string {
	var out []string
	for p := range changed {
		if ok, _ := terragrunt.MatchGlob(pattern, p); ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// markBelow marks every changed file below the folder dir as matched.
func markBelow(dir string, changed map[string]gitrepo.Change, matched map[string]bool) {
	for p, c := range changed {
		if strings.HasPrefix(p, dir+"/") {
			matched[c.Path] = true
		}
	}
}
