package detect

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/internal/synth"
	"github.com/csocbot/csocbot/planner/gitrepo"
)

// benchRepo is a synthetic repository with a base commit and pull requests
// on top of it: pr1 and pr2 each change one unit and one module file (the
// usual pull request); prRegion changes a region.hcl that every unit of
// the region reads, so its units must be evaluated again.
type benchRepo struct {
	dir                      string
	base, pr1, pr2, prRegion string
}

func newBenchRepo(b *testing.B, units int) benchRepo {
	b.Helper()
	r := gittest.New(b, "")
	l := synth.Layout{Units: units}
	if err := synth.Write(r.Dir, l); err != nil {
		b.Fatal(err)
	}
	base := r.CommitAll("base")
	branch := func(name string, change func()) string {
		r.Git("checkout", "-q", "main")
		r.Git("checkout", "-q", "-b", name)
		change()
		return r.CommitAll(name)
	}
	pr1 := branch("pr1", func() {
		r.Append(l.UnitPath(units/2)+"/terragrunt.hcl", "\n# pr1\n")
		r.Append("modules/m1/file0.tf", "\n# pr1\n")
	})
	pr2 := branch("pr2", func() {
		r.Append(l.UnitPath(units/3)+"/terragrunt.hcl", "\n# pr2\n")
		r.Append("modules/m2/file0.tf", "\n# pr2\n")
	})
	prRegion := branch("region", func() { r.Append(l.RegionFile(1), "\n# region\n") })
	// A fetched mirror holds packed objects; so does this repository.
	r.Git("gc", "-q")
	return benchRepo{dir: r.Dir, base: base, pr1: pr1, pr2: pr2, prRegion: prRegion}
}

// BenchmarkDetect measures change detection on synthetic monorepos against
// the floor of merely reading and parsing every .hcl file on all CPUs.
func BenchmarkDetect(b *testing.B) {
	for _, n := range []int{1000, 5000, 10000} {
		repo := newBenchRepo(b, n)
		b.Run(fmt.Sprintf("units=%d/floor", n), func(b *testing.B) {
			for b.Loop() {
				parseAllHCL(b, repo.dir)
			}
		})
		b.Run(fmt.Sprintf("units=%d/cold", n), func(b *testing.B) {
			for b.Loop() {
				g, err := gitrepo.Open(repo.dir)
				if err != nil {
					b.Fatal(err)
				}
				res, err := New(g, Options{Root: repo.dir}).Detect(context.Background(), repo.base, repo.pr1)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Units) == 0 {
					b.Fatal("nothing detected")
				}
			}
		})
		// Each warm iteration is the next pull request: the heads
		// alternate, so every call re-evaluates the units that differ.
		b.Run(fmt.Sprintf("units=%d/warm", n), func(b *testing.B) {
			warmDetect(b, repo, repo.pr2, repo.pr1)
		})
		b.Run(fmt.Sprintf("units=%d/warm-region", n), func(b *testing.B) {
			warmDetect(b, repo, repo.prRegion, repo.pr1)
		})
		b.Run(fmt.Sprintf("units=%d/cold-peak-rss", n), func(b *testing.B) {
			var peak int64
			for b.Loop() {
				peak = max(peak, coldDetectPeakRSS(b, repo))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
	}
}

func warmDetect(b *testing.B, repo benchRepo, heads ...string) {
	g, err := gitrepo.Open(repo.dir)
	if err != nil {
		b.Fatal(err)
	}
	d := New(g, Options{Root: repo.dir})
	if _, err := d.Detect(context.Background(), repo.base, repo.pr1); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		if _, err := d.Detect(context.Background(), repo.base, heads[i%len(heads)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// parseAllHCL reads and parses every .hcl file below dir with hcl/v2 on
// all CPUs: the least any detection must do.
func parseAllHCL(b *testing.B, dir string) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != dir {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, ".hcl") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	next := make(chan string)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for p := range next {
				src, err := os.ReadFile(p)
				if err != nil {
					b.Error(err)
					continue
				}
				if _, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos); diags.HasErrors() {
					b.Error(diags)
				}
			}
		})
	}
	for _, f := range files {
		next <- f
	}
	close(next)
	wg.Wait()
}

// coldDetectPeakRSS runs one cold detection in a fresh process (this test
// binary, re-executed) and returns its peak resident memory in bytes.
func coldDetectPeakRSS(b *testing.B, repo benchRepo) int64 {
	cmd := exec.Command(os.Args[0], "-test.run=^TestColdDetectProcess$")
	cmd.Env = append(os.Environ(), "CSOCBOT_DETECT_PROCESS="+strings.Join([]string{repo.dir, repo.base, repo.pr1}, ","))
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("cold detection process: %v\n%s", err, out)
	}
	return cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
}

// TestColdDetectProcess is the body of coldDetectPeakRSS's child process;
// run normally it does nothing.
func TestColdDetectProcess(t *testing.T) {
	spec := os.Getenv("CSOCBOT_DETECT_PROCESS")
	if spec == "" {
		t.Skip("runs only as the child process of BenchmarkDetect")
	}
	parts := strings.Split(spec, ",")
	g, err := gitrepo.Open(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(g, Options{Root: parts[0]}).Detect(context.Background(), parts[1], parts[2]); err != nil {
		t.Fatal(err)
	}
}
