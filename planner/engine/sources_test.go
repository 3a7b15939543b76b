package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/detect"
)

// moduleRepo is a git repository of modules, tagged v1 and served over
// HTTP, as a team's module catalog would be.
func moduleRepo(t *testing.T) (*gittest.Served, string) {
	t.Helper()
	r := gittest.New(t, "")
	if err := gittest.CopyDir(filepath.Join(r.Dir, "modules"), filepath.Join("..", "..", "testdata", "infra", "modules")); err != nil {
		t.Fatal(err)
	}
	sha := r.CommitAll("modules")
	r.Git("tag", "v1")
	return gittest.Serve(t, r), sha
}

func TestPlanWithGitSource(t *testing.T) {
	modules, sha := moduleRepo(t)
	for _, ref := range []string{"v1", sha} {
		t.Run(ref, func(t *testing.T) {
			f := newFixture(t)
			f.repo.Replace(prod+"s3-data/terragrunt.hcl", `"../../../../../modules/s3-bucket"`,
				`"git::`+modules.URL+`//modules/s3-bucket?ref=`+ref+`"`)
			run := f.plan(context.Background(), prod+"s3-data")
			r := f.result(run, prod+"s3-data")
			if r.Status != Planned {
				t.Fatalf("s3-data: %s %v\n%s", r.Status, r.Err, r.ErrorTail)
			}
		})
	}
}

func TestSourceCacheReusesTagsAndRefetchesBranches(t *testing.T) {
	modules, _ := moduleRepo(t)
	c := newSourceCache(t.TempDir())
	ctx := context.Background()
	url := modules.URL

	tagDir, err := c.fetch(ctx, url, "v1")
	if err != nil {
		t.Fatal(err)
	}
	branchDir, err := c.fetch(ctx, url, "main")
	if err != nil {
		t.Fatal(err)
	}
	// Move the branch; the tag stays.
	modules.Write("modules/new/main.tf", "# new\n")
	modules.CommitAll("new module")

	fetches := modules.Fetches.Load()
	if again, err := c.fetch(ctx, url, "v1"); err != nil || again != tagDir || modules.Fetches.Load() != fetches {
		t.Errorf("tag fetched again: %s (was %s), %d fetches (was %d), %v", again, tagDir, modules.Fetches.Load(), fetches, err)
	}
	again, err := c.fetch(ctx, url, "main")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(again, "modules", "new", "main.tf")); err != nil {
		t.Errorf("branch clone %s was not refetched: %v", branchDir, err)
	}
	if _, err := c.fetch(ctx, url, "no-such-ref"); err == nil {
		t.Error("fetching a missing ref succeeded")
	}
}

func TestSourceCacheRefusesTheLocalDisk(t *testing.T) {
	modules, _ := moduleRepo(t)
	cache := t.TempDir()
	c := newSourceCache(cache)
	for _, url := range []string{"file://" + modules.Dir, "git::file://" + modules.Dir, modules.Dir, "git::" + modules.Dir} {
		if _, err := c.fetch(context.Background(), url, "v1"); !errors.Is(err, ErrUnsafeSource) {
			t.Errorf("fetch %s: error %v, want ErrUnsafeSource", url, err)
		}
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Errorf("something was cloned: %v", entries)
	}
}

func TestSourceCacheRefusesSymlinks(t *testing.T) {
	r := gittest.New(t, "")
	r.Write("main.tf", "# module\n")
	if err := os.Symlink("/etc/passwd", filepath.Join(r.Dir, "passwd.tf")); err != nil {
		t.Skip(err)
	}
	r.CommitAll("link")
	r.Git("tag", "v1")
	served := gittest.Serve(t, r)
	_, err := newSourceCache(t.TempDir()).fetch(context.Background(), served.URL, "v1")
	if !errors.Is(err, ErrUnsafeSource) || !strings.Contains(err.Error(), "passwd.tf is a symbolic link") {
		t.Fatalf("error %v, want a refused symbolic link", err)
	}
}

