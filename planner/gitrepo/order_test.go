package gitrepo

import (
	"context"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/csocbot/csocbot/internal/gittest"
)

// prefixLayouts are sibling entries whose names start one another's, as
// files, folders and mixes of both. Git sorts a folder as if its name ended
// in "/", so in every layout git's order differs from plain byte order.
var prefixLayouts = map[string][]string{
	"folders": {"a/f.txt", "a-b/f.txt", "a.b/f.txt", "a0/f.txt"},
	"mixed":   {"a", "a-b/f.txt", "a.b", "a0/f.txt"},
	"mixed2":  {"a/f.txt", "a-b", "a.b/f.txt", "a0"},
	"files":   {"a", "a-b", "a.b", "a0"},
	"gen3":    {"irsa/terragrunt.hcl", "irsa-fence/terragrunt.hcl", "prod/vpc/terragrunt.hcl", "prod-eu/vpc/terragrunt.hcl"},
}

// prefixRepo writes every layout at several depths and returns the files.
func prefixRepo(t *testing.T) (*gittest.Repo, *Repo, []string) {
	t.Helper()
	r := gittest.New(t, "")
	var files []string
	for _, depth := range []string{"", "live/", "live/prod/us-east-1/"} {
		for name, layout := range prefixLayouts {
			for _, f := range layout {
				p := depth + name + "/" + f
				r.Write(p, p+"\n")
				files = append(files, p)
			}
		}
	}
	// The layouts at the root of the repository itself.
	for _, f := range prefixLayouts["mixed"] {
		r.Write(f, f+"\n")
		files = append(files, f)
	}
	r.CommitAll("prefix-named siblings")
	g, err := Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	slices.Sort(files)
	return r, g, files
}

func TestPrefixNamedSiblingsReadEverywhere(t *testing.T) {
	_, g, files := prefixRepo(t)
	snap, err := g.Snapshot(context.Background(), "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	// fstest checks Open, Stat, ReadDir (sorted by name, as io/fs asks),
	// ReadFile and fs.WalkDir against each other.
	if err := fstest.TestFS(snap, files...); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := snap.ReadFile(f)
		if err != nil || string(b) != f+"\n" {
			t.Errorf("ReadFile(%q) = %q, %v", f, b, err)
		}
		if info, err := snap.Stat(f); err != nil || info.IsDir() {
			t.Errorf("Stat(%q) = %v, %v", f, info, err)
		}
		if _, ok := snap.BlobHash(f); !ok {
			t.Errorf("BlobHash(%q) not found", f)
		}
		dir := f[:max(strings.LastIndex(f, "/"), 0)]
		if dir == "" {
			continue
		}
		if _, ok := snap.TreeHash(dir); !ok {
			t.Errorf("TreeHash(%q) not found", dir)
		}
		entries, err := snap.ReadDir(dir)
		if err != nil || !slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return dir+"/"+e.Name() == f }) {
			t.Errorf("ReadDir(%q) = %v, %v; want it to list %s", dir, entries, err, f)
		}
	}
	var walked []string
	if err := snap.Walk(".", nil, func(name string) { walked = append(walked, name) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(walked, files) {
		t.Errorf("Walk met\n%q\nwant (byte order of full paths)\n%q", walked, files)
	}
}

func TestPrefixNamedSiblingsDiff(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *gittest.Repo)
		want   []string
	}{
		{"file in the shorter folder", func(r *gittest.Repo) { r.Append("live/folders/a/f.txt", "x\n") }, []string{"live/folders/a/f.txt"}},
		{"file in the longer folder", func(r *gittest.Repo) { r.Append("live/folders/a-b/f.txt", "x\n") }, []string{"live/folders/a-b/f.txt"}},
		{"gen3 unit in prod-eu", func(r *gittest.Repo) { r.Append("live/prod/us-east-1/gen3/prod-eu/vpc/terragrunt.hcl", "# x\n") },
			[]string{"live/prod/us-east-1/gen3/prod-eu/vpc/terragrunt.hcl"}},
		{"file beside a folder of its prefix", func(r *gittest.Repo) { r.Append("mixed2/a-b", "x\n") }, []string{"mixed2/a-b"}},
		{"file becomes a folder", func(r *gittest.Repo) {
			r.Remove("files/a")
			r.Write("files/a/new.txt", "new\n")
		}, []string{"files/a", "files/a/new.txt"}},
		{"folder becomes a file", func(r *gittest.Repo) {
			r.Remove("folders/a.b")
			r.Write("folders/a.b", "now a file\n")
		}, []string{"folders/a.b", "folders/a.b/f.txt"}},
		{"siblings at every depth", func(r *gittest.Repo) {
			for _, d := range []string{"", "live/", "live/prod/us-east-1/"} {
				r.Append(d+"gen3/irsa/terragrunt.hcl", "# x\n")
				r.Append(d+"gen3/irsa-fence/terragrunt.hcl", "# x\n")
			}
		}, []string{
			"gen3/irsa-fence/terragrunt.hcl", "gen3/irsa/terragrunt.hcl",
			"live/gen3/irsa-fence/terragrunt.hcl", "live/gen3/irsa/terragrunt.hcl",
			"live/prod/us-east-1/gen3/irsa-fence/terragrunt.hcl", "live/prod/us-east-1/gen3/irsa/terragrunt.hcl",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, g, _ := prefixRepo(t)
			tt.change(r)
			r.CommitAll(tt.name)
			ctx := context.Background()
			base, err := g.Snapshot(ctx, "HEAD~1")
			if err != nil {
				t.Fatal(err)
			}
			head, err := g.Snapshot(ctx, "HEAD")
			if err != nil {
				t.Fatal(err)
			}
			changed, err := head.ChangedFiles(base)
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Sorted(maps.Keys(changed)); !slices.Equal(got, tt.want) {
				t.Errorf("ChangedFiles = %q, want %q", got, tt.want)
			}
			diff, err := g.Diff(ctx, "HEAD~1", "HEAD")
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, c := range diff {
				paths = append(paths, c.Paths()...)
			}
			if slices.Sort(paths); !slices.Equal(paths, tt.want) {
				t.Errorf("Diff touches %q, want %q", paths, tt.want)
			}
			for _, p := range tt.want {
				_, inHead := head.BlobHash(p)
				_, inBase := base.BlobHash(p)
				if !inHead && !inBase {
					t.Errorf("%s is in neither revision", p)
				}
			}
		})
	}
}

func TestGitCompare(t *testing.T) {
	// The order git itself writes (git ls-tree of the layouts above).
	want := []struct {
		name string
		dir  bool
	}{{"a", false}, {"a-b", true}, {"a.b", false}, {"a", true}, {"a0", false}}
	for i := 1; i < len(want); i++ {
		a, b := want[i-1], want[i]
		if gitCompare(a.name, a.dir, b.name, b.dir) >= 0 || gitCompare(b.name, b.dir, a.name, a.dir) <= 0 {
			t.Errorf("%q (dir %v) does not sort before %q (dir %v)", a.name, a.dir, b.name, b.dir)
		}
	}
	if gitCompare("a", true, "a", true) != 0 || gitCompare("a", false, "a", true) >= 0 {
		t.Error("equal names compare by kind only")
	}
}
