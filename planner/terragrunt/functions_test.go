package terragrunt

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// exprCase is one expression evaluated as local.v of live/prod/app: want
// is the expected value written as HCL, or wantErr the substrings of the
// expected error.
type exprCase struct {
	name    string
	files   map[string]string
	opts    Options
	expr    string
	want    string
	wantErr []string
}

func runExprCases(t *testing.T, base map[string]string, cases []exprCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range base {
				files[k] = v
			}
			for k, v := range tc.files {
				files[k] = v
			}
			got, _, err := evalLocal(t, files, tc.expr, tc.opts)
			if tc.wantErr != nil {
				wantError(t, err, tc.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantValue(t, got, tc.want)
		})
	}
}

func TestFindInParentFolders(t *testing.T) {
	base := map[string]string{
		"root.hcl":                       "",
		"live/terragrunt.hcl":            "",
		"live/prod/env.hcl":              "",
		"live/prod/app/env.hcl":          "", // the unit's own folder is not searched
		"live/_envcommon/app.hcl":        "",
		"live/prod/app/_envcommon/x.hcl": "",
	}
	runExprCases(t, base, []exprCase{
		{name: "no argument finds terragrunt.hcl in a parent", expr: `find_in_parent_folders()`, want: `"/repo/live/terragrunt.hcl"`},
		{name: "empty name is the default", expr: `find_in_parent_folders("")`, want: `"/repo/live/terragrunt.hcl"`},
		{name: "name", expr: `find_in_parent_folders("root.hcl")`, want: `"/repo/root.hcl"`},
		{name: "nearest parent wins, own folder skipped", expr: `find_in_parent_folders("env.hcl")`, want: `"/repo/live/prod/env.hcl"`},
		{name: "subpath", expr: `find_in_parent_folders("_envcommon/app.hcl")`, want: `"/repo/live/_envcommon/app.hcl"`},
		{name: "fallback", expr: `find_in_parent_folders("missing.hcl", "fallback.hcl")`, want: `"fallback.hcl"`},
		{name: "fallback unused when found", expr: `find_in_parent_folders("root.hcl", "fallback.hcl")`, want: `"/repo/root.hcl"`},
		{name: "dirname of the result", expr: `"${dirname(find_in_parent_folders("root.hcl"))}/x"`, want: `"/repo/x"`},
		{
			name: "not found", expr: `find_in_parent_folders("missing.hcl")`,
			wantErr: []string{unitFile + ":2:7", `"find_in_parent_folders"`, "no missing.hcl in any folder above live/prod/app", "fallback"},
		},
		{
			name: "too many arguments", expr: `find_in_parent_folders("a", "b", "c")`,
			wantErr: []string{unitFile + ":2:7", "at most 2 arguments"},
		},
	})
}

func TestFindInParentFoldersRecordsProbes(t *testing.T) {
	_, cfg, err := evalLocal(t, map[string]string{"root.hcl": ""}, `find_in_parent_folders("missing.hcl", "x")`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"live/prod/missing.hcl", "live/missing.hcl", "missing.hcl"} {
		if !slices.Contains(cfg.Probes, p) {
			t.Errorf("Probes %q lack the miss %s", cfg.Probes, p)
		}
	}
}

// includeFiles is a repository whose root.hcl and live/prod/common.hcl
// report what the include functions return in them.
var includeFiles = map[string]string{
	"root.hcl": `
locals {
  to     = path_relative_to_include()
  from   = path_relative_from_include()
  parent = get_parent_terragrunt_dir()
  tg     = get_terragrunt_dir()
}
inputs = { root = local }
`,
	"live/prod/common.hcl": `
locals {
  to     = path_relative_to_include()
  from   = path_relative_from_include()
  parent = get_parent_terragrunt_dir()
}
inputs = { common = local }
`,
}

