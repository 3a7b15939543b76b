package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/tfrun"
)

// BenchmarkApplySaved measures ApplySaved of n independent Terragrunt
// units' saved plans (fresh working directories, init and apply per unit,
// in parallel) against the raw baseline: `terraform apply <planfile>` of
// the same saved plans, one after the other, in the working directories
// they were planned in. Both run in each iteration, from the same empty
// state; ratio is ApplySaved's time over the baseline's.
//
//	go test -run '^$' -bench BenchmarkApplySaved -benchtime=5x ./planner/engine/
func BenchmarkApplySaved(b *testing.B) {
	for _, n := range []int{1, 10} {
		b.Run(fmt.Sprintf("units=%d", n), func(b *testing.B) { benchmarkApplySaved(b, n) })
	}
}

func benchmarkApplySaved(b *testing.B, n int) {
	bin, err := tfrun.Find(context.Background(), tfrun.FindOptions{})
	if err != nil {
		b.Skipf("no terraform or tofu: %v", err)
	}
	repo := gittest.New(b, "")
	repo.Write("root.hcl", `remote_state {
  backend  = "local"
  generate = { path = "backend.tf", if_exists = "overwrite_terragrunt" }
  config   = { path = "${get_parent_terragrunt_dir()}/.state/${path_relative_to_include()}/terraform.tfstate" }
}
`)
	repo.Write("modules/thing/main.tf", `variable "name" { type = string }
resource "terraform_data" "r" {
  count = 5
  input = "${var.name}-${count.index}"
}
output "ids" { value = terraform_data.r[*].id }
`)
	var units []detect.Unit
	for i := range n {
		u := fmt.Sprintf("live/unit-%02d", i)
		repo.Write(u+"/terragrunt.hcl", `include "root" { path = find_in_parent_folders("root.hcl") }
terraform { source = "../../modules/thing" }
inputs = { name = "`+u+`" }
`)
		units = append(units, detect.Unit{Path: u, Kind: detect.Terragrunt, Modules: []string{"modules/thing"}})
	}
	head := repo.CommitAll("units")
	g, err := gitrepo.Open(repo.Dir)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	ctx := context.Background()
	snap, err := g.Snapshot(ctx, head)
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(Options{Binary: bin, CacheDir: b.TempDir(), Parallelism: 2})
	if err != nil {
		b.Fatal(err)
	}
	state := filepath.Join(repo.Dir, ".state")
	var applied, raw time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		if err := os.RemoveAll(state); err != nil {
			b.Fatal(err)
		}
		run, err := e.Plan(ctx, Request{Key: fmt.Sprintf("bench/plan-%d", i), Files: snap, Root: repo.Dir, Units: units})
		if err != nil {
			b.Fatal(err)
		}
		plans := map[string]SavedPlan{}
		for _, r := range run.Results {
			if r.Status != Planned {
				b.Fatalf("%s: %s %v %s", r.Path, r.Status, r.Err, r.ErrorTail)
			}
			bytes, err := os.ReadFile(r.PlanFile)
			if err != nil {
				b.Fatal(err)
			}
			plans[r.Path] = SavedPlan{Bytes: bytes, SHA256: r.PlanSHA256}
		}
		b.StartTimer()

		start := time.Now()
		ar, err := e.ApplySaved(ctx, ApplyRequest{Key: fmt.Sprintf("bench/apply-%d", i), Files: snap, Root: repo.Dir, Units: units, Plans: plans})
		applied += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range ar.Results {
			if r.Status != Applied {
				b.Fatalf("%s: %s %v %s", r.Path, r.Status, r.Err, r.ErrorTail)
			}
		}

		// The baseline applies the same plans to the same empty state.
		b.StopTimer()
		if err := os.RemoveAll(state); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start = time.Now()
		for _, r := range run.Results {
			cmd := exec.CommandContext(ctx, bin.Path, "apply", "-input=false", "-auto-approve", "-no-color", r.PlanFile)
			cmd.Dir = r.WorkDir
			cmd.Env = append(os.Environ(), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("raw apply of %s: %v\n%s", r.Path, err, out)
			}
		}
		raw += time.Since(start)
	}
	b.ReportMetric(float64(applied.Milliseconds())/float64(b.N), "applysaved-ms/op")
	b.ReportMetric(float64(raw.Milliseconds())/float64(b.N), "raw-ms/op")
	b.ReportMetric(applied.Seconds()/raw.Seconds(), "ratio")
}
