package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/gitrepo"
)

// cacheUnit evaluates during detection, where dependency outputs are
// unknown, but not for the plan: its dependency has no state and no mock
// outputs.
const cacheUnit = `include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "${get_repo_root()}//modules/tags"
}

dependency "vpc" {
  config_path = "../vpc"
}

inputs = {
  name      = dependency.vpc.outputs.vpc_id
  component = "cache"
}
`

// TestUnitsThatDoNotEvaluateFailAlone checks that a unit whose
// configuration does not evaluate, whether during detection or again for
// its plan, fails on its own with its error (file:line), that its
// dependents are skipped naming it, and that every other unit is planned.
func TestUnitsThatDoNotEvaluateFailAlone(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.repo.Append(prod+"s3-data/terragrunt.hcl", "\ninputs = {\n")
	f.repo.Write(prod+"cache/terragrunt.hcl", cacheUnit)
	f.repo.Append("terraform/csoc-dns/main.tf", "\n# touched\n")
	head := f.repo.CommitAll("break two units")
	g, err := gitrepo.Open(f.repo.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	found, err := detect.New(g, detect.Options{Root: f.repo.Dir}).Detect(ctx, f.base, head)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := g.Snapshot(ctx, head)
	if err != nil {
		t.Fatal(err)
	}
	run, err := f.engine.Plan(ctx, Request{Key: "test/" + head, Files: snap, Root: f.repo.Dir, Units: found.Units, Unevaluated: found.Errors})
	if err != nil {
		t.Fatalf("Plan: %v; a unit that does not evaluate must not fail the run", err)
	}

	s3 := f.result(run, prod+"s3-data")
	if s3.Status != Failed || !strings.Contains(s3.ErrorTail, prod+"s3-data/terragrunt.hcl:") {
		t.Errorf("s3-data: status %s, error %q; want failed with file:line", s3.Status, s3.ErrorTail)
	}
	if r := f.result(run, prod+"irsa-hatchery"); r.Status != Skipped || r.SkipReason != "dependency "+prod+"s3-data could not be evaluated" {
		t.Errorf("irsa-hatchery: status %s, reason %q; want skipped naming s3-data", r.Status, r.SkipReason)
	}
	cache := f.result(run, prod+"cache")
	if cache.Status != Failed || !strings.Contains(cache.ErrorTail, prod+"cache/terragrunt.hcl:") || !strings.Contains(cache.ErrorTail, "Dependency has no outputs") {
		t.Errorf("cache: status %s, error %q; want failed at its dependency block", cache.Status, cache.ErrorTail)
	}
	if r := f.result(run, "terraform/csoc-dns"); r.Status != Planned && r.Status != NoChanges {
		t.Errorf("csoc-dns: status %s (%v); want it planned", r.Status, r.Err)
	}
	if !run.Failed() {
		t.Error("run.Failed() = false with two failed units")
	}
	if !strings.Contains(s3.ErrorTail, "Fix this configuration") {
		t.Errorf("s3-data: error %q; want it to say what to do", s3.ErrorTail)
	}

	// Asked for the dependent alone, the engine still does not plan it.
	alone, err := f.engine.Plan(ctx, Request{Key: "test/alone/" + head, Files: snap, Root: f.repo.Dir, Units: []detect.Unit{unitOf(t, found, prod+"irsa-hatchery")}})
	if err != nil {
		t.Fatal(err)
	}
	if r := alone.Results[0]; r.Status != Skipped || !strings.Contains(r.SkipReason, prod+"s3-data could not be evaluated") {
		t.Errorf("irsa-hatchery alone: status %s, reason %q; want skipped", r.Status, r.SkipReason)
	}
}

func unitOf(t *testing.T, found *detect.Result, path string) detect.Unit {
	t.Helper()
	for _, u := range found.Units {
		if u.Path == path {
			return u
		}
	}
	t.Fatalf("%s not detected: %+v", path, found)
	return detect.Unit{}
}
