package engine

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/csocbot/csocbot/planner/detect"
)

// stateOf returns the local state of a unit of the sample repository
// (root.hcl keeps it under .state in the repository), or "" when it has
// none.
func (f *fixture) stateOf(unit string) string {
	b, err := os.ReadFile(filepath.Join(f.repo.Dir, ".state", filepath.FromSlash(unit), "terraform.tfstate"))
	if err != nil {
		return ""
	}
	return string(b)
}

// restart gives the fixture a new engine with an empty cache, as another
// process or replica would have: the plans' working directories are gone.
func (f *fixture) restart(logger *slog.Logger) {
	f.t.Helper()
	opts := f.engine.opts
	opts.CacheDir, opts.Logger = f.t.TempDir(), logger
	opts.CLIConfigFile = ""
	e, err := New(opts)
	if err != nil {
		f.t.Fatal(err)
	}
	f.engine = e
}

// logRecorder keeps the units of the "applied unit" log lines in order.
type logRecorder struct {
	mu    sync.Mutex
	units []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "applied unit" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "unit" {
			l.mu.Lock()
			l.units = append(l.units, a.Value.String())
			l.mu.Unlock()
		}
		return true
	})
	return nil
}

// vpcID reads the vpc_id output from the state of a vpc unit.
func (f *fixture) vpcID(unit string) string {
	f.t.Helper()
	var state struct {
		Outputs map[string]struct{ Value any }
	}
	if err := json.Unmarshal([]byte(f.stateOf(unit)), &state); err != nil {
		f.t.Fatalf("state of %s: %v", unit, err)
	}
	id, _ := state.Outputs["vpc_id"].Value.(string)
	return id
}

// The saved plans apply in a new process with none of the plan's working
// directories, dependencies first: eks is evaluated for apply with vpc's
// outputs, which are real only once vpc is applied.
func TestApplySavedAfterRestartInDependencyOrder(t *testing.T) {
	f := newFixture(t)
	f.touchAll()
	ctx := context.Background()
	f.apply(f.plan(ctx, prod+"vpc"), prod+"vpc")
	f.base = f.repo.CommitAll("vpc applied")

	// Upgrade EKS (an update) and change vpc and s3-data (never applied).
	f.repo.Replace("_envcommon/eks.hcl", `cluster_version     = "1.30"`, `cluster_version     = "1.31"`)
	f.repo.Append(prod+"vpc/terragrunt.hcl", "\n")
	f.repo.Append(prod+"s3-data/terragrunt.hcl", "\n")
	units := []string{prod + "eks", prod + "vpc", prod + "s3-data"}
	run := f.plan(ctx, units...)
	plans := f.saved(run, units...)
	var rec logRecorder
	f.restart(slog.New(&rec))

	applied := f.applySaved(ctx, run, plans, nil, units...)
	for _, r := range applied.Results {
		if r.Status != Applied || r.Duration <= 0 {
			t.Errorf("%s: %s %v %s; want applied", r.Path, r.Status, r.Err, r.ErrorTail)
		}
	}
	if i, j := slices.Index(rec.units, prod+"vpc"), slices.Index(rec.units, prod+"eks"); i < 0 || j < i {
		t.Errorf("applied in the order %v; want vpc before eks", rec.units)
	}
	if state := f.stateOf(prod + "s3-data"); !strings.Contains(state, `"terraform_data"`) {
		t.Errorf("s3-data: state after apply has no terraform_data resources:\n%s", state)
	}
	eks, vpcID := f.stateOf(prod+"eks"), f.vpcID(prod+"vpc")
	if !strings.Contains(eks, `"1.31"`) || !strings.HasPrefix(vpcID, "vpc-") || !strings.Contains(eks, vpcID) {
		t.Errorf("eks state has no cluster 1.31 in vpc %q:\n%s", vpcID, eks)
	}
}

// A new vpc and the eks cluster in it: eks plans with vpc's mock outputs,
// so its saved plan is refused (it would apply the mocks) while vpc is
// applied; planned again, eks gets vpc's real outputs and applies.
func TestApplySavedRefusesAPlanMadeWithMocks(t *testing.T) {
	f := newFixture(t)
	f.touchAll()
	ctx := context.Background()
	units := []string{prod + "vpc", prod + "eks"}
	run := f.plan(ctx, units...)
	applied := f.applySaved(ctx, run, f.saved(run, units...), nil, units...)
	if r := f.result(applied, prod+"vpc"); r.Status != Applied {
		t.Fatalf("vpc: %s %v %s", r.Status, r.Err, r.ErrorTail)
	}
	r := f.result(applied, prod+"eks")
	if r.Status != Failed || !strings.Contains(r.ErrorTail, "planned with mock outputs of "+prod+"vpc (") || !strings.Contains(r.ErrorTail, "plan again") {
		t.Fatalf("eks: %s, tail %q; want refused for its mocks", r.Status, r.ErrorTail)
	}
	if f.stateOf(prod+"eks") != "" {
		t.Error("eks has state: terraform ran")
	}

	f.repo.Append(prod+"eks/terragrunt.hcl", "\n")
	again := f.plan(ctx, prod+"eks")
	f.apply(again, prod+"eks")
	if vpcID := f.vpcID(prod + "vpc"); vpcID == "" || !strings.Contains(f.stateOf(prod+"eks"), vpcID) {
		t.Errorf("eks state does not use vpc %q:\n%s", vpcID, f.stateOf(prod+"eks"))
	}
}

