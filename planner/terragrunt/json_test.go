package terragrunt

import (
	"slices"
	"testing"
)

// jsonUnitFile is unitDir's HCL-JSON configuration file.
const jsonUnitFile = unitDir + "/" + JSONConfigFileName

// The JSON units below were checked against Terragrunt v0.63.6's
// render-json: the inputs are what it printed.
const jsonUnit = `{
  "//": "a comment, as HCL-JSON allows",
  "include": {"root": {"path": "${find_in_parent_folders(\"root.hcl\")}", "expose": true}},
  "locals": {
    "x": "${read_terragrunt_config(\"other.hcl.json\")}",
    "y": "${1+1}",
    "k": {"${local.y}": "v"},
    "lit": "plain", "n": 5, "b": true, "nul": null, "l": [1, "${local.y}"]
  },
  "dependency": [{"vpc": {"config_path": "../vpc", "mock_outputs": {"id": "vpc-mock"}}}],
  "terraform": {"source": "../../../modules/app", "extra_arguments": {"e": {"commands": ["plan"]}}},
  "generate": {"prov": {"path": "p.tf", "if_exists": "overwrite", "contents": "c"}},
  "remote_state": {"backend": "local", "config": {"path": "${get_terragrunt_dir()}/s"}},
  "inputs": {
    "x": "${local.x.locals}", "y": "${local.y}", "k": "${local.k}", "vpc": "${dependency.vpc.outputs.id}",
    "inc": "${include.root.locals}", "t": "a-${local.y}", "l": "${local.l}", "nul": "${local.nul}",
    "n": "${local.n}", "b": "${local.b}", "lit": "${local.lit}"
  }
}`

var jsonRepo = map[string]string{
	"root.hcl":                            "locals { r = \"root\" }\ninputs = { fromroot = \"${local.r}-x\" }\n",
	unitDir + "/other.hcl.json":           `{"locals": {"o": 1}}`,
	"live/prod/vpc/" + JSONConfigFileName: `{}`,
	jsonUnitFile:                          jsonUnit,
}

func TestJSONUnit(t *testing.T) {
	cfg := mustEvaluate(t, jsonRepo, unitDir, Options{Command: "plan"})
	wantValue(t, cfg.Inputs, `{
  fromroot = "root-x", x = {o = 1}, y = 2, k = {"2" = "v"}, vpc = "vpc-mock", inc = {r = "root"},
  t = "a-2", l = [1, 2], nul = null, n = 5, b = true, lit = "plain"
}`)
	if cfg.Path != jsonUnitFile || cfg.Terraform.Module.Dir != "modules/app" {
		t.Errorf("Path %q, module %+v", cfg.Path, cfg.Terraform.Module)
	}
	if len(cfg.Dependencies) != 1 || cfg.Dependencies[0].ConfigPath != "live/prod/vpc" {
		t.Errorf("Dependencies = %+v", cfg.Dependencies)
	}
	if len(cfg.Terraform.ExtraArguments) != 1 || cfg.Terraform.ExtraArguments[0].Name != "e" {
		t.Errorf("ExtraArguments = %+v", cfg.Terraform.ExtraArguments)
	}
	if len(cfg.Generate) != 1 || cfg.Generate[0].Path != "p.tf" {
		t.Errorf("Generate = %+v", cfg.Generate)
	}
	if cfg.RemoteState == nil || cfg.RemoteState.Backend != "local" {
		t.Errorf("RemoteState = %+v", cfg.RemoteState)
	}
	wantReads := []string{jsonUnitFile + " (config)", "root.hcl (include)", unitDir + "/other.hcl.json (read_terragrunt_config)"}
	if got := readPaths(cfg); !slices.Equal(got, wantReads) {
		t.Errorf("Reads = %q, want %q", got, wantReads)
	}
}

