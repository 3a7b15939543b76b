package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/csocbot/csocbot/planner/terragrunt"
)

// applyDisabledGenerate does what Terragrunt does for a generate block with
// disable = true: it writes nothing, and a file already at its path (from
// the module or the unit folder) is removed when if_disabled is "remove",
// or "remove_terragrunt" and the file was generated.
func applyDisabledGenerate(dir string, g terragrunt.Generate) error {
	target, err := within(dir, g.Path)
	if err != nil {
		return err
	}
	existing, err := os.ReadFile(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case g.IfDisabled == "remove":
	case g.IfDisabled == "remove_terragrunt" && generatedByUs(existing):
	case g.IfDisabled == "remove_terragrunt":
		return fmt.Errorf("%s exists and was not generated, so if_disabled = \"remove_terragrunt\" does not remove it (Terragrunt fails here too): use \"remove\" to remove it anyway, or \"skip\" to keep it", g.Path)
	default: // skip
		return nil
	}
	return os.Remove(target)
}
