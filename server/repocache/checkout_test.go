package repocache

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// symlink adds a symlink to the source's work tree.
func (s *source) symlink(target, name string) {
	s.t.Helper()
	p := filepath.Join(s.Dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		s.t.Fatal(err)
	}
}

// listDir lists the files and symlinks under dir, slash-separated.
func listDir(t *testing.T, dir string) (files []string, links map[string]string) {
	t.Helper()
	links = map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		files = append(files, rel)
		if d.Type()&fs.ModeSymlink != 0 {
			if links[rel], err = os.Readlink(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files, links
}

func TestCheckout(t *testing.T) {
	src := newSource(t)
	src.Write("scripts/plan.sh", "#!/bin/sh\necho plan\n")
	if err := os.Chmod(filepath.Join(src.Dir, "scripts/plan.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	src.Write("live/prod/terragrunt.hcl", "include \"root\" {}\n")
	src.symlink("../../modules/vpc/main.tf", "live/prod/vpc.tf")
	src.symlink("modules", "mods")
	sha := src.CommitAll("files, an executable and symlinks")

	c, _ := testCache(t, testToken)
	ctx := t.Context()
	if _, err := c.Fetch(ctx, repoName, src.URL, FetchRefs{Branch: "main"}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "work")
	if err := c.Checkout(ctx, repoName, sha, dir); err != nil {
		t.Fatal(err)
	}

	files, links := listDir(t, dir)
	want := strings.Split(src.Git("ls-tree", "-r", "--name-only", sha), "\n")
	if !slices.Equal(files, want) {
		t.Fatalf("checked out %q\nwant (git ls-tree) %q", files, want)
	}
	for _, line := range strings.Split(src.Git("ls-tree", "-r", sha), "\n") {
		meta, name, _ := strings.Cut(line, "\t")
		mode := strings.Fields(meta)[0]
		p := filepath.Join(dir, filepath.FromSlash(name))
		switch mode {
		case "120000":
			if target := src.Git("cat-file", "blob", sha+":"+name); links[name] != target {
				t.Errorf("symlink %s -> %q, want %q", name, links[name], target)
			}
		case "100644", "100755":
			got, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if want := src.Git("cat-file", "blob", sha+":"+name); strings.TrimSpace(string(got)) != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
			info, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if exec := info.Mode()&0o100 != 0; exec != (mode == "100755") {
				t.Errorf("%s has mode %v, git's is %s", name, info.Mode(), mode)
			}
		default:
			t.Errorf("unexpected mode %s of %s", mode, name)
		}
	}

	if err := c.Checkout(ctx, repoName, sha, dir); err == nil || !strings.Contains(err.Error(), "the directory is not empty") {
		t.Errorf("Checkout into a non-empty directory = %v", err)
	}
}

func TestCheckoutRefuses(t *testing.T) {
	src := newSource(t)
	base := src.Git("rev-parse", "main")
	// links commits symlinks (pairs of target and name) on a branch of base.
	links := func(pairs ...string) func() string {
		return func() string {
			src.Git("checkout", "-q", "--detach", base)
			for i := 0; i < len(pairs); i += 2 {
				src.symlink(pairs[i], pairs[i+1])
			}
			return src.CommitAll("symlinks")
		}
	}
	// dotGit commits a tree with a .git directory, which git itself would
	// not check out.
	dotGit := func() string {
		blob := src.Git("rev-parse", base+":main.tf")
		inner := src.gitStdin("100644 blob "+blob+"\tconfig\n", "mktree")
		tree := src.gitStdin("040000 tree "+inner+"\t.git\n", "mktree")
		return src.Git("commit-tree", tree, "-m", "a .git directory")
	}
	tests := []struct {
		name   string
		commit func() string
		want   string
	}{
		{"absolute", links("/etc/passwd", "passwd.tf"), "passwd.tf -> /etc/passwd (absolute)"},
		{"parent", links("../../secrets", "live/secrets"), "live/secrets -> ../../secrets (outside the checkout)"},
		{"through another symlink", links(".", "s", "s/s/../..", "up"), "up -> s/s/../.. (outside the checkout)"},
		{"dangling", links(".terraform/../../x", "later.tf"), "later.tf -> .terraform/../../x (points to nothing)"},
		{"loop", links("b", "a", "a", "b"), "a -> b (a loop)"},
		{".git", dotGit, `refusing the file name ".git"`},
	}
	refs := FetchRefs{}
	for i, tt := range tests {
		src.publishPR(i+1, tt.commit())
		refs.PullRequests = append(refs.PullRequests, i+1)
	}
	c, _ := testCache(t, testToken)
	ctx := t.Context()
	fetched, err := c.Fetch(ctx, repoName, src.URL, refs)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			err := c.Checkout(ctx, repoName, fetched.PullRequests[i+1], dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Checkout = %v, want an error saying %q", err, tt.want)
			}
			t.Log(err)
			if _, links := listDir(t, dir); len(links) > 0 {
				t.Errorf("symlinks left behind: %v", links)
			}
		})
	}
}
