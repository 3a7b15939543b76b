package detect

import (
	"io/fs"
	"path"

	"github.com/csocbot/csocbot/planner/gitrepo"
)

// appearedFolders returns the folders above the changed files that exist
// in only one of the two revisions, each as a change of kind Added or
// Deleted. An evaluation that looked for a folder (find_in_parent_folders
// of a folder's name) finds another one when such a folder comes or goes,
// while no file it looked for changed.
func appearedFolders(prev, next *gitrepo.Snapshot, changedFiles []string) map[string]gitrepo.Change {
	out := map[string]gitrepo.Change{}
	seen := map[string]bool{}
	for _, p := range changedFiles {
		for dir := path.Dir(p); dir != "." && !seen[dir]; dir = path.Dir(dir) {
			seen[dir] = true
			before, after := isFolder(prev, dir), isFolder(next, dir)
			if before == after {
				break // and so do the folders above it
			}
			kind := gitrepo.Added
			if before {
				kind = gitrepo.Deleted
			}
			out[dir] = gitrepo.Change{Kind: kind, Path: dir}
		}
	}
	return out
}

func isFolder(snap *gitrepo.Snapshot, name string) bool {
	info, err := snap.Stat(name)
	return err == nil && info.Mode().Type() == fs.ModeDir
}