func TestIncludeFunctions(t *testing.T) {
	const twoIncludes = `
include "root" {
  path = find_in_parent_folders("root.hcl")
}
include "common" {
  path = "../common.hcl"
}
`
	tests := []struct {
		name    string
		unit    string
		want    map[string]string // path in {inputs, locals} -> value as HCL
		wantErr []string
	}{
		{
			name: "in the included file",
			unit: `include "root" { path = find_in_parent_folders("root.hcl") }`,
			want: map[string]string{
				"inputs.root.to": `"live/prod/app"`, "inputs.root.from": `"../../.."`,
				"inputs.root.parent": `"/repo"`, "inputs.root.tg": `"/repo/live/prod/app"`,
			},
		},
		{
			name: "in the child with one include, whose name is not needed",
			unit: `
include "root" { path = find_in_parent_folders("root.hcl") }
locals {
  to     = path_relative_to_include()
  from   = path_relative_from_include()
  parent = get_parent_terragrunt_dir()
  named  = path_relative_to_include("root")
}`,
			want: map[string]string{
				"locals.to": `"live/prod/app"`, "locals.from": `"../../.."`,
				"locals.parent": `"/repo"`, "locals.named": `"live/prod/app"`,
			},
		},
		{
			name: "bare include",
			unit: `
include { path = find_in_parent_folders("root.hcl") }
locals { to = path_relative_to_include() }`,
			want: map[string]string{"locals.to": `"live/prod/app"`, "inputs.root.to": `"live/prod/app"`},
		},
		{
			name: "several includes, by name",
			unit: twoIncludes + `
locals {
  to_root     = path_relative_to_include("root")
  to_common   = path_relative_to_include("common")
  from_common = path_relative_from_include("common")
  parent_root = get_parent_terragrunt_dir("root")
  parent_com  = get_parent_terragrunt_dir("common")
}`,
			want: map[string]string{
				"locals.to_root": `"live/prod/app"`, "locals.to_common": `"app"`, "locals.from_common": `".."`,
				"locals.parent_root": `"/repo"`, "locals.parent_com": `"/repo/live/prod"`,
				// each included file sees itself
				"inputs.root.to": `"live/prod/app"`, "inputs.common.to": `"app"`,
				"inputs.common.from": `".."`, "inputs.common.parent": `"/repo/live/prod"`,
			},
		},
		{
			name:    "several includes without a name",
			unit:    twoIncludes + "locals {\n  to = path_relative_to_include()\n}",
			wantErr: []string{unitFile + ":9:8", `has 2 include blocks ("root", "common")`, "pass the name"},
		},
		{
			name:    "unknown include name",
			unit:    twoIncludes + "locals {\n  to = get_parent_terragrunt_dir(\"nope\")\n}",
			wantErr: []string{unitFile + ":9:8", `no include block named "nope"`, `"root", "common"`},
		},
		{
			name: "no include",
			unit: `
locals {
  to     = path_relative_to_include()
  from   = path_relative_from_include()
  parent = get_parent_terragrunt_dir()
}`,
			want: map[string]string{"locals.to": `"."`, "locals.from": `"."`, "locals.parent": `"/repo/live/prod/app"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{unitFile: tc.unit}
			for k, v := range includeFiles {
				files[k] = v
			}
			cfg, err := evaluate(t, files, unitDir, Options{})
			if tc.wantErr != nil {
				wantError(t, err, tc.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			both := cty.ObjectVal(map[string]cty.Value{"inputs": cfg.Inputs, "locals": cty.ObjectVal(cfg.Locals)})
			for path, want := range tc.want {
				t.Run(path, func(t *testing.T) { wantValue(t, get(t, both, path), want) })
			}
		})
	}
}

func TestDirectoryFunctions(t *testing.T) {
	runExprCases(t, nil, []exprCase{
		{name: "get_terragrunt_dir", expr: `get_terragrunt_dir()`, want: `"/repo/live/prod/app"`},
		{name: "get_original_terragrunt_dir", expr: `get_original_terragrunt_dir()`, want: `"/repo/live/prod/app"`},
		{name: "get_repo_root", expr: `get_repo_root()`, want: `"/repo"`},
		{name: "get_path_from_repo_root", expr: `get_path_from_repo_root()`, want: `"live/prod/app"`},
		{name: "get_path_to_repo_root", expr: `get_path_to_repo_root()`, want: `"../../.."`},
		{name: "module path from the repo root", expr: `"${get_path_to_repo_root()}//modules/vpc"`, want: `"../../..//modules/vpc"`},
		{name: "abspath", expr: `abspath("x/../y")`, want: `"/repo/live/prod/app/y"`},
		{name: "get_platform", expr: `get_platform()`, want: `"` + runtime.GOOS + `"`},
		{name: "get_terraform_command in detection", expr: `get_terraform_command()`, want: `""`},
		{name: "get_terraform_command", opts: Options{Command: "plan"}, expr: `get_terraform_command()`, want: `"plan"`},
		{name: "get_terraform_cli_args", expr: `get_terraform_cli_args()`, want: `[]`},
		{
			name: "get_terraform_commands_that_need_vars", expr: `get_terraform_commands_that_need_vars()`,
			want: `["apply", "console", "destroy", "import", "plan", "push", "refresh"]`,
		},
		{name: "get_terraform_commands_that_need_input", expr: `get_terraform_commands_that_need_input()`, want: `["apply", "import", "init", "plan", "refresh"]`},
		{name: "get_terraform_commands_that_need_parallelism", expr: `get_terraform_commands_that_need_parallelism()`, want: `["apply", "plan", "destroy"]`},
		{name: "too many arguments", expr: `get_repo_root("x")`, wantErr: []string{unitFile + ":2:", "get_repo_root"}},
	})
}

func TestDirectoryFunctionsAtRepoRoot(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{ConfigFileName: `
locals {
  tg   = get_terragrunt_dir()
  from = get_path_from_repo_root()
  to   = get_path_to_repo_root()
}`}, ".", Options{})
	wantValue(t, cty.ObjectVal(cfg.Locals), `{tg = "/repo", from = ".", to = "."}`)
	if cfg.Path != ConfigFileName || cfg.Dir != "." {
		t.Errorf("Path, Dir = %q, %q", cfg.Path, cfg.Dir)
	}
}

func TestGetOriginalTerragruntDir(t *testing.T) {
	files := map[string]string{
		"common/meta.hcl": `
locals {
  orig = get_original_terragrunt_dir()
  tg   = get_terragrunt_dir()
  from = get_path_from_repo_root()
}`,
		"common/plain.hcl": `locals { tg = get_terragrunt_dir() }`,
		"live/a/terragrunt.hcl": `
locals {
  meta  = read_terragrunt_config("${get_repo_root()}/common/meta.hcl")
  plain = read_terragrunt_config("../../common/plain.hcl")
}`,
	}
	files["live/b/terragrunt.hcl"] = files["live/a/terragrunt.hcl"]
	// One evaluator for both units: a memoised read must not leak one
	// unit's directory into the other.
	ev := newEvaluator(t, files, Options{})
	for _, unit := range []string{"live/a", "live/b", "live/a"} {
		cfg, err := ev.EvaluateUnit(context.Background(), unit)
		if err != nil {
			t.Fatal(err)
		}
		wantValue(t, get(t, cfg.Locals["meta"], "locals"), `{orig = "/repo/`+unit+`", tg = "/repo/common", from = "common"}`)
		wantValue(t, get(t, cfg.Locals["plain"], "locals.tg"), `"/repo/common"`)
		if got := readPaths(cfg); !slices.Contains(got, "common/plain.hcl (read_terragrunt_config)") {
			t.Errorf("%s: Reads %q lack the memoised common/plain.hcl", unit, got)
		}
	}
}

func TestReadTerragruntConfig(t *testing.T) {
	base := map[string]string{
		"live/account.hcl": `
locals {
  name = "prod-account"
  id   = "111111111111"
}
inputs = { region = "us-east-1" }
`,
		"live/prod/vpc/terragrunt.hcl": `inputs = { cidr = "10.0.0.0/16" }`,
		"a.hcl":                        `locals { b = read_terragrunt_config("nested/b.hcl").locals.v }`,
		"nested/b.hcl":                 `locals { v = "from ${get_path_from_repo_root()}" }`,
		"root.hcl":                     `inputs = { from_root = true }`,
		"live/prod/child.hcl": `
include "root" { path = find_in_parent_folders("root.hcl") }
inputs = { own = 1 }
`,
		"cycle/a.hcl":  `locals { b = read_terragrunt_config("b.hcl") }`,
		"cycle/b.hcl":  `locals { a = read_terragrunt_config("a.hcl") }`,
		"broken.hcl":   "locals {\n  x = nope()\n}\n",
		"notconfg.hcl": "what = 1\n",
	}
	runExprCases(t, base, []exprCase{
		{name: "locals", expr: `read_terragrunt_config(find_in_parent_folders("account.hcl")).locals.name`, want: `"prod-account"`},
		{name: "inputs", expr: `read_terragrunt_config(find_in_parent_folders("account.hcl")).inputs`, want: `{region = "us-east-1"}`},
		{name: "relative path", expr: `read_terragrunt_config("../../account.hcl").locals.id`, want: `"111111111111"`},
		{name: "directory means its terragrunt.hcl", expr: `read_terragrunt_config("../vpc").inputs.cidr`, want: `"10.0.0.0/16"`},
		{name: "default when missing", expr: `read_terragrunt_config("missing.hcl", { locals = { name = "dflt" } }).locals.name`, want: `"dflt"`},
		{name: "default unused when present", expr: `read_terragrunt_config("../../account.hcl", {}).locals.name`, want: `"prod-account"`},
		{name: "nested read is relative to the reading file", expr: `read_terragrunt_config("/repo/a.hcl").locals.b`, want: `"from nested"`},
		{name: "read file's includes are merged", expr: `read_terragrunt_config("../child.hcl").inputs`, want: `{own = 1, from_root = true}`},
		{
			name: "missing without default", expr: `read_terragrunt_config("missing.hcl")`,
			wantErr: []string{unitFile + ":2:7", `"read_terragrunt_config"`, "live/prod/app/missing.hcl does not exist", "default value"},
		},
		{
			name: "cycle", expr: `read_terragrunt_config("/repo/cycle/a.hcl")`,
			wantErr: []string{unitFile + ":2:7", "read_terragrunt_config cycle: cycle/a.hcl -> cycle/b.hcl -> cycle/a.hcl"},
		},
		{
			name: "error in the read file names both places", expr: `read_terragrunt_config("/repo/broken.hcl")`,
			wantErr: []string{unitFile + ":2:7", "broken.hcl:2:7", `There is no function named "nope"`},
		},
		{
			name: "read file is checked like a unit", expr: `read_terragrunt_config("/repo/notconfg.hcl")`,
			wantErr: []string{unitFile + ":2:7", "notconfg.hcl:1:1", `no top-level argument "what"`},
		},
		{
			name: "outside the repository", expr: `read_terragrunt_config("/etc/x.hcl")`,
			wantErr: []string{unitFile + ":2:7", "/etc/x.hcl is outside the repository"},
		},
	})
}

func TestReadTerragruntConfigRecordsReads(t *testing.T) {
	_, cfg, err := evalLocal(t, map[string]string{
		"live/account.hcl": `locals { x = read_terragrunt_config("common.hcl") }`,
		"live/common.hcl":  `locals { y = 1 }`,
	}, `read_terragrunt_config(find_in_parent_folders("account.hcl"))`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{unitFile + " (config)", "live/account.hcl (read_terragrunt_config)", "live/common.hcl (read_terragrunt_config)"}
	if got := readPaths(cfg); !slices.Equal(got, want) {
		t.Errorf("Reads = %q, want %q", got, want)
	}
}

func TestGetEnv(t *testing.T) {
	t.Setenv("CSOCBOT_TEST_SERVER_SECRET", "leaked")
	env := map[string]string{"ENV": "prod", "EMPTY": ""}
	runExprCases(t, nil, []exprCase{
		{name: "set", opts: Options{Env: env}, expr: `get_env("ENV")`, want: `"prod"`},
		{name: "set to empty", opts: Options{Env: env}, expr: `get_env("EMPTY", "dflt")`, want: `""`},
		{name: "default", opts: Options{Env: env}, expr: `get_env("UNSET", "dflt")`, want: `"dflt"`},
		{name: "empty default", expr: `get_env("UNSET", "")`, want: `""`},
		{name: "server environment is never visible", expr: `get_env("CSOCBOT_TEST_SERVER_SECRET", "hidden")`, want: `"hidden"`},
		{
			name: "unset without default", expr: `get_env("UNSET")`,
			wantErr: []string{unitFile + ":2:7", "environment variable UNSET is not set and has no default", "terragrunt.env"},
		},
		{name: "no arguments", expr: `get_env()`, wantErr: []string{unitFile + ":2:7", "takes the name of an environment variable"}},
	})
}

func TestGetEnvUnknown(t *testing.T) {
	got, cfg, err := evalLocal(t, nil, `"prefix-${get_env("UNSET")}"`, Options{UnknownEnv: true, Env: map[string]string{"SET": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.IsKnown() {
		t.Errorf("get_env of an unset variable with UnknownEnv = %s, want unknown", asJSON(t, got))
	}
	if want := []EnvLookup{{Name: "UNSET"}}; !slices.Equal(cfg.Env, want) {
		t.Errorf("Env = %+v, want %+v", cfg.Env, want)
	}
}

func TestGetEnvRecordsLookups(t *testing.T) {
	_, cfg, err := evalLocal(t, nil, `[get_env("A", "x"), get_env("B"), get_env("A", "y")]`, Options{Env: map[string]string{"B": "b"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []EnvLookup{{Name: "A"}, {Name: "B", Value: "b", Set: true}}
	if !slices.Equal(cfg.Env, want) {
		t.Errorf("Env = %+v, want %+v", cfg.Env, want)
	}
}

func TestRefusedFunctions(t *testing.T) {
	runExprCases(t, nil, []exprCase{
		{
			name: "run_cmd", expr: `run_cmd("echo", "hi")`,
			wantErr: []string{unitFile + ":2:7", `"run_cmd"`, "run_cmd is disabled", "terragrunt.allow_run_cmd: true"},
		},
		{
			name: "run_cmd with arguments not known yet", opts: Options{UnknownEnv: true}, expr: `run_cmd("sh", "-c", get_env("CMD"))`,
			wantErr: []string{unitFile + ":2:7", "run_cmd is disabled", "terragrunt.allow_run_cmd"},
		},
		{
			name: "run_cmd in a template string", expr: `"id: ${run_cmd("id")}"`,
			wantErr: []string{unitFile + ":2:", "run_cmd is disabled"},
		},
		{
			name: "sops_decrypt_file", expr: `sops_decrypt_file("secrets.enc.yaml")`,
			wantErr: []string{unitFile + ":2:7", `"sops_decrypt_file"`, "sops_decrypt_file is disabled", "terragrunt.allow_sops_decrypt: true"},
		},
		{
			name: "sops_decrypt_file with a path not known yet", opts: Options{UnknownEnv: true}, expr: `sops_decrypt_file(get_env("F"))`,
			wantErr: []string{unitFile + ":2:7", "sops_decrypt_file is disabled"},
		},
	})
}

func TestRefusedFunctionInIncludedFile(t *testing.T) {
	_, err := evaluate(t, map[string]string{
		"root.hcl": "locals {\n  who = run_cmd(\"whoami\")\n}\n",
		unitFile:   `include "root" { path = find_in_parent_folders("root.hcl") }`,
	}, unitDir, Options{})
	wantError(t, err, "root.hcl:2:9", "run_cmd is disabled", "terragrunt.allow_run_cmd")
}

func TestRunCmdEnabled(t *testing.T) {
	t.Setenv("CSOCBOT_TEST_SERVER_SECRET", "leaked")
	root := t.TempDir()
	dir := filepath.Join(root, "live", "app")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	unit := `
locals {
  echo   = run_cmd("echo", "hello", "world")
  quiet  = run_cmd("--terragrunt-quiet", "echo", "quiet")
  pwd    = run_cmd("pwd")
  env    = run_cmd("sh", "-c", "echo $FOO")
  secret = run_cmd("sh", "-c", "echo $${CSOCBOT_TEST_SERVER_SECRET:-unset}")
}`
	if err := os.WriteFile(filepath.Join(dir, ConfigFileName), []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	ev, err := New(Options{Root: root, FS: os.DirFS(root), AllowRunCmd: true, Command: "plan", Env: map[string]string{"FOO": "bar"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ev.EvaluateUnit(context.Background(), "live/app")
	if err != nil {
		t.Fatal(err)
	}
	wantDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, cty.ObjectVal(cfg.Locals), `{echo = "hello world", quiet = "quiet", pwd = "`+wantDir+`", env = "bar", secret = "unset"}`)
	if !cfg.UsesRunCmd {
		t.Error("UsesRunCmd is false for a unit that calls run_cmd")
	}

	_, err = ev.EvaluateUnit(context.Background(), ".")
	wantError(t, err, "terragrunt.hcl does not exist")
}

func TestRunCmdFailure(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, ConfigFileName), []byte("locals {\n  x = run_cmd(\"sh\", \"-c\", \"echo oops >&2; exit 3\")\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ev, err := New(Options{Root: root, FS: os.DirFS(root), AllowRunCmd: true, Command: "plan"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ev.EvaluateUnit(context.Background(), ".")
	wantError(t, err, "terragrunt.hcl:2:7", "run_cmd sh -c", "exit status 3", "oops")
}

// TestRunCmdNotRunForDetection checks that detection, which runs before
// the pre-plan policies, records a run_cmd call without running it, also
// through an included file.
func TestRunCmdNotRunForDetection(t *testing.T) {
	root := t.TempDir()
	marker := filepath.Join(root, "ran")
	files := map[string]string{
		"root.hcl":              "locals {\n  x = run_cmd(\"touch\", \"" + marker + "\")\n}\ninputs = { x = local.x }\n",
		"app/" + ConfigFileName: "include \"root\" {\n  path = find_in_parent_folders(\"root.hcl\")\n}\n",
		"db/" + ConfigFileName:  "inputs = { y = 1 }\n",
	}
	for name, body := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := New(Options{Root: root, FS: os.DirFS(root), AllowRunCmd: true})
	if err != nil {
		t.Fatal(err)
	}
	for unit, want := range map[string]bool{"app": true, "db": false} {
		cfg, err := ev.EvaluateUnit(context.Background(), unit)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.UsesRunCmd != want {
			t.Errorf("%s: UsesRunCmd = %v, want %v", unit, cfg.UsesRunCmd, want)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("detection ran the run_cmd program")
	}
}

func TestMarkAsRead(t *testing.T) {
	got, cfg, err := evalLocal(t, nil, `mark_as_read("../shared/data.txt")`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, got, `"../shared/data.txt"`)
	if !slices.Contains(cfg.Reads, FileRead{Path: "live/prod/shared/data.txt", Why: "mark_as_read"}) {
		t.Errorf("Reads %q lack the marked file", readPaths(cfg))
	}
}

func TestTerraformFunctions(t *testing.T) {
	base := map[string]string{
		unitDir + "/data.json":  `{"a": [1, 2], "b": {"c": "d"}}`,
		unitDir + "/data.yaml":  "name: x\nlist: [1, 2]\nnested:\n  k: v\n",
		unitDir + "/notes.txt":  "note\n",
		unitDir + "/tmpl.tftpl": "hello ${name}%{ for x in items }-${x}%{ endfor } ${upper(file(\"notes.txt\"))}",
		"policies/p.json.tftpl": `{"bucket": "${bucket}"}`,
	}
	runExprCases(t, base, []exprCase{
		// strings
		{name: "upper", expr: `upper("abc")`, want: `"ABC"`},
		{name: "lower", expr: `lower("ABC")`, want: `"abc"`},
		{name: "format", expr: `format("%s-%03d", "a", 7)`, want: `"a-007"`},
		{name: "formatlist", expr: `formatlist("x-%s", ["a", "b"])`, want: `["x-a", "x-b"]`},
		{name: "join", expr: `join(",", ["a", "b"])`, want: `"a,b"`},
		{name: "split", expr: `split(",", "a,b")`, want: `["a", "b"]`},
		{name: "trimspace", expr: `trimspace("  a ")`, want: `"a"`},
		{name: "trimprefix", expr: `trimprefix("v1.2", "v")`, want: `"1.2"`},
		{name: "substr", expr: `substr("hello", 1, 3)`, want: `"ell"`},
		{name: "replace", expr: `replace("a-b-c", "-", "_")`, want: `"a_b_c"`},
		{name: "replace with a regex", expr: `replace("v1.2.3", "/^v(\\d+)\\..*$/", "$1")`, want: `"1"`},
		{name: "replace with a lone slash", expr: `replace("a/b", "/", "-")`, want: `"a-b"`},
		{name: "regex", expr: `regex("v(\\d+)", "v12")`, want: `["12"]`},
		{name: "startswith", expr: `startswith("terragrunt", "terra")`, want: `true`},
		{name: "startswith false", expr: `startswith("terragrunt", "form")`, want: `false`},
		{name: "endswith", expr: `endswith("main.tf", ".tf")`, want: `true`},
		{name: "strcontains", expr: `strcontains("gen3-prod", "prod")`, want: `true`},
		{name: "title", expr: `title("gen three")`, want: `"Gen Three"`},
		{name: "urlencode", expr: `urlencode("a b/c~")`, want: `"a+b%2Fc~"`},
		// numbers
		{name: "max", expr: `max(1, 5, 3)`, want: `5`},
		{name: "ceil", expr: `ceil(1.2)`, want: `2`},
		{name: "parseint", expr: `parseint("ff", 16)`, want: `255`},
		{name: "pow", expr: `pow(2, 10)`, want: `1024`},
		// collections
		{name: "merge", expr: `merge({a = 1, b = 1}, {b = 2}, {c = 3})`, want: `{a = 1, b = 2, c = 3}`},
		{name: "lookup", expr: `lookup({a = 1}, "a", 0)`, want: `1`},
		{name: "lookup default", expr: `lookup({a = 1}, "b", 3)`, want: `3`},
		{name: "index", expr: `index(["a", "b", "c"], "b")`, want: `1`},
		{name: "one", expr: `one(["x"])`, want: `"x"`},
		{name: "one of nothing", expr: `one([])`, want: `null`},
		{name: "sum", expr: `sum([1, 2, 3.5])`, want: `6.5`},
		{name: "sum of strings", expr: `sum(["1", 2])`, want: `3`},
		{name: "alltrue", expr: `alltrue([true, true])`, want: `true`},
		{name: "alltrue false", expr: `alltrue([true, false])`, want: `false`},
		{name: "alltrue empty", expr: `alltrue([])`, want: `true`},
		{name: "alltrue null is false", expr: `alltrue([true, null])`, want: `false`},
		{name: "anytrue", expr: `anytrue([false, true])`, want: `true`},
		{name: "anytrue null is skipped", expr: `anytrue([null, false])`, want: `false`},
		{name: "length", expr: `length(tomap({a = 1, b = 2}))`, want: `2`},
		{name: "keys", expr: `keys({b = 1, a = 2})`, want: `["a", "b"]`},
		{name: "concat", expr: `concat(["a"], ["b", "c"])`, want: `["a", "b", "c"]`},
		{name: "flatten", expr: `flatten([["a"], [["b"]]])`, want: `["a", "b"]`},
		{name: "distinct", expr: `distinct(["a", "b", "a"])`, want: `["a", "b"]`},
		{name: "contains", expr: `contains(["a"], "a")`, want: `true`},
		{name: "element wraps", expr: `element(["a", "b"], 3)`, want: `"b"`},
		{name: "zipmap", expr: `zipmap(["a", "b"], [1, 2])`, want: `{a = 1, b = 2}`},
		{name: "coalesce skips empty strings", expr: `coalesce("", null, "x", "y")`, want: `"x"`},
		{name: "length of an object", expr: `length({a = 1, b = "x"})`, want: `2`},
		{name: "length of a string", expr: `length("héllo")`, want: `5`},
		{name: "length of a tuple", expr: `length([1, "a"])`, want: `2`},
		{name: "compact", expr: `compact(["a", "", "b"])`, want: `["a", "b"]`},
		{name: "range", expr: `range(3)`, want: `[0, 1, 2]`},
		{name: "for expression", expr: `{ for k, v in { a = 1 } : upper(k) => v * 2 }`, want: `{A = 2}`},
		// encoding
		{name: "jsondecode of file", expr: `jsondecode(file("data.json")).b.c`, want: `"d"`},
		{name: "jsondecode list", expr: `jsondecode(file("data.json")).a`, want: `[1, 2]`},
		{name: "jsonencode", expr: `jsonencode({a = [1, "x"], b = null})`, want: `"{\"a\":[1,\"x\"],\"b\":null}"`},
		{name: "yamldecode of file", expr: `yamldecode(file("data.yaml"))`, want: `{name = "x", list = [1, 2], nested = {k = "v"}}`},
		{name: "yamlencode", expr: `yamlencode({a = "b"})`, want: `"\"a\": \"b\"\n"`},
		{name: "base64encode", expr: `base64encode("hi")`, want: `"aGk="`},
		{name: "base64decode", expr: `base64decode("aGk=")`, want: `"hi"`},
		{name: "csvdecode", expr: `csvdecode("a,b\n1,2\n")`, want: `[{a = "1", b = "2"}]`},
		// hashing
		{name: "sha256", expr: `sha256("abc")`, want: `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`},
		{name: "sha1", expr: `sha1("abc")`, want: `"a9993e364706816aba3e25717850c26c9cd0d89d"`},
		{name: "md5", expr: `md5("abc")`, want: `"900150983cd24fb0d6963f7d28e17f72"`},
		{name: "substr of sha256 (corpus idiom)", expr: `substr(sha256("123"), 0, 8)`, want: `"a665a459"`},
		// files, relative to the unit's file
		{name: "file", expr: `file("notes.txt")`, want: `"note\n"`},
		{name: "file absolute", expr: `file("${get_terragrunt_dir()}/notes.txt")`, want: `"note\n"`},
		{name: "filebase64", expr: `filebase64("notes.txt")`, want: `"bm90ZQo="`},
		{name: "fileexists", expr: `fileexists("notes.txt")`, want: `true`},
		{name: "fileexists missing", expr: `fileexists("missing.txt")`, want: `false`},
		{name: "fileexists of a directory", expr: `fileexists("/repo/live")`, want: `false`},
		{
			name: "templatefile", expr: `templatefile("tmpl.tftpl", { name = "x", items = [1, 2] })`,
			want: `"hello x-1-2 NOTE\n"`,
		},
		{
			name: "templatefile from the repo root", expr: `jsondecode(templatefile("${get_repo_root()}/policies/p.json.tftpl", { bucket = "b" }))`,
			want: `{bucket = "b"}`,
		},
		// errors as values
		{name: "try", expr: `try(jsondecode("{"), "fallback")`, want: `"fallback"`},
		{name: "try first success", expr: `try(tonumber("x"), tonumber("2"), 3)`, want: `2`},
		{name: "can", expr: `can(jsondecode("{"))`, want: `false`},
		{name: "can true", expr: `can(regex("^a", "abc"))`, want: `true`},
		// network
		{name: "cidrsubnet", expr: `cidrsubnet("10.0.0.0/16", 8, 2)`, want: `"10.0.2.0/24"`},
		{name: "cidrsubnet ipv6", expr: `cidrsubnet("fd00::/48", 16, 1)`, want: `"fd00:0:0:1::/64"`},
		{name: "cidrhost", expr: `cidrhost("10.0.0.0/24", 5)`, want: `"10.0.0.5"`},
		{name: "cidrhost from the end", expr: `cidrhost("10.0.0.0/24", -2)`, want: `"10.0.0.254"`},
		{name: "cidrnetmask", expr: `cidrnetmask("10.0.0.0/16")`, want: `"255.255.0.0"`},
		// types and time
		{name: "tostring", expr: `tostring(1)`, want: `"1"`},
		{name: "tonumber", expr: `tonumber("2")`, want: `2`},
		{name: "tobool", expr: `tobool("true")`, want: `true`},
		{name: "toset", expr: `toset(["b", "a", "b"])`, want: `["a", "b"]`},
		{name: "formatdate", expr: `formatdate("YYYY-MM", "2024-03-02T00:00:00Z")`, want: `"2024-03"`},
		{name: "timeadd", expr: `timeadd("2024-01-01T00:00:00Z", "1h")`, want: `"2024-01-01T01:00:00Z"`},
		{name: "dirname", expr: `dirname("a/b/c")`, want: `"a/b"`},
		{name: "basename", expr: `basename("a/b/c.hcl")`, want: `"c.hcl"`},
	})
}

func TestTerraformFunctionErrors(t *testing.T) {
	base := map[string]string{
		unitDir + "/bad.tftpl":  "a\n${missing}",
		unitDir + "/self.tftpl": `${templatefile("self.tftpl", {})}`,
	}
	at := unitFile + ":2:7"
	runExprCases(t, base, []exprCase{
		{name: "unknown function", expr: `nope(1)`, wantErr: []string{at, "Call to unknown function", `There is no function named "nope"`}},
		{name: "index not found", expr: `index(["a"], "z")`, wantErr: []string{at, `"index"`, "item not found"}},
		{name: "one of two", expr: `one(["a", "b"])`, wantErr: []string{at, "no more than one element, got 2"}},
		{name: "sum of nothing", expr: `sum([])`, wantErr: []string{at, "sum needs a non-empty list"}},
		{name: "sum with null", expr: `sum([1, null])`, wantErr: []string{at, "sum needs numbers, not null"}},
		{name: "sum of words", expr: `sum(["a"])`, wantErr: []string{at, "sum needs numbers"}},
		{name: "cidrhost of infinity", expr: `cidrhost("10.0.0.0/8", log(0, 10))`, wantErr: []string{at, "hostnum must be a whole number"}},
		{name: "cidrhost fraction", expr: `cidrhost("10.0.0.0/8", 1.5)`, wantErr: []string{at, "hostnum must be a whole number, got 1.5"}},
		{name: "cidrhost out of range", expr: `cidrhost("10.0.0.0/30", 9)`, wantErr: []string{at, `"cidrhost"`}},
		{name: "cidrsubnet too long", expr: `cidrsubnet("10.0.0.0/8", 40, 1)`, wantErr: []string{at, "cannot extend prefix /8 by 40 bits"}},
		{name: "cidrsubnet negative", expr: `cidrsubnet("10.0.0.0/8", -4, 1)`, wantErr: []string{at, "cannot extend prefix /8 by -4 bits"}},
		{name: "cidrsubnet bad prefix", expr: `cidrsubnet("10.0.0.0", 8, 1)`, wantErr: []string{at, "invalid CIDR expression"}},
		{name: "bad regex", expr: `replace("a", "/(/", "b")`, wantErr: []string{at, "invalid regular expression /(/"}},
		{name: "file missing", expr: `file("missing.txt")`, wantErr: []string{at, `"file"`, "live/prod/app/missing.txt does not exist"}},
		{name: "file leaving the repository", expr: `file("../../../../etc/passwd")`, wantErr: []string{at, "leaves the repository"}},
		{name: "file outside the repository", expr: `file("/etc/passwd")`, wantErr: []string{at, "/etc/passwd is outside the repository (/repo)"}},
		{name: "jsondecode invalid", expr: `jsondecode("{")`, wantErr: []string{at, `"jsondecode"`}},
		{name: "yamldecode invalid", expr: `yamldecode("a: [")`, wantErr: []string{at, `"yamldecode"`}},
		{name: "templatefile missing variable", expr: `templatefile("bad.tftpl", { other = 1 })`, wantErr: []string{at, `vars map does not contain key "missing", referenced at live/prod/app/bad.tftpl:2:3`}},
		{name: "templatefile no variables", expr: `templatefile("bad.tftpl", {})`, wantErr: []string{at, `vars map does not contain key "missing"`}},
		{name: "templatefile cannot recurse", expr: `templatefile("self.tftpl", {})`, wantErr: []string{at, `There is no function named "templatefile"`}},
		{name: "templatefile vars not a map", expr: `templatefile("bad.tftpl", "x")`, wantErr: []string{at, "vars must be an object or map"}},
		{name: "wrong argument type", expr: `upper([])`, wantErr: []string{unitFile + ":2:13", "Invalid function argument", `"str" parameter: string required`}},
		{name: "tonumber", expr: `tonumber("x")`, wantErr: []string{unitFile + ":2:17", `cannot convert "x" to number`}},
		{name: "coalesce of nothing", expr: `coalesce("", null)`, wantErr: []string{at, "no non-null, non-empty-string arguments"}},
	})
}

func TestFileFunctionsInIncludedFileAreRelativeToIt(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{
		"live/root.hcl": `
inputs = {
  version = trimspace(file("VERSION"))
  exists  = fileexists("VERSION")
  tg      = get_terragrunt_dir()
  policy  = templatefile("policy.tftpl", { who = "me" })
}`,
		"live/VERSION":      "1.2.3\n",
		"live/policy.tftpl": "allow ${who}",
		unitFile:            `include "root" { path = find_in_parent_folders("root.hcl") }`,
	}, unitDir, Options{})
	wantValue(t, cfg.Inputs, `{version = "1.2.3", exists = true, tg = "/repo/live/prod/app", policy = "allow me"}`)
}

func TestTemplatefileWithUnknownVarsIsStillRecorded(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{
		unitDir + "/t.tftpl":          "${x}",
		"live/prod/db/terragrunt.hcl": "",
		unitFile: `
dependency "db" { config_path = "../db" }
inputs = {
  v = templatefile("t.tftpl", dependency.db.outputs)
}`,
	}, unitDir, Options{})
	if v := get(t, cfg.Inputs, "v"); v.IsKnown() {
		t.Errorf("templatefile with unknown vars = %s, want unknown", asJSON(t, v))
	}
	if !slices.Contains(cfg.Reads, FileRead{Path: unitDir + "/t.tftpl", Why: "templatefile"}) {
		t.Errorf("Reads %q lack the template", readPaths(cfg))
	}
}

func TestUnknownValuesFlowThroughFunctions(t *testing.T) {
	got, _, err := evalLocal(t, nil, `{
    hash  = substr(sha256(get_env("ACCOUNT")), 0, 8)
    upper = upper(get_env("ACCOUNT"))
    known = "k"
  }`, Options{UnknownEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	if get(t, got, "hash").IsKnown() || get(t, got, "upper").IsKnown() {
		t.Errorf("values from an unknown variable are known: %#v", got)
	}
	if s := getString(t, got, "known"); s != "k" {
		t.Errorf("known = %q", s)
	}
}

func TestSensitive(t *testing.T) {
	runExprCases(t, nil, []exprCase{
		{name: "sensitive", expr: `sensitive({a = 1})`, want: `{a = 1}`},
		{name: "nonsensitive", expr: `nonsensitive("x")`, want: `"x"`},
	})
}
