package helmrender

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"

	chart "helm.sh/helm/v4/pkg/chart/v2"
)

// Side is an application's chart, values and release at one side of a
// change.
type Side struct {
	Source  ChartSource
	Values  map[string]any
	Release Release
}

// CompareError is a Compare whose base or head (or both) could not be
// rendered; each field holds that side's error, with Helm's message, or nil.
type CompareError struct {
	Base, Head error
}

func (e *CompareError) Error() string {
	var parts []string
	if e.Base != nil {
		parts = append(parts, "at the base: "+e.Base.Error())
	}
	if e.Head != nil {
		parts = append(parts, "at the head: "+e.Head.Error())
	}
	return strings.Join(parts, "; ")
}

// Unwrap lets errors.Is see each side's error (ErrHostNotAllowed).
func (e *CompareError) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.Base, e.Head} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// Compare renders an application at the base (before) and the head (after)
// and returns what changes, as DiffObjects of two Renders would. A nil side
// is an application added or removed by the change. An error is a
// *CompareError.
//
// When both sides render the same chart revision for the same release and
// differ only in the values of some subcharts, the subcharts whose values
// are equal are left out of both renders: they would render the same
// objects on both sides. Values and dependency processing still see the
// whole chart, so the templates kept see exactly what they would in a full
// render. Should the smaller render fail, both sides are rendered whole.
// A subchart left out is not executed: a template error it would raise at
// both sides alike, or an object it renders under the same kind, namespace
// and name as a kept one, goes unseen.
func (run *Run) Compare(ctx context.Context, before, after *Side) ([]ObjectChange, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*run.timeout())
	defer cancel()
	var (
		sides [2]*prepared
		errs  [2]error
	)
	for i, s := range []*Side{before, after} {
		if s != nil {
			sides[i], errs[i] = run.prepare(ctx, s.Source, s.Values, s.Release)
		}
	}
	if before != nil && after != nil && errs[0] == nil && errs[1] == nil {
		if prune := prunable(before.Values, after.Values, sides[0], sides[1]); len(prune) > 0 {
			changes, err := run.comparePruned(ctx, sides, prune)
			if err == nil {
				return changes, nil
			}
			run.log.DebugContext(ctx, "rendering whole charts: the render without unchanged subcharts failed", "chart", describe(after.Source), "error", err)
		}
	}
	var objs [2][]lazyObject
	// A side that failed already is not rendered; the other is, so the
	// caller can show what went wrong at each.
	for i, p := range sides {
		if p == nil {
			continue
		}
		objs[i], errs[i] = run.executeDocs(ctx, p)
	}
	if errs[0] != nil || errs[1] != nil {
		return nil, &CompareError{Base: errs[0], Head: errs[1]}
	}
	changes, errs := diffDocs(objs[0], objs[1])
	for i, err := range errs {
		if err != nil {
			errs[i] = fmt.Errorf("render chart %s: %w", describe(sides[i].src), err)
			return nil, &CompareError{Base: errs[0], Head: errs[1]}
		}
	}
	return changes, nil
}

// comparePruned renders both sides without the subcharts in prune, and
// puts them back.
func (run *Run) comparePruned(ctx context.Context, sides [2]*prepared, prune map[string]bool) ([]ObjectChange, error) {
	var objs [2][]lazyObject
	for i, p := range sides {
		all := p.c.Dependencies()
		var kept []*chart.Chart
		for _, d := range all {
			if !prune[d.Name()] {
				kept = append(kept, d)
			}
		}
		p.c.SetDependencies(kept...)
		var err error
		objs[i], err = run.executeDocs(ctx, p)
		p.c.SetDependencies(all...)
		if err != nil {
			return nil, err
		}
	}
	changes, errs := diffDocs(objs[0], objs[1])
	return changes, errors.Join(errs[0], errs[1])
}

