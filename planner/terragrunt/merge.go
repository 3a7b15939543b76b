package terragrunt

import (
	"maps"
	"slices"

	"github.com/zclconf/go-cty/cty"
)

// mergePartials merges an included file's configuration (parent) with the
// including one (child): the child wins. A shallow merge replaces top-level
// values; a deep merge merges maps recursively and concatenates lists, as
// Terragrunt's merge strategies do.
func mergePartials(parent, child *partial, s MergeStrategy) *partial {
	out := *child
	deep := s == DeepMerge
	switch {
	case child.inputs == cty.NilVal:
		out.inputs = parent.inputs
	case parent.inputs != cty.NilVal:
		if deep {
			out.inputs = deepMerge(parent.inputs, child.inputs, true)
		} else {
			out.inputs = shallowMerge(parent.inputs, child.inputs)
		}
	}
	if child.tfSource == nil {
		out.tfSource, out.tfSourceRng = parent.tfSource, parent.tfSourceRng
	}
	out.extraArgs = mergeNamed(parent.extraArgs, child.extraArgs, func(e ExtraArguments) string { return e.Name })
	out.hooks = mergeNamed(parent.hooks, child.hooks, func(h Hook) string { return h.Kind + "." + h.Name })
	switch {
	case child.inclInCopy == nil:
		out.inclInCopy = parent.inclInCopy
	case deep:
		out.inclInCopy = appendUnique(slices.Clone(parent.inclInCopy), child.inclInCopy...)
	}
	out.deps = mergeDependencies(parent.deps, child.deps, s)
	// Terragrunt merges the dependencies block's paths whatever the
	// strategy: the run order must honour both files.
	if parent.depPathsSet {
		out.depPaths, out.depPathsSet = appendUnique(slices.Clone(parent.depPaths), child.depPaths...), true
		out.depPathsRaw = appendUnique(slices.Clone(parent.depPathsRaw), child.depPathsRaw...)
	}
	out.settings = mergeSettings(parent.settings, child.settings, deep)
	out.tfBlock = parent.tfBlock || child.tfBlock
	if child.engine == cty.NilVal {
		out.engine = parent.engine
	}
	if child.remoteState == nil {
		out.remoteState = parent.remoteState
	}
	out.generate = mergeNamed(parent.generate, child.generate, func(g Generate) string { return g.Name })
	if child.downloadDir == nil {
		out.downloadDir = parent.downloadDir
	}
	if child.preventDestr == nil {
		out.preventDestr = parent.preventDestr
	}
	if child.skip == nil {
		out.skip = parent.skip
	}
	return &out
}

// mergeNamed keeps parent items the child does not redefine, in order, then
// the child's.
func mergeNamed[T any](parent, child []T, name func(T) string) []T {
	if len(parent) == 0 {
		return child
	}
	redefined := map[string]bool{}
	for _, c := range child {
		redefined[name(c)] = true
	}
	var out []T
	for _, p := range parent {
		if !redefined[name(p)] {
			out = append(out, p)
		}
	}
	return append(out, child...)
}

// mergeDependencies merges dependency blocks by name. A shallow merge
// takes the child's block; a deep merge overrides only what the child's
// block sets.
func mergeDependencies(parent, child []Dependency, s MergeStrategy) []Dependency {
	if s == DeepMerge {
		child = slices.Clone(child)
		for i, c := range child {
			if j := slices.IndexFunc(parent, func(p Dependency) bool { return p.Name == c.Name }); j >= 0 {
				child[i] = deepMergeDependency(parent[j], c)
			}
		}
	}
	return mergeNamed(parent, child, func(d Dependency) string { return d.Name })
}

// deepMergeDependency is the parent's block overridden by what the child's
// sets, with mock_outputs deep-merged and the allowed commands added up.
func deepMergeDependency(p, c Dependency) Dependency {
	out := p
	out.ConfigPath, out.Range, out.rawConfigPath = c.ConfigPath, c.Range, c.rawConfigPath
	out.set = maps.Clone(p.set)
	if out.set == nil {
		out.set = map[string]bool{}
	}
	maps.Copy(out.set, c.set)
	if c.set["enabled"] {
		out.Enabled = c.Enabled
	}
	if c.set["skip_outputs"] {
		out.SkipOutputs = c.SkipOutputs
	}
	if c.set["mock_outputs_merge_with_state"] || c.set["mock_outputs_merge_strategy_with_state"] {
		out.MockOutputsMergeStrategyWithState = c.MockOutputsMergeStrategyWithState
	}
	if c.set["mock_outputs_merge_with_state"] {
		out.mockMergeWithState = c.mockMergeWithState
	}
	switch {
	case c.MockOutputs == cty.NilVal:
	case p.MockOutputs == cty.NilVal:
		out.MockOutputs = c.MockOutputs
	default:
		out.MockOutputs = deepMerge(p.MockOutputs, c.MockOutputs, true)
	}
	if c.set["mock_outputs_allowed_terraform_commands"] {
		out.MockOutputsAllowedTerraformCommands = appendUnique(slices.Clone(p.MockOutputsAllowedTerraformCommands), c.MockOutputsAllowedTerraformCommands...)
	}
	return out
}

func appendUnique(dst []string, add ...string) []string {
	seen := map[string]bool{}
	for _, s := range dst {
		seen[s] = true
	}
	for _, s := range add {
		if !seen[s] {
			seen[s] = true
			dst = append(dst, s)
		}
	}
	return dst
}

func isMapLike(v cty.Value) bool {
	t := v.Type()
	return v.IsKnown() && !v.IsNull() && (t.IsObjectType() || t.IsMapType())
}

func isListLike(v cty.Value) bool {
	t := v.Type()
	return v.IsKnown() && !v.IsNull() && (t.IsListType() || t.IsTupleType())
}

func shallowMerge(parent, child cty.Value) cty.Value {
	if !isMapLike(parent) || !isMapLike(child) {
		if !child.IsKnown() || !parent.IsKnown() {
			return cty.DynamicVal
		}
		return child
	}
	m := parent.AsValueMap()
	if m == nil {
		m = map[string]cty.Value{}
	}
	for k, v := range child.AsValueMap() {
		m[k] = v
	}
	return cty.ObjectVal(m)
}

// deepMerge merges maps recursively, the child winning, and concatenates
// lists when appendLists is set (otherwise the child's list wins).
func deepMerge(parent, child cty.Value, appendLists bool) cty.Value {
	switch {
	case isMapLike(parent) && isMapLike(child):
		m := parent.AsValueMap()
		if m == nil {
			m = map[string]cty.Value{}
		}
		for k, v := range child.AsValueMap() {
			if pv, ok := m[k]; ok {
				m[k] = deepMerge(pv, v, appendLists)
			} else {
				m[k] = v
			}
		}
		return cty.ObjectVal(m)
	case appendLists && isListLike(parent) && isListLike(child):
		var vs []cty.Value
		for _, l := range []cty.Value{parent, child} {
			for it := l.ElementIterator(); it.Next(); {
				_, v := it.Element()
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 {
			return cty.EmptyTupleVal
		}
		return cty.TupleVal(vs)
	case !parent.IsKnown() && isMapLike(child), !child.IsKnown():
		return cty.DynamicVal
	}
	return child
}
