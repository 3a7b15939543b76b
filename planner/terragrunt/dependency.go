package terragrunt

import (
	"slices"

	"github.com/zclconf/go-cty/cty"
)

// dependencyVariable builds the `dependency` variable: for each dependency
// block its outputs, config_path and mock_outputs. A block without outputs
// (disabled, or skipping outputs without mocks) has no outputs attribute,
// so referring to them fails with the position of the reference.
func (fe *fileEval) dependencyVariable(deps []Dependency) (cty.Value, error) {
	m := make(map[string]cty.Value, len(deps))
	for _, d := range deps {
		outputs, err := fe.st.outputs(d)
		if err != nil {
			return cty.NilVal, err
		}
		obj := map[string]cty.Value{"config_path": cty.StringVal(fe.st.ev.abs(d.ConfigPath))}
		if outputs != cty.NilVal {
			obj["outputs"] = outputs
		}
		if d.MockOutputs != cty.NilVal {
			obj["mock_outputs"] = d.MockOutputs
		}
		m[d.Name] = cty.ObjectVal(obj)
	}
	return cty.ObjectVal(m), nil
}

// outputs resolves a dependency's outputs for the command being prepared:
// the dependency's state when it has some, otherwise its mock outputs when
// they are allowed for the command. During detection (no command) they are
// unknown. A disabled dependency always has its mock outputs, if any, as in
// Terragrunt; cty.NilVal means no outputs at all.
func (st *evalState) outputs(d Dependency) (cty.Value, error) {
	opts := st.ev.opts
	if !d.Enabled {
		return d.MockOutputs, nil
	}
	if opts.Command == "" {
		return cty.DynamicVal, nil
	}
	hasMocks := d.MockOutputs != cty.NilVal && !d.MockOutputs.IsNull()
	mocksAllowed := hasMocks && (len(d.MockOutputsAllowedTerraformCommands) == 0 ||
		slices.Contains(d.MockOutputsAllowedTerraformCommands, opts.Command))
	if d.SkipOutputs {
		if mocksAllowed {
			return d.MockOutputs, nil
		}
		return cty.EmptyObjectVal, nil
	}
	if opts.DependencyOutputs != nil {
		var out cty.Value
		var found bool
		var err error
		st.meter.wait(func() { out, found, err = opts.DependencyOutputs(st.ctx, d.ConfigPath) })
		if err != nil {
			return cty.NilVal, errorAt(d.Range, "Cannot read dependency outputs", "dependency %q (%s): %v", d.Name, d.ConfigPath, err)
		}
		if found && isMapLike(out) && out.LengthInt() > 0 {
			switch {
			case !mocksAllowed:
				return out, nil
			case d.MockOutputsMergeStrategyWithState == "shallow":
				st.recordMocks(d, out)
				return shallowMerge(d.MockOutputs, out), nil
			case d.MockOutputsMergeStrategyWithState == "deep_map_only":
				st.recordMocks(d, out)
				return deepMerge(d.MockOutputs, out, false), nil
			}
			return out, nil
		}
	}
	if mocksAllowed {
		st.recordMocks(d, cty.EmptyObjectVal)
		return d.MockOutputs, nil
	}
	return cty.NilVal, errorAt(d.Range, "Dependency has no outputs",
		"dependency %q (%s) has no outputs yet. Apply it first, or set mock_outputs and allow them for %q with mock_outputs_allowed_terraform_commands.",
		d.Name, d.ConfigPath, opts.Command)
}

// recordMocks records the mock outputs of d that stand in for outputs its
// state lacks. Only top-level names count: a deep merge that mocks part of
// an output still shows the output's real value where the state has one.
func (st *evalState) recordMocks(d Dependency, state cty.Value) {
	if !isMapLike(d.MockOutputs) {
		return
	}
	inState := func(name string) bool {
		switch t := state.Type(); {
		case t.IsObjectType():
			return t.HasAttribute(name)
		case t.IsMapType():
			return state.HasIndex(cty.StringVal(name)).True()
		}
		return false
	}
	var names []string
	for it := d.MockOutputs.ElementIterator(); it.Next(); {
		k, _ := it.Element()
		if !inState(k.AsString()) {
			names = append(names, k.AsString())
		}
	}
	if len(names) > 0 {
		slices.Sort(names)
		st.rec.mock(MockedOutputs{Name: d.Name, ConfigPath: d.ConfigPath, Outputs: names})
	}
}
