package terragrunt

import (
	"github.com/zclconf/go-cty/cty"
)

// mergePartials merges an included file's configuration (parent) with the
// including one (child): the child wins. A shallow merge replaces top-level
// values; a deep merge merges maps recursively and concatenates lists, as
// Terragrunt's merge strategies do.
func mergePartials(parent, child *partial, s MergeStrategy) *partial {
	out := *child
	switch {
	case child.inputs == cty.NilVal:
		out.inputs = parent.inputs
	case parent.inputs != cty.NilVal:
		if s == DeepMerge {
			out.inputs = deepMerge(parent.inputs, child.inputs)
		} else {
			out.inputs = shallowMerge(parent.inputs, child.inputs)
		}
	}
	if child.tfSource == nil {
		out.tfSource, out.tfSourceRng = parent.tfSource, parent.tfSourceRng
	}
	out.extraArgs = mergeNamed(parent.extraArgs, child.extraArgs, func(e ExtraArguments) string { return e.Name })
	out.hooks = mergeNamed(parent.hooks, child.hooks, func(h Hook) string { return h.Kind + "." + h.Name })
	if child.inclInCopy == nil {
		out.inclInCopy = parent.inclInCopy
	}
	out.deps = mergeDependencies(parent.deps, child.deps, s)
	switch {
	case !child.depPathsSet:
		out.depPaths, out.depPathsSet = parent.depPaths, parent.depPathsSet
	case s == DeepMerge && parent.depPathsSet:
		out.depPaths = appendUnique(append([]string(nil), parent.depPaths...), child.depPaths...)
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

func mergeDependencies(parent, child []Dependency, s MergeStrategy) []Dependency {
	if s != DeepMerge {
		return mergeNamed(parent, child, func(d Dependency) string { return d.Name })
	}
	byName := map[string]Dependency{}
	for _, p := range parent {
		byName[p.Name] = p
	}
	out := mergeNamed(parent, child, func(d Dependency) string { return d.Name })
	for i, d := range out {
		p, ok := byName[d.Name]
		if !ok || p.MockOutputs == cty.NilVal || d.MockOutputs == cty.NilVal {
			continue
		}
		out[i].MockOutputs = deepMerge(p.MockOutputs, d.MockOutputs)
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

func deepMerge(parent, child cty.Value) cty.Value {
	switch {
	case isMapLike(parent) && isMapLike(child):
		m := parent.AsValueMap()
		if m == nil {
			m = map[string]cty.Value{}
		}
		for k, v := range child.AsValueMap() {
			if pv, ok := m[k]; ok {
				m[k] = deepMerge(pv, v)
			} else {
				m[k] = v
			}
		}
		return cty.ObjectVal(m)
	case isListLike(parent) && isListLike(child):
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