// A plan that is not the one reviewed is refused before anything of its
// unit runs; its dependents are skipped, naming it, and independent units
// are applied.
func TestApplySavedRefusesATamperedPlanAndSkipsItsDependents(t *testing.T) {
	f := newFixture(t)
	f.touchAll()
	ctx := context.Background()
	units := []string{prod + "vpc", prod + "eks", prod + "irsa-fence", prod + "s3-data"}
	run := f.plan(ctx, units...)
	plans := f.saved(run, units...)
	vpc := plans[prod+"vpc"]
	vpc.Bytes = append(slices.Clone(vpc.Bytes), "tampered"...)
	plans[prod+"vpc"] = vpc

	applied := f.applySaved(ctx, run, plans, nil, units...)
	r := f.result(applied, prod+"vpc")
	if r.Status != Failed || !strings.Contains(r.ErrorTail, "the saved plan changed since it was planned") || !strings.Contains(r.ErrorTail, "plan again") {
		t.Errorf("vpc: %s, tail %q; want refused, plan again", r.Status, r.ErrorTail)
	}
	if r.FailedCommand != "check the saved plan" {
		t.Errorf("vpc: failed command %q", r.FailedCommand)
	}
	runDir := filepath.Join(f.engine.opts.CacheDir, "work", safeName(f.applyKey(run)))
	if _, err := os.Stat(filepath.Join(runDir, safeName(prod+"s3-data"))); err != nil {
		t.Errorf("s3-data has no working directory where expected: %v", err)
	}
	if _, err := os.Stat(filepath.Join(runDir, safeName(prod+"vpc"))); err == nil {
		t.Error("vpc got a working directory: the refusal came after work started")
	}
	if f.stateOf(prod+"vpc") != "" {
		t.Error("vpc has state: terraform ran")
	}
	if r := f.result(applied, prod+"eks"); r.Status != Skipped || r.SkipReason != "dependency "+prod+"vpc failed" {
		t.Errorf("eks: %s, reason %q", r.Status, r.SkipReason)
	}
	if r := f.result(applied, prod+"irsa-fence"); r.Status != Skipped || !strings.Contains(r.SkipReason, "because "+prod+"vpc failed") {
		t.Errorf("irsa-fence: %s, reason %q", r.Status, r.SkipReason)
	}
	if r := f.result(applied, prod+"s3-data"); r.Status != Applied {
		t.Errorf("s3-data: %s %v; an independent unit should be applied", r.Status, r.Err)
	}
	if !applied.Failed() {
		t.Error("Failed() = false")
	}
}

// applyKey is the key of the fixture's latest apply run of run.
func (f *fixture) applyKey(run *Run) string {
	return "test/apply-" + strconv.Itoa(f.applies) + "/" + f.planned[run].head
}

// Applying a plan a second time, after the first apply changed the state,
// is refused by terraform; the result says to plan again.
func TestApplySavedRefusesAStalePlan(t *testing.T) {
	f := newFixture(t)
	f.touchAll()
	ctx := context.Background()
	unit := prod + "s3-data"
	run := f.plan(ctx, unit)
	plans := f.saved(run, unit)
	f.apply(run, unit)

	r := f.result(f.applySaved(ctx, run, plans, nil, unit), unit)
	if r.Status != Failed || !strings.HasPrefix(r.ErrorTail, "the saved plan is stale") || !strings.Contains(r.ErrorTail, "plan again") {
		t.Errorf("second apply: %s, tail %q; want refused as stale, plan again", r.Status, r.ErrorTail)
	}
	if r.Err == nil || !strings.Contains(r.Err.Error(), "plan again") {
		t.Errorf("error %v does not say to plan again", r.Err)
	}
}

