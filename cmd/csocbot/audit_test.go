package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, to tamper with the store's file

	"github.com/csocbot/csocbot/store"
	"github.com/csocbot/csocbot/store/sqlite"
)

// serverStore writes a server configuration and creates its store,
// returned open with the configuration's path and the store's.
func serverStore(t *testing.T) (cfg string, st *sqlite.Store, db string) {
	t.Helper()
	dir := t.TempDir()
	db = filepath.Join(dir, "csocbot.db")
	cfg = filepath.Join(dir, "config.yaml")
	yaml := "data_dir: " + dir + "\nstore: {path: " + db + "}\n" + `github:
  token_env: TEST_TOKEN
  webhook_secret_env: TEST_SECRET
repositories:
  - {name: csoc/infra, kind: infra}
`
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_TOKEN", "ghp_x")
	t.Setenv("TEST_SECRET", "s")
	st, err := sqlite.Open(t.Context(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return cfg, st, db
}

// tamper runs SQL on the store's file once its append-only triggers are
// dropped, as someone with write access to it could.
func tamper(t *testing.T, db string, stmts ...string) {
	t.Helper()
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, stmt := range append([]string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}, stmts...) {
		if _, err := raw.ExecContext(t.Context(), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

const (
	planSHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	roleARN = "arn:aws:iam::123456789012:role/csocbot-apply"
)

func TestAudit(t *testing.T) {
	cfg, st, _ := serverStore(t)
	missing := filepath.Join(t.TempDir(), "config.yaml")
	noStore := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(noStore, []byte("data_dir: "+filepath.Dir(noStore)+"\ngithub: {token_env: TEST_TOKEN, webhook_secret_env: TEST_SECRET}\nrepositories: [{name: csoc/infra, kind: infra}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"-h", []string{"audit", "-h"}, 0, "Usage: csocbot audit --config FILE", ""},
		{"help", []string{"help", "audit"}, 0, "works beside a running server", ""},
		{"verify -h", []string{"audit", "verify", "-h"}, 0, "Usage: csocbot audit verify --config FILE [--head SEQ:HASH]", ""},
		{"no config", []string{"audit"}, 2, "", "--config is required"},
		{"verify without config", []string{"audit", "verify"}, 2, "", "--config is required"},
		{"unknown flag", []string{"audit", "--config", cfg, "--actor", "alice"}, 2, "", "flag provided but not defined: -actor"},
		{"an argument", []string{"audit", "--config", cfg, "extra"}, 2, "", `unexpected argument "extra"`},
		{"verify with an argument", []string{"audit", "verify", "--config", cfg, "extra"}, 2, "", `unexpected argument "extra"`},
		{"bad --since", []string{"audit", "--config", cfg, "--since", "last week"}, 2, "", `--since: expected a time like 2026-12-01T00:00:00Z or a duration like 24h; got "last week"`},
		{"negative --pr", []string{"audit", "--config", cfg, "--pr", "-3"}, 2, "", "--pr is a pull request number, not -3"},
		{"bad --head", []string{"audit", "verify", "--config", cfg, "--head", "abc"}, 2, "", `--head: expected SEQ:HASH`},
		{"missing config", []string{"audit", "--config", missing}, 1, "", missing + " is not valid:\nread configuration:"},
		{"no store", []string{"audit", "--config", noStore}, 1, "", "csocbot audit: there is no store at " + filepath.Join(filepath.Dir(noStore), "csocbot.db") + " (store.path of " + noStore + ")"},
		{"an empty log", []string{"audit", "--config", cfg}, 0, "no audit entries match\n", ""},
		{"an empty log as JSON", []string{"audit", "--config", cfg, "--json"}, 0, "[]\n", ""},
		{"verify an empty log", []string{"audit", "verify", "--config", cfg}, 0, "audit log verified: 0 entries (it is empty)\n", ""},
	}
	for _, tt := range empty {
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
	if _, err := os.Stat(filepath.Join(filepath.Dir(noStore), "csocbot.db")); err == nil {
		t.Error("the command created a store where there was none")
	}

	for _, e := range []store.AuditEntry{
		{Actor: "alice", Action: "plan", Repo: "csoc/infra", PR: 12, HeadSHA: "0123456789abcdef", Unit: "live/prod/vpc", PlanSHA256: planSHA, Outcome: "ok"},
		{Actor: "bob", Action: "apply_finished", Repo: "csoc/infra", PR: 12, HeadSHA: "0123456789abcdef", Unit: "live/prod/vpc", PlanSHA256: planSHA, RoleARN: roleARN, Outcome: "failed", Detail: "Error: access denied\n\tline two"},
		{Actor: "carol", Action: "plan", Repo: "csoc/other", PR: 3, Unit: "live/dev/eks", Outcome: "ok"},
	} {
		if _, err := st.AppendAudit(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := runCLI(t, "audit", "--config", cfg)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "SEQ  TIME (UTC)  ") || lines[4] != "3 entries" {
		t.Fatalf("table:\n%s", out)
	}
	for _, want := range []string{"csoc/infra#12", "0123456", "9f86d081884c", "123456789012:role/csocbot-apply", "failed", "Error: access denied line two", "live/dev/eks"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"0123456789", planSHA[:13], "arn:aws:iam::"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("the table shows %q in full:\n%s", unwanted, out)
		}
	}

	for _, tc := range []struct {
		args []string
		want []int64
	}{
		{nil, []int64{1, 2, 3}},
		{[]string{"--repo", "csoc/infra"}, []int64{1, 2}},
		{[]string{"--repo", "csoc/infra", "--pr", "12", "--unit", "live/prod/vpc"}, []int64{1, 2}},
		{[]string{"--pr", "3"}, []int64{3}},
		{[]string{"--unit", "live/nowhere"}, []int64{}},
		{[]string{"--since", "1h"}, []int64{1, 2, 3}},
		{[]string{"--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, []int64{}},
	} {
		code, out, errOut := runCLI(t, append([]string{"audit", "--config", cfg, "--json"}, tc.args...)...)
		var got []store.AuditEntry
		if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
			t.Fatalf("%v: exit %d, %v: %s%s", tc.args, code, err, out, errOut)
		}
		seqs := []int64{}
		for _, e := range got {
			seqs = append(seqs, e.Seq)
		}
		if got == nil || len(seqs) != len(tc.want) || len(seqs) > 0 && seqs[0] != tc.want[0] {
			t.Errorf("%v: entries %v, want %v", tc.args, seqs, tc.want)
		}
	}
	code, out, _ = runCLI(t, "audit", "--config", cfg, "--json", "--pr", "12")
	if code != 0 || !strings.Contains(out, `"plan_sha256": "`+planSHA+`"`) || !strings.Contains(out, `"role_arn": "`+roleARN+`"`) {
		t.Errorf("JSON with the plan and role in full: exit %d\n%s", code, out)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"24h":                       now.Add(-24 * time.Hour),
		"90m":                       now.Add(-90 * time.Minute),
		"2026-12-01T00:00:00Z":      time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		"2026-12-01T02:00:00+02:00": time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got, err := parseSince(in, now); err != nil || !got.Equal(want) {
			t.Errorf("%s: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"-24h", "0s", "yesterday", "2026-12-01"} {
		if _, err := parseSince(in, now); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
}

func TestAuditVerify(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper []string
		head   func(entries []store.AuditEntry) string // --head, "" for none
		code   int
		stdout string
		stderr string
	}{
		{name: "a clean log", code: 0, stdout: "audit log verified: 4 entries, head 4 "},
		{name: "a clean log and its last head", head: func(e []store.AuditEntry) string { return "4:" + e[3].Hash }, code: 0,
			stdout: "entry 4 is the one the server logged as its head"},
		{name: "a clean log and an earlier head", head: func(e []store.AuditEntry) string { return "2:" + e[1].Hash }, code: 0,
			stdout: "audit log verified: 4 entries"},
		{name: "an entry edited", tamper: []string{`UPDATE audit_log SET outcome = 'ok' WHERE seq = 2`}, code: 1,
			stderr: "csocbot audit verify: the audit log is broken at entry 2: its contents hash to"},
		{name: "an entry deleted", tamper: []string{`DELETE FROM audit_log WHERE seq = 3`}, code: 1,
			stderr: "csocbot audit verify: the audit log is broken at entry 3: it is missing (the entry after 2 is 4): it was deleted"},
		{name: "the last entries deleted", tamper: []string{`DELETE FROM audit_log WHERE seq >= 3`}, head: func(e []store.AuditEntry) string { return "4:" + e[3].Hash }, code: 1,
			stderr: "csocbot audit verify: the audit log ends at entry 2, but the server logged entry 4 as its head earlier: the entries after 2 were deleted"},
		{name: "a head that is not in the log", head: func(e []store.AuditEntry) string { return "3:" + e[2].Hash[:10] }, code: 1,
			stderr: "csocbot audit verify: entry 3 has the hash "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, st, db := serverStore(t)
			var entries []store.AuditEntry
			for i := range 4 {
				e, err := st.AppendAudit(t.Context(), store.AuditEntry{Actor: "alice", Action: "plan", Repo: "csoc/infra", PR: i + 1, Outcome: "failed"})
				if err != nil {
					t.Fatal(err)
				}
				entries = append(entries, e)
			}
			if tc.tamper != nil {
				tamper(t, db, tc.tamper...)
			}
			args := []string{"audit", "verify", "--config", cfg}
			if tc.head != nil {
				args = append(args, "--head", tc.head(entries))
			}
			code, out, errOut := runCLI(t, args...)
			if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(errOut, tc.stderr) || tc.stderr == "" && errOut != "" {
				t.Errorf("exit %d (want %d)\nstdout %q (want %q)\nstderr %q (want %q)", code, tc.code, out, tc.stdout, errOut, tc.stderr)
			}
			if tc.code == 0 && !strings.Contains(out, entries[3].Hash) {
				t.Errorf("stdout %q lacks the head's hash", out)
			}
		})
	}
}
