package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/csocbot/csocbot/planner/terragrunt"
	"github.com/csocbot/csocbot/planner/tfconfig"
)

// backendFile renders the terraform block a remote_state block with
// generate asks for.
func backendFile(rs *terragrunt.RemoteState, commentPrefix string) ([]byte, error) {
	f := hclwrite.NewEmptyFile()
	be := f.Body().AppendNewBlock("terraform", nil).Body().AppendNewBlock("backend", []string{rs.Backend})
	if err := setBackendConfig(be.Body(), rs); err != nil {
		return nil, err
	}
	return append([]byte(commentPrefix+signature+"\n"), f.Bytes()...), nil
}

// backendConfigFile renders remote_state config as a -backend-config file,
// for modules that declare an empty backend block themselves.
func backendConfigFile(rs *terragrunt.RemoteState) ([]byte, error) {
	f := hclwrite.NewEmptyFile()
	if err := setBackendConfig(f.Body(), rs); err != nil {
		return nil, err
	}
	return f.Bytes(), nil
}

// setBackendConfig writes the remote_state config into body, sorted by key.
func setBackendConfig(body *hclwrite.Body, rs *terragrunt.RemoteState) error {
	keys := make([]string, 0, len(rs.Config))
	for k := range rs.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := rs.Config[k]
		if !v.IsWhollyKnown() {
			return fmt.Errorf("remote_state config %q is not known; it may not depend on dependency outputs", k)
		}
		body.SetAttributeValue(k, v)
	}
	return nil
}

// declaredVariables lists the input variables the Terraform files in dir
// declare. Inputs for anything else are dropped, as Terragrunt's TF_VAR_
// variables are silently ignored, so no plan warns about them.
func declaredVariables(dir string) (map[string]bool, error) {
	m, err := tfconfig.Read(os.DirFS(dir), ".")
	if m == nil {
		return nil, fmt.Errorf("reading the variables of %s: %w", dir, err)
	}
	// Files that do not parse declare nothing here: terraform reports
	// syntax errors itself, with context.
	vars := make(map[string]bool, len(m.Variables))
	for _, v := range m.Variables {
		vars[v] = true
	}
	return vars, nil
}

// varsFile renders the inputs the module declares as a .tfvars.json file.
func varsFile(inputs cty.Value, declared map[string]bool) ([]byte, error) {
	out := map[string]json.RawMessage{}
	if inputs.IsKnown() && !inputs.IsNull() && inputs.CanIterateElements() {
		for k, v := range inputs.AsValueMap() {
			if !declared[k] {
				continue
			}
			if !v.IsWhollyKnown() {
				return nil, fmt.Errorf("input %q is not known; it depends on a dependency output that could not be read", k)
			}
			b, err := ctyjson.Marshal(v, v.Type())
			if err != nil {
				return nil, fmt.Errorf("input %q: %w", k, err)
			}
			out[k] = b
		}
	}
	return json.MarshalIndent(out, "", "  ")
}

// outputsValue turns `terraform output -json` into the object dependency
// blocks see.
func outputsValue(outputs map[string]tfexec.OutputMeta) (cty.Value, error) {
	vals := make(map[string]cty.Value, len(outputs))
	for name, o := range outputs {
		ty, err := ctyjson.UnmarshalType(o.Type)
		if err != nil {
			return cty.NilVal, fmt.Errorf("output %q: type: %w", name, err)
		}
		v, err := ctyjson.Unmarshal(o.Value, ty)
		if err != nil {
			return cty.NilVal, fmt.Errorf("output %q: %w", name, err)
		}
		vals[name] = v
	}
	return cty.ObjectVal(vals), nil
}

// priorOutputs returns the root module outputs recorded in a plan's prior
// state: what `terraform output` would have printed before the plan.
func priorOutputs(plan *tfjson.Plan) (cty.Value, bool, error) {
	if plan.PriorState == nil || plan.PriorState.Values == nil || len(plan.PriorState.Values.Outputs) == 0 {
		return cty.EmptyObjectVal, false, nil
	}
	vals := make(map[string]cty.Value, len(plan.PriorState.Values.Outputs))
	for name, o := range plan.PriorState.Values.Outputs {
		b, err := json.Marshal(o.Value)
		if err != nil {
			return cty.NilVal, false, fmt.Errorf("output %q: %w", name, err)
		}
		ty, err := ctyjson.ImpliedType(b)
		if err != nil {
			return cty.NilVal, false, fmt.Errorf("output %q: %w", name, err)
		}
		v, err := ctyjson.Unmarshal(b, ty)
		if err != nil {
			return cty.NilVal, false, fmt.Errorf("output %q: %w", name, err)
		}
		vals[name] = v
	}
	return cty.ObjectVal(vals), true, nil
}
