package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/tfrun"
)

const (
	prod    = "live/gen3-prod/us-east-1/prod/"
	staging = "live/gen3-staging/us-east-1/staging/"
)

// fixture is the sample infra repository in a git repository, with an
// engine that plans it with the real terraform, offline.
type fixture struct {
	t      *testing.T
	repo   *gittest.Repo
	engine *Engine
	base   string
	// planned records the revision and units of each plan run, which
	// applying its saved plans needs.
	planned map[*Run]planned
	applies int // apply runs so far, for their keys
}

type planned struct {
	head  string
	units []detect.Unit
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	cli := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(cli, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	bin, err := tfrun.Find(context.Background(), tfrun.FindOptions{})
	if err != nil {
		t.Skipf("no terraform or tofu: %v", err)
	}
	repo := gittest.New(t, filepath.Join("..", "..", "testdata", "infra"))
	e, err := New(Options{Binary: bin, CacheDir: t.TempDir(), CLIConfigFile: cli, Parallelism: 2})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, repo: repo, engine: e, base: repo.CommitAll("initial"), planned: map[*Run]planned{}}
}

// plan detects the units changed since the fixture's base commit (or all
// of them with everything) and plans them at HEAD.
func (f *fixture) plan(ctx context.Context, only ...string) *Run {
	f.t.Helper()
	return f.planGated(ctx, nil, only...)
}

// planGated is plan with a Request.Gate.
func (f *fixture) planGated(ctx context.Context, gate func(context.Context, detect.Unit) error, only ...string) *Run {
	f.t.Helper()
	head := f.repo.CommitAll("change")
	g, err := gitrepo.Open(f.repo.Dir)
	if err != nil {
		f.t.Fatal(err)
	}
	defer g.Close()
	res, err := detect.New(g, detect.Options{Root: f.repo.Dir}).Detect(ctx, f.base, head)
	if err != nil {
		f.t.Fatal(err)
	}
	units := res.Units
	if len(only) > 0 {
		units = slices.DeleteFunc(units, func(u detect.Unit) bool { return !slices.Contains(only, u.Path) })
	}
	snap, err := g.Snapshot(ctx, head)
	if err != nil {
		f.t.Fatal(err)
	}
	run, err := f.engine.Plan(ctx, Request{Key: "test/" + head, Files: snap, Root: f.repo.Dir, Units: units, Gate: gate})
	if err != nil {
		f.t.Fatalf("Plan: %v", err)
	}
	f.planned[run] = planned{head: head, units: units}
	return run
}

func (f *fixture) result(run *Run, path string) *Result {
	f.t.Helper()
	for _, r := range run.Results {
		if r.Path == path {
			return r
		}
	}
	f.t.Fatalf("no result for %s", path)
	return nil
}

// saved reads what a caller keeps of the plans of paths in run.
func (f *fixture) saved(run *Run, paths ...string) map[string]SavedPlan {
	f.t.Helper()
	plans := map[string]SavedPlan{}
	for _, p := range paths {
		r := f.result(run, p)
		if r.PlanFile == "" {
			f.t.Fatalf("%s has no plan: %s %v %s", p, r.Status, r.Err, r.ErrorTail)
		}
		b, err := os.ReadFile(r.PlanFile)
		if err != nil {
			f.t.Fatal(err)
		}
		saved := SavedPlan{Bytes: b, SHA256: r.PlanSHA256, Mocked: r.Mocked}
		if r.LockFile != "" {
			if saved.LockFile, err = os.ReadFile(r.LockFile); err != nil {
				f.t.Fatal(err)
			}
		}
		plans[p] = saved
	}
	return plans
}

// applySaved applies plans (saved from run) to the units of paths, at the
// revision run planned, in a run of its own; with, when set, completes
// the request.
func (f *fixture) applySaved(ctx context.Context, run *Run, plans map[string]SavedPlan, with func(*ApplyRequest), paths ...string) *Run {
	f.t.Helper()
	p, ok := f.planned[run]
	if !ok {
		f.t.Fatal("the run was not planned by the fixture")
	}
	units := slices.DeleteFunc(slices.Clone(p.units), func(u detect.Unit) bool { return !slices.Contains(paths, u.Path) })
	g, err := gitrepo.Open(f.repo.Dir)
	if err != nil {
		f.t.Fatal(err)
	}
	defer g.Close()
	snap, err := g.Snapshot(ctx, p.head)
	if err != nil {
		f.t.Fatal(err)
	}
	f.applies++
	req := ApplyRequest{Key: f.applyKey(run), Files: snap, Root: f.repo.Dir, Units: units, Plans: plans}
	if with != nil {
		with(&req)
	}
	applied, err := f.engine.ApplySaved(ctx, req)
	if err != nil {
		f.t.Fatalf("ApplySaved: %v", err)
	}
	return applied
}

// apply applies the saved plans of paths in run and fails the test unless
// every one is applied.
func (f *fixture) apply(run *Run, paths ...string) {
	f.t.Helper()
	applied := f.applySaved(context.Background(), run, f.saved(run, paths...), nil, paths...)
	for _, r := range applied.Results {
		if r.Status != Applied {
			f.t.Fatalf("apply %s: %s %v %s", r.Path, r.Status, r.Err, r.ErrorTail)
		}
	}
}

