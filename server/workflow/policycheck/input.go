// Package policycheck runs policy sets over the planner's work. It builds
// the parts of the input document that come from the planner (a unit's
// evaluated configuration, the files a pull request changes), and its
// Checker evaluates the sets before each unit's plan, as the engine's gate,
// and on each plan afterwards. It is the glue between the planner and
// package policy, the OPA engine, which imports nothing of the planner; the
// plan workflow (server/workflow), which the server and the CLI share,
// checks plans through it.
package policycheck

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/big"
	"slices"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/terragrunt"
	"github.com/csocbot/csocbot/planner/tfconfig"
	"github.com/csocbot/csocbot/policy"
)

// Config returns the config part of the input for the unit at unitPath,
// from the code in files only: remote modules are listed but not fetched
// (see ConfigOf).
func Config(files fs.FS, unitPath string, cfg *terragrunt.Config) (policy.Config, error) {
	// Nothing is fetched, so there is no I/O to cancel but reading files.
	return ConfigOf(context.Background(), engine.NewLocalModuleReader(), files, unitPath, cfg)
}

// ConfigOf returns the config part of the input for the unit at unitPath:
// for a Terragrunt unit (cfg set) its terraform source, inputs and
// dependencies; and for every module the unit runs, read by modules (the
// repository's, and remote ones it fetches), its required providers,
// resources, data sources and provisioners, with their addresses in the
// whole configuration. files holds the revision's files.
//
// A module that does not parse yields an error together with everything
// that could be read: the rules still see it, and terraform reports the
// syntax error when the unit is planned. A source that must not be read,
// or could not be fetched, is an *UnreadableError: the unit must not run.
func ConfigOf(ctx context.Context, modules *engine.ModuleReader, files fs.FS, unitPath string, cfg *terragrunt.Config) (policy.Config, error) {
	out := policy.Config{Source: unitPath}
	if cfg != nil {
		out.Source = cfg.Terraform.Source
		out.Inputs = inputs(cfg.Inputs)
		out.UsesRunCmd = cfg.UsesRunCmd
		for _, d := range cfg.Dependencies {
			out.Dependencies = append(out.Dependencies, policy.Dependency{Name: d.Name, Path: d.ConfigPath})
		}
		out.AssumedRoles = terragruntRoles(cfg)
	}
	mods, err := modules.Read(ctx, files, unitPath, cfg)
	if err != nil {
		return out, &UnreadableError{Err: err}
	}
	for _, m := range mods.List {
		addModule(&out, m)
	}
	if mods.Unreadable != nil {
		return out, fmt.Errorf("reading the Terraform modules of %s: %w", unitPath, mods.Unreadable)
	}
	return out, nil
}

// UnreadableError is a unit whose modules csocbot refuses or fails to
// read: it must not be planned, since policy cannot see its code.
type UnreadableError struct{ Err error }

func (e *UnreadableError) Error() string { return e.Err.Error() }
func (e *UnreadableError) Unwrap() error { return e.Err }

// addModule adds a module instance and its declarations to the config.
func addModule(out *policy.Config, m engine.Module) {
	out.Modules = append(out.Modules, policy.ConfigModule{
		Address: m.Address, Source: m.Source, Version: m.Version, Kind: string(m.Kind),
		Remote: m.Remote, Fetched: m.Decl != nil, Package: m.Package, Dir: m.Dir,
	})
	if m.Requirements != nil {
		for _, rp := range m.Requirements.Providers {
			out.RequiredProviders = append(out.RequiredProviders, policy.RequiredProvider{
				Name: rp.Name, Source: rp.Source, VersionConstraint: rp.Version, Module: m.Address,
			})
		}
	}
	if m.Decl == nil {
		return
	}
	var origin policy.Origin
	switch {
	case m.Remote:
		origin = policy.Origin{ModuleSource: m.Package, ModuleVersion: m.Version, Remote: true}
	case m.Kind == engine.GeneratedModule:
		origin.Generated = true
	}
	for _, b := range m.Decl.Resources {
		out.Resources = append(out.Resources, block(m.Address, b, origin))
	}
	for _, b := range m.Decl.DataSources {
		out.DataSources = append(out.DataSources, block(m.Address, b, origin))
	}
	for _, p := range m.Decl.Provisioners {
		out.Provisioners = append(out.Provisioners, policy.Provisioner{
			Resource: address(m.Address, p.Resource), Type: p.Type, File: p.File, Origin: origin,
		})
	}
	for _, r := range m.Decl.AssumedRoles {
		out.AssumedRoles = append(out.AssumedRoles, policy.AssumedRole{
			RoleARN: r.RoleARN, Unknown: r.Unknown, Via: r.Block, Provider: r.Provider, Module: m.Address,
			File: r.File, Line: r.Line, Origin: origin,
		})
	}
}

// terragruntRoles are the roles Terragrunt assumes for a unit: its
// iam_role, and the role of its remote_state configuration (role_arn, or
// role_arn in assume_role or assume_role_with_web_identity).
func terragruntRoles(cfg *terragrunt.Config) []policy.AssumedRole {
	var out []policy.AssumedRole
	add := func(via string, v cty.Value) {
		switch {
		case v == cty.NilVal || (v.IsKnown() && v.IsNull()):
			return
		case !v.IsWhollyKnown():
			out = append(out, policy.AssumedRole{Unknown: true, Via: via, File: cfg.Path})
			return
		}
		v, _ = v.UnmarkDeep()
		if s, err := convert.Convert(v, cty.String); err == nil && s.AsString() != "" {
			out = append(out, policy.AssumedRole{RoleARN: s.AsString(), Via: via, File: cfg.Path})
		}
	}
	add("iam_role", cfg.IAMRole)
	if rs := cfg.RemoteState; rs != nil {
		add("remote_state", rs.Config["role_arn"])
		for _, block := range []string{"assume_role", "assume_role_with_web_identity"} {
			add("remote_state", attribute(rs.Config[block], "role_arn"))
		}
	}
	return out
}

// attribute is v's attribute or key name: unknown when v is, cty.NilVal
// when v has none.
func attribute(v cty.Value, name string) cty.Value {
	switch {
	case v == cty.NilVal:
		return cty.NilVal
	case !v.IsKnown():
		return cty.DynamicVal
	case v.IsNull():
		return cty.NilVal
	}
	v, _ = v.Unmark()
	switch t := v.Type(); {
	case t.IsObjectType() && t.HasAttribute(name):
		return v.GetAttr(name)
	case t.IsMapType() && v.HasIndex(cty.StringVal(name)).True():
		return v.Index(cty.StringVal(name))
	}
	return cty.NilVal
}

func block(module string, b tfconfig.Block, origin policy.Origin) policy.ConfigBlock {
	return policy.ConfigBlock{
		Address: address(module, b.Address), Type: b.Type, Name: b.Name, Provider: b.Provider, File: b.File,
		Origin: origin,
	}
}

// address is a declaration's address in the whole configuration.
func address(module, local string) string {
	if module == "" {
		return local
	}
	return module + "." + local
}

// Credentials is a unit's credential profile in the input's terms; the
// zero profile is none.
func Credentials(p config.CredentialProfile) policy.Credentials {
	return policy.Credentials{
		Profile: p.Name, Kind: string(p.Kind), PlanRoleARN: p.PlanRoleARN, ApplyRoleARN: p.ApplyRoleARN,
		AllowedRoles: slices.Clone(p.AllowedRoles),
	}
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
