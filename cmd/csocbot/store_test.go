package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/pgtest"
	"github.com/csocbot/csocbot/store"
	"github.com/csocbot/csocbot/store/postgres"
)

// TestStoreCommandsOnPostgres runs the commands that read the server's
// store on a PostgreSQL store, as an operator would beside the replicas,
// and checks that a wrong URL is told without its password.
func TestStoreCommandsOnPostgres(t *testing.T) {
	url := pgtest.NewDatabase(t)
	st, err := postgres.Open(t.Context(), url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AppendAudit(t.Context(), store.AuditEntry{Actor: "alice", Action: "apply", Repo: "csoc/infra", PR: 12, Unit: "live/prod/eks", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.TryLock(t.Context(), store.Lock{Repo: "csoc/infra", Unit: "live/prod/eks", PR: 12, Holder: "alice"}); err != nil {
		t.Fatal(err)
	}
	config := func(url string) string {
		dir := t.TempDir()
		urlFile := filepath.Join(dir, "url")
		cfg := filepath.Join(dir, "config.yaml")
		yaml := "data_dir: " + dir + "\nstore: {driver: postgres, url_file: " + urlFile + "}\n" + `github:
  token_env: TEST_TOKEN
  webhook_secret_env: TEST_SECRET
repositories:
  - {name: csoc/infra, kind: infra}
`
		if err := os.WriteFile(urlFile, []byte(url), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	t.Setenv("TEST_TOKEN", "ghp_x")
	t.Setenv("TEST_SECRET", "s")
	cfg := config(url)

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"audit", "--config", cfg}, "live/prod/eks"},
		{[]string{"audit", "verify", "--config", cfg}, "1 entr"},
		{[]string{"locks", "list", "--config", cfg}, "live/prod/eks"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:2], " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != 0 || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %q", code, out, errOut, tt.want)
			}
		})
	}

	bad := config("postgres://csocbot:hunter2@127.0.0.1:1/csocbot?connect_timeout=2")
	code, out, errOut := runCLI(t, "locks", "list", "--config", bad)
	if code == 0 || !strings.Contains(errOut, "store.url_file") || strings.Contains(out+errOut, "hunter2") {
		t.Errorf("exit %d, stdout %q, stderr %q; want a failure naming store.url_file, without the password", code, out, errOut)
	}
}
