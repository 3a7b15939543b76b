package detect

import (
	"fmt"
	"sort"

	"github.com/csocbot/csocbot/planner/gitrepo"
)

// Units that do not evaluate.
//
// A unit whose configuration does not evaluate at the head revision is
// reported in Result.Errors instead of Result.Units, and the selected units
// that depend on it are reported skipped, naming it. A failed evaluation
// records nothing of what it read, so a change "may belong" to such a unit,
// and selects it, when:
//
//   - a changed file is in its folder (and no deeper unit's);
//   - it evaluated at the base revision: evaluation reads nothing but the
//     revision's files, so the change broke it through one of them;
//   - it did not evaluate at the base revision either (or that revision
//     cannot be inventoried) and a changed file affects no other unit: what
//     it reads is unknown, so the file may be one of them;
//   - a selected unit depends on it directly: that unit is skipped, and
//     this error says why.
//
// A Terraform folder that was the module of such a unit at the base
// revision stays its module: it is not planned as a root of its own just
// because the unit that runs it stopped evaluating.
//
// The rules look only at the two revisions, never at what a Detector saw
// before, so a Detector with warm caches answers as a fresh one does. The
// base revision is inventoried only when the head has a broken unit.

// selectBroken selects the broken units of inv that the change may concern.
func selectBroken(inv *inventory, changes []gitrepo.Change, loadBase func() (*inventory, error), matched map[string]bool, reasons map[string][]string, add func(unit, reason string)) {
	if len(inv.broken) == 0 {
		return
	}
	base, err := loadBase()
	if err != nil {
		base = nil // what the units read at the base revision is unknown
	}
	var unknownReads []string
	for dir := range inv.broken {
		if base != nil && base.units[dir] != nil {
			add(dir, "evaluated at the base revision, no longer with this change")
		} else {
			unknownReads = append(unknownReads, dir)
		}
	}
	if base != nil {
		keepModulesOfBroken(inv, base, reasons, add)
	}
	sort.Strings(unknownReads)
	for _, c := range changes {
		if matched[c.Path] || len(unknownReads) == 0 {
			continue
		}
		matched[c.Path] = true
		for _, dir := range unknownReads {
			add(dir, fmt.Sprintf("may read %s (%s): no other unit does", c.Path, changeWord(c, c.Path)))
		}
	}
}

// keepModulesOfBroken gives the roots selected in reasons that were the
// module of a now broken unit at the base revision back to that unit.
func keepModulesOfBroken(inv, base *inventory, reasons map[string][]string, add func(unit, reason string)) {
	type claim struct{ module, unit string }
	var claims []claim
	for dir := range reasons {
		if !inv.roots[dir] || base.roots[dir] {
			continue
		}
		for _, user := range base.moduleUsers[dir] {
			if inv.broken[user] != nil {
				claims = append(claims, claim{dir, user})
			}
		}
	}
	for _, c := range claims {
		delete(reasons, c.module)
		add(c.unit, "module "+c.module+" changed")
	}
}

// selectBrokenDependencies selects the broken units a selected unit
// depends on directly: that unit cannot be planned without them.
func selectBrokenDependencies(inv *inventory, reasons map[string][]string, add func(unit, reason string)) {
	var deps, of []string
	for unit := range reasons {
		for _, dep := range inv.deps[unit] {
			if inv.broken[dep] != nil {
				deps, of = append(deps, dep), append(of, unit)
			}
		}
	}
	for i := range deps {
		add(deps[i], "a dependency of "+of[i])
	}
}

// skipReason says why u cannot be planned, "" when it can: a dependency
// that does not evaluate, or a selected dependency skipped for that.
// Units must come in apply order; cause records, for each skipped unit,
// the broken unit behind it. The wording is the engine's for a dependency
// that failed, so detection and plan say the same.
func skipReason(inv *inventory, u Unit, cause map[string]string) string {
	for _, dep := range u.Dependencies {
		if inv.broken[dep] != nil {
			cause[u.Path] = dep
			return fmt.Sprintf("dependency %s could not be evaluated", dep)
		}
		if c, ok := cause[dep]; ok {
			cause[u.Path] = c
			return fmt.Sprintf("dependency %s was skipped because %s could not be evaluated", dep, c)
		}
	}
	return ""
}

// unitError reports a unit that does not evaluate: the evaluator's error
// names file:line; the rest says what to do.
func unitError(dir string, err error) UnitError {
	return UnitError{Path: dir, Error: fmt.Sprintf("%v\nFix this configuration and push again: until it evaluates, csocbot plans neither %s nor the units that depend on it.", err, dir)}
}
