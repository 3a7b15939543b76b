package gitrepo

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/csocbot/csocbot/internal/gittest"
)

func newRepo(t *testing.T) (*gittest.Repo, *Repo) {
	t.Helper()
	r := gittest.New(t, "")
	r.Write("README.md", "# infra\n")
	r.Write("live/prod/vpc/terragrunt.hcl", "inputs = {}\n")
	r.Write("modules/vpc/main.tf", "# vpc\n")
	r.CommitAll("base")
	g, err := Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return r, g
}

func TestSnapshotIsAFileSystem(t *testing.T) {
	_, g := newRepo(t)
	snap, err := g.Snapshot(context.Background(), "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(snap, "README.md", "live/prod/vpc/terragrunt.hcl", "modules/vpc/main.tf"); err != nil {
		t.Fatal(err)
	}
	b, err := snap.ReadFile("live/prod/vpc/terragrunt.hcl")
	if err != nil || string(b) != "inputs = {}\n" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{{"missing.txt", fs.ErrNotExist}, {"../outside", fs.ErrInvalid}, {"live", nil}} {
		_, err := snap.ReadFile(tc.name)
		if tc.err != nil && !errors.Is(err, tc.err) {
			t.Errorf("ReadFile(%q) = %v, want %v", tc.name, err, tc.err)
		}
		if tc.err == nil && err == nil {
			t.Errorf("ReadFile of directory %q succeeded", tc.name)
		}
	}
}

func TestHashesChangeWithContent(t *testing.T) {
	r, g := newRepo(t)
	ctx := context.Background()
	before, _ := g.Snapshot(ctx, "HEAD")
	r.Append("modules/vpc/main.tf", "# more\n")
	r.CommitAll("change")
	after, _ := g.Snapshot(ctx, "HEAD")

	tests := []struct {
		name    string
		hash    func(s *Snapshot) (string, bool)
		changes bool
	}{
		{"changed file", func(s *Snapshot) (string, bool) { return s.BlobHash("modules/vpc/main.tf") }, true},
		{"unchanged file", func(s *Snapshot) (string, bool) { return s.BlobHash("README.md") }, false},
		{"directory above the change", func(s *Snapshot) (string, bool) { return s.TreeHash("modules") }, true},
		{"unchanged directory", func(s *Snapshot) (string, bool) { return s.TreeHash("live") }, false},
		{"root", func(s *Snapshot) (string, bool) { return s.TreeHash(".") }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h1, ok1 := tt.hash(before)
			h2, ok2 := tt.hash(after)
			if !ok1 || !ok2 {
				t.Fatal("hash not found")
			}
			if (h1 != h2) != tt.changes {
				t.Errorf("hash changed = %v, want %v", h1 != h2, tt.changes)
			}
		})
	}
	if _, ok := after.BlobHash("modules"); ok {
		t.Error("BlobHash of a directory succeeded")
	}
	changed, err := after.ChangedFiles(before)
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(changed)); !slices.Equal(got, []string{"modules/vpc/main.tf"}) {
		t.Errorf("ChangedFiles = %q", got)
	}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *gittest.Repo)
		want   []Change
	}{
		{"modified", func(r *gittest.Repo) { r.Append("README.md", "more\n") }, []Change{{Kind: Modified, Path: "README.md"}}},
		{"added", func(r *gittest.Repo) { r.Write("live/prod/eks/terragrunt.hcl", "x = 1\n") }, []Change{{Kind: Added, Path: "live/prod/eks/terragrunt.hcl"}}},
		{"deleted", func(r *gittest.Repo) { r.Remove("modules/vpc") }, []Change{{Kind: Deleted, Path: "modules/vpc/main.tf"}}},
		{"renamed", func(r *gittest.Repo) { r.Move("live/prod/vpc", "live/prod/network") },
			[]Change{{Kind: Renamed, Path: "live/prod/network/terragrunt.hcl", From: "live/prod/vpc/terragrunt.hcl"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, g := newRepo(t)
			tt.change(r)
			r.CommitAll(tt.name)
			got, err := g.Diff(context.Background(), "HEAD~1", "HEAD")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Diff = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestResolveErrorsSayWhatToDo(t *testing.T) {
	_, g := newRepo(t)
	_, err := g.Snapshot(context.Background(), "no-such-branch")
	if err == nil || !errorsContain(err, "no-such-branch", "git fetch") {
		t.Errorf("error %v should name the revision and suggest fetching", err)
	}
	if _, err := Open(t.TempDir()); err == nil {
		t.Error("Open of a directory that is not a repository succeeded")
	}
}

func errorsContain(err error, subs ...string) bool {
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			return false
		}
	}
	return true
}

func TestMergeBase(t *testing.T) {
	r, g := newRepo(t)
	base := r.Git("rev-parse", "HEAD")
	r.Git("checkout", "-q", "-b", "pr")
	r.Append("README.md", "pr\n")
	r.CommitAll("pr change")
	r.Git("checkout", "-q", "main")
	r.Write("other.txt", "main moved on\n")
	r.CommitAll("main change")
	got, err := g.MergeBase("main", "pr")
	if err != nil || got != base {
		t.Errorf("MergeBase = %s, %v; want %s", got, err, base)
	}
}

func TestOpenBareAndSubdirectory(t *testing.T) {
	r, _ := newRepo(t)
	bare := filepath.Join(t.TempDir(), "mirror.git")
	r.Git("clone", "-q", "--bare", r.Dir, bare)
	for _, dir := range []string{bare, filepath.Join(r.Dir, "live", "prod")} {
		g, err := Open(dir)
		if err != nil {
			t.Errorf("Open(%s): %v", dir, err)
			continue
		}
		if _, err := g.Snapshot(context.Background(), "HEAD"); err != nil {
			t.Errorf("Snapshot in %s: %v", dir, err)
		}
		g.Close()
	}
}