// touchAll makes every unit and root count as changed.
func (f *fixture) touchAll() {
	f.repo.Append("root.hcl", "\n# touched\n")
	f.repo.Append("terraform/csoc-dns/main.tf", "\n# touched\n")
}

func TestPlanCreatesEverythingWithMocks(t *testing.T) {
	f := newFixture(t)
	f.touchAll()
	run := f.plan(context.Background())
	if len(run.Results) != 12 {
		t.Fatalf("planned %d units, want 11 units and 1 root", len(run.Results))
	}
	for _, r := range run.Results {
		if r.Status != Planned {
			t.Errorf("%s: status %s (%v %s), want planned", r.Path, r.Status, r.Err, r.ErrorTail)
			continue
		}
		if r.Summary.Create == 0 || r.Summary.Delete != 0 {
			t.Errorf("%s: summary %+v, want only creates", r.Path, r.Summary)
		}
	}
	// Nothing is applied, so eks plans with its vpc dependency's mocks.
	if got := clusterVPC(f.result(run, prod+"eks")); got != "vpc-00000000" {
		t.Errorf("eks cluster vpc_id = %q, want the mock vpc-00000000", got)
	}
}

// clusterVPC returns the vpc_id an eks plan gives its cluster.
func clusterVPC(r *Result) string {
	for _, rc := range r.Plan.ResourceChanges {
		if rc.Address == "terraform_data.cluster" {
			after, _ := rc.Change.After.(map[string]any)
			input, _ := after["input"].(map[string]any)
			id, _ := input["vpc_id"].(string)
			return id
		}
	}
	return ""
}

func TestPlanReadsDependencyOutputsFromState(t *testing.T) {
	f := newFixture(t)
	f.touchAll()
	ctx := context.Background()
	first := f.plan(ctx, prod+"vpc")
	f.apply(first, prod+"vpc")

	f.repo.Append(prod+"eks/terragrunt.hcl", "\n")
	run := f.plan(ctx, prod+"eks")
	eks := f.result(run, prod+"eks")
	if eks.Status != Planned {
		t.Fatalf("eks: %s %v %s", eks.Status, eks.Err, eks.ErrorTail)
	}
	if vpcID := clusterVPC(eks); vpcID == "" || vpcID == "vpc-00000000" {
		t.Errorf("eks cluster vpc_id = %q, want the applied vpc's id, not the mock", vpcID)
	}
}

func TestPlanUpdateReplaceDelete(t *testing.T) {
	f := newFixture(t)
	f.touchAll()
	ctx := context.Background()
	f.apply(f.plan(ctx, prod+"vpc"), prod+"vpc")
	// eks is planned once vpc has state, so not with its mocks.
	f.apply(f.plan(ctx, prod+"eks", prod+"s3-data"), prod+"eks", prod+"s3-data")
	f.base = f.repo.CommitAll("applied")

	// Upgrade EKS (update the cluster, replace node groups) and turn off
	// bucket versioning (deletes the lifecycle rule).
	f.repo.Replace("_envcommon/eks.hcl", `cluster_version     = "1.30"`, `cluster_version     = "1.31"`)
	f.repo.Replace(prod+"s3-data/terragrunt.hcl", "versioning    = true", "versioning    = false")
	run := f.plan(ctx, prod+"eks", prod+"s3-data")
	eks, s3 := f.result(run, prod+"eks"), f.result(run, prod+"s3-data")
	if eks.Status != Planned || s3.Status != Planned {
		t.Fatalf("eks %s %s / s3 %s %s", eks.Status, eks.ErrorTail, s3.Status, s3.ErrorTail)
	}
	if eks.Summary.Update == 0 || eks.Summary.Replace == 0 {
		t.Errorf("eks summary %+v, want updates and replacements", eks.Summary)
	}
	if s3.Summary.Delete == 0 {
		t.Errorf("s3 summary %+v, want a delete", s3.Summary)
	}
}

func TestFailingUnitSkipsDependents(t *testing.T) {
	f := newFixture(t)
	// An invalid CIDR fails the vpc module's variable validation.
	f.repo.Replace(prod+"vpc/terragrunt.hcl", "10.10.0.0/16", "10.10.0.0/99")
	run := f.plan(context.Background())
	vpc := f.result(run, prod+"vpc")
	if vpc.Status != Failed || vpc.FailedCommand == "" || vpc.ErrorTail == "" {
		t.Fatalf("vpc: status %s, command %q, error %q; want a failure with command and error", vpc.Status, vpc.FailedCommand, vpc.ErrorTail)
	}
	if strings.Contains(vpc.ErrorTail, "goroutine") {
		t.Errorf("error tail shows a stack trace: %s", vpc.ErrorTail)
	}
	for _, dep := range []string{prod + "eks", prod + "rds", prod + "irsa-fence", prod + "irsa-hatchery"} {
		r := f.result(run, dep)
		if r.Status != Skipped || !strings.Contains(r.SkipReason, "failed") {
			t.Errorf("%s: status %s, reason %q; want skipped because a dependency failed", dep, r.Status, r.SkipReason)
		}
	}
	if !run.Failed() {
		t.Error("run.Failed() = false")
	}
}

