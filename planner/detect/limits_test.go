package detect

import (
	"slices"
	"strings"
	"testing"
)

// TestDetectHostileUnitFailsAlone checks that a unit written to exhaust
// the server (too deep to parse, too large a value, a module file too deep
// to parse) is reported with a clear error while a sibling unit's change is
// still detected, and that detection returns at all.
func TestDetectHostileUnitFailsAlone(t *testing.T) {
	const hatchery = prod + "irsa-hatchery/terragrunt.hcl"
	tests := []struct {
		name    string
		file    string
		content string
		want    []string // in the unit's error; none when it still evaluates
	}{
		{"nested parentheses", hatchery, "locals {\n  a = " + strings.Repeat("(", 100_000) + "1" + strings.Repeat(")", 100_000) + "\n}\n",
			[]string{hatchery + ":2:", "Nesting too deep"}},
		{"a huge string", hatchery, "locals {\n  s = join(\"\", [for i in range(1000): \"xx\"])\n  a = replace(local.s, \"x\", local.s)\n}\n",
			[]string{hatchery + ":3:", "Evaluation limit exceeded", "replace: it would build a string of"}},
		{"a deep module file", "modules/irsa-role/deep.tf", "module \"m\" { source = " + strings.Repeat("[", 100_000) + " }\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, base := sampleRepo(t)
			r.Write(tt.file, tt.content)
			r.Replace(staging+"vpc/terragrunt.hcl", "10.", "10.1")
			head := r.CommitAll("hostile change")
			res := detectOn(t, r, base, head, Options{})
			got := paths(res.Units)
			if !slices.Contains(got, staging+"vpc") || !slices.Contains(got, staging+"rds") {
				t.Errorf("units %v, want the staging units of the sibling change", got)
			}
			var errs []string
			for _, e := range res.Errors {
				errs = append(errs, e.Path+": "+e.Error)
			}
			if tt.want == nil {
				if len(errs) > 0 {
					t.Errorf("errors %q, want none", errs)
				}
				return
			}
			if len(res.Errors) != 1 || res.Errors[0].Path != prod+"irsa-hatchery" {
				t.Fatalf("errors %q, want one for %sirsa-hatchery", errs, prod)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Errors[0].Error, w) {
					t.Errorf("error %q does not contain %q", res.Errors[0].Error, w)
				}
			}
		})
	}
}
