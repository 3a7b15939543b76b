// Package gitrepo reads revisions of a git repository as read-only file
// systems and lists the files that changed between two revisions.
//
// It is a package of its own because change detection, the Terragrunt
// evaluator and the plan engine all read revisions, and none of them should
// depend on go-git. Decoded tree objects are memoised by hash for the life of
// a Repo, so looking at a second revision that shares most of its trees with
// an earlier one (the next pull request on the same repository) reads only the
// trees that differ.
package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Repo is an open git repository. It is safe for concurrent use.
type Repo struct {
	git *git.Repository

	// storeMu serialises reads from go-git's object storage, which is not
	// documented as safe for concurrent use. Parsing and evaluation of what
	// is read happen outside the lock.
	storeMu sync.Mutex

	treesMu sync.RWMutex
	trees   map[plumbing.Hash]*tree

	onClose []func()
}

// Open opens the repository that contains dir (a work tree or a bare
// repository).
func Open(dir string) (*Repo, error) {
	// A work tree or bare repository at dir itself first; then a work tree
	// dir is inside (go-git's detection walks up from dir but does not
	// recognise a bare repository at dir).
	r, err := git.PlainOpen(dir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		r, err = git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	}
	if err != nil {
		return nil, fmt.Errorf("open git repository %s: %w", dir, err)
	}
	// Reopen the same storage keeping pack files open: by default go-git
	// opens and closes the pack for every object it reads.
	if st, ok := r.Storer.(*filesystem.Storage); ok {
		var wt billy.Filesystem
		if w, err := r.Worktree(); err == nil {
			wt = w.Filesystem
		}
		kept := filesystem.NewStorageWithOptions(st.Filesystem(), cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
		if reopened, err := git.Open(kept, wt); err == nil {
			r = reopened
		}
	}
	return &Repo{git: r, trees: make(map[plumbing.Hash]*tree)}, nil
}

// Close releases the pack files the repository keeps open, then runs
// what OnClose added.
func (r *Repo) Close() error {
	var err error
	if st, ok := r.git.Storer.(*filesystem.Storage); ok {
		err = st.Close()
	}
	for _, f := range r.onClose {
		f()
	}
	r.onClose = nil
	return err
}

// OnClose adds f to what Close does, such as releasing a lock that keeps
// the repository's pack files in place while the Repo reads them.
func (r *Repo) OnClose(f func()) { r.onClose = append(r.onClose, f) }

// Git returns the underlying go-git repository, for callers that fetch or
// build work trees.
func (r *Repo) Git() *git.Repository { return r.git }

// ResolveCommit resolves a revision (branch, tag, SHA, HEAD~1, …) to a commit.
func (r *Repo) ResolveCommit(rev string) (plumbing.Hash, error) {
	r.storeMu.Lock()
	defer r.storeMu.Unlock()
	h, err := r.git.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("resolve revision %q: %w (is it fetched? try `git fetch` or give a full commit SHA)", rev, err)
	}
	if _, err := r.git.CommitObject(*h); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("revision %q (%s) is not a commit: %w", rev, h, err)
	}
	return *h, nil
}

// Snapshot returns the file system of the commit that rev names.
func (r *Repo) Snapshot(ctx context.Context, rev string) (*Snapshot, error) {
	h, err := r.ResolveCommit(rev)
	if err != nil {
		return nil, err
	}
	r.storeMu.Lock()
	c, err := r.git.CommitObject(h)
	r.storeMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, err)
	}
	root, err := r.tree(c.TreeHash)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &Snapshot{repo: r, commit: h, rootH: c.TreeHash, root: root}, nil
}

// tree returns the decoded tree object h, from the memo when it was seen
// before.
func (r *Repo) tree(h plumbing.Hash) (*tree, error) {
	r.treesMu.RLock()
	t, ok := r.trees[h]
	r.treesMu.RUnlock()
	if ok {
		return t, nil
	}
	r.storeMu.Lock()
	obj, err := r.git.Storer.EncodedObject(plumbing.TreeObject, h)
	var decoded *object.Tree
	if err == nil {
		decoded, err = object.DecodeTree(r.git.Storer, obj)
	}
	r.storeMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", h, err)
	}
	t = &tree{entries: make([]entry, 0, len(decoded.Entries))}
	for _, e := range decoded.Entries {
		if e.Mode == filemode.Submodule {
			continue // a submodule's content is not in this repository
		}
		t.entries = append(t.entries, entry{name: e.Name, hash: e.Hash, dir: e.Mode == filemode.Dir, mode: e.Mode})
	}
	r.treesMu.Lock()
	r.trees[h] = t
	r.treesMu.Unlock()
	return t, nil
}

// blob reads the content of a blob object.
func (r *Repo) blob(h plumbing.Hash) ([]byte, error) {
	r.storeMu.Lock()
	defer r.storeMu.Unlock()
	obj, err := r.git.Storer.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	rd, err := obj.Reader()
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	defer rd.Close()
	buf := make([]byte, 0, obj.Size())
	for {
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read blob %s: %w", h, err)
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}
