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

// sourceCache holds clones of git module sources, by URL and commit. A
// tag or commit ref is resolved once and reused; a branch is resolved again
// for every unit, so a plan never uses stale code.
type sourceCache struct {
	dir   string
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

func newSourceCache(dir string) *sourceCache {
	return &sourceCache{dir: dir, locks: map[string]*sync.Mutex{}}
}

var commitSHA = regexp.MustCompile(`^[0-9a-f]{7,40}$`)

// completeMarker is written, holding the commit, into a clone once it is
// checked and in place.
const completeMarker = ".csocbot-commit"

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
//
// Within a context from withPinnedSources the first fetch of url@ref
// decides the commit: later fetches return the same directory, so the
// code the gate judged is the code the plan runs even if the ref moves.
func (c *sourceCache) fetch(ctx context.Context, url, ref string) (string, error) {
	url = cloneURL(url)
	if err := checkCloneURL(url); err != nil {
		return "", err
	}
	pins := pinnedSourcesOf(ctx)
	if p, ok := pins.get(url, ref); ok {
		return p.dir, nil
	}
	p, err := c.fetchCommit(ctx, url, ref)
	if err != nil {
		return "", err
	}
	pins.set(url, ref, p)
	return p.dir, nil
}

// fetchCommit resolves url@ref and returns the clone of that commit.
// Clones are kept by commit, so a directory's content never changes while
// a run reads it; a tag or commit ref remembers its commit in an alias
// file and is not cloned again, a branch is resolved again every time.
func (c *sourceCache) fetchCommit(ctx context.Context, url, ref string) (pin, error) {
	alias := filepath.Join(c.dir, "refs", safeName(url+"@"+ref))
	unlock := c.lock(alias)
	defer unlock()
	if b, err := os.ReadFile(alias); err == nil {
		commit := strings.TrimSpace(string(b))
		dir := c.commitDir(url, commit)
		if used(filepath.Join(dir, completeMarker)) {
			return pin{dir: dir, commit: commit}, nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(alias), 0o755); err != nil {
		return pin{}, err
	}
	tmp, err := os.MkdirTemp(c.dir, "clone-")
	if err != nil {
		return pin{}, err
	}
	defer os.RemoveAll(tmp)
	cloneCtx, cancel := context.WithTimeout(ctx, cloneTimeout)
	defer cancel()
	immutable, commit, err := clone(cloneCtx, tmp, url, ref)
	if err != nil {
		return pin{}, err
	}
	if err := os.RemoveAll(filepath.Join(tmp, ".git")); err != nil {
		return pin{}, err
	}
	if err := checkClone(tmp); err != nil {
		return pin{}, fmt.Errorf("clone %s at %q: %w", url, ref, err)
	}
	dir, err := c.install(tmp, url, commit)
	if err != nil {
		return pin{}, err
	}
	if immutable {
		if err := os.WriteFile(alias, []byte(commit+"\n"), 0o644); err != nil {
			return pin{}, err
		}
	}
	return pin{dir: dir, commit: commit}, nil
}

// install moves a finished clone of commit into place, unless another ref
// of the same commit got there first.
func (c *sourceCache) install(tmp, url, commit string) (string, error) {
	dst := c.commitDir(url, commit)
	unlock := c.lock(dst)
	defer unlock()
	if used(filepath.Join(dst, completeMarker)) {
		return dst, nil
	}
	if err := os.WriteFile(filepath.Join(tmp, completeMarker), []byte(commit+"\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.RemoveAll(dst); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", err
	}
	return dst, nil
}

// forget drops what url@ref resolved to, so that the next fetch asks the
// remote again: a tag that moved is a tag that can move.
func (c *sourceCache) forget(url, ref string) {
	alias := filepath.Join(c.dir, "refs", safeName(cloneURL(url)+"@"+ref))
	unlock := c.lock(alias)
	defer unlock()
	os.Remove(alias)
}

// used reports whether marker exists and marks it used now, which keeps
// its clone from clean.
func used(marker string) bool {
	now := time.Now()
	return os.Chtimes(marker, now, now) == nil
}

// clean removes the clones, ref aliases and abandoned temporary clones not
// used since cutoff.
func (c *sourceCache) clean(cutoff time.Time) error {
	entries, err := os.ReadDir(c.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		p := filepath.Join(c.dir, e.Name())
		switch {
		case e.Name() == "refs":
			errs = append(errs, c.cleanAliases(p, cutoff))
		case e.IsDir():
			unlock := c.lock(p)
			info, err := os.Stat(filepath.Join(p, completeMarker))
			if err != nil {
				// A clone in progress, or one abandoned by a crash.
				info, err = os.Stat(p)
			}
			if err == nil && info.ModTime().Before(cutoff) {
				errs = append(errs, os.RemoveAll(p))
			}
			unlock()
		}
	}
	return errors.Join(errs...)
}

func (c *sourceCache) cleanAliases(dir string, cutoff time.Time) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		unlock := c.lock(p)
		if info, err := e.Info(); err == nil && info.ModTime().Before(cutoff) {
			errs = append(errs, os.Remove(p))
		}
		unlock()
	}
	return errors.Join(errs...)
}

func (c *sourceCache) commitDir(url, commit string) string {
	return filepath.Join(c.dir, safeName(url+"@"+commit))
}

// lock serialises work on one path of the cache.
func (c *sourceCache) lock(key string) (unlock func()) {
	c.mu.Lock()
	l, ok := c.locks[key]
	if !ok {
		l = &sync.Mutex{}
		c.locks[key] = l
	}
	c.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// clone checks out url at ref into dir and returns the commit and whether
// ref names something that is not expected to move (a tag or a commit).
func clone(ctx context.Context, dir, url, ref string) (immutable bool, commit string, err error) {
	head := func(r *git.Repository) (string, error) {
		h, err := r.Head()
		if err != nil {
			return "", fmt.Errorf("clone %s: read the checked-out commit: %w", url, err)
		}
		return h.Hash().String(), nil
	}
	if ref == "" {
		r, err := git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{URL: url, Depth: 1, SingleBranch: true})
		if err != nil {
			return false, "", describeCloneError(url, ref, err)
		}
		commit, err := head(r)
		return false, commit, err
	}
	for _, try := range []struct {
		name      plumbing.ReferenceName
		immutable bool
	}{{plumbing.NewTagReferenceName(ref), true}, {plumbing.NewBranchReferenceName(ref), false}} {
		r, err := git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{URL: url, ReferenceName: try.name, SingleBranch: true, Depth: 1})
		if err == nil {
			commit, err := head(r)
			return try.immutable, commit, err
		}
		if !errors.Is(err, plumbing.ErrReferenceNotFound) && !strings.Contains(err.Error(), "couldn't find remote ref") {
			return false, "", describeCloneError(url, ref, err)
		}
		if err := os.RemoveAll(dir); err != nil {
			return false, "", err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, "", err
		}
	}
	if !commitSHA.MatchString(ref) {
		return false, "", fmt.Errorf("clone %s: no tag or branch named %q", url, ref)
	}
	repo, err := git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{URL: url})
	if err != nil {
		return false, "", describeCloneError(url, ref, err)
	}
	hash, err := repo.ResolveRevision(plumbing.Revision(ref))
	if err != nil {
		return false, "", fmt.Errorf("clone %s: no commit %s: %w", url, ref, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return false, "", err
	}
	if err := wt.Checkout(&git.CheckoutOptions{Hash: *hash}); err != nil {
		return false, "", fmt.Errorf("clone %s: check out %s: %w", url, ref, err)
	}
	return true, hash.String(), nil
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
