package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
)

// TestCommandLine checks what every command says to mistakes, to -h and
// to nothing to report.
func TestCommandLine(t *testing.T) {
	terraformConfig(t)
	repo := gittest.New(t, "")
	repo.Write("README.md", "infra\n")
	base := repo.CommitAll("base")
	aFile := filepath.Join(repo.Dir, "README.md")
	notARepo := t.TempDir()
	library := filepath.Join("..", "..", "policy", "library")
	emptyPlan := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(emptyPlan, []byte(`{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	change := []string{"--repo", repo.Dir, "--base", base, "--head", base}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // "" means nothing
		stderr string // "" means nothing
	}{
		{"version", []string{"version"}, 0, "csocbot ", ""},
		{"--version", []string{"--version"}, 0, "csocbot ", ""},
		{"version with an argument", []string{"version", "now"}, 2, "", `unexpected argument "now"`},

		{"-h", []string{"-h"}, 0, "Commands:", ""},
		{"help", []string{"help"}, 0, "Commands:", ""},
		{"help for a command", []string{"help", "detect"}, 0, "Usage: csocbot detect", ""},
		{"help for two commands", []string{"help", "detect", "preview"}, 2, "", `unexpected argument "preview"`},
		{"help for an unknown command", []string{"help", "deploy"}, 2, "", `unknown command "deploy"`},
		{"detect -h", []string{"detect", "-h"}, 0, "Usage: csocbot detect", ""},
		{"detect --help", []string{"detect", "--help"}, 0, "Usage: csocbot detect", ""},
		{"preview -h", []string{"preview", "-h"}, 0, "Usage: csocbot preview", ""},
		{"serve -h", []string{"serve", "-h"}, 0, "Usage: csocbot serve", ""},
		{"version -h", []string{"version", "-h"}, 0, "Usage: csocbot version", ""},
		{"policy -h", []string{"policy", "-h"}, 0, "Usage: csocbot policy test", ""},
		{"policy --help", []string{"policy", "--help"}, 0, "Usage: csocbot policy test", ""},
		{"policy help", []string{"policy", "help"}, 0, "Usage: csocbot policy test", ""},
		{"policy test -h", []string{"policy", "test", "-h"}, 0, "Usage: csocbot policy test", ""},
		{"policy eval -h", []string{"policy", "eval", "-h"}, 0, "Usage: csocbot policy eval", ""},
		{"policy without a command", []string{"policy"}, 2, "", "Usage: csocbot policy test"},

		{"detect with an argument", append([]string{"detect", "extra"}, change...), 2, "", `unexpected argument "extra"`},
		{"preview with an argument", append([]string{"preview"}, append(change, "extra")...), 2, "", `unexpected argument "extra"`},
		{"serve with an argument", []string{"serve", "--config", "x.yaml", "extra"}, 2, "", `unexpected argument "extra"`},
		{"policy eval with an argument", []string{"policy", "eval", "--policies", library, "--plan", emptyPlan, "extra"}, 2, "", `unexpected argument "extra"`},
		{"policy test with two folders", []string{"policy", "test", library, library}, 2, "", `unexpected argument "` + library + `"`},
		{"policy -h with an argument", []string{"policy", "-h", "extra"}, 2, "", `unexpected argument "extra"`},

		{"detect on a file", []string{"detect", "--repo", aFile, "--base", base, "--head", base}, 1, "", "--repo " + aFile + " is a file, not a git repository; give the folder of a git repository"},
		{"detect on a folder that is no repository", []string{"detect", "--repo", notARepo, "--base", base, "--head", base}, 1, "", "--repo " + notARepo + " is not a git repository, nor inside one"},
		{"detect on nothing", []string{"detect", "--repo", filepath.Join(notARepo, "nope"), "--base", base, "--head", base}, 1, "", "no such folder"},
		{"preview on a file", []string{"preview", "--repo", aFile, "--base", base, "--head", base}, 1, "", "is a file, not a git repository"},
		{"negative parallelism", append([]string{"preview", "--parallelism", "-1"}, change...), 2, "", "--parallelism must be 0 (the number of CPUs) or more, not -1"},

		{"policy eval of a unit without its repository", []string{"policy", "eval", "--policies", library, "--unit", "live/prod/vpc"}, 2, "", "--unit without --plan needs --repo"},
		{"policy test on a missing folder", []string{"policy", "test", filepath.Join(notARepo, "rules")}, 1, "", "the policy folder " + filepath.Join(notARepo, "rules") + " does not exist"},
		{"policy test on a file", []string{"policy", "test", aFile}, 1, "", aFile + " is a file, not a policy folder"},

		{"detect --json with nothing affected", append([]string{"detect", "--json"}, change...), 0, `"units": [],`, ""},
		{"preview --json with nothing affected", append([]string{"preview", "--json", "--cache", t.TempDir()}, change...), 0, `"units": []`, ""},
		{"policy eval --json with no results", []string{"policy", "eval", "--policies", library, "--plan", emptyPlan, "--json"}, 0, "[]\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			for _, s := range []struct{ name, got, want string }{{"stdout", out, tt.stdout}, {"stderr", errOut, tt.stderr}} {
				if s.want == "" && s.got != "" || !strings.Contains(s.got, s.want) {
					t.Errorf("%s %q, want %q", s.name, s.got, s.want)
				}
			}
			if strings.Contains(out, "null") {
				t.Errorf("stdout has null:\n%s", out)
			}
		})
	}
}

func TestBuildVersion(t *testing.T) {
	vcs := func(settings ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(settings); i += 2 {
			s = append(s, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return s
	}
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build information", nil, "devel"},
		{"a module version", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{"a commit", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("vcs.revision", "0123456789abcdef0123", "vcs.modified", "false")}, "devel (commit 0123456789ab)"},
		{"a modified commit", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("vcs.revision", "0123456789abcdef0123", "vcs.modified", "true")}, "devel (commit 0123456789ab, modified)"},
		{"nothing known", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := buildVersion(tt.info); got != tt.want {
				t.Errorf("buildVersion = %q, want %q", got, tt.want)
			}
		})
	}
}
