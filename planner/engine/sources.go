package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

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

// Bounds of one cloned source: a pull request names the sources, so a
// huge repository must not fill the server's disk or stall the gate.
// The size is checked once the clone is done; the time bound stops one
// that never ends.
const (
	maxSourceBytes = 256 << 20
	maxSourceFiles = 50000
	cloneTimeout   = 5 * time.Minute
)

// ErrUnsafeSource is wrapped by the error for a module source csocbot
// refuses to read because it would read the server's own disk.
var ErrUnsafeSource = errors.New("module source refused")

// scpLikeURL is git's user@host:path form.
var scpLikeURL = regexp.MustCompile(`^[A-Za-z0-9._~-]+@[A-Za-z0-9.-]+:[^/]`)

// checkCloneURL refuses every address that is not a network URL: git
// clones file:// URLs and plain paths from the local disk, which would let
// a pull request read any repository on the server.
func checkCloneURL(u string) error {
	lower := strings.ToLower(u)
	for _, scheme := range []string{"https://", "http://", "ssh://", "git://"} {
		if strings.HasPrefix(lower, scheme) {
			return nil
		}
	}
	if scpLikeURL.MatchString(u) {
		return nil
	}
	return fmt.Errorf("%w: %q is not a network git URL; use https://, ssh:// or git@host: (csocbot never clones from the server's own disk)", ErrUnsafeSource, u)
}

// fetch returns a local directory holding the source at ref. It clones
// with no credentials: only what git finds configured for the host (an SSH
// agent), never the token csocbot fetches the infra repository with.
func (c *sourceCache) fetch(ctx context.Context, url, ref string) (string, error) {
	url = cloneURL(url)
	if err := checkCloneURL(url); err != nil {
		return "", err
	}
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
	ctx, cancel := context.WithTimeout(ctx, cloneTimeout)
	defer cancel()
	immutable, err := clone(ctx, tmp, url, ref)
	if err != nil {
		return "", err
	}
	if err := os.RemoveAll(filepath.Join(tmp, ".git")); err != nil {
		return "", err
	}
	if err := checkClone(tmp); err != nil {
		return "", fmt.Errorf("clone %s at %q: %w", url, ref, err)
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

// checkClone bounds a clone's size and refuses symbolic links, which could
// make the policy input or terraform read files outside the clone.
func checkClone(dir string) error {
	var bytes int64
	files := 0
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			rel, _ := filepath.Rel(dir, p)
			return fmt.Errorf("%w: %s is a symbolic link; csocbot does not follow links in module sources", ErrUnsafeSource, filepath.ToSlash(rel))
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		bytes += info.Size()
		files++
		if bytes > maxSourceBytes || files > maxSourceFiles {
			return fmt.Errorf("the source is larger than %d MiB or %d files; split the module repository", maxSourceBytes>>20, maxSourceFiles)
		}
		return nil
	})
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
