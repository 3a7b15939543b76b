package helmrender

// Helm's dependency processing (ProcessDependencies in
// helm.sh/helm/v4/pkg/chart/v2/util/dependencies.go, Apache License 2.0,
// Copyright The Helm Authors), adapted. Helm hands every subchart with
// subcharts of its own the whole coalesced values of its parent, and
// coalescing deep-copies them: about eleven copies of the merged values
// per render of an umbrella chart. Here each subchart gets only the
// top-level keys its subtree reads (see subtreeKeys); the decisions and
// the processed chart are the same.

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	depsutil "helm.sh/helm/v4/pkg/chart/v2/util"
)

// processDependencies is depsutil.ProcessDependencies. cache, when not
// nil, keeps the merged values of subtrees without import-values.
func processDependencies(log *slog.Logger, c *chart.Chart, v common.Values, cache *mergeCache) error {
	if err := processDependencyEnabled(log, c, v, ""); err != nil {
		return err
	}
	return processDependencyImportValues(log, c, cache)
}

// mergeCache keeps the values processImportValues gives a chart whose
// subtree imports no values: Helm's MergeValues of the chart, a function
// of the subtree's names and values alone, the same in every render of a
// Run that enables the same subcharts. The values are shared between
// renders, so nothing may change them: Helm copies a chart's values
// before coalescing them, and templates see only the render values.
type mergeCache struct {
	mu      sync.Mutex
	entries map[string]mergeEntry
}

type mergeEntry struct {
	values map[string]any
	// keep holds the values maps whose addresses make up the key, so no
	// other map reuses an address while the entry lives.
	keep []map[string]any
}

// maxMergeEntries bounds a mergeCache; charts loaded afresh for every
// render (packaged ones) add entries that never hit.
const maxMergeEntries = 512

// mergeKey names the subtree of c by the addresses of its (unprocessed)
// values and its charts' names; ok is false when the subtree imports
// values.
func mergeKey(c *chart.Chart, key *strings.Builder, keep *[]map[string]any) (ok bool) {
	for _, d := range c.Metadata.Dependencies {
		if d != nil && len(d.ImportValues) > 0 {
			return false
		}
	}
	fmt.Fprintf(key, "%s\x00%p\x00%d(", c.Name(), c.Values, len(c.Dependencies()))
	*keep = append(*keep, c.Values)
	for _, d := range c.Dependencies() {
		if !mergeKey(d, key, keep) {
			return false
		}
	}
	key.WriteString(")")
	return true
}

// subtreeKeys adds to keys the top-level keys of the values that the
// dependency processing of c and its subcharts reads or writes: the keys
// of each chart's own values and the names and aliases of its subcharts
// (coalescing touches only those), and global and tags.
func subtreeKeys(c *chart.Chart, keys map[string]bool) {
	keys[common.GlobalKey], keys["tags"] = true, true
	for k := range c.Values {
		keys[k] = true
	}
	for _, d := range c.Metadata.Dependencies {
		if d != nil {
			keys[d.Name], keys[d.Alias] = true, true
		}
	}
	for _, d := range c.Dependencies() {
		keys[d.Name()] = true
		subtreeKeys(d, keys)
	}
}

// restrict returns the entries of v under keys, sharing their values:
// coalescing copies what it is given before changing it.
func restrict(v map[string]any, keys map[string]bool) map[string]any {
	out := make(map[string]any, len(keys))
	for k := range keys {
		if val, ok := v[k]; ok {
			out[k] = val
		}
	}
	return out
}

func processDependencyConditions(log *slog.Logger, reqs []*chart.Dependency, cvals common.Values, cpath string) {
	for _, r := range reqs {
		for c := range strings.SplitSeq(strings.TrimSpace(r.Condition), ",") {
			if c == "" {
				continue
			}
			vv, err := cvals.PathValue(cpath + c)
			if err == nil {
				if bv, ok := vv.(bool); ok {
					r.Enabled = bv
					break
				}
				log.Warn("returned non-bool value", "path", c, "chart", r.Name)
			} else if _, ok := errors.AsType[common.ErrNoValue](err); !ok {
				log.Warn("the method PathValue returned error", slog.Any("error", err))
			}
		}
	}
}

