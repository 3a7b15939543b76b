package main

import (
	"encoding/json"
	"os/user"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/store"
)

func TestLocks(t *testing.T) {
	cfg, st, _ := serverStore(t)
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"-h", []string{"locks", "-h"}, 0, "Usage: csocbot locks list --config FILE [--repo R] [--json]", ""},
		{"help", []string{"help", "locks"}, 0, "csocbot locks release --config FILE --repo R --unit U [--workspace W]", ""},
		{"list -h", []string{"locks", "list", "-h"}, 0, "works beside a running server", ""},
		{"release -h", []string{"locks", "release", "-h"}, 0, "Usage: csocbot locks release", ""},
		{"no command", []string{"locks"}, 2, "", "Usage: csocbot locks list"},
		{"unknown command", []string{"locks", "steal"}, 2, "", `unknown locks command "steal"`},
		{"-h with an argument", []string{"locks", "-h", "extra"}, 2, "", `unexpected argument "extra"`},
		{"list without config", []string{"locks", "list"}, 2, "", "--config is required"},
		{"list with an argument", []string{"locks", "list", "--config", cfg, "extra"}, 2, "", `unexpected argument "extra"`},
		{"release without a unit", []string{"locks", "release", "--config", cfg, "--repo", "csoc/infra"}, 2, "", "--repo and --unit are required"},
		{"release with an unknown flag", []string{"locks", "release", "--config", cfg, "--pr", "1"}, 2, "", "flag provided but not defined: -pr"},
		{"no locks", []string{"locks", "list", "--config", cfg}, 0, "no locks held\n", ""},
		{"no locks as JSON", []string{"locks", "list", "--config", cfg, "--json"}, 0, "[]\n", ""},
		{"release a lock nobody holds", []string{"locks", "release", "--config", cfg, "--repo", "csoc/infra", "--unit", "live/prod/vpc"}, 1, "",
			"csocbot locks: nobody holds the lock of live/prod/vpc in csoc/infra; `csocbot locks list --config " + cfg + "` lists the locks held"},
	} {
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
		})
	}

	for _, l := range []store.Lock{
		{Repo: "csoc/infra", Unit: "live/prod/vpc", PR: 7, HeadSHA: "abcdef0123456789", Holder: "alice"},
		{Repo: "csoc/infra", Unit: "live/prod/eks", Workspace: "blue", PR: 8, HeadSHA: "def", Holder: "bob"},
		{Repo: "csoc/other", Unit: "live/dev/vpc", PR: 1, HeadSHA: "123", Holder: "carol"},
	} {
		if _, ok, err := st.TryLock(t.Context(), l); err != nil || !ok {
			t.Fatal(ok, err)
		}
	}
	code, out, errOut := runCLI(t, "locks", "list", "--config", cfg)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || errOut != "" || len(lines) != 5 || !strings.HasPrefix(lines[0], "REPOSITORY  UNIT") || lines[4] != "3 locks" ||
		!strings.Contains(lines[1], "live/prod/eks  blue") || !strings.Contains(lines[2], "#7") || !strings.Contains(lines[2], "abcdef0 ") {
		t.Errorf("exit %d, stderr %q, table:\n%s", code, errOut, out)
	}
	code, out, _ = runCLI(t, "locks", "list", "--config", cfg, "--repo", "csoc/other", "--json")
	var locks []store.Lock
	if err := json.Unmarshal([]byte(out), &locks); code != 0 || err != nil || len(locks) != 1 || locks[0].Holder != "carol" || locks[0].Acquired.IsZero() {
		t.Errorf("exit %d, %v: %s", code, err, out)
	}

	code, out, errOut = runCLI(t, "locks", "release", "--config", cfg, "--repo", "csoc/infra", "--unit", "live/prod/eks", "--workspace", "blue")
	if code != 0 || errOut != "" || out != "released the lock of live/prod/eks (workspace blue) in csoc/infra, held by #8 (bob)\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if left, err := st.Locks(t.Context(), "csoc/infra"); err != nil || len(left) != 1 || left[0].Unit != "live/prod/vpc" {
		t.Errorf("locks left %v, %v", left, err)
	}
	entries, err := st.Audit(t.Context(), store.AuditFilter{})
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit entries %+v, %v; want one for the release", entries, err)
	}
	actor := "operator"
	if u, err := user.Current(); err == nil && u.Username != "" {
		actor = u.Username
	}
	got := entries[0]
	if got.Actor != actor || got.Action != "unlock" || got.Repo != "csoc/infra" || got.PR != 8 || got.Unit != "live/prod/eks" || got.HeadSHA != "def" || got.Outcome != "ok" ||
		got.Detail != "released with csocbot locks release (workspace blue); held by #8 (bob)" {
		t.Errorf("audit entry %+v", got)
	}
	code, _, errOut = runCLI(t, "locks", "release", "--config", cfg, "--repo", "csoc/infra", "--unit", "live/prod/eks", "--workspace", "blue")
	if code != 1 || !strings.Contains(errOut, "nobody holds the lock of live/prod/eks (workspace blue) in csoc/infra") {
		t.Errorf("a second release: exit %d, stderr %q", code, errOut)
	}
}