func TestJSONForms(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		want    string // inputs
		wantErr []string
	}{
		{
			name: "bare include",
			files: map[string]string{
				"root.hcl":   `locals { r = "root" }`,
				jsonUnitFile: `{"include": {"path": "${find_in_parent_folders(\"root.hcl\")}", "expose": true}, "inputs": {"r": "${include.locals.r}"}}`,
			},
			want: `{r = "root"}`,
		},
		{
			name: "blocks as lists",
			files: map[string]string{
				"root.hcl":   `inputs = { r = 1 }`,
				jsonUnitFile: `{"include": [{"path": "${find_in_parent_folders(\"root.hcl\")}"}], "locals": [{"a": 1}], "inputs": {"a": "${local.a}"}}`,
			},
			want: `{r = 1, a = 1}`,
		},
		{
			name: "the JSON file wins over terragrunt.hcl",
			files: map[string]string{
				unitFile:     `inputs = { which = "hcl" }`,
				jsonUnitFile: `{"inputs": {"which": "json"}}`,
			},
			want: `{which = "json"}`,
		},
		{
			name: "find_in_parent_folders looks for both names in each folder",
			files: map[string]string{
				JSONConfigFileName:       `{}`,
				"live/" + ConfigFileName: "",
				jsonUnitFile:             `{"inputs": {"p": "${find_in_parent_folders()}"}}`,
			},
			want: `{p = "/repo/live/terragrunt.hcl"}`,
		},
		{
			name: "find_in_parent_folders prefers the JSON file in a folder",
			files: map[string]string{
				JSONConfigFileName: `{}`,
				ConfigFileName:     "",
				unitFile:           `inputs = { p = find_in_parent_folders() }`,
			},
			want: `{p = "/repo/terragrunt.hcl.json"}`,
		},
		{
			name: "read_terragrunt_config of a folder prefers the JSON file",
			files: map[string]string{
				JSONConfigFileName: `{"inputs": {"w": "json"}}`,
				ConfigFileName:     `inputs = { w = "hcl" }`,
				unitFile:           `inputs = read_terragrunt_config("../../..").inputs`,
			},
			want: `{w = "json"}`,
		},
		{
			name: "including a JSON file fails as in Terragrunt 0.63.6",
			files: map[string]string{
				"root.hcl.json": `{"inputs": {"r": 1}}`,
				unitFile:        "include \"root\" {\n  path = find_in_parent_folders(\"root.hcl.json\")\n}\n",
			},
			wantErr: []string{unitFile + ":2:10", "Cannot include an HCL-JSON file", "root.hcl.json", "read_terragrunt_config"},
		},
		{
			name:    "JSON syntax error",
			files:   map[string]string{jsonUnitFile: "{\n  \"inputs\": {\"a\": 1,}\n}"},
			wantErr: []string{jsonUnitFile + ":2:"},
		},
		{
			name:    "error inside a template names its place",
			files:   map[string]string{jsonUnitFile: "{\n  \"inputs\": {\"a\": \"${nope()}\"}\n}"},
			wantErr: []string{jsonUnitFile + ":2:", `There is no function named "nope"`},
		},
		{
			name:    "unknown top-level property",
			files:   map[string]string{jsonUnitFile: "{\n  \"input\": {}\n}"},
			wantErr: []string{jsonUnitFile + ":2:3", `no top-level argument "input"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := evaluate(t, tc.files, unitDir, Options{})
			if tc.wantErr != nil {
				wantError(t, err, tc.wantErr...)
				wantPositioned(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantValue(t, cfg.Inputs, tc.want)
		})
	}
}

// TestJSONUnitProbes: a unit records both file names it looked for, so a
// terragrunt.hcl.json added next to a terragrunt.hcl (which then wins)
// evaluates the unit again.
func TestJSONUnitProbes(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{unitFile: ""}, unitDir, Options{})
	if cfg.Path != unitFile || !slices.Contains(cfg.Probes, jsonUnitFile) || !slices.Contains(cfg.Probes, unitFile) {
		t.Errorf("Path %q, Probes %q: want both config names looked at", cfg.Path, cfg.Probes)
	}
}

func TestJSONDuplicateKeyInAValue(t *testing.T) {
	_, err := evaluate(t, map[string]string{jsonUnitFile: "{\n  \"inputs\": {\"a\": 1, \"a\": 2}\n}"}, unitDir, Options{})
	wantError(t, err, jsonUnitFile+":2:")
	wantPositioned(t, err)
}