// TestGateBlocksBeforeAnythingRuns checks that a unit the gate blocks
// never reaches terraform (no working directory, no plan), that its
// dependents are skipped with the reason, and that other units go on.
func TestGateBlocksBeforeAnythingRuns(t *testing.T) {
	f := newFixture(t)
	f.touchAll()
	var mu sync.Mutex
	asked := map[string]bool{}
	gate := func(_ context.Context, u detect.Unit) error {
		mu.Lock()
		asked[u.Path] = true
		mu.Unlock()
		switch u.Path {
		case prod + "vpc":
			return fmt.Errorf("%w: policy gen3 denies it", ErrBlocked)
		case staging + "vpc":
			return errors.New("the policy engine is unavailable")
		}
		return nil
	}
	run := f.planGated(context.Background(), gate)
	vpc := f.result(run, prod+"vpc")
	if vpc.Status != Blocked || !strings.Contains(vpc.BlockReason, "policy gen3 denies it") || vpc.PlanFile != "" || vpc.WorkDir != "" {
		t.Fatalf("prod vpc: %+v; want blocked before any work", vpc)
	}
	if r := f.result(run, prod+"eks"); r.Status != Skipped || r.SkipReason != "dependency "+prod+"vpc was blocked" {
		t.Errorf("prod eks: status %s, reason %q", r.Status, r.SkipReason)
	}
	if r := f.result(run, prod+"irsa-fence"); r.Status != Skipped || !strings.HasSuffix(r.SkipReason, "because "+prod+"vpc was blocked") {
		t.Errorf("prod irsa-fence: status %s, reason %q", r.Status, r.SkipReason)
	}
	if r := f.result(run, staging+"vpc"); r.Status != Failed || r.FailedCommand != "check before planning" {
		t.Errorf("staging vpc: status %s, command %q; want a failure of the check", r.Status, r.FailedCommand)
	}
	if r := f.result(run, "terraform/csoc-dns"); r.Status != Planned && r.Status != NoChanges {
		t.Errorf("csoc-dns: status %s (%v); an unrelated unit should plan", r.Status, r.Err)
	}
	if asked[prod+"eks"] {
		t.Error("the gate was asked about a unit whose dependency was blocked")
	}
}

func TestPlainRootPlansInACopy(t *testing.T) {
	f := newFixture(t)
	f.repo.Append("terraform/csoc-dns/main.tf", "\n")
	run := f.plan(context.Background())
	r := f.result(run, "terraform/csoc-dns")
	if r.Status != Planned {
		t.Fatalf("csoc-dns: %s %s", r.Status, r.ErrorTail)
	}
	if status := f.repo.Git("status", "--porcelain"); status != "" {
		t.Errorf("planning dirtied the checkout:\n%s", status)
	}
}

func TestCancelledRunStopsTerraform(t *testing.T) {
	f := newFixture(t)
	// Planning 30,000 resources takes terraform long enough to cancel it.
	f.repo.Write("terraform/big/main.tf", "resource \"terraform_data\" \"r\" {\n  count = 30000\n  input = count.index\n}\n")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(3*time.Second, cancel)
	start := time.Now()
	head := f.repo.CommitAll("big")
	g, _ := gitrepo.Open(f.repo.Dir)
	snap, _ := g.Snapshot(context.Background(), head)
	run, err := f.engine.Plan(ctx, Request{Key: "cancel", Files: snap, Root: f.repo.Dir,
		Units: []detect.Unit{{Path: "terraform/big", Kind: detect.Terraform}}})
	if err == nil {
		t.Fatal("Plan of a cancelled run returned no error")
	}
	if run == nil || run.Results[0].Status != Failed {
		t.Fatalf("run = %+v, want the unit failed by cancellation", run)
	}
	if elapsed := time.Since(start); elapsed > 30*time.Second {
		t.Errorf("cancellation took %s", elapsed)
	}
}

// TestPlanReadsOutputsOfADependencyPlannedInTheSameRun covers the common
// case: a pull request changes an applied unit and its dependent; the
// dependent gets the outputs recorded in the dependency's state.
func TestPlanReadsOutputsOfADependencyPlannedInTheSameRun(t *testing.T) {
	f := newFixture(t)
	f.touchAll()
	ctx := context.Background()
	f.apply(f.plan(ctx, prod+"vpc"), prod+"vpc")
	f.base = f.repo.CommitAll("applied")

	f.repo.Append(prod+"vpc/terragrunt.hcl", "\n")
	run := f.plan(ctx, prod+"vpc", prod+"eks")
	eks := f.result(run, prod+"eks")
	if eks.Status != Planned {
		t.Fatalf("eks: %s %v %s", eks.Status, eks.Err, eks.ErrorTail)
	}
	if vpcID := clusterVPC(eks); !strings.HasPrefix(vpcID, "vpc-") || vpcID == "vpc-00000000" {
		t.Errorf("eks cluster vpc_id = %q, want the applied vpc's id, not the mock", vpcID)
	}
}
