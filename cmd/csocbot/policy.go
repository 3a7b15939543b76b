package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/terragrunt"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/workflow/policycheck"
)

func runPolicy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "Usage: csocbot policy test [DIR]")
		fmt.Fprintln(w, "       csocbot policy eval --policies DIR [--plan PLAN.json] [--unit PATH [--repo DIR]] [--env ENV] [--input EXTRA.json] [--json]")
		fmt.Fprintln(w, "\nRun `csocbot policy test -h` or `csocbot policy eval -h` for their flags.")
	}
	return runGroup(ctx, "policy", usage, []subcommand{{"test", runPolicyTest}, {"eval", runPolicyEval}}, args, stdout, stderr)
}

// runPolicyTest runs the Rego unit tests of a policy folder.
func runPolicyTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("policy test", "policy test [DIR]", stdout, stderr)
	if err := fs.parse(args, 1); err != nil {
		return err
	}
	dir := "."
	if fs.NArg() > 0 {
		dir = fs.Arg(0)
	}
	switch info, err := os.Stat(dir); {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("the policy folder %s does not exist; give the folder holding the .rego files and their tests, e.g. csocbot policy test policy/library", dir)
	case err != nil:
		return err
	case !info.IsDir():
		return fmt.Errorf("%s is a file, not a policy folder; give the folder holding the .rego files and their tests, e.g. csocbot policy test policy/library", dir)
	}
	results, err := policy.RunTests(ctx, dir)
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		if r.Passed {
			fmt.Fprintf(stdout, "PASS %s\n", r.Name)
			continue
		}
		failed++
		fmt.Fprintf(stdout, "FAIL %s: %s (%s)\n", r.Name, r.Problem, r.File)
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", len(results)-failed, failed)
	if failed > 0 {
		return exitError{code: 1}
	}
	return nil
}

// runPolicyEval evaluates a policy folder as csocbot would for one unit:
// on a saved plan after planning, or with no plan the rules that run
// before it. With --repo the unit's configuration is read from the
// repository's files, as the server reads it.
func runPolicyEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("policy eval", "policy eval --policies DIR [--plan PLAN.json] [--unit PATH [--repo DIR]] [--env ENV] [--input EXTRA.json] [--json]", stdout, stderr)
	dir := fs.String("policies", "", "the policy folder (one set), e.g. policy/library (required)")
	planFile := fs.String("plan", "", "a plan as `terraform show -json` prints it; without one only the pre-plan rules run")
	unit := fs.String("unit", "", "the unit's path in the repository")
	repoDir := fs.String("repo", "", "the repository's folder: read the unit's configuration (config.*) from it")
	env := fs.String("env", "", "the unit's environment, e.g. prod")
	extra := fs.String("input", "", "a JSON file with more of the input document (pr, unit, config), applied first")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	if err := fs.parse(args, 0); err != nil {
		return err
	}
	if *dir == "" || (*planFile == "" && *unit == "") || (*repoDir != "" && *unit == "") {
		fmt.Fprintln(stderr, "--policies is required, with --plan, --unit or both; --repo needs --unit")
		fs.Usage()
		return exitError{code: 2}
	}
	if *planFile == "" && *repoDir == "" {
		// The rules that run before the plan look at the unit's
		// configuration: without it they would all pass.
		fmt.Fprintln(stderr, "--unit without --plan needs --repo: the rules that run before the plan read the unit's configuration from the repository; add --repo DIR, or --plan PLAN.json")
		fs.Usage()
		return exitError{code: 2}
	}
	in := policy.Input{Version: policy.InputVersion}
	if *extra != "" {
		b, err := os.ReadFile(*extra)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &in); err != nil {
			return fmt.Errorf("%s is not an input document: %w", *extra, err)
		}
	}
	moment := policy.PrePlan
	if *planFile != "" {
		b, err := os.ReadFile(*planFile)
		if err != nil {
			return err
		}
		var plan tfjson.Plan
		if err := json.Unmarshal(b, &plan); err != nil {
			return fmt.Errorf("%s is not `terraform show -json` output: %w", *planFile, err)
		}
		in.Plan, in.Changes, moment = &plan, policy.Changes(&plan), policy.PostPlan
	}
	if *unit != "" {
		in.Unit.Path = path.Clean(filepath.ToSlash(*unit))
	}
	if *env != "" {
		in.Unit.Environment = *env
	}
	if *repoDir != "" {
		if err := unitConfig(ctx, *repoDir, &in); err != nil {
			return err
		}
	}
	engine, err := policy.Load(ctx, []policy.Set{{Name: "local", Dir: *dir}})
	if err != nil {
		return err
	}
	results, err := engine.Evaluate(ctx, in, moment)
	if err != nil {
		return err
	}
	if results == nil {
		results = []policy.Result{} // [] in JSON, not null
	}
	blocking := 0
	for _, r := range results {
		if r.Blocking() {
			blocking++
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			fmt.Fprintf(stdout, "%-5s %s/%s: %s\n", r.Kind, r.Set, r.Rule, r.Message)
		}
		fmt.Fprintf(stdout, "%d results, %d blocking\n", len(results), blocking)
	}
	if blocking > 0 {
		return exitError{code: 1}
	}
	return nil
}

// isTerragruntUnit reports whether the folder dir of files holds a
// Terragrunt configuration file, in HCL or HCL-JSON.
func isTerragruntUnit(files fs.FS, dir string) bool {
	for _, name := range []string{terragrunt.ConfigFileName, terragrunt.JSONConfigFileName} {
		if _, err := fs.Stat(files, path.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// unitConfig fills the unit's kind and configuration from the files of
// the repository in dir. get_env sees nothing and run_cmd is refused, as
// on a server with the defaults.
func unitConfig(ctx context.Context, dir string, in *policy.Input) error {
	root, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	files := os.DirFS(root)
	in.Unit.Kind = string(detect.Terraform)
	var cfg *terragrunt.Config
	if isTerragruntUnit(files, in.Unit.Path) {
		ev, err := terragrunt.New(terragrunt.Options{Root: root, FS: files, UnknownEnv: true})
		if err != nil {
			return err
		}
		if cfg, err = ev.EvaluateUnit(ctx, in.Unit.Path); err != nil {
			return fmt.Errorf("evaluate %s: %w", in.Unit.Path, err)
		}
		in.Unit.Kind = string(detect.Terragrunt)
	}
	in.Config, err = policycheck.Config(files, in.Unit.Path, cfg)
	return err
}
