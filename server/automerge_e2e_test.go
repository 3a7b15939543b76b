package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/store"
)

// The roots the automerge and after-merge tests' pull request adds; b's
// apply fails while the test's directory holds a file named fail.
const (
	rootA = "terraform/auto-a"
	rootB = "terraform/auto-b"
)

// twoRootsE2E is a server whose pull request adds two independent roots
// (and leaves the vpc alone), so that applying it once applies every
// unit it affects.
func twoRootsE2E(t *testing.T, config string) (*e2e, string) {
	t.Helper()
	state := t.TempDir()
	e := newE2EWith(t, e2eOptions{
		config: config + "terragrunt:\n  env:\n    CSOCBOT_STATE_DIR: " + state + "\n",
		sealer: testKeys(t),
		prChange: func(src *gittest.Repo) {
			src.Replace(vpc+"/terragrunt.hcl", "10.20.0.0/16", "10.10.0.0/16")
			src.Write(rootA+"/main.tf", "resource \"terraform_data\" \"a\" {\n  input = \"a\"\n}\n")
			src.Write(rootB+"/main.tf", "resource \"terraform_data\" \"b\" {\n  input = \"b\"\n  provisioner \"local-exec\" {\n    command = \"test ! -e "+filepath.Join(state, "fail")+"\"\n  }\n}\n")
		},
	})
	e.gh.SetPermission(e.repo, "alice", "write")
	return e, state
}

// mergeCalls counts the requests to merge the pull request.
func (e *e2e) mergeCalls() int {
	n := 0
	for _, c := range e.gh.Calls() {
		if c.Method == "PUT" && strings.HasSuffix(c.Path, "/pulls/2/merge") {
			n++
		}
	}
	return n
}

// TestEndToEndAutomerge applies a pull request whose second root fails:
// nothing is merged. Once that root is planned and applied cleanly, every
// unit is applied at the head, and csocbot merges the pull request, says
// so and audits it.
func TestEndToEndAutomerge(t *testing.T) {
	e, state := twoRootsE2E(t, "apply: {enabled: true, requirements: [approved, fresh_plan]}\n")
	e.srv.cfg.Repositories[0].Automerge = true
	e.start()
	e.planAndApprove()
	os.WriteFile(filepath.Join(state, "fail"), nil, 0o644)

	e.deliverComment("alice", "csocbot apply")
	e.waitFor("the apply reply", func() bool { return e.commentSaying("csocbot apply of") != "" })
	if r := e.commentSaying("csocbot apply of"); !strings.Contains(r, "| `"+rootA+"` | ✅ applied |") || !strings.Contains(r, "| `"+rootB+"` | ❌ failed |") {
		t.Fatalf("first apply: want a applied and b failed:\n%s", r)
	}
	if n := e.mergeCalls(); n != 0 || e.gh.PullRequest(e.repo, e.pr)["merged"] == true {
		t.Fatalf("a pull request with a failed unit was merged (%d merge calls)", n)
	}

	os.Remove(filepath.Join(state, "fail"))
	e.deliverComment("alice", "csocbot plan -u "+rootB)
	e.waitFor("b's new plan", func() bool {
		runs, _ := e.st.Runs(context.Background(), e.repo, e.pr, e.headSHA)
		for _, r := range runs {
			if r.Unit == rootB && r.State == store.RunPlanned {
				return true
			}
		}
		return false
	})
	e.deliverComment("alice", "csocbot apply")
	e.waitFor("the automerge reply", func() bool { return e.commentSaying("csocbot merged it (automerge)") != "" })
	pr := e.gh.PullRequest(e.repo, e.pr)
	if pr["merged"] != true || e.mergeCalls() != 1 {
		t.Fatalf("not merged: %v, %d merge calls", pr["merged"], e.mergeCalls())
	}
	if r := e.commentSaying("csocbot merged it (automerge)"); !strings.Contains(r, "@alice: every unit of this pull request is applied at `"+e.headSHA[:7]+"`") {
		t.Errorf("automerge reply:\n%s", r)
	}
	entries, err := e.st.Audit(context.Background(), store.AuditFilter{Repo: e.repo, PR: e.pr})
	if err != nil {
		t.Fatal(err)
	}
	merged := false
	for _, a := range entries {
		merged = merged || (a.Action == "merge" && a.Outcome == "ok" && a.HeadSHA == e.headSHA)
	}
	if !merged {
		t.Errorf("the audit log has no merge: %+v", entries)
	}
}

