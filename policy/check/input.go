// Package check runs policy sets over the planner's work. It builds the
// parts of the input document that come from the planner (a unit's
// evaluated configuration, the files a pull request changes), and its
// Checker evaluates the sets before each unit's plan, as the engine's gate,
// and on each plan afterwards. It is a package of its own so that package
// policy, the OPA engine, does not depend on the planner, while the server
// and the CLI check plans the same way.
package check

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math/big"
	"path"

	"github.com/zclconf/go-cty/cty"

	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/terragrunt"
	"github.com/csocbot/csocbot/planner/tfconfig"
	"github.com/csocbot/csocbot/policy"
)

// Config returns the config part of the input for the unit at unitPath:
// for a Terragrunt unit (cfg set) its terraform source, inputs and
// dependencies; for every unit whose Terraform module is in the
// repository (a plain root, or a Terragrunt unit with a local or no
// source) the resources, data sources and provisioners that module and
// the local modules it calls declare, with their addresses in the whole
// configuration. files holds the revision's files.
//
// A module that does not parse yields an error together with everything
// that could be read: the rules still see it, and terraform reports the
// syntax error when the unit is planned.
func Config(files fs.FS, unitPath string, cfg *terragrunt.Config) (policy.Config, error) {
	out := policy.Config{Source: unitPath}
	moduleDir := unitPath
	if cfg != nil {
		out.Source = cfg.Terraform.Source
		out.Inputs = inputs(cfg.Inputs)
		out.UsesRunCmd = cfg.UsesRunCmd
		for _, d := range cfg.Dependencies {
			out.Dependencies = append(out.Dependencies, policy.Dependency{Name: d.Name, Path: d.ConfigPath})
		}
		switch m := cfg.Terraform.Module; m.Kind {
		case terragrunt.NoSource:
		case terragrunt.LocalSource:
			moduleDir = m.Dir
		default:
			return out, nil // remote code: module_source_pinned is what checks it
		}
	}
	tree, err := tfconfig.ReadTree(files, path.Clean(moduleDir))
	for _, in := range tree {
		for _, b := range in.Module.Resources {
			out.Resources = append(out.Resources, block(in, b))
		}
		for _, b := range in.Module.DataSources {
			out.DataSources = append(out.DataSources, block(in, b))
		}
		for _, p := range in.Module.Provisioners {
			out.Provisioners = append(out.Provisioners, policy.Provisioner{Resource: in.Address(p.Resource), Type: p.Type, File: p.File})
		}
	}
	if err != nil {
		return out, fmt.Errorf("reading the Terraform module of %s: %w", unitPath, err)
	}
	return out, nil
}

func block(in tfconfig.Instance, b tfconfig.Block) policy.ConfigBlock {
	return policy.ConfigBlock{Address: in.Address(b.Address), Type: b.Type, Name: b.Name, Provider: b.Provider, File: b.File}
}

// ChangedFiles lists a diff's changes in the input's terms.
func ChangedFiles(changes []gitrepo.Change) []policy.ChangedFile {
	out := make([]policy.ChangedFile, 0, len(changes))
	for _, c := range changes {
		status := "modified"
		switch c.Kind {
		case gitrepo.Added:
			status = "added"
		case gitrepo.Deleted:
			status = "removed"
		case gitrepo.Renamed:
			status = "renamed"
		}
		out = append(out, policy.ChangedFile{Path: c.Path, Status: status})
	}
	return out
}

// inputs converts evaluated Terragrunt inputs to JSON-like values. Values
// not known before the plan (dependency outputs during detection) are
// null: a rule cannot tell what they will be.
func inputs(v cty.Value) map[string]any {
	m, _ := plain(v).(map[string]any)
	if m == nil {
		return map[string]any{}
	}
	return m
}

func plain(v cty.Value) any {
	if v == cty.NilVal || !v.IsKnown() || v.IsNull() {
		return nil
	}
	v, _ = v.Unmark()
	t := v.Type()
	switch {
	case t == cty.String:
		return v.AsString()
	case t == cty.Bool:
		return v.True()
	case t == cty.Number:
		return number(v.AsBigFloat())
	case t.IsObjectType() || t.IsMapType():
		out := make(map[string]any, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = plain(e)
		}
		return out
	case t.IsListType() || t.IsTupleType() || t.IsSetType():
		out := make([]any, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, plain(e))
		}
		return out
	}
	return nil
}

// number keeps integers exact, as JSON numbers.
func number(f *big.Float) any {
	if f.IsInt() {
		return json.Number(f.Text('f', 0))
	}
	return json.Number(f.Text('g', -1))
}
