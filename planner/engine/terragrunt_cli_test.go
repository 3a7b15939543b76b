package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"

	"github.com/csocbot/csocbot/internal/testtools"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/tfrun"
)

func TestTerragruntCommand(t *testing.T) {
	tests := []struct {
		version string
		want    []string
	}{
		{"0.63.2", []string{"/bin/terragrunt", "plan", "-out=p", "--terragrunt-non-interactive", "--terragrunt-working-dir", "/repo/live/vpc",
			"--terragrunt-download-dir", "/cache/dl", "--terragrunt-tfpath", "/bin/terraform"}},
		{"0.80.4", []string{"/bin/terragrunt", "plan", "-out=p", "--non-interactive", "--working-dir", "/repo/live/vpc",
			"--download-dir", "/cache/dl", "--tf-path", "/bin/terraform"}},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			tg := &TerragruntCLI{Path: "/bin/terragrunt", Version: version.Must(version.NewVersion(tt.version))}
			got := tg.command([]string{"plan", "-out=p"}, "/repo/live/vpc", "/cache/dl", "/bin/terraform")
			if !slices.Equal(got, tt.want) {
				t.Errorf("command =\n %q\nwant\n %q", got, tt.want)
			}
		})
	}
}

// fakeTerragrunt writes a terragrunt stand-in that records each call's
// arguments and environment in logDir, writes the plan file plan asks for,
// and prints a real plan for show -json.
func fakeTerragrunt(t *testing.T, logDir string) string {
	t.Helper()
	planJSON, err := filepath.Abs(filepath.Join("..", "plansummary", "testdata", "mixed.json"))
	if err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf(`#!/bin/sh
n=$(ls %[1]s | wc -l)
printf '%%s\n' "$@" > %[1]s/call-$n.args
env > %[1]s/call-$n.env
case "$1" in
  --version) echo "terragrunt version v0.63.2" ;;
  plan) for a in "$@"; do case "$a" in -out=*) echo plan > "${a#-out=}" ;; esac; done ;;
  show) cat %[2]s ;;
esac
`, logDir, planJSON)
	p := filepath.Join(t.TempDir(), "terragrunt")
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTerragruntEnginePlansThroughTheCLI(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "ghp_serverSecret")
	logDir := t.TempDir()
	tgPath := fakeTerragrunt(t, logDir)
	tg, err := FindTerragrunt(context.Background(), tgPath)
	if err != nil {
		t.Fatal(err)
	}
	if tg.Version.String() != "0.63.2" {
		t.Fatalf("version %s, want 0.63.2", tg.Version)
	}
	os.Remove(filepath.Join(logDir, "call-0.args"))
	os.Remove(filepath.Join(logDir, "call-0.env"))

	bin, err := tfrun.Find(context.Background(), tfrun.FindOptions{})
	if err != nil {
		t.Skip(err)
	}
	checkout := t.TempDir()
	unit := filepath.Join(checkout, "live", "vpc")
	os.MkdirAll(unit, 0o755)
	os.WriteFile(filepath.Join(unit, "terragrunt.hcl"), nil, 0o644)
	e, err := New(Options{Binary: bin, CacheDir: t.TempDir(), Terragrunt: tg, Env: map[string]string{"AWS_ACCOUNT_ID": "123"}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := e.Plan(context.Background(), Request{Key: "tg", Root: checkout, Units: []detect.Unit{{Path: "live/vpc", Kind: detect.Terragrunt}},
		TerraformEnv: map[string]string{"AWS_ROLE_ARN": "arn:plan"}})
	if err != nil {
		t.Fatal(err)
	}
	r := run.Results[0]
	if r.Status != Planned || r.Summary == nil || r.Summary.Create == 0 {
		t.Fatalf("result %s %v %s, want a planned unit with the fake's plan", r.Status, r.Err, r.ErrorTail)
	}
	entries, _ := filepath.Glob(filepath.Join(logDir, "*.args"))
	if len(entries) != 2 {
		t.Fatalf("terragrunt ran %d times, want plan and show", len(entries))
	}
	planArgs, _ := os.ReadFile(filepath.Join(logDir, "call-0.args"))
	for _, want := range []string{"plan\n", "-input=false\n", "-out=" + r.PlanFile + "\n", "--terragrunt-non-interactive\n", "--terragrunt-working-dir\n" + unit + "\n", "--terragrunt-tfpath\n" + bin.Path + "\n"} {
		if !strings.Contains(string(planArgs), want) {
			t.Errorf("plan arguments lack %q:\n%s", want, planArgs)
		}
	}
	env, _ := os.ReadFile(filepath.Join(logDir, "call-0.env"))
	for _, want := range []string{"AWS_ACCOUNT_ID=123", "AWS_ROLE_ARN=arn:plan", "TF_IN_AUTOMATION=1"} {
		if !strings.Contains(string(env), want) {
			t.Errorf("terragrunt environment lacks %s", want)
		}
	}
	if strings.Contains(string(env), "GITHUB_TOKEN") {
		t.Error("the server's GITHUB_TOKEN reached terragrunt")
	}
}

// TestTerragruntEngineIntegration plans a unit of the sample repository
// with the Terragrunt release Gen3 operators run and real terraform, with a
// local backend and an empty terraform CLI configuration (the fixture's).
func TestTerragruntEngineIntegration(t *testing.T) {
	tg, err := FindTerragrunt(context.Background(), testtools.Terragrunt(t))
	if err != nil {
		t.Fatal(err)
	}
	if tg.Version.String() != testtools.TerragruntVersion {
		t.Errorf("terragrunt version %s, want %s", tg.Version, testtools.TerragruntVersion)
	}
	f := newFixture(t)
	f.engine.opts.Terragrunt = tg
	f.repo.Append(prod+"s3-data/terragrunt.hcl", "\n")
	run := f.plan(context.Background(), prod+"s3-data")
	r := f.result(run, prod+"s3-data")
	if r.Status != Planned {
		t.Fatalf("s3-data: %s %v %s", r.Status, r.Err, r.ErrorTail)
	}
	if r.Summary == nil || r.Summary.Create == 0 {
		t.Errorf("s3-data summary %+v, want resources to create", r.Summary)
	}
}
