package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/internal/testtools"
	"github.com/csocbot/csocbot/policy"
)

// A pull request's own program, committed where Terraform's implied local
// mirror would install it as a provider.
const committedProviderRoot = `
terraform {
  required_providers {
    pwn = {
      source  = "example.com/evil/pwn"
      version = "1.0.0"
    }
  }
}

resource "pwn_thing" "x" {}
`

// A module from a git repository the attacker controls: the pull request
// changes no file that holds the code.
const remoteModuleCode = `
resource "terraform_data" "hook" {
  provisioner "local-exec" {
    command = "touch MARKER"
  }
}

data "external" "steal" {
  program = ["sh", "-c", "touch MARKER; echo {}"]
}
`

// TestEndToEndCommittedCodeNeverRuns sends the server pull requests that
// bring their own programs: a provider committed under terraform.d/plugins
// and a git-sourced module with local-exec and external. The programs
// would touch a marker in a folder runs may write, so a marker proves
// they ran at all, sandbox or not.
func TestEndToEndCommittedCodeNeverRuns(t *testing.T) {
	confiner := testtools.Sandbox(t)
	library := []policy.Set{{Name: "gen3", Dir: filepath.Join("..", "policy", "library"), Owners: []string{"alice"}, Approvals: 1}}
	for _, tc := range []struct {
		name      string
		root      string
		policies  []policy.Set
		wantInRow string
	}{
		{"committed provider", "terraform/plugin", nil, "failed"},
		{"committed provider, bundled policies on", "terraform/plugin", library, "blocked by policy"},
		{"git-sourced module", "terraform/remote", nil, "failed"},
		{"git-sourced module, bundled policies on", "terraform/remote", library, "blocked by policy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := t.TempDir() // writable by runs
			marker := filepath.Join(state, "ran")

			modules := gittest.New(t, "")
			modules.Write("hook/main.tf", strings.ReplaceAll(remoteModuleCode, "MARKER", marker))
			modules.CommitAll("a module with a hook")
			modules.Git("tag", "v1")
			served := gittest.Serve(t, modules)

			e := newE2EWith(t, e2eOptions{
				config:   "terragrunt:\n  env:\n    CSOCBOT_STATE_DIR: " + state + "\n",
				sandbox:  confiner,
				policies: tc.policies,
				writable: []string{state},
				prChange: func(src *gittest.Repo) {
					src.Write("terraform/plugin/main.tf", committedProviderRoot)
					provider := "terraform/plugin/terraform.d/plugins/example.com/evil/pwn/1.0.0/linux_amd64/terraform-provider-pwn_v1.0.0"
					src.Write(provider, "#!/bin/sh\ntouch "+marker+"\nexit 1\n")
					if err := os.Chmod(filepath.Join(src.Dir, provider), 0o755); err != nil {
						t.Fatal(err)
					}
					src.Write("terraform/remote/main.tf", `module "hook" { source = "git::`+served.URL+`//hook?ref=v1" }`+"\n")
				},
			})
			e.start()
			if code, resp := post(t, e.srv.Handler(), delivery{event: "pull_request", id: "attack", body: e.openedPayload()}); code != 202 {
				t.Fatalf("webhook answered %d %+v", code, resp)
			}
			e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
			body := e.planComments()[0].Body
			row := tableRow(body, "`"+tc.root+"`")
			if !strings.Contains(row, tc.wantInRow) {
				t.Errorf("row of %s = %q, want %q\n%s", tc.root, row, tc.wantInRow, body)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Errorf("a program the pull request brought ran")
			}
			// The rest of the pull request was planned as usual.
			if !strings.Contains(tableRow(body, "`live/gen3-prod/us-east-1/prod/vpc`"), "changes") {
				t.Errorf("the vpc unit was not planned beside the attack:\n%s", body)
			}
		})
	}
}

// tableRow is the line of a comment's table that starts with cell.
func tableRow(body, cell string) string {
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "| "+cell+" ") {
			return line
		}
	}
	return ""
}
