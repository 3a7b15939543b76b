package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
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

	if _, err := os.Stat(filepath.Join(tagDir, immutableMarker)); err != nil {
		t.Errorf("tag clone not marked immutable: %v", err)
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
