package terragrunt

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/internal/testtools"
)

// newerSyntaxCases use each NewerSyntax rule in the unit "u" (line 1 unless
// the rule is further down), with the files around it.
var newerSyntaxCases = []struct {
	name  string
	files map[string]string
	what  string
	line  int
}{
	{name: "feature block", files: map[string]string{"u/terragrunt.hcl": "feature \"f\" {\n  default = true\n}\n"}, what: `the "feature" block`, line: 1},
	{name: "exclude block", files: map[string]string{"u/terragrunt.hcl": "exclude {\n  if      = true\n  actions = [\"all\"]\n}\n"}, what: `the "exclude" block`, line: 1},
	{name: "errors block", files: map[string]string{"u/terragrunt.hcl": "errors {\n  retry \"net\" {\n    retryable_errors   = [\".*\"]\n    max_attempts       = 2\n    sleep_interval_sec = 1\n  }\n}\n"}, what: `the "errors" block`, line: 1},
	{name: "remote_state encryption", files: map[string]string{"u/terragrunt.hcl": "remote_state {\n  backend = \"local\"\n  config  = {}\n  encryption = { key_provider = \"pbkdf2\", passphrase = \"0123456789abcdef0123\" }\n}\n"}, what: "remote_state.encryption", line: 4},
	{name: "retry_sleep_interval_sec_max", files: map[string]string{"u/terragrunt.hcl": "retry_sleep_interval_sec_max = 30\n"}, what: "retry_sleep_interval_sec_max", line: 1},
	{name: "terraform version", files: map[string]string{"u/terragrunt.hcl": "terraform {\n  source  = \".\"\n  version = \"1.0\"\n}\n"}, what: "terraform.version", line: 3},
	{name: "mark_as_read", files: map[string]string{"u/terragrunt.hcl": "locals {\n  f = mark_as_read(\"f.txt\")\n}\n", "u/f.txt": "x"}, what: "mark_as_read()", line: 2},
	{name: "mark_glob_as_read", files: map[string]string{"u/terragrunt.hcl": "locals {\n  f = mark_glob_as_read(\"*.txt\")\n}\n", "u/f.txt": "x"}, what: "mark_glob_as_read()", line: 2},
	{name: "sensitive", files: map[string]string{"u/terragrunt.hcl": "locals {\n  s = sensitive(\"x\")\n}\n"}, what: "sensitive()", line: 2},
	{name: "dependency config_path", files: map[string]string{
		"d/terragrunt.hcl": "",
		"u/terragrunt.hcl": "dependency \"d\" {\n  config_path  = \"../d\"\n  mock_outputs = { a = 1 }\n}\ninputs = { p = dependency.d.config_path }\n",
	}, what: "dependency.<name>.config_path", line: 5},
}

// TestNewerSyntaxRejectedByTerragrunt063 checks every NewerSyntax rule both
// ways: csocbot reads the unit and records the use at its line, and the
// real Terragrunt 0.63.6 rejects the unit.
func TestNewerSyntaxRejectedByTerragrunt063(t *testing.T) {
	var tg string
	for _, tt := range newerSyntaxCases {
		t.Run(tt.name, func(t *testing.T) {
			repo := gittest.New(t, "")
			for name, content := range tt.files {
				repo.Write(name, content)
			}
			repo.CommitAll("unit")
			checkout, err := filepath.EvalSymlinks(repo.Dir)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := New(Options{Root: checkout, FS: os.DirFS(checkout), Command: "plan"})
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := ev.EvaluateUnit(context.Background(), "u")
			if err != nil {
				t.Fatalf("csocbot rejects the unit: %v", err)
			}
			if !slices.ContainsFunc(cfg.NewerSyntax, func(n NewerSyntax) bool {
				return strings.HasPrefix(n.What, tt.what) && n.File == "u/terragrunt.hcl" && n.Line == tt.line &&
					n.RejectedBy(version.Must(version.NewVersion(VerifiedRejectedBy)))
			}) {
				t.Errorf("NewerSyntax = %+v, want %q at u/terragrunt.hcl:%d", cfg.NewerSyntax, tt.what, tt.line)
			}

			if tg == "" {
				tg = testtools.Terragrunt(t)
			}
			run := &tgRun{bin: tg, env: map[string]string{"HOME": t.TempDir()}}
			if _, err := run.render(t, filepath.Join(checkout, "u")); err == nil {
				t.Errorf("terragrunt %s accepts the unit; drop the rule or raise VerifiedRejectedBy", VerifiedRejectedBy)
			}
		})
	}
}

func TestNewerSyntaxWarning(t *testing.T) {
	v := func(s string) *version.Version { return version.Must(version.NewVersion(s)) }
	known := NewerSyntax{What: `the "errors" block`, Since: "0.69.6", File: "live/u/terragrunt.hcl", Line: 3}
	unknown := NewerSyntax{What: "sensitive()", File: "root.hcl", Line: 7}
	tests := []struct {
		n        NewerSyntax
		site     string
		rejected bool
	}{
		{known, "0.63.6", true}, {known, "0.69.5", true}, {known, "0.69.6", false}, {known, "1.0.0", false},
		{unknown, "0.50.0", true}, {unknown, "0.63.6", true}, {unknown, "0.63.7", false},
	}
	for _, tt := range tests {
		if got := tt.n.RejectedBy(v(tt.site)); got != tt.rejected {
			t.Errorf("%s RejectedBy(%s) = %t, want %t", tt.n.What, tt.site, got, tt.rejected)
		}
	}
	want := `live/u/terragrunt.hcl:3: the "errors" block: your Terragrunt 0.63.6 will reject this (Terragrunt 0.69.6 accepts it)`
	if got := known.Warning(v("0.63.6")); got != want {
		t.Errorf("Warning =\n %s\nwant\n %s", got, want)
	}
}