func TestPinnedSourcesKeepTheFirstCommit(t *testing.T) {
	modules, _ := moduleRepo(t)
	c := newSourceCache(t.TempDir())
	ctx := withPinnedSources(context.Background())
	first, err := c.fetch(ctx, modules.URL, "main")
	if err != nil {
		t.Fatal(err)
	}
	modules.Write("modules/new/main.tf", "# new\n")
	modules.CommitAll("move main")
	again, err := c.fetch(ctx, modules.URL, "main")
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Errorf("a pinned fetch returned %s, want the first clone %s", again, first)
	}
	if _, err := os.Stat(filepath.Join(first, "modules", "new")); err == nil {
		t.Error("the pinned clone changed under the run")
	}
	unpinned, err := c.fetch(context.Background(), modules.URL, "main")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(unpinned, "modules", "new")); err != nil {
		t.Errorf("outside a run the branch was not resolved again: %v", err)
	}
}

// TestPlanRunsTheCheckedCode moves a module's branch while the gate looks
// at the unit, as an attacker who controls the module repository would:
// the plan must run the code the gate saw, or fail.
func TestPlanRunsTheCheckedCode(t *testing.T) {
	const moved = `resource "terraform_data" "moved_after_the_check" {}`
	for _, tc := range []struct {
		name  string
		setup func(f *fixture, url string) (unit string)
		want  Status
	}{{
		name: "terraform.source",
		setup: func(f *fixture, url string) string {
			f.repo.Replace(prod+"s3-data/terragrunt.hcl", `"../../../../../modules/s3-bucket"`, `"git::`+url+`//modules/s3-bucket?ref=main"`)
			return prod + "s3-data"
		},
		want: Planned,
	}, {
		name: "module call",
		setup: func(f *fixture, url string) string {
			f.repo.Write("terraform/remote/main.tf", `module "bucket" {
  source      = "git::`+url+`//modules/s3-bucket?ref=main"
  bucket_name = "remote"
}
`)
			return "terraform/remote"
		},
		want: Failed,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			modules, _ := moduleRepo(t)
			f := newFixture(t)
			unit := tc.setup(f, modules.URL)
			gate := func(ctx context.Context, u detect.Unit) error {
				modules.Append("modules/s3-bucket/main.tf", "\n"+moved+"\n")
				modules.CommitAll("move main after the check")
				return nil
			}
			r := f.result(f.planGated(context.Background(), gate, unit), unit)
			if r.Status != tc.want {
				t.Fatalf("%s: %s %v\n%s", unit, r.Status, r.Err, r.ErrorTail)
			}
			if r.Status == Failed && !errors.Is(r.Err, ErrSourceMoved) {
				t.Errorf("error %v, want ErrSourceMoved", r.Err)
			}
			if r.Plan != nil {
				for _, rc := range r.Plan.ResourceChanges {
					if strings.Contains(rc.Address, "moved_after_the_check") {
						t.Errorf("the plan ran code the gate never saw: %s", rc.Address)
					}
				}
			}
		})
	}
}

func TestSourceCacheCleanRemovesOnlyUnusedClones(t *testing.T) {
	modules, _ := moduleRepo(t)
	c := newSourceCache(t.TempDir())
	ctx := context.Background()
	old, err := c.fetch(ctx, modules.URL, "v1")
	if err != nil {
		t.Fatal(err)
	}
	abandoned, err := os.MkdirTemp(c.dir, "clone-") // left by a crash
	if err != nil {
		t.Fatal(err)
	}
	long := time.Now().Add(-30 * 24 * time.Hour)
	for _, p := range []string{filepath.Join(old, completeMarker), abandoned} {
		if err := os.Chtimes(p, long, long); err != nil {
			t.Fatal(err)
		}
	}
	fresh, err := c.fetch(ctx, modules.URL, "main") // the same commit: marks it used
	if err != nil {
		t.Fatal(err)
	}
	if fresh != old {
		t.Fatalf("main and v1 name one commit but have two clones: %s, %s", fresh, old)
	}
	if err := c.clean(time.Now().Add(-7 * 24 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); err != nil {
		t.Errorf("a clone used just now was removed: %v", err)
	}
	if _, err := os.Stat(abandoned); !os.IsNotExist(err) {
		t.Errorf("an abandoned temporary clone is still there: %v", err)
	}

	// Unused for a month, it goes, and a fetch clones it again.
	if err := os.Chtimes(filepath.Join(old, completeMarker), long, long); err != nil {
		t.Fatal(err)
	}
	if err := c.clean(time.Now().Add(-7 * 24 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("an unused clone is still there: %v", err)
	}
	again, err := c.fetch(ctx, modules.URL, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(again, "modules")); err != nil {
		t.Errorf("the source was not cloned again: %v", err)
	}
}