// TestEndToEndAutomergeRefused: GitHub refuses the merge (branch
// protection, say). The apply stands, and the refusal is a reply and an
// audit entry, not a failed job.
func TestEndToEndAutomergeRefused(t *testing.T) {
	e, _ := twoRootsE2E(t, "apply: {enabled: true, requirements: [approved, fresh_plan]}\n")
	e.srv.cfg.Repositories[0].Automerge = true
	e.gh.EditPullRequest(e.repo, e.pr, func(pr map[string]any) { pr["mergeable"] = false })
	e.start()
	e.planAndApprove()
	e.deliverComment("alice", "csocbot apply")
	e.waitFor("the merge refusal", func() bool { return e.commentSaying("csocbot could not merge it (automerge)") != "" })
	if r := e.commentSaying("could not merge it"); !strings.Contains(r, "Pull Request is not mergeable") {
		t.Errorf("refusal reply:\n%s", r)
	}
	jobs, _ := e.st.ListJobs(context.Background(), store.JobFilter{Key: prKey(e.repo, e.pr)})
	for _, j := range jobs {
		if j.Kind == store.KindApply && j.State != store.JobDone {
			t.Errorf("apply job %d is %s, want done", j.ID, j.State)
		}
	}
}

// mergeInto merges the pull request's branch into main with a merge
// commit, marks the pull request merged on the fake GitHub, and delivers
// the closed webhook as merger sends it.
func (e *e2e) mergeInto(merger string) {
	e.t.Helper()
	e.src.Git("merge", "-q", "--no-ff", "-m", "Merge pull request #2", "widen-vpc")
	merge := e.src.Git("rev-parse", "HEAD")
	e.gh.EditPullRequest(e.repo, e.pr, func(pr map[string]any) {
		pr["state"], pr["merged"], pr["merge_commit_sha"] = "closed", true, merge
	})
	_, resp := post(e.t, e.srv.Handler(), delivery{event: "pull_request", id: "closed", body: fixture(e.t, "pull_request/closed.payload.json", func(m map[string]any) {
		m["number"] = float64(e.pr)
		pr := obj(m, "pull_request")
		pr["merged"], pr["state"] = true, "closed"
		obj(pr, "head")["sha"] = e.headSHA
		obj(pr, "base")["ref"] = "main"
		obj(m, "sender")["login"] = merger
	})})
	if resp.Status != "queued" {
		e.t.Fatalf("closed webhook: %+v", resp)
	}
}

// TestEndToEndApplyAfterMerge: in after_merge mode the apply comment is
// answered with how this repository applies; merging applies the saved
// plans as the merger, without the approvals branch protection decided,
// and releases the locks and plan files after.
func TestEndToEndApplyAfterMerge(t *testing.T) {
	e, _ := twoRootsE2E(t, "apply: {enabled: true, requirements: [approved, mergeable, fresh_plan, undiverged]}\n")
	e.srv.cfg.Repositories[0].ApplyAfterMerge = true
	e.start()
	post(t, e.srv.Handler(), delivery{event: "pull_request", id: "open", body: e.openedPayload()})
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })

	e.deliverComment("alice", "csocbot apply")
	if r := lastReply(e, "alice"); !strings.Contains(r, "This repository applies after merge") {
		t.Fatalf("apply comment in after_merge mode: %q", r)
	}

	e.mergeInto("alice")
	e.waitFor("the apply reply", func() bool { return e.commentSaying("csocbot apply of") != "" })
	reply := e.commentSaying("csocbot apply of")
	for _, want := range []string{"Asked by @alice", "| `" + rootA + "` | ✅ applied |", "| `" + rootB + "` | ✅ applied |", "locks are released now that it is merged"} {
		if !strings.Contains(reply, want) {
			t.Errorf("apply reply lacks %q:\n%s", want, reply)
		}
	}
	// The reply comes before the statuses it reports.
	e.waitFor("the apply status", func() bool {
		s, ok := latestStatus(e.gh.Statuses(e.repo, e.headSHA), "csocbot/apply")
		return ok && s.State == "success"
	})
	ctx := context.Background()
	e.waitFor("the locks to be released", func() bool {
		locks, err := e.st.Locks(ctx, e.repo)
		return err == nil && len(locks) == 0
	})
	for _, u := range []string{rootA, rootB} {
		if _, err := e.st.PlanFile(ctx, e.repo, e.pr, u, e.headSHA); err == nil {
			t.Errorf("%s's plan file is still kept", u)
		}
	}
	entries, _ := e.st.Audit(ctx, store.AuditFilter{Repo: e.repo, PR: e.pr, Unit: rootA})
	var actions []string
	for _, a := range entries {
		actions = append(actions, a.Actor+":"+a.Action+":"+a.Outcome)
	}
	if got := strings.Join(actions, " "); !strings.Contains(got, "alice:apply_started: alice:apply_finished:ok") {
		t.Errorf("audit of %s: %s", rootA, got)
	}
}

