package server

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/internal/testtools"
	"github.com/csocbot/csocbot/planner/tfrun"
	"github.com/csocbot/csocbot/policy"
)

// exfiltrationRoot is a pull request's plain Terraform root that uses
// nothing but Terraform's built-in functions to read the bot's secrets
// into the plan comment: the bot's environment, a secret file the
// configuration names, and the store.
const exfiltrationRoot = `
output "bot_environment" {
  # The parent of terraform is the bot: its pid is the 4th field of stat.
  value = try(file("/proc/${split(" ", file("/proc/self/stat"))[3]}/environ"), "refused")
}

output "webhook_secret" {
  value = try(file("SECRET_FILE"), "refused")
}

output "store" {
  value = try(filebase64("STORE_FILE"), "refused")
}
`

func TestEndToEndSandboxKeepsSecretsFromPullRequests(t *testing.T) {
	confiner := testtools.Sandbox(t)
	// The bundled policies pass this root: it has no provisioner, no
	// external data source, no provider; only the sandbox stops it.
	library := []policy.Set{{Name: "gen3", Dir: filepath.Join("..", "policy", "library"), Owners: []string{"alice"}, Approvals: 1}}
	for _, tc := range []struct {
		name     string
		sandbox  tfrun.Sandbox
		policies []policy.Set
		leaks    bool
	}{
		{"sandboxed", confiner, nil, false},
		{"sandboxed, bundled policies on", confiner, library, false},
		// The control: the same pull request without the sandbox reads
		// everything, so this test proves the sandbox, not the attack.
		{"unconfined", nil, nil, true},
		{"unconfined, bundled policies on", nil, library, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			secretFile := filepath.Join(t.TempDir(), "webhook-secret")
			if err := os.WriteFile(secretFile, []byte("whsec-0123456789"), 0o600); err != nil {
				t.Fatal(err)
			}
			state := t.TempDir() // the operator's local-backend state folder
			var storeFile string
			e := newE2EWith(t, e2eOptions{
				config:   "terragrunt:\n  env:\n    CSOCBOT_STATE_DIR: " + state + "\n",
				sandbox:  tc.sandbox,
				policies: tc.policies,
				writable: []string{state},
				prChange: func(src *gittest.Repo) {
					// The store's path is known only once the harness
					// opens it; the root reads it through a file the
					// test fills in below, before the commit.
					src.Write("terraform/exfil/main.tf", exfiltrationRoot)
				},
			})
			storeFile = e.dbPath
			e.src.Git("checkout", "-q", "widen-vpc")
			e.src.Replace("terraform/exfil/main.tf", "SECRET_FILE", secretFile)
			e.src.Replace("terraform/exfil/main.tf", "STORE_FILE", storeFile)
			e.headSHA = e.src.CommitAll("Point the exfiltration at this run's files")
			e.src.Git("checkout", "-q", "main")
			e.src.Git("update-ref", "refs/pull/2/head", e.headSHA)
			e.gh.EditPullRequest(e.repo, e.pr, func(pr map[string]any) { obj(pr, "head")["sha"] = e.headSHA })

			e.start()
			if code, resp := post(t, e.srv.Handler(), delivery{event: "pull_request", id: "attack", body: e.openedPayload()}); code != 202 {
				t.Fatalf("webhook answered %d %+v", code, resp)
			}
			e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
			body := e.planComments()[0].Body
			if !strings.Contains(body, "terraform/exfil") {
				t.Fatalf("the exfiltration root was not planned:\n%s", body)
			}
			storeBytes, err := os.ReadFile(storeFile)
			if err != nil {
				t.Fatal(err)
			}
			leaked := map[string]bool{
				"a secret file":         strings.Contains(body, "whsec-0123456789"),
				"the bot's environment": strings.Contains(body, "PATH="),
				"the store":             strings.Contains(body, base64.StdEncoding.EncodeToString(storeBytes[:15])),
			}
			for what, got := range leaked {
				if got != tc.leaks {
					t.Errorf("%s in the comment: %v, want %v\n%s", what, got, tc.leaks, body)
				}
			}
			if !tc.leaks && !strings.Contains(body, "refused") {
				t.Errorf("the sandboxed plan does not show the refused reads:\n%s", body)
			}
			runs, err := e.st.Runs(context.Background(), e.repo, e.pr, e.headSHA)
			if err != nil || len(runs) == 0 {
				t.Errorf("runs recorded: %d, %v", len(runs), err)
			}
		})
	}
}
