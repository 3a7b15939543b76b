package gitrepo

// RootHash identifies the snapshot's content: two snapshots with the same
// root hash hold the same files.
func (s *Snapshot) RootHash() string { return s.rootH.String() }

// ChangedFiles returns the files that differ between prev and s: added,
// deleted or modified, by path. It compares the memoised trees and skips
// every subtree whose hash is equal, so its cost follows the size of the
// difference, not of the repository. It does not detect renames; Diff does.
func (s *Snapshot) ChangedFiles(prev *Snapshot) (map[string]struct{}, error) {
	out := map[string]struct{}{}
	if prev.rootH == s.rootH {
		return out, nil
	}
	return out, s.repo.diffTrees(prev.root, s.root, "", out)
}

func (r *Repo) diffTrees(a, b *tree, prefix string, out map[string]struct{}) error {
	// Both lists are in git's order, where a file and a folder of the
	// same name are different entries: a file replaced by a folder is
	// the file's deletion and the addition of everything below.
	i, j := 0, 0
	for i < len(a.entries) || j < len(b.entries) {
		order := 0
		switch {
		case j == len(b.entries):
			order = -1
		case i == len(a.entries):
			order = 1
		default:
			ea, eb := a.entries[i], b.entries[j]
			order = gitCompare(ea.name, ea.dir, eb.name, eb.dir)
		}
		switch {
		case order < 0:
			if err := r.addAll(a.entries[i], prefix, out); err != nil {
				return err
			}
			i++
		case order > 0:
			if err := r.addAll(b.entries[j], prefix, out); err != nil {
				return err
			}
			j++
		default:
			ea, eb := a.entries[i], b.entries[j]
			i++
			j++
			if ea.hash == eb.hash {
				continue
			}
			if ea.dir {
				ta, err := r.tree(ea.hash)
				if err != nil {
					return err
				}
				tb, err := r.tree(eb.hash)
				if err != nil {
					return err
				}
				if err := r.diffTrees(ta, tb, prefix+ea.name+"/", out); err != nil {
					return err
				}
				continue
			}
			out[prefix+ea.name] = struct{}{}
		}
	}
	return nil
}

// addAll adds e, or every file below it when it is a directory.
func (r *Repo) addAll(e entry, prefix string, out map[string]struct{}) error {
	if !e.dir {
		out[prefix+e.name] = struct{}{}
		return nil
	}
	t, err := r.tree(e.hash)
	if err != nil {
		return err
	}
	for _, c := range t.entries {
		if err := r.addAll(c, prefix+e.name+"/", out); err != nil {
			return err
		}
	}
	return nil
}
