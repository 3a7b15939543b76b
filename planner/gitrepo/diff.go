package gitrepo

import (
	"context"
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/utils/merkletrie"
)

// ChangeKind says what happened to a file between two revisions.
type ChangeKind string

// The kinds of change. A rename is reported once, with the old name in From.
const (
	Added    ChangeKind = "added"
	Modified ChangeKind = "modified"
	Deleted  ChangeKind = "deleted"
	Renamed  ChangeKind = "renamed"
)

// Change is one changed file. Path is the name in the newer revision, or in
// the older one for a deletion; From is the older name of a renamed file.
type Change struct {
	Kind ChangeKind
	Path string
	From string
}

// Paths returns every name the change touches: both names of a rename.
func (c Change) Paths() []string {
	if c.Kind == Renamed {
		return []string{c.From, c.Path}
	}
	return []string{c.Path}
}

// Diff lists the files that differ between the commits base and head, with
// renames detected as git does by default, sorted by path.
func (r *Repo) Diff(ctx context.Context, base, head string) ([]Change, error) {
	bh, err := r.ResolveCommit(base)
	if err != nil {
		return nil, err
	}
	hh, err := r.ResolveCommit(head)
	if err != nil {
		return nil, err
	}
	// go-git's tree diff reads objects lazily through the store; it runs
	// under the store lock like every other read.
	r.storeMu.Lock()
	defer r.storeMu.Unlock()
	baseTree, err := r.commitTree(bh)
	if err != nil {
		return nil, fmt.Errorf("base %s: %w", base, err)
	}
	headTree, err := r.commitTree(hh)
	if err != nil {
		return nil, fmt.Errorf("head %s: %w", head, err)
	}
	changes, err := object.DiffTreeWithOptions(ctx, baseTree, headTree, object.DefaultDiffTreeOptions)
	if err != nil {
		return nil, fmt.Errorf("diff %s..%s: %w", base, head, err)
	}
	out := make([]Change, 0, len(changes))
	for _, c := range changes {
		action, err := c.Action()
		if err != nil {
			return nil, fmt.Errorf("diff %s..%s: %w", base, head, err)
		}
		switch {
		case action == merkletrie.Insert:
			out = append(out, Change{Kind: Added, Path: c.To.Name})
		case action == merkletrie.Delete:
			out = append(out, Change{Kind: Deleted, Path: c.From.Name})
		case c.From.Name != c.To.Name:
			out = append(out, Change{Kind: Renamed, Path: c.To.Name, From: c.From.Name})
		default:
			out = append(out, Change{Kind: Modified, Path: c.To.Name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// commitTree reads the root tree of a commit; the caller holds storeMu.
func (r *Repo) commitTree(h plumbing.Hash) (*object.Tree, error) {
	c, err := r.git.CommitObject(h)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, err)
	}
	t, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of commit %s: %w", h, err)
	}
	return t, nil
}

// MergeBase returns the best common ancestor of two commits: the point a
// pull request's changes start from, as GitHub's three-dot diff uses it.
func (r *Repo) MergeBase(a, b string) (string, error) {
	ah, err := r.ResolveCommit(a)
	if err != nil {
		return "", err
	}
	bh, err := r.ResolveCommit(b)
	if err != nil {
		return "", err
	}
	r.storeMu.Lock()
	defer r.storeMu.Unlock()
	ac, err := r.git.CommitObject(ah)
	if err != nil {
		return "", fmt.Errorf("read commit %s: %w", a, err)
	}
	bc, err := r.git.CommitObject(bh)
	if err != nil {
		return "", fmt.Errorf("read commit %s: %w", b, err)
	}
	bases, err := ac.MergeBase(bc)
	if err != nil {
		return "", fmt.Errorf("merge base of %s and %s: %w", a, b, err)
	}
	if len(bases) == 0 {
		return "", fmt.Errorf("%s and %s have no common history", a, b)
	}
	return bases[0].Hash.String(), nil
}
