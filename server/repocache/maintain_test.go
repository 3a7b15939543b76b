package repocache

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// objectCounts returns the mirror's pack and loose object counts.
func objectCounts(t *testing.T, c *Cache) (packs, loose int) {
	t.Helper()
	for _, line := range strings.Split(mirrorGit(t, c, repoName, "count-objects", "-v"), "\n") {
		k, v, _ := strings.Cut(line, ": ")
		n, _ := strconv.Atoi(v)
		switch k {
		case "packs":
			packs = n
		case "count":
			loose = n
		}
	}
	return packs, loose
}

// hasObject reports whether the mirror holds the object sha.
func hasObject(t *testing.T, c *Cache, sha string) bool {
	t.Helper()
	dir, err := c.mirrorDir(repoName)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "cat-file", "-e", sha)
	cmd.Env = []string{"GIT_DIR=" + dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null"}
	return cmd.Run() == nil
}

// grownMirror fetches main three times, adding a pack each time, and a
// pull request whose merge commit is loose objects. Its gc settings make
// git gc --auto act at once and prune unreachable objects without waiting
// two weeks.
func grownMirror(t *testing.T) (src *source, c *Cache, prHead string) {
	t.Helper()
	src = newSource(t)
	c, _ = testCache(t, testToken)
	ctx := t.Context()
	for i := range 3 {
		src.Append("main.tf", "# "+strconv.Itoa(i)+"\n")
		src.CommitAll("commit " + strconv.Itoa(i))
		if _, err := c.Fetch(ctx, repoName, src.URL, FetchRefs{Branch: "main"}); err != nil {
			t.Fatal(err)
		}
	}
	src.Git("checkout", "-q", "-b", "feature")
	src.Write("live/prod/vpc/terragrunt.hcl", "inputs = {}\n")
	prHead = src.CommitAll("add prod vpc")
	src.Git("checkout", "-q", "main")
	src.publishPR(7, prHead)
	f, err := c.Fetch(ctx, repoName, src.URL, FetchRefs{Branch: "main", PullRequests: []int{7}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.MergeCommit(ctx, repoName, 7, f.Branch, prHead); err != nil {
		t.Fatal(err)
	}
	mirrorGit(t, c, repoName, "config", "gc.autoPackLimit", "2")
	mirrorGit(t, c, repoName, "config", "gc.pruneExpire", "now")
	if packs, loose := objectCounts(t, c); packs < 3 || loose == 0 {
		t.Fatalf("the mirror has %d packs and %d loose objects; the test needs several of each", packs, loose)
	}
	return src, c, prHead
}

func TestMaintainCollectsGarbage(t *testing.T) {
	_, c, prHead := grownMirror(t)
	ctx := t.Context()
	if err := c.ForgetPullRequest(ctx, repoName, 7); err != nil {
		t.Fatal(err)
	}
	if err := c.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	if packs, loose := objectCounts(t, c); packs != 1 || loose != 0 {
		t.Errorf("after Maintain: %d packs and %d loose objects, want everything in one pack", packs, loose)
	}
	if hasObject(t, c, prHead) {
		t.Errorf("the closed pull request's commit %s is still in the mirror", prHead)
	}
	// The mirror still works: what main points to reads, and fetches go on.
	r, err := c.Open(repoName)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.ResolveCommit(mirrorGit(t, c, repoName, "rev-parse", "refs/heads/main")); err != nil {
		t.Errorf("main after Maintain: %v", err)
	}
}

// gc deletes pack files, which a Repo opened earlier may not have read
// yet: a mirror being read is left for the next Maintain.
func TestMaintainWaitsForReaders(t *testing.T) {
	src, c, _ := grownMirror(t)
	ctx := t.Context()
	r, err := c.Open(repoName)
	if err != nil {
		t.Fatal(err)
	}
	packs, loose := objectCounts(t, c)
	if err := c.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	if p, l := objectCounts(t, c); p != packs || l != loose {
		t.Errorf("Maintain repacked a mirror being read: %d packs and %d loose objects, had %d and %d", p, l, packs, loose)
	}
	// Every commit still reads through the Repo opened before.
	for _, sha := range strings.Fields(src.Git("rev-list", "main")) {
		if _, err := r.ResolveCommit(sha); err != nil {
			t.Errorf("read %s: %v", sha, err)
		}
	}
	r.Close()
	if err := c.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	if p, _ := objectCounts(t, c); p != 1 {
		t.Errorf("after the reader closed, Maintain left %d packs, want 1", p)
	}
}

func TestMaintainWithoutMirrors(t *testing.T) {
	c, _ := testCache(t, testToken)
	if err := c.Maintain(t.Context()); err != nil {
		t.Errorf("Maintain of an empty cache: %v", err)
	}
}
