package engine

import (
	"os"
	"path/filepath"

	"github.com/csocbot/csocbot/planner/terragrunt"
)

// hasConfigFile reports whether the folder dir on disk holds a Terragrunt
// configuration file, in HCL or HCL-JSON.
func hasConfigFile(dir string) bool {
	for _, name := range []string{terragrunt.ConfigFileName, terragrunt.JSONConfigFileName} {
		if info, err := os.Stat(filepath.Join(dir, name)); err == nil && !info.IsDir() {
			return true
		}
	}
	return false
}
