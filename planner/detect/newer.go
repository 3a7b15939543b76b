package detect

import (
	"github.com/hashicorp/go-version"

	"github.com/csocbot/csocbot/planner/terragrunt"
)

// newerSyntaxWarnings are the warnings of a unit whose files use syntax
// the site's Terragrunt release rejects (nil without a release).
func newerSyntaxWarnings(cfg *terragrunt.Config, site *version.Version) []string {
	if cfg == nil || site == nil {
		return nil
	}
	var out []string
	for _, n := range cfg.NewerSyntax {
		if n.RejectedBy(site) {
			out = append(out, n.Warning(site))
		}
	}
	return out
}
