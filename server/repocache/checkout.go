package repocache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// maxLinkTarget bounds what a symlink may hold; Linux's PATH_MAX.
const maxLinkTarget = 4096

// Checkout writes the files of commit sha into dir, which must be empty or
// not exist, from the mirror alone (no network), for tools that need files
// on disk. Executable bits and symlinks are kept, and submodules become
// empty directories, as git leaves them.
//
// Pull request content is untrusted, so Checkout writes nothing outside dir
// and refuses a tree with a .git entry (git would take it for a repository
// and run what its configuration says) and symlinks that do not resolve to a
// file or directory inside dir: pointing outside it (absolute, or through
// "..", possibly via other symlinks), or at nothing yet (which could later
// lead outside). On error dir may hold some of the files, but no symlink.
func (c *Cache) Checkout(ctx context.Context, repoFullName, sha, dir string) error {
	mirror, err := c.mirrorDir(repoFullName)
	if err != nil {
		return err
	}
	if !plumbing.IsHash(sha) {
		return fmt.Errorf("check out %q of %s: not a full commit SHA", sha, repoFullName)
	}
	fail := func(err error) error {
		return fmt.Errorf("check out %s of %s into %s: %w", short(sha), repoFullName, dir, err)
	}
	if err := mirrorExists(mirror); err != nil {
		return fail(err)
	}
	release, err := c.readLease(ctx, mirror)
	if err != nil {
		return fail(err)
	}
	defer release()
	repo, closeRepo, err := openMirror(mirror)
	if err != nil {
		return fail(err)
	}
	defer closeRepo()
	cm, err := commit(repo, sha)
	if err != nil {
		return fail(err)
	}
	tree, err := cm.Tree()
	if err != nil {
		return fail(fmt.Errorf("read the tree of %s: %w", sha, err))
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	if entries, err := os.ReadDir(dir); err != nil {
		return fail(err)
	} else if len(entries) > 0 {
		return fail(errors.New("the directory is not empty"))
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fail(err)
	}
	defer root.Close()

	start := time.Now()
	w := &treeWriter{ctx: ctx, repo: repo, root: root}
	if err := w.tree(tree, ""); err != nil {
		return fail(err)
	}
	if err := w.symlinks(); err != nil {
		return fail(err)
	}
	c.log.Debug("checked out", "repo", repoFullName, "commit", sha, "dir", dir,
		"files", w.files, "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// treeWriter writes a tree into root. Symlinks are collected and made last,
// so that no file is ever written through one.
type treeWriter struct {
	ctx   context.Context
	repo  *git.Repository
	root  *os.Root
	files int
	links []link
}

type link struct{ name, target string }

func (w *treeWriter) tree(t *object.Tree, dir string) error {
	for _, e := range t.Entries {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		name := path.Join(dir, e.Name)
		if !safeName(e.Name) {
			return fmt.Errorf("refusing the file name %q", name)
		}
		switch e.Mode {
		case filemode.Dir:
			if err := w.root.Mkdir(name, 0o755); err != nil {
				return err
			}
			sub, err := w.repo.TreeObject(e.Hash)
			if err != nil {
				return fmt.Errorf("read directory %s: %w", name, err)
			}
			if err := w.tree(sub, name); err != nil {
				return err
			}
		case filemode.Regular, filemode.Deprecated:
			if err := w.file(name, e.Hash, 0o644); err != nil {
				return err
			}
		case filemode.Executable:
			if err := w.file(name, e.Hash, 0o755); err != nil {
				return err
			}
		case filemode.Symlink:
			target, err := w.blob(name, e.Hash, maxLinkTarget)
			if err != nil {
				return err
			}
			if len(target) == 0 || strings.ContainsRune(string(target), 0) {
				return fmt.Errorf("refusing the symlink %s: its target %q is not a path", name, target)
			}
			w.links = append(w.links, link{name: name, target: string(target)})
		case filemode.Submodule:
			if err := w.root.Mkdir(name, 0o755); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s has the unknown file mode %s", name, e.Mode)
		}
	}
	return nil
}

// safeName reports whether a tree entry's name is one git would check out.
func safeName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\x00") && !strings.EqualFold(name, ".git")
}

func (w *treeWriter) file(name string, h plumbing.Hash, perm fs.FileMode) (err error) {
	b, err := w.repo.BlobObject(h)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	r, err := b.Reader()
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	defer r.Close()
	f, err := w.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if _, err := io.Copy(f, r); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	w.files++
	return nil
}

// blob reads a small blob, refusing one over limit bytes.
func (w *treeWriter) blob(name string, h plumbing.Hash, limit int64) ([]byte, error) {
	b, err := w.repo.BlobObject(h)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if b.Size > limit {
		return nil, fmt.Errorf("refusing the symlink %s: its target is %d bytes long", name, b.Size)
	}
	r, err := b.Reader()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return data, nil
}

// symlinks makes the collected symlinks, then checks that each resolves
// inside the root: os.Root follows symlinks and fails when the resolution
// leaves it, so chains such as a -> . with b -> a/a/.. are caught. When any
// link is refused, all are removed again.
func (w *treeWriter) symlinks() error {
	var made []string
	removeAll := func() {
		for _, name := range made {
			w.root.Remove(name)
		}
	}
	for _, l := range w.links {
		if err := w.root.Symlink(l.target, l.name); err != nil {
			removeAll()
			return err
		}
		made = append(made, l.name)
	}
	var refused []string
	for _, l := range w.links {
		if strings.HasPrefix(l.target, "/") {
			refused = append(refused, fmt.Sprintf("%s -> %s (absolute)", l.name, l.target))
			continue
		}
		if _, err := w.root.Stat(l.name); err != nil {
			why := "outside the checkout"
			switch {
			case errors.Is(err, fs.ErrNotExist):
				why = "points to nothing"
			case errors.Is(err, syscall.ELOOP):
				why = "a loop"
			}
			refused = append(refused, fmt.Sprintf("%s -> %s (%s)", l.name, l.target, why))
		}
	}
	if len(refused) > 0 {
		removeAll()
		return fmt.Errorf("refusing symlinks that do not point to a file or directory inside the checkout: %s", strings.Join(refused, ", "))
	}
	w.files += len(w.links)
	return nil
}

// short abbreviates a commit SHA for messages.
func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
