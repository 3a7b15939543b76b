package detect

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/gitrepo"
)

// A unit that finds a folder by name (find_in_parent_folders("modules"))
// finds another one when a nearer folder of that name appears or goes.
func TestDetectFolderAppearsWhereAUnitLooksForOne(t *testing.T) {
	unit := "live/prod/vpc"
	tests := []struct {
		name       string
		change     func(r *gittest.Repo)
		wantReason string // empty: the unit is not selected
	}{
		{"nearer folder appears", func(r *gittest.Repo) { r.Write("live/modules/vpc/main.tf", "# nearer\n") }, "looks for live/modules (added)"},
		{"file added where the folder already was", func(r *gittest.Repo) { r.Write("modules/vpc/extra.md", "# docs\n") }, ""},
		{"unrelated folder appears", func(r *gittest.Repo) { r.Write("docs/modules/x.md", "# docs\n") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gittest.New(t, "")
			r.Write(unit+"/terragrunt.hcl", "inputs = {\n  modules = find_in_parent_folders(\"modules\")\n}\n")
			r.Write("modules/vpc/main.tf", "# vpc\n")
			base := r.CommitAll("base")
			tt.change(r)
			head := r.CommitAll(tt.name)

			repo, err := gitrepo.Open(r.Dir)
			if err != nil {
				t.Fatal(err)
			}
			defer repo.Close()
			d := New(repo, Options{Root: r.Dir})
			ctx := context.Background()
			// The first call inventories base; the second derives head
			// from it, as a server's detector does for the next push.
			if _, err := d.Detect(ctx, base, base); err != nil {
				t.Fatal(err)
			}
			res, err := d.Detect(ctx, base, head)
			if err != nil {
				t.Fatal(err)
			}
			var reasons []string
			for _, u := range res.Units {
				if u.Path != unit {
					continue
				}
				reasons = u.Reasons
				// The derived evaluation sees the new folder too.
				if got := u.Config.Inputs.GetAttr("modules").AsString(); !strings.HasSuffix(got, "/live/modules") {
					t.Errorf("inputs.modules = %q, want the nearer folder", got)
				}
			}
			if tt.wantReason == "" {
				if reasons != nil {
					t.Errorf("%s selected: %q", unit, reasons)
				}
				return
			}
			if !slices.Contains(reasons, tt.wantReason) {
				t.Errorf("reasons = %q, want %q", reasons, tt.wantReason)
			}
			for _, u := range res.Unmatched {
				if strings.HasPrefix(u, "live/modules/") {
					t.Errorf("%s reported as unmatched", u)
				}
			}
		})
	}
}