// TestEndToEndApplyAfterMergeRefusesAStalePlan: the base branch moved
// after the plan, so the merge commit's first parent is not the base the
// plan was made on: nothing is applied, the merged pull request is told
// to plan again, and its locks are released.
func TestEndToEndApplyAfterMergeRefusesAStalePlan(t *testing.T) {
	e, _ := twoRootsE2E(t, "apply: {enabled: true, requirements: [fresh_plan]}\n")
	e.srv.cfg.Repositories[0].ApplyAfterMerge = true
	e.start()
	post(t, e.srv.Handler(), delivery{event: "pull_request", id: "open", body: e.openedPayload()})
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })

	e.src.Write("NOTES.md", "someone else's change\n")
	e.src.CommitAll("Someone else's change")
	e.mergeInto("alice")
	e.waitFor("the refusal", func() bool { return e.commentSaying("did not apply anything") != "" })
	r := e.commentSaying("did not apply anything")
	for _, want := range []string{"@alice: csocbot did not apply anything", "`" + rootA + "`: it was planned merged into", "plan again", "The pull request is merged"} {
		if !strings.Contains(r, want) {
			t.Errorf("refusal lacks %q:\n%s", want, r)
		}
	}
	ctx := context.Background()
	runs, _ := e.st.Runs(ctx, e.repo, e.pr, e.headSHA)
	for _, run := range runs {
		if run.State != store.RunPlanned {
			t.Errorf("%s is %s, want still planned", run.Unit, run.State)
		}
	}
	e.waitFor("the locks to be released", func() bool {
		locks, err := e.st.Locks(ctx, e.repo)
		return err == nil && len(locks) == 0
	})
}

// TestEndToEndCodeOwnersApproval: the base branch's CODEOWNERS gives the
// vpc to a team. An approval by someone else is not enough, and the pull
// request's own CODEOWNERS, which would come first and make bob an owner,
// counts for nothing; an approval by a member of the team is.
func TestEndToEndCodeOwnersApproval(t *testing.T) {
	state := t.TempDir()
	e := newE2EWith(t, e2eOptions{
		config: "apply: {enabled: true, requirements: [approved, fresh_plan], codeowners: true}\n" +
			"terragrunt:\n  env:\n    CSOCBOT_STATE_DIR: " + state + "\n",
		sealer:   testKeys(t),
		prChange: func(src *gittest.Repo) { src.Write(".github/CODEOWNERS", "* @bob\n") },
	})
	// The base branch's CODEOWNERS, committed after the pull request
	// branched off: the one that counts.
	e.src.Write("CODEOWNERS", "# Owners\n*  @csoc/platform\n/live/gen3-prod/  @csoc/network\n")
	e.src.CommitAll("CODEOWNERS")
	e.gh.SetPermission(e.repo, "alice", "write")
	e.gh.AddTeamMember("csoc", "network", "carol", "active")
	e.start()
	e.planAndApprove() // bob, who owns nothing

	e.deliverComment("alice", "csocbot apply -u "+vpc)
	e.waitFor("the refusal", func() bool { return strings.Contains(lastReply(e, "alice"), "did not apply") })
	want := "`approved`: @csoc/network must approve this commit, as code owners (CODEOWNERS) of `" + vpc + "/terragrunt.hcl`"
	if r := lastReply(e, "alice"); !strings.Contains(r, want) {
		t.Errorf("refusal lacks %q:\n%s", want, r)
	}
	stateFile := filepath.Join(state, vpc, "terraform.tfstate")
	if _, err := os.Stat(stateFile); err == nil {
		t.Fatal("the vpc was applied without its code owners' approval")
	}

	e.gh.AddReview(e.repo, e.pr, fakegithub.Review{User: fakegithub.User{Login: "carol"}, State: "APPROVED", CommitID: e.headSHA})
	e.deliverComment("alice", "csocbot apply -u "+vpc)
	e.waitFor("the apply reply", func() bool { return e.commentSaying("csocbot apply of") != "" })
	if r := e.commentSaying("csocbot apply of"); !strings.Contains(r, "| `"+vpc+"` | ✅ applied |") {
		t.Errorf("apply reply:\n%s", r)
	}
	if _, err := os.Stat(stateFile); err != nil {
		t.Errorf("the vpc was not applied: %v", err)
	}
}
