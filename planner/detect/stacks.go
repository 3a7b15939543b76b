package detect

import (
	"fmt"
	"path"

	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/terragrunt"
)

// stackFileName is the file of a Terragrunt stack. Stacks came after
// Terragrunt 0.63.6, whose behaviour csocbot matches; 0.63.6 ignores the
// file.
const stackFileName = "terragrunt.stack.hcl"

// stackFileErrors reports every changed stack file as an error, and marks
// it matched. The units a stack generates are neither in the repository
// nor known to Terragrunt 0.63.6, so nothing would plan them: the change
// must not pass as one that affects nothing.
func stackFileErrors(changes []gitrepo.Change, matched map[string]bool) []UnitError {
	var out []UnitError
	for _, c := range changes {
		for _, p := range c.Paths() {
			if path.Base(p) != stackFileName {
				continue
			}
			matched[c.Path] = true
			out = append(out, UnitError{Path: p, Error: fmt.Sprintf(
				"%s %s: Terragrunt stacks (%s) are not supported. csocbot reads configuration as Terragrunt 0.63.6 does, which has no stacks, "+
					"so the units this stack would generate are neither detected nor planned. Write them as %s units in the repository "+
					"(outside hidden folders such as .terragrunt-stack), or plan this change by hand.",
				p, changeWord(c, p), stackFileName, terragrunt.ConfigFileName)})
		}
	}
	return out
}
