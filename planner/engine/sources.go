package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// sourceCache holds clones of git module sources, by URL and ref. A clone
// of a tag or commit is kept and reused, since those do not move; a
// branch is cloned again for every run, so a plan never uses stale code.
type sourceCache struct {
	dir   string
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

func newSourceCache(dir string) *sourceCache {
	return &sourceCache{dir: dir, locks: map[string]*sync.Mutex{}}
}

var commitSHA = regexp.MustCompile(`^[0-9a-f]{7,40}$`)

// immutableMarker is written into a clone whose ref cannot move.
const immutableMarker = ".csocbot-immutable"

// fetch returns a local directory holding the source at ref.
func (c *sourceCache) fetch(ctx context.Context, url, ref string) (string, error) {
	url = cloneURL(url)
	key := safeName(url + "@" + ref)
	c.mu.Lock()
	lock, ok := c.locks[key]
	if !ok {
		lock = &sync.Mutex{}
		c.locks[key] = lock
	}
	c.mu.Unlock()
	lock.Lock()
	defer lock.Unlock()

	dst := filepath.Join(c.dir, key)
	if _, err := os.Stat(filepath.Join(dst, immutableMarker)); err == nil {
		return dst, nil
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(c.dir, "clone-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	immutable, err := clone(ctx, tmp, url, ref)
	if err != nil {
		return "", err
	}
	if err := os.RemoveAll(filepath.Join(tmp, ".git")); err != nil {
		return "", err
	}
	if immutable {
		if err := os.WriteFile(filepath.Join(tmp, immutableMarker), nil, 0o644); err != nil {
			return "", err
		}
	}
	if err := os.RemoveAll(dst); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", err
	}
	return dst, nil
}

// clone checks out url at ref into dir and reports whether ref names
// something that cannot move (a tag or a commit).
func clone(ctx context.Context, dir, url, ref string) (immutable bool, err error) {
	if ref == "" {
		_, err := git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{URL: url, Depth: 1, SingleBranch: true})
		return false, describeCloneError(url, ref, err)
	}
	for _, try := range []struct {
		name      plumbing.ReferenceName
		immutable bool
	}{{plumbing.NewTagReferenceName(ref), true}, {plumbing.NewBranchReferenceName(ref), false}} {
		_, err := git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{URL: url, ReferenceName: try.name, SingleBranch: true, Depth: 1})
		if err == nil {
			return try.immutable, nil
		}
		if !errors.Is(err, plumbing.ErrReferenceNotFound) && !strings.Contains(err.Error(), "couldn't find remote ref") {
			return false, describeCloneError(url, ref, err)
		}
		if err := os.RemoveAll(dir); err != nil {
			return false, err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, err
		}
	}
	if !commitSHA.MatchString(ref) {
		return false, fmt.Errorf("clone %s: no tag or branch named %q", url, ref)
	}
	repo, err := git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{URL: url})
	if err != nil {
		return false, describeCloneError(url, ref, err)
	}
	hash, err := repo.ResolveRevision(plumbing.Revision(ref))
	if err != nil {
		return false, fmt.Errorf("clone %s: no commit %s: %w", url, ref, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return false, err
	}
	if err := wt.Checkout(&git.CheckoutOptions{Hash: *hash}); err != nil {
		return false, fmt.Errorf("clone %s: check out %s: %w", url, ref, err)
	}
	return true, nil
}

func describeCloneError(url, ref string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("clone %s at %q: %w", url, ref, err)
}

// cloneURL turns go-getter's address forms into a URL git understands.
func cloneURL(u string) string {
	u = strings.TrimPrefix(u, "git::")
	switch {
	case strings.HasPrefix(u, "github.com/"), strings.HasPrefix(u, "bitbucket.org/"):
		return "https://" + u
	}
	return u
}