// prunable returns the subcharts (by name or alias) that can be left out
// of both renders: the same chart revision and release, equal values
// outside the subcharts' own (global, tags and the parent chart's keys), no
// import-values, and, for each subchart left out, equal values, the same
// subcharts of its own enabled, and no named template shared with the
// templates rendered. Library charts are always kept.
func prunable(bv, av map[string]any, b, a *prepared) map[string]bool {
	same := b.rev == a.rev && b.src.RepoURL == a.src.RepoURL && b.src.Path == a.src.Path && b.src.Chart == a.src.Chart
	if !same || b.rel != a.rel || b.imports || a.imports {
		return nil
	}
	for _, vals := range []map[string]any{bv, av} {
		for k := range vals {
			if (k == "global" || k == "tags" || !a.depKeys[k]) && !reflect.DeepEqual(bv[k], av[k]) {
				return nil
			}
		}
	}
	baseDeps, headDeps := map[string]*chart.Chart{}, map[string]bool{}
	for _, d := range b.c.Dependencies() {
		baseDeps[d.Name()] = d
	}
	prune := map[string]*chart.Chart{}
	for _, d := range a.c.Dependencies() {
		headDeps[d.Name()] = true
		bd := baseDeps[d.Name()]
		if bd != nil && d.Metadata.Type != "library" && sameTree(bd, d) && reflect.DeepEqual(bv[d.Name()], av[d.Name()]) {
			prune[d.Name()] = d
		}
	}
	if len(prune) == 0 {
		return nil
	}
	// Named templates are global to a render: a template left out must not
	// define a name the templates kept use or define differently.
	kept := newTemplateNames(a.scans)
	if !kept.addChart(a.c, prune) {
		return nil
	}
	for _, d := range b.c.Dependencies() {
		if !headDeps[d.Name()] && !kept.addChart(d, nil) {
			return nil
		}
	}
	for changed := true; changed; {
		changed = false
		for name, d := range prune {
			if kept.conflicts(d) {
				delete(prune, name)
				kept.addChart(d, nil)
				changed = true
			}
		}
	}
	out := make(map[string]bool, len(prune))
	for name := range prune {
		out[name] = true
	}
	return out
}

// sameTree reports whether two processed charts hold the same enabled
// subcharts, at every level.
func sameTree(a, b *chart.Chart) bool {
	ad, bd := a.Dependencies(), b.Dependencies()
	if a.Name() != b.Name() || len(ad) != len(bd) {
		return false
	}
	for i := range ad {
		if !sameTree(ad[i], bd[i]) {
			return false
		}
	}
	return true
}

var (
	defineRe = regexp.MustCompile(`\{\{-?\s*(?:define|block)\s+"([^"]+)"`)
	useRe    = regexp.MustCompile(`\b(?:include|template)\s+"([^"]+)"`)
)

// templateScan is what one template file defines and uses.
type templateScan struct {
	defines, uses []string
	subcharts     bool // reads .Subcharts
}

// templateScans keeps the scans of template files by content: every
// Compare of a Run scans the same chart files, and a library chart's
// files recur under each subchart using it.
type templateScans struct {
	mu    sync.Mutex
	files map[string]*templateScan
}

func (s *templateScans) scan(data []byte) *templateScan {
	s.mu.Lock()
	ts, ok := s.files[string(data)]
	s.mu.Unlock()
	if ok {
		return ts
	}
	text := string(data)
	ts = &templateScan{subcharts: strings.Contains(text, "Subcharts")}
	for _, m := range defineRe.FindAllStringSubmatch(text, -1) {
		ts.defines = append(ts.defines, m[1])
	}
	for _, m := range useRe.FindAllStringSubmatch(text, -1) {
		ts.uses = append(ts.uses, m[1])
	}
	s.mu.Lock()
	if s.files == nil {
		s.files = map[string]*templateScan{}
	}
	s.files[text] = ts
	s.mu.Unlock()
	return ts
}

// templateNames are the named templates the kept templates define (with
// the files defining them) and use.
type templateNames struct {
	scans   *templateScans
	defined map[string]map[string]bool
	used    map[string]bool
}

func newTemplateNames(scans *templateScans) *templateNames {
	return &templateNames{scans: scans, defined: map[string]map[string]bool{}, used: map[string]bool{}}
}

// addChart adds the templates of c and its subcharts, but for the top-level
// subcharts in skip. It reports false when a template reads .Subcharts,
// which would see the subcharts left out.
func (n *templateNames) addChart(c *chart.Chart, skip map[string]*chart.Chart) bool {
	for _, t := range c.Templates {
		ts := n.scans.scan(t.Data)
		if ts.subcharts {
			return false
		}
		for _, name := range ts.defines {
			if n.defined[name] == nil {
				n.defined[name] = map[string]bool{}
			}
			n.defined[name][string(t.Data)] = true
		}
		for _, name := range ts.uses {
			n.used[name] = true
		}
	}
	for _, d := range c.Dependencies() {
		if skip[d.Name()] == nil && !n.addChart(d, nil) {
			return false
		}
	}
	return true
}

// conflicts reports whether c (or a subchart) defines a name the kept
// templates use or define, in a file they do not share.
func (n *templateNames) conflicts(c *chart.Chart) bool {
	for _, t := range c.Templates {
		for _, name := range n.scans.scan(t.Data).defines {
			if (n.used[name] || n.defined[name] != nil) && !n.defined[name][string(t.Data)] {
				return true
			}
		}
	}
	for _, d := range c.Dependencies() {
		if n.conflicts(d) {
			return true
		}
	}
	return false
}
