package gitrepo

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// Snapshot is the read-only file system of one commit. Names are slash
// separated and relative to the repository root, as io/fs requires. It
// implements fs.ReadFileFS, fs.StatFS and fs.ReadDirFS, and is safe for
// concurrent use.
type Snapshot struct {
	repo   *Repo
	commit plumbing.Hash
	rootH  plumbing.Hash
	root   *tree
}

type tree struct {
	entries []entry // in git's order (see gitCompare)
}

type entry struct {
	name string
	hash plumbing.Hash
	dir  bool
	mode filemode.FileMode
}

// Commit is the commit this snapshot shows.
func (s *Snapshot) Commit() string { return s.commit.String() }

// lookup finds the entry for name. The root itself has no entry: ok is true
// and e is a directory entry with a zero hash.
func (s *Snapshot) lookup(name string) (e entry, ok bool, err error) {
	if name == "." {
		return entry{name: ".", dir: true}, true, nil
	}
	t := s.root
	for {
		first, rest, more := strings.Cut(name, "/")
		if e, ok = t.find(first); !ok {
			return entry{}, false, nil
		}
		if !more {
			return e, true, nil
		}
		if !e.dir {
			return entry{}, false, nil
		}
		if t, err = s.repo.tree(e.hash); err != nil {
			return entry{}, false, err
		}
		name = rest
	}
}

// find returns the entry called name. Git orders a directory as if its
// name ended in "/", so "a" the folder sorts after "a-b" and "a.b" but "a"
// the file before them: the name is looked for once as each.
func (t *tree) find(name string) (entry, bool) {
	for _, dir := range []bool{false, true} {
		i, ok := slices.BinarySearchFunc(t.entries, name, func(e entry, name string) int {
			return gitCompare(e.name, e.dir, name, dir)
		})
		if ok {
			return t.entries[i], true
		}
	}
	return entry{}, false
}

// gitCompare orders tree entries as git does: by name, a directory's name
// compared as if it ended in "/". A walk in this order meets files in the
// byte order of their full paths.
func gitCompare(a string, aDir bool, b string, bDir bool) int {
	n := min(len(a), len(b))
	if c := strings.Compare(a[:n], b[:n]); c != 0 {
		return c
	}
	return cmp.Compare(charAfter(a, n, aDir), charAfter(b, n, bDir))
}

// charAfter is the byte at i of name, "/" past the end of a directory's
// name, and -1 past the end of a file's.
func charAfter(name string, i int, dir bool) int {
	switch {
	case i < len(name):
		return int(name[i])
	case dir:
		return '/'
	}
	return -1
}

func (s *Snapshot) treeAt(e entry) (*tree, error) {
	if e.name == "." && e.hash.IsZero() {
		return s.root, nil
	}
	return s.repo.tree(e.hash)
}

func pathError(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// BlobHash returns the git object hash of the file name, which changes
// exactly when its content does. Callers use it as a cache key.
func (s *Snapshot) BlobHash(name string) (string, bool) {
	if !fs.ValidPath(name) {
		return "", false
	}
	e, ok, err := s.lookup(name)
	if err != nil || !ok || e.dir {
		return "", false
	}
	return e.hash.String(), true
}

// ReadFile implements fs.ReadFileFS.
func (s *Snapshot) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, pathError("read", name, fs.ErrInvalid)
	}
	e, ok, err := s.lookup(name)
	switch {
	case err != nil:
		return nil, pathError("read", name, err)
	case !ok:
		return nil, pathError("read", name, fs.ErrNotExist)
	case e.dir:
		return nil, pathError("read", name, errIsDir)
	}
	b, err := s.repo.blob(e.hash)
	if err != nil {
		return nil, pathError("read", name, err)
	}
	return b, nil
}

var (
	errIsDir  = errors.New("is a directory")
	errNotDir = errors.New("not a directory")
)

// Stat implements fs.StatFS. Sizes are not known without reading the blob
// and are reported as zero.
func (s *Snapshot) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, pathError("stat", name, fs.ErrInvalid)
	}
	e, ok, err := s.lookup(name)
	if err != nil {
		return nil, pathError("stat", name, err)
	}
	if !ok {
		return nil, pathError("stat", name, fs.ErrNotExist)
	}
	return fileInfo{name: path.Base(name), e: e}, nil
}