func processDependencyTags(log *slog.Logger, reqs []*chart.Dependency, cvals common.Values) {
	vt, err := cvals.Table("tags")
	if err != nil {
		return
	}
	for _, r := range reqs {
		var hasTrue, hasFalse bool
		for _, k := range r.Tags {
			if b, ok := vt[k]; ok {
				if bv, ok := b.(bool); ok {
					if bv {
						hasTrue = true
					} else {
						hasFalse = true
					}
				} else {
					log.Warn("returned non-bool value", "tag", k, "chart", r.Name)
				}
			}
		}
		if !hasTrue && hasFalse {
			r.Enabled = false
		} else if hasTrue || !hasTrue && !hasFalse {
			r.Enabled = true
		}
	}
}

// getAliasDependency finds the chart for a dependency and copies the
// parts processing changes.
func getAliasDependency(charts []*chart.Chart, dep *chart.Dependency) *chart.Chart {
	for _, c := range charts {
		if c == nil || c.Name() != dep.Name || !depsutil.IsCompatibleRange(dep.Version, c.Metadata.Version) {
			continue
		}
		out := *c
		md := *c.Metadata
		if md.Dependencies != nil {
			deps := make([]*chart.Dependency, len(md.Dependencies))
			for i := range md.Dependencies {
				d := *md.Dependencies[i]
				deps[i] = &d
			}
			md.Dependencies = deps
		}
		out.Metadata = &md
		// Shallow copies of the subcharts, so two aliases of one chart do
		// not share a parent.
		out.SetDependencies()
		for _, dependency := range c.Dependencies() {
			cpy := *dependency
			out.AddDependency(&cpy)
		}
		if dep.Alias != "" {
			out.Metadata.Name = dep.Alias
		}
		return &out
	}
	return nil
}

// processDependencyEnabled removes disabled charts from dependencies.
func processDependencyEnabled(log *slog.Logger, c *chart.Chart, v map[string]any, path string) error {
	if c.Metadata.Dependencies == nil {
		return nil
	}
	var chartDependencies []*chart.Chart
	// Subcharts not in Chart.yaml are kept as they are.
Loop:
	for _, existing := range c.Dependencies() {
		for _, req := range c.Metadata.Dependencies {
			if existing.Name() == req.Name && depsutil.IsCompatibleRange(req.Version, existing.Metadata.Version) {
				continue Loop
			}
		}
		chartDependencies = append(chartDependencies, existing)
	}
	for _, req := range c.Metadata.Dependencies {
		if req == nil {
			continue
		}
		if chartDependency := getAliasDependency(c.Dependencies(), req); chartDependency != nil {
			chartDependencies = append(chartDependencies, chartDependency)
		}
		if req.Alias != "" {
			req.Name = req.Alias
		}
	}
	c.SetDependencies(chartDependencies...)
	for _, lr := range c.Metadata.Dependencies {
		lr.Enabled = true
	}
	cvals, err := chartutil.CoalesceValues(c, v)
	if err != nil {
		return err
	}
	processDependencyTags(log, c.Metadata.Dependencies, cvals)
	processDependencyConditions(log, c.Metadata.Dependencies, cvals, path)
	rm := map[string]bool{}
	for _, r := range c.Metadata.Dependencies {
		if !r.Enabled {
			rm[r.Name] = true
		}
	}
	cd := []*chart.Chart{}
	for _, n := range c.Dependencies() {
		if !rm[n.Metadata.Name] {
			cd = append(cd, n)
		}
	}
	cdMetadata := []*chart.Dependency{}
	for _, n := range c.Metadata.Dependencies {
		if !rm[n.Name] {
			cdMetadata = append(cdMetadata, n)
		}
	}
	for _, t := range cd {
		subpath := path + t.Metadata.Name + "."
		sub := common.Values(cvals)
		if t.Metadata.Dependencies != nil {
			// The subtree reads only these keys; conditions read under
			// the path's first name.
			keys := map[string]bool{strings.SplitN(subpath, ".", 2)[0]: true}
			subtreeKeys(t, keys)
			sub = restrict(cvals, keys)
		}
		if err := processDependencyEnabled(log, t, sub, subpath); err != nil {
			return err
		}
	}
	c.Metadata.Dependencies = nil
	c.Metadata.Dependencies = append(c.Metadata.Dependencies, cdMetadata...)
	c.SetDependencies(cd...)
	return nil
}