// The apply credentials, the run's and each unit's, reach terraform,
// nothing else of the server's environment does, and their values never
// appear in what is reported of a failure.
func TestApplySavedEnvironmentIsPassedAndMasked(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "ghp_csocbotShouldNeverLeakThis")
	f := newFixture(t)
	envFile := filepath.Join(t.TempDir(), "env.txt")
	f.repo.Write("terraform/leak-check/main.tf", `resource "terraform_data" "env" {
  provisioner "local-exec" {
    command = "env > `+envFile+`"
  }
}
`)
	f.repo.Write("terraform/failing/main.tf", `resource "terraform_data" "fail" {
  provisioner "local-exec" {
    command = "echo \"Error: rejected key $AWS_SECRET_ACCESS_KEY for $AWS_ROLE_ARN\" >&2; echo \"out $AWS_SECRET_ACCESS_KEY\"; exit 1"
  }
}
`)
	units := []string{"terraform/leak-check", "terraform/failing"}
	ctx := context.Background()
	run := f.plan(ctx, units...)
	env := map[string]string{"AWS_ROLE_ARN": "arn:aws:iam::1:role/apply"}
	unitEnv := map[string]map[string]string{
		"terraform/leak-check": {"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/leakCheckSecret"},
		"terraform/failing":    {"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/failingSecret"},
	}
	applied := f.applySaved(ctx, run, f.saved(run, units...), func(req *ApplyRequest) { req.Env, req.UnitEnv = env, unitEnv }, units...)

	if r := f.result(applied, "terraform/leak-check"); r.Status != Applied {
		t.Fatalf("leak-check: %s %v %s", r.Status, r.Err, r.ErrorTail)
	}
	b, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "GITHUB_TOKEN") || strings.Contains(string(b), "ghp_csocbot") {
		t.Errorf("the server's GITHUB_TOKEN reached terraform:\n%s", b)
	}
	maps.Copy(env, unitEnv["terraform/leak-check"])
	for k, v := range env {
		if !strings.Contains(string(b), k+"="+v+"\n") {
			t.Errorf("the apply credential %s did not reach terraform:\n%s", k, b)
		}
	}

	r := f.result(applied, "terraform/failing")
	if r.Status != Failed || !strings.Contains(r.ErrorTail, "rejected key *** for") {
		t.Fatalf("failing: %s, tail %q; want a failure with the credentials masked", r.Status, r.ErrorTail)
	}
	for _, v := range []string{env["AWS_ROLE_ARN"], unitEnv["terraform/failing"]["AWS_SECRET_ACCESS_KEY"]} {
		for what, s := range map[string]string{"error tail": r.ErrorTail, "error": r.Err.Error()} {
			if strings.Contains(s, v) {
				t.Errorf("the %s shows the credential %q:\n%s", what, v, s)
			}
		}
	}
}

// The terragrunt engine cannot apply saved plans yet and says so; plain
// roots, which it leaves to the native engine, are applied.
func TestApplySavedRefusesTheTerragruntEngine(t *testing.T) {
	f := newFixture(t)
	f.touchAll()
	ctx := context.Background()
	units := []string{prod + "s3-data", "terraform/csoc-dns"}
	run := f.plan(ctx, units...)
	opts := f.engine.opts
	opts.Terragrunt, opts.CLIConfigFile = &TerragruntCLI{Path: "terragrunt"}, ""
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	f.engine = e
	applied := f.applySaved(ctx, run, f.saved(run, units...), nil, units...)
	if r := f.result(applied, prod+"s3-data"); r.Status != Failed || !strings.Contains(r.ErrorTail, "apply with the terragrunt engine is not supported yet; use the native engine") {
		t.Errorf("s3-data: %s, tail %q", r.Status, r.ErrorTail)
	}
	if r := f.result(applied, "terraform/csoc-dns"); r.Status != Applied {
		t.Errorf("csoc-dns: %s %v %s", r.Status, r.Err, r.ErrorTail)
	}
}

func TestDependencyOrder(t *testing.T) {
	units := []detect.Unit{
		{Path: "eks", Dependencies: []string{"vpc", "outside"}},
		{Path: "irsa", Dependencies: []string{"eks"}},
		{Path: "vpc"},
	}
	order, err := dependencyOrder(units)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, i := range order {
		got = append(got, units[i].Path)
	}
	if want := []string{"vpc", "eks", "irsa"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	units[2].Dependencies = []string{"irsa"}
	if _, err := dependencyOrder(units); err == nil || !strings.Contains(err.Error(), "eks → vpc → irsa → eks") {
		t.Errorf("cycle: %v", err)
	}
}

// A gate that refuses a unit fails it before anything of it runs and
// skips its dependents; independent units are applied.
func TestApplySavedGateStopsUnits(t *testing.T) {
	f := newFixture(t)
	f.touchAll()
	ctx := context.Background()
	units := []string{prod + "vpc", prod + "eks", prod + "s3-data"}
	run := f.plan(ctx, units...)
	plans := f.saved(run, units...)
	errLost := errors.New("csocbot lost touch with its store")
	applied := f.applySaved(ctx, run, plans, func(r *ApplyRequest) {
		r.Gate = func(_ context.Context, u detect.Unit) error {
			if u.Path == prod+"vpc" {
				return errLost
			}
			return nil
		}
	}, units...)
	if r := f.result(applied, prod+"vpc"); r.Status != Failed || !errors.Is(r.Err, errLost) {
		t.Errorf("vpc: %s %v; want failed by the gate", r.Status, r.Err)
	}
	if f.stateOf(prod+"vpc") != "" {
		t.Error("vpc has state: terraform ran")
	}
	if r := f.result(applied, prod+"eks"); r.Status != Skipped {
		t.Errorf("eks: %s; want skipped", r.Status)
	}
	if r := f.result(applied, prod+"s3-data"); r.Status != Applied {
		t.Errorf("s3-data: %s %v; want applied", r.Status, r.Err)
	}
}
