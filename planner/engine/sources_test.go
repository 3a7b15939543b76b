package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
)

// moduleRepo is a git repository of modules, tagged v1, as a team's module
// catalog would be.
func moduleRepo(t *testing.T) (*gittest.Repo, string) {
	t.Helper()
	r := gittest.New(t, "")
	if err := gittest.CopyDir(filepath.Join(r.Dir, "modules"), filepath.Join("..", "..", "testdata", "infra", "modules")); err != nil {
		t.Fatal(err)
	}
	sha := r.CommitAll("modules")
	r.Git("tag", "v1")
	return r, sha
}

func TestPlanWithGitSource(t *testing.T) {
	modules, sha := moduleRepo(t)
	for _, ref := range []string{"v1", sha} {
		t.Run(ref, func(t *testing.T) {
			f := newFixture(t)
			f.repo.Replace(prod+"s3-data/terragrunt.hcl", `"../../../../../modules/s3-bucket"`,
				`"git::file://`+modules.Dir+`//modules/s3-bucket?ref=`+ref+`"`)
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
	url := "file://" + modules.Dir

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
