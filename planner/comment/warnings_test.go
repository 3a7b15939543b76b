package comment

import "testing"

func TestRenderWarnings(t *testing.T) {
	tests := []struct {
		name     string
		warnings []string
		want     string
	}{
		{"none", nil, "✅ `a`: no changes.\n"},
		{"newer syntax", []string{`live/a/terragrunt.hcl:3: the "errors" block: your Terragrunt 0.63.6 will reject this (Terragrunt 0.69.6 accepts it)`},
			"✅ `a`: no changes.\n\n⚠️ live/a/terragrunt.hcl:3: the \"errors\" block: your Terragrunt 0.63.6 will reject this (Terragrunt 0.69.6 accepts it)\n"},
		// Warnings name the pull request's files: no Markdown or HTML of
		// theirs may take effect.
		{"escaped", []string{"<b>x</b>_*`:1: sensitive()"}, "✅ `a`: no changes.\n\n⚠️ \\<b\\>x\\</b\\>\\_\\*\\`:1: sensitive()\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unitSections(t, Render(Report{Title: "t", Units: []UnitReport{{Path: "a", Status: NoChanges, Warnings: tt.warnings}}}))
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
