package tfrun

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/csocbot/csocbot/planner/tfconfig"
)

// NeedsProviders reports whether the configuration in the Runner's
// directory may need provider plugins installed (see needsProviders).
func (r *Runner) NeedsProviders() bool { return needsProviders(r.tf.WorkingDir()) }

// needsProviders reports whether the configuration in dir, or a local
// module it calls, may install a provider plugin. Only configurations that
// use nothing but the built-in terraform provider (terraform_data,
// terraform_remote_state) are known not to; anything unreadable counts as
// needing providers. Init skips the plugin cache lock for the others, so
// independent units initialise in parallel.
func needsProviders(dir string) bool {
	// Read from the file system root: local modules may live anywhere
	// above dir ("../../modules/vpc").
	abs, err := filepath.Abs(dir)
	if err != nil {
		return true
	}
	vol := filepath.VolumeName(abs)
	rel := filepath.ToSlash(strings.TrimLeft(abs[len(vol):], `/\`))
	if rel == "" {
		rel = "."
	}
	modules, err := tfconfig.ReadTree(os.DirFS(vol+string(filepath.Separator)), rel)
	if err != nil {
		return true
	}
	for _, in := range modules {
		m := in.Module
		if len(m.Providers) > 0 || len(m.RequiredProviders) > 0 {
			return true
		}
		for _, blocks := range [][]tfconfig.Block{m.Resources, m.DataSources, m.Ephemeral} {
			for _, b := range blocks {
				if name, _, _ := strings.Cut(b.Provider, "."); name != "terraform" {
					return true
				}
			}
		}
		for _, c := range m.ModuleCalls {
			if c.Dir == "" {
				return true // a remote module may need anything
			}
		}
	}
	return false
}
