package detect

import (
	"slices"
	"testing"

	"github.com/hashicorp/go-version"
)

func TestDetectWarnsAboutSyntaxTheSiteRejects(t *testing.T) {
	r, base := sampleRepo(t)
	r.Append(prod+"vpc/terragrunt.hcl", "\nexclude {\n  if      = false\n  actions = [\"all\"]\n}\n")
	r.Append("root.hcl", "\nprevent_destroy = nonsensitive(sensitive(false))\n")
	head := r.CommitAll("newer syntax")
	tests := []struct {
		site string
		want []string
	}{
		{"", nil},
		{"0.63.6", []string{
			prod + `vpc/terragrunt.hcl:23: the "exclude" block: your Terragrunt 0.63.6 will reject this (Terragrunt 0.69.6 accepts it)`,
			"root.hcl:50: sensitive(): your Terragrunt 0.63.6 will reject this",
		}},
		{"0.70.0", nil},
	}
	for _, tt := range tests {
		t.Run("site "+tt.site, func(t *testing.T) {
			var opts Options
			if tt.site != "" {
				opts.TerragruntVersion = version.Must(version.NewVersion(tt.site))
			}
			res := detectOn(t, r, base, head, opts)
			i := slices.IndexFunc(res.Units, func(u Unit) bool { return u.Path == prod+"vpc" })
			if i < 0 {
				t.Fatalf("vpc not selected: %q; errors %v", paths(res.Units), res.Errors)
			}
			if got := res.Units[i].Warnings; !slices.Equal(got, tt.want) {
				t.Errorf("Warnings =\n %q\nwant\n %q", got, tt.want)
			}
		})
	}
}
