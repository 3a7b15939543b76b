package repocache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Merge is the outcome of MergeCommit.
type Merge struct {
	// Commit is the merge commit, "" when the merge conflicts.
	Commit string
	// Conflicts lists the files that conflict, sorted; it is empty when the
	// merge is clean.
	Conflicts []string
}

// The identity merge commits are made with. With it and a date taken from
// the commits merged, merging the same two commits twice gives the same
// commit, which keeps caches keyed by commit warm.
const (
	mergeName  = "csocbot"
	mergeEmail = "csocbot@localhost"
)

// MergeCommit merges head, the head of pull request pr, into base, the
// current commit of its base branch, the way the "merge" checkout strategy
// plans what will land. Both must have been fetched. The merge commit has
// base and head as parents and is kept under refs/csocbot/pull/<pr>/merge.
// A conflict is not an error: the result lists the conflicting files.
func (c *Cache) MergeCommit(ctx context.Context, repoFullName string, pr int, base, head string) (Merge, error) {
	dir, err := c.mirrorDir(repoFullName)
	if err != nil {
		return Merge{}, err
	}
	fail := func(err error) (Merge, error) {
		return Merge{}, fmt.Errorf("merge pull request #%d of %s: %w", pr, repoFullName, err)
	}
	if pr <= 0 {
		return fail(errors.New("not a pull request number"))
	}
	if !plumbing.IsHash(base) || !plumbing.IsHash(head) {
		return fail(fmt.Errorf("base %q and head %q must be full commit SHAs", base, head))
	}
	unlock, err := c.lock(ctx, dir)
	if err != nil {
		return fail(err)
	}
	defer unlock()

	repo, closeRepo, err := openMirror(dir)
	if err != nil {
		return fail(err)
	}
	defer closeRepo()
	baseC, err := commit(repo, base)
	if err != nil {
		return fail(err)
	}
	headC, err := commit(repo, head)
	if err != nil {
		return fail(err)
	}

	base, head = baseC.Hash.String(), headC.Hash.String() // lower case

	start := time.Now()
	out, err := runGit(ctx, dir, nil, "merge-tree", "--write-tree", "-z", "--name-only", "--no-messages", base, head)
	var exit *exec.ExitError
	conflict := errors.As(err, &exit) && exit.ExitCode() == 1
	if err != nil && !conflict {
		return fail(err)
	}
	tree, conflicts, err := parseMergeTree(out)
	if err != nil {
		return fail(err)
	}
	if conflict {
		if len(conflicts) == 0 {
			return fail(errors.New("git merge-tree reported a conflict without naming a file"))
		}
		c.log.Info("merge conflicts", "repo", repoFullName, "pull_request", pr, "base", base, "head", head, "files", len(conflicts))
		return Merge{Conflicts: conflicts}, nil
	}

	when := max(baseC.Committer.When.Unix(), headC.Committer.When.Unix())
	date := strconv.FormatInt(when, 10) + " +0000"
	msg := fmt.Sprintf("Merge %s into %s\n\nThe merge of pull request #%d that csocbot plans.\n", head, base, pr)
	out, err = runGit(ctx, dir, []string{
		"GIT_AUTHOR_NAME=" + mergeName, "GIT_AUTHOR_EMAIL=" + mergeEmail, "GIT_AUTHOR_DATE=" + date,
		"GIT_COMMITTER_NAME=" + mergeName, "GIT_COMMITTER_EMAIL=" + mergeEmail, "GIT_COMMITTER_DATE=" + date,
	}, "commit-tree", tree, "-p", base, "-p", head, "-m", msg)
	if err != nil {
		return fail(err)
	}
	merged := strings.TrimSpace(string(out))
	if !plumbing.IsHash(merged) {
		return fail(fmt.Errorf("git commit-tree printed %q, not a commit SHA", merged))
	}
	if err := repo.Storer.SetReference(plumbing.NewHashReference(pullMergeRef(pr), plumbing.NewHash(merged))); err != nil {
		return fail(fmt.Errorf("keep the merge commit under %s: %w", pullMergeRef(pr), err))
	}
	c.log.Info("merged pull request", "repo", repoFullName, "pull_request", pr, "base", base, "head", head,
		"commit", merged, "duration", time.Since(start).Round(time.Millisecond))
	return Merge{Commit: merged}, nil
}

// commit reads the commit sha from the mirror.
func commit(repo *git.Repository, sha string) (*object.Commit, error) {
	c, err := repo.CommitObject(plumbing.NewHash(sha))
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, fmt.Errorf("commit %s is not in the mirror; fetch it first", sha)
	}
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", sha, err)
	}
	return c, nil
}

// parseMergeTree reads the output of git merge-tree --write-tree -z
// --name-only --no-messages: the tree, then the conflicting files, each
// ended by a NUL.
func parseMergeTree(out []byte) (tree string, conflicts []string, err error) {
	fields := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	tree = fields[0]
	if !plumbing.IsHash(tree) {
		return "", nil, fmt.Errorf("git merge-tree printed %q, not a tree SHA", tree)
	}
	for _, f := range fields[1:] {
		if f != "" {
			conflicts = append(conflicts, f)
		}
	}
	sort.Strings(conflicts)
	return tree, conflicts, nil
}

// runGit runs git on the mirror at gitDir with none of the server's
// environment (its tokens stay out of git and whatever git might start) and
// no user or system configuration, adding env: only the mirror's own
// configuration, which csocbot wrote, applies, so a .gitattributes in a pull
// request cannot name a merge driver that runs a program. It returns stdout,
// also when git fails.
func runGit(ctx context.Context, gitDir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = append([]string{
		"GIT_DIR=" + gitDir,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_ATTR_NOSYSTEM=1",
		"GIT_NO_REPLACE_OBJECTS=1",
		"GIT_TERMINAL_PROMPT=0",
		"LC_ALL=C",
	}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return stdout.Bytes(), fmt.Errorf("git %s: %w", args[0], ctxErr)
		}
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + "…"
		}
		if msg != "" {
			msg = ": " + msg
		}
		return stdout.Bytes(), fmt.Errorf("git %s: %w%s", args[0], err, msg)
	}
	return stdout.Bytes(), nil
}
