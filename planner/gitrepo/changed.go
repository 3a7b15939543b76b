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
	i, j := 0, 0
	for i < len(a.entries) || j < len(b.entries) {
		switch {
		case j == len(b.entries) || (i < len(a.entries) && a.entries[i].name < b.entries[j].name):
			if err := r.addAll(a.entries[i], prefix, out); err != nil {
				return err
			}
			i++
		case i == len(a.entries) || b.entries[j].name < a.entries[i].name:
			if err := r.addAll(b.entries[j], prefix, out); err != nil {
				return err
			}
			j++
		default:
			ea, eb := a.entries[i], b.entries[j]
			i++
			j++
			if ea.hash == eb.hash && ea.dir == eb.dir {
				continue
			}
			if ea.dir && eb.dir {
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
			if err := r.addAll(ea, prefix, out); err != nil {
				return err
			}
			if err := r.addAll(eb, prefix, out); err != nil {
				return err
			}
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
