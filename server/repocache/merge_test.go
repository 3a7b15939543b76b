package repocache

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestMergeCommit(t *testing.T) {
	src := newSource(t)
	src.Write("a.tf", "a = 1\n")
	src.Write("b.tf", "b = 1\n")
	src.Write("c.tf", "c = 1\n")
	src.CommitAll("three files")

	src.Git("checkout", "-q", "-b", "clean")
	src.Write("a.tf", "a = 2\n")
	clean := src.CommitAll("change a")
	src.Git("checkout", "-q", "-b", "conflicting", "main")
	src.Write("b.tf", "b = 3\n")
	src.Remove("c.tf")
	conflicting := src.CommitAll("change b, delete c")
	src.Git("checkout", "-q", "main")
	src.Write("b.tf", "b = 2\n")
	src.Write("c.tf", "c = 2\n")
	base := src.CommitAll("change b and c")
	src.publishPR(7, clean)
	src.publishPR(8, conflicting)

	c, _ := testCache(t, testToken)
	ctx := t.Context()
	if _, err := c.Fetch(ctx, repoName, src.URL, FetchRefs{Branch: "main", PullRequests: []int{7, 8}}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name          string
		pr            int
		head          string
		wantFiles     map[string]string
		wantConflicts []string
	}{
		{
			name:      "clean",
			pr:        7,
			head:      clean,
			wantFiles: map[string]string{"a.tf": "a = 2\n", "b.tf": "b = 2\n", "c.tf": "c = 2\n", "main.tf": "# main\n", "modules/vpc/main.tf": "variable \"cidr\" {}\n"},
		},
		{
			name:          "conflict",
			pr:            8,
			head:          conflicting,
			wantConflicts: []string{"b.tf", "c.tf"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := c.MergeCommit(ctx, repoName, tt.pr, base, strings.ToUpper(tt.head))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(m.Conflicts, tt.wantConflicts) {
				t.Fatalf("conflicts = %q, want %q", m.Conflicts, tt.wantConflicts)
			}
			if tt.wantConflicts != nil {
				if m.Commit != "" {
					t.Errorf("a conflicting merge made commit %s", m.Commit)
				}
				return
			}

			r, err := c.Open(repoName)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			snap, err := r.Snapshot(ctx, m.Commit)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			if err := snap.Walk(".", func(string) bool { return false }, func(name string) {
				b, err := snap.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				got[name] = string(b)
			}); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.wantFiles) {
				t.Errorf("merged files = %q, want %q", got, tt.wantFiles)
			}
			for name, want := range tt.wantFiles {
				if got[name] != want {
					t.Errorf("merged %s = %q, want %q", name, got[name], want)
				}
			}
			mc, err := r.Git().CommitObject(plumbing.NewHash(m.Commit))
			if err != nil {
				t.Fatal(err)
			}
			if want := []plumbing.Hash{plumbing.NewHash(base), plumbing.NewHash(tt.head)}; !slices.Equal(mc.ParentHashes, want) {
				t.Errorf("merge parents = %v, want base and head %v", mc.ParentHashes, want)
			}
			ref := "refs/csocbot/pull/" + strconv.Itoa(tt.pr) + "/merge"
			if got := mirrorGit(t, c, repoName, "rev-parse", ref); got != m.Commit {
				t.Errorf("%s = %s, want %s", ref, got, m.Commit)
			}
			again, err := c.MergeCommit(ctx, repoName, tt.pr, base, tt.head)
			if err != nil {
				t.Fatal(err)
			}
			if again.Commit != m.Commit {
				t.Errorf("merging the same commits again made %s, then %s", m.Commit, again.Commit)
			}
		})
	}
}

func TestMergeCommitErrors(t *testing.T) {
	src := newSource(t)
	head := src.Git("rev-parse", "main")
	c, _ := testCache(t, testToken)
	ctx := t.Context()
	if _, err := c.MergeCommit(ctx, repoName, 1, head, head); !errors.Is(err, ErrNoMirror) {
		t.Fatalf("MergeCommit before any fetch = %v, want ErrNoMirror", err)
	}
	if _, err := c.Fetch(ctx, repoName, src.URL, FetchRefs{Branch: "main"}); err != nil {
		t.Fatal(err)
	}
	missing := strings.Repeat("ab", 20)
	tests := []struct {
		name       string
		pr         int
		base, head string
		want       string
	}{
		{"head not fetched", 1, head, missing, "commit " + missing + " is not in the mirror; fetch it first"},
		{"base not a SHA", 1, "main", head, "base \"main\" and head"},
		{"option for a SHA", 1, "--output=/tmp/x", head, "must be full commit SHAs"},
		{"no pull request", 0, head, head, "merge pull request #0 of Acme/Infra: not a pull request number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.MergeCommit(ctx, repoName, tt.pr, tt.base, tt.head)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("MergeCommit = %v, want an error saying %q", err, tt.want)
			}
			t.Log(err)
		})
	}
}