// ReadDir implements fs.ReadDirFS; entries come sorted by name, as io/fs
// asks, which differs from git's order where a folder's name starts
// another entry's.
func (s *Snapshot) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, pathError("readdir", name, fs.ErrInvalid)
	}
	e, ok, err := s.lookup(name)
	if err == nil && ok && !e.dir {
		err = errNotDir
	}
	if err == nil && !ok {
		err = fs.ErrNotExist
	}
	var t *tree
	if err == nil {
		t, err = s.treeAt(e)
	}
	if err != nil {
		return nil, pathError("readdir", name, err)
	}
	out := make([]fs.DirEntry, len(t.entries))
	for i, c := range t.entries {
		out[i] = fileInfo{name: c.name, e: c}
	}
	slices.SortStableFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// Open implements fs.FS.
func (s *Snapshot) Open(name string) (fs.File, error) {
	info, err := s.Stat(name)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		entries, err := s.ReadDir(name)
		if err != nil {
			return nil, err
		}
		return &openDir{info: info, entries: entries}, nil
	}
	b, err := s.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return &openFile{info: info, Reader: bytes.NewReader(b)}, nil
}

// Walk calls fn for every file (not directory) below dir, in the byte
// order of the full paths,
// skipping directories for which skip returns true. It reads only memoised
// or not yet seen trees and never a blob, so it is the cheap way to list a
// large revision.
func (s *Snapshot) Walk(dir string, skip func(name string) bool, fn func(name string)) error {
	e, ok, err := s.lookup(dir)
	if err != nil {
		return err
	}
	if !ok || !e.dir {
		return pathError("walk", dir, fs.ErrNotExist)
	}
	t, err := s.treeAt(e)
	if err != nil {
		return err
	}
	prefix := ""
	if dir != "." {
		prefix = dir + "/"
	}
	return s.walk(t, prefix, skip, fn)
}

func (s *Snapshot) walk(t *tree, prefix string, skip func(string) bool, fn func(string)) error {
	for _, e := range t.entries {
		if !e.dir {
			fn(prefix + e.name)
			continue
		}
		if skip != nil && skip(e.name) {
			continue
		}
		sub, err := s.repo.tree(e.hash)
		if err != nil {
			return err
		}
		if err := s.walk(sub, prefix+e.name+"/", skip, fn); err != nil {
			return err
		}
	}
	return nil
}

type fileInfo struct {
	name string
	e    entry
}

func (fi fileInfo) Name() string { return fi.name }
func (fi fileInfo) Size() int64  { return 0 }
func (fi fileInfo) Mode() fs.FileMode {
	switch {
	case fi.e.dir:
		return fs.ModeDir | 0o755
	case fi.e.mode == filemode.Symlink:
		return fs.ModeSymlink | 0o777
	case fi.e.mode == filemode.Executable:
		return 0o755
	}
	return 0o644
}
func (fi fileInfo) ModTime() time.Time         { return time.Time{} }
func (fi fileInfo) IsDir() bool                { return fi.e.dir }
func (fi fileInfo) Sys() any                   { return nil }
func (fi fileInfo) Type() fs.FileMode          { return fi.Mode().Type() }
func (fi fileInfo) Info() (fs.FileInfo, error) { return fi, nil }

type openFile struct {
	info fs.FileInfo
	*bytes.Reader
}

func (f *openFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *openFile) Close() error               { return nil }

type openDir struct {
	info    fs.FileInfo
	entries []fs.DirEntry
	offset  int
}

func (d *openDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *openDir) Close() error               { return nil }
func (d *openDir) Read([]byte) (int, error) {
	return 0, pathError("read", d.info.Name(), errIsDir)
}

// ReadDir implements fs.ReadDirFile.
func (d *openDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.offset:]
	if n <= 0 {
		d.offset = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.offset += n
	return rest[:n], nil
}

// TreeHash returns the git object hash of the directory name, which changes
// exactly when something below it does.
func (s *Snapshot) TreeHash(name string) (string, bool) {
	if !fs.ValidPath(name) {
		return "", false
	}
	e, ok, err := s.lookup(name)
	if err != nil || !ok || !e.dir {
		return "", false
	}
	if name == "." {
		return s.rootH.String(), true
	}
	return e.hash.String(), true
}