// pathToMap creates a nested map given a YAML path in dot notation.
func pathToMap(path string, data map[string]any) map[string]any {
	if path == "." {
		return data
	}
	keys := strings.Split(path, ".")
	cur := data
	for i := len(keys) - 1; i >= 0; i-- {
		cur = map[string]any{keys[i]: cur}
	}
	return cur
}

// processImportValues merges values from child to parent based on the
// chart's dependencies' ImportValues field (Helm's merge mode).
func processImportValues(log *slog.Logger, c *chart.Chart) error {
	if c.Metadata.Dependencies == nil {
		return nil
	}
	cvals, err := chartutil.MergeValues(c, nil)
	if err != nil {
		return err
	}
	b := make(map[string]any)
	for _, r := range c.Metadata.Dependencies {
		var outiv []any
		for _, riv := range r.ImportValues {
			switch iv := riv.(type) {
			case map[string]any:
				child := fmt.Sprintf("%v", iv["child"])
				parent := fmt.Sprintf("%v", iv["parent"])
				outiv = append(outiv, map[string]string{"child": child, "parent": parent})
				vv, err := cvals.Table(r.Name + "." + child)
				if err != nil {
					log.Warn("ImportValues missing table from chart", slog.String("chart", r.Name), slog.Any("error", err))
					continue
				}
				b = chartutil.MergeTables(b, pathToMap(parent, vv.AsMap()))
			case string:
				child := "exports." + iv
				outiv = append(outiv, map[string]string{"child": child, "parent": "."})
				vm, err := cvals.Table(r.Name + "." + child)
				if err != nil {
					log.Warn("ImportValues missing table", slog.Any("error", err))
					continue
				}
				b = chartutil.MergeTables(b, vm.AsMap())
			}
		}
		r.ImportValues = outiv
	}
	// Imported values rank below the parent's own; the copy keeps b's
	// tables from being shared with cvals.
	c.Values = chartutil.MergeTables(copyTree(map[string]any(cvals)).(map[string]any), b)
	return nil
}

func processDependencyImportValues(log *slog.Logger, c *chart.Chart, cache *mergeCache) error {
	var (
		key  strings.Builder
		keep []map[string]any
	)
	// The key is of the values before the subcharts' are replaced below.
	cached := cache != nil && c.Metadata.Dependencies != nil && mergeKey(c, &key, &keep)
	for _, d := range c.Dependencies() {
		if err := processDependencyImportValues(log, d, cache); err != nil {
			return err
		}
	}
	if !cached {
		return processImportValues(log, c)
	}
	cache.mu.Lock()
	e, hit := cache.entries[key.String()]
	cache.mu.Unlock()
	if hit {
		for _, r := range c.Metadata.Dependencies {
			r.ImportValues = nil // as processImportValues leaves them
		}
		c.Values = e.values
		return nil
	}
	if err := processImportValues(log, c); err != nil {
		return err
	}
	cache.mu.Lock()
	if cache.entries == nil || len(cache.entries) >= maxMergeEntries {
		cache.entries = map[string]mergeEntry{}
	}
	cache.entries[key.String()] = mergeEntry{values: c.Values, keep: keep}
	cache.mu.Unlock()
	return nil
}

// copyTree deep-copies the tables and lists of a values tree, as Helm's
// copystructure does for them; other values are shared, as nothing changes
// them in place.
func copyTree(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return v
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = copyTree(e)
		}
		return out
	case common.Values:
		if v == nil {
			return v
		}
		out := make(common.Values, len(v))
		for k, e := range v {
			out[k] = copyTree(e)
		}
		return out
	case []any:
		if v == nil {
			return v
		}
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyTree(e)
		}
		return out
	}
	return v
}
