package detect

import (
	"sort"

	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/tfconfig"
)

// moduleCalls returns the directories of the local module calls
// (source = "./…" or "../…") in the Terraform files directly in dir,
// resolved relative to the repository root. Calls that leave the
// repository are dropped: nothing in the repository can change them. A
// file that does not parse contributes nothing here: terraform itself
// reports it when the unit is planned.
func moduleCalls(snap *gitrepo.Snapshot, dir string) []string {
	calls, _ := tfconfig.ReadModuleCalls(snap, dir)
	var out []string
	for _, c := range calls {
		if c.Dir != "" {
			out = append(out, c.Dir)
		}
	}
	sort.Strings(out)
	return out
}
