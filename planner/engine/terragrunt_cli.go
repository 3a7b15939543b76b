package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"

	"github.com/hashicorp/go-version"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/csocbot/csocbot/planner/plansummary"
	"github.com/csocbot/csocbot/planner/terragrunt"
)

// TerragruntCLI runs Terragrunt units with a real terragrunt executable
// instead of preparing them natively: for configurations that need what
// only Terragrunt does (hooks, registry sources, its own provider cache
// server). It runs in a checkout of the revision, which Request.Root must
// be, and keeps Terragrunt's downloads in the engine's cache.
type TerragruntCLI struct {
	Path    string
	Version *version.Version
}

// terragruntRenamedFlags is the release that renamed --terragrunt-* flags.
var terragruntRenamedFlags = version.Must(version.NewVersion("0.73.0"))

var terragruntVersion = regexp.MustCompile(`v?(\d+\.\d+\.\d+)`)

// FindTerragrunt checks the terragrunt executable at path (a path, or a
// name looked up on PATH) and reads its version.
func FindTerragrunt(ctx context.Context, path string) (*TerragruntCLI, error) {
	if path == "" {
		path = "terragrunt"
	}
	abs, err := exec.LookPath(path)
	if err != nil {
		return nil, fmt.Errorf("terragrunt engine: %w; install terragrunt or switch back to the native engine", err)
	}
	out, err := exec.CommandContext(ctx, abs, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("terragrunt engine: %s --version: %w", abs, err)
	}
	m := terragruntVersion.FindSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("terragrunt engine: cannot read a version in %q", bytes.TrimSpace(out))
	}
	v, err := version.NewVersion(string(m[1]))
	if err != nil {
		return nil, err
	}
	return &TerragruntCLI{Path: abs, Version: v}, nil
}

// command builds the argument list of one terragrunt call: the terraform
// command and its arguments, then the flags that make terragrunt
// non-interactive, run in unitDir, download into downloadDir and use the
// engine's terraform or tofu.
func (tg *TerragruntCLI) command(tfArgs []string, unitDir, downloadDir, tfPath string) []string {
	argv := append([]string{tg.Path}, tfArgs...)
	if tg.Version != nil && tg.Version.LessThan(terragruntRenamedFlags) {
		return append(argv,
			"--terragrunt-non-interactive",
			"--terragrunt-working-dir", unitDir,
			"--terragrunt-download-dir", downloadDir,
			"--terragrunt-tfpath", tfPath)
	}
	return append(argv,
		"--non-interactive",
		"--working-dir", unitDir,
		"--download-dir", downloadDir,
		"--tf-path", tfPath)
}

func (tg *TerragruntCLI) plan(ctx context.Context, st *runState, us *unitState) error {
	wd := filepath.Join(st.dir, safeName(us.unit.Path))
	unitDir := filepath.Join(st.req.Root, filepath.FromSlash(us.unit.Path))
	if !hasConfigFile(unitDir) {
		return step("find the unit", fmt.Errorf("the terragrunt engine runs in a checkout of the revision, and %s has no %s or %s", unitDir, terragrunt.ConfigFileName, terragrunt.JSONConfigFileName))
	}
	downloads := filepath.Join(wd, "terragrunt")
	if err := os.MkdirAll(downloads, 0o755); err != nil {
		return err
	}
	runner, err := st.runner(unitDir, us.unit.Path)
	if err != nil {
		return err
	}
	us.runner = runner
	planFile := filepath.Join(wd, planFileName)
	tfPath := st.e.opts.Binary.Path
	// Terragrunt evaluates get_env itself, from its own environment.
	if err := runner.Exec(ctx, "plan", tg.command([]string{"plan", "-input=false", "-no-color", "-out=" + planFile}, unitDir, downloads, tfPath), st.e.opts.Env, nil); err != nil {
		return err
	}
	var out bytes.Buffer
	if err := runner.Exec(ctx, "show", tg.command([]string{"show", "-json", planFile}, unitDir, downloads, tfPath), st.e.opts.Env, &out); err != nil {
		return err
	}
	var plan tfjson.Plan
	if err := json.Unmarshal(out.Bytes(), &plan); err != nil {
		return step("read terragrunt show -json", err)
	}
	sum, err := plansummary.Summarize(&plan)
	if err != nil {
		return step("read the plan", err)
	}
	digest, err := fileSHA256(planFile)
	if err != nil {
		return step("hash the plan file", err)
	}
	res := us.result
	res.Plan, res.Summary, res.PlanFile, res.PlanSHA256, res.WorkDir = &plan, sum, planFile, digest, unitDir
	res.Status = Planned
	if sum.NoChanges() {
		res.Status = NoChanges
	}
	return nil
}
