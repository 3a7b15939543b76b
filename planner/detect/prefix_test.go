package detect

import (
	"slices"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
)

// Gen3 layouts are full of folders whose name starts a sibling's (prod and
// prod-eu, irsa and irsa-fence). Git orders such trees differently from
// plain byte order; detection must still see every unit and module.
func TestDetectPrefixNamedFolders(t *testing.T) {
	unit := func(source, extra string) string {
		return "terraform {\n  source = \"" + source + "\"\n}\n" + extra
	}
	layout := map[string]string{
		"live/prod/vpc/terragrunt.hcl":        unit("../../../modules/vpc", ""),
		"live/prod-eu/vpc/terragrunt.hcl":     unit("../../../modules/vpc-eu", ""),
		"live/prod.old/vpc/terragrunt.hcl":    unit("../../../modules/vpc", ""),
		"live/prod/irsa/terragrunt.hcl":       unit("../../../modules/irsa", ""),
		"live/prod/irsa-fence/terragrunt.hcl": unit("../../../modules/irsa-fence", "dependency \"irsa\" {\n  config_path = \"../irsa\"\n}\n"),
		"live/prod/irsa0/terragrunt.hcl":      unit("../../../modules/irsa", ""),
		"modules/vpc/main.tf":                 "# vpc\n",
		"modules/vpc-eu/main.tf":              "# vpc in the EU\n",
		"modules/irsa/main.tf":                "# irsa\n",
		"modules/irsa-fence/main.tf":          "# irsa for fence\n",
	}
	tests := []struct {
		change string
		want   []string
	}{
		{"modules/vpc/main.tf", []string{"live/prod.old/vpc", "live/prod/vpc"}},
		{"modules/vpc-eu/main.tf", []string{"live/prod-eu/vpc"}},
		{"live/prod-eu/vpc/terragrunt.hcl", []string{"live/prod-eu/vpc"}},
		{"live/prod.old/vpc/terragrunt.hcl", []string{"live/prod.old/vpc"}},
		{"modules/irsa-fence/main.tf", []string{"live/prod/irsa-fence"}},
		{"modules/irsa/main.tf", []string{"live/prod/irsa", "live/prod/irsa-fence", "live/prod/irsa0"}},
		{"live/prod/irsa/terragrunt.hcl", []string{"live/prod/irsa", "live/prod/irsa-fence"}},
	}
	for _, tt := range tests {
		t.Run(tt.change, func(t *testing.T) {
			r := gittest.New(t, "")
			for name, content := range layout {
				r.Write(name, content)
			}
			base := r.CommitAll("layout")
			r.Append(tt.change, "# changed\n")
			head := r.CommitAll("change")
			res := detectOn(t, r, base, head, Options{})
			if len(res.Errors) > 0 {
				t.Fatalf("errors: %+v", res.Errors)
			}
			got := slices.Sorted(slices.Values(paths(res.Units)))
			if !slices.Equal(got, tt.want) {
				t.Errorf("units = %q, want %q (reasons: %+v)", got, tt.want, res.Units)
			}
		})
	}
}
