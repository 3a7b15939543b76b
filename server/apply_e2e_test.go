package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/store"
	"github.com/csocbot/csocbot/store/seal"
)

// testKeys is a keyring with one fresh key, for plan files.
func testKeys(t testing.TB) *seal.Keyring {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	keys, err := seal.ParseKeys([]byte("test:"+base64.StdEncoding.EncodeToString(key)+"\n"), "the test's keys")
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

const vpc = "live/gen3-prod/us-east-1/prod/vpc"

// TestEndToEndApply plans a pull request, refuses an apply that lacks an
// approval, then applies the reviewed plan once someone approved the
// head: the state changes, the statuses and the reply say so, the plan
// file is gone from the store and the audit log verifies.
func TestEndToEndApply(t *testing.T) {
	state := t.TempDir()
	e := newE2EWith(t, e2eOptions{
		config: "apply: {enabled: true, requirements: [approved, fresh_plan, dependencies_applied]}\n" +
			"terragrunt:\n  env:\n    CSOCBOT_STATE_DIR: " + state + "\n",
		sealer: testKeys(t),
	})
	e.gh.SetPermission(e.repo, "alice", "write")
	e.start()
	post(t, e.srv.Handler(), delivery{event: "pull_request", id: "open", body: e.openedPayload()})
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
	ctx := context.Background()
	if f, err := e.st.PlanFile(ctx, e.repo, e.pr, vpc, e.headSHA); err != nil || len(f.Plan) == 0 {
		t.Fatalf("the vpc's plan file was not kept: %v", err)
	}
	if locks, err := e.st.Locks(ctx, e.repo); err != nil || len(locks) == 0 {
		t.Fatalf("planning took no lock: %v %v", locks, err)
	}

	// No approval yet: nothing is applied, and the reply says why.
	e.deliverComment("alice", "csocbot apply -u "+vpc)
	e.waitFor("the refusal", func() bool { return strings.Contains(lastReply(e, "alice"), "did not apply") })
	if r := lastReply(e, "alice"); !strings.Contains(r, "`approved`: 1 approving review of this commit") {
		t.Errorf("refusal does not name the missing approval:\n%s", r)
	}
	stateFile := filepath.Join(state, vpc, "terraform.tfstate")
	if _, err := os.Stat(stateFile); err == nil {
		t.Fatal("the vpc was applied without an approval")
	}

	// An approval of the head by someone other than the author.
	e.gh.AddReview(e.repo, e.pr, fakegithub.Review{User: fakegithub.User{Login: "bob"}, State: "APPROVED", CommitID: e.headSHA})
	e.deliverComment("alice", "csocbot apply -u "+vpc)
	e.waitFor("the apply reply", func() bool { return e.commentSaying("csocbot apply of") != "" })
	reply := e.commentSaying("csocbot apply of")
	for _, want := range []string{"Asked by @alice", "| `" + vpc + "` | ✅ applied |"} {
		if !strings.Contains(reply, want) {
			t.Errorf("apply reply lacks %q:\n%s", want, reply)
		}
	}
	if b, err := os.ReadFile(stateFile); err != nil || !strings.Contains(string(b), "10.20.0.0/16") {
		t.Errorf("the vpc's state does not hold the reviewed change (%v):\n%.300s", err, b)
	}
	// The reply comes before the statuses it reports.
	e.waitFor("the vpc's apply status", func() bool {
		s, ok := latestStatus(e.gh.Statuses(e.repo, e.headSHA), "csocbot/apply: "+vpc)
		return ok && s.State == "success"
	})
	runs, _ := e.st.Runs(ctx, e.repo, e.pr, e.headSHA)
	for _, r := range runs {
		if r.Unit == vpc && r.State != store.RunApplied {
			t.Errorf("the vpc's run is %s, want applied", r.State)
		}
	}
	if _, err := e.st.PlanFile(ctx, e.repo, e.pr, vpc, e.headSHA); err == nil {
		t.Error("the applied plan file is still kept")
	}

	// The audit log tells the story, and its chain holds.
	entries, err := e.st.Audit(ctx, store.AuditFilter{Repo: e.repo, PR: e.pr, Unit: vpc})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range entries {
		actions = append(actions, a.Action+":"+a.Outcome)
	}
	want := "plan:ok apply_started: apply_finished:ok"
	if got := strings.Join(actions, " "); !strings.Contains(got, want) {
		t.Errorf("audit of the vpc: %s, want it to contain %s", got, want)
	}
	var v store.AuditVerifier
	if err := e.st.AuditChain(ctx, v.Add); err != nil {
		t.Errorf("the audit chain does not verify: %v", err)
	}

	// The vpc's dependents were planned with its mock outputs: applying
	// them would write the mocks into real resources, so they are refused
	// until they are planned again on the vpc's real state.
	e.deliverComment("alice", "csocbot apply")
	e.waitFor("the second refusal", func() bool { return len(e.repliesTo("alice")) >= 2 })
	want = "`live/gen3-prod/us-east-1/prod/eks`: `fresh_plan`: its plan used mock outputs of `" + vpc + "`"
	if r := lastReply(e, "alice"); !strings.Contains(r, want) || strings.Contains(r, "`"+vpc+"`:") {
		t.Errorf("an apply of every unit: want the dependents refused for their mocks and the applied vpc left out:\n%s", r)
	}
}

// lastReply is csocbot's latest reply to login, "" when none.
func lastReply(e *e2e, login string) string {
	replies := e.repliesTo(login)
	if len(replies) == 0 {
		return ""
	}
	return replies[len(replies)-1].Body
}

// latestStatus is the newest status with context; GitHub lists the
// newest first.
func latestStatus(statuses []fakegithub.Status, context string) (fakegithub.Status, bool) {
	for _, s := range statuses {
		if s.Context == context {
			return s, true
		}
	}
	return fakegithub.Status{}, false
}

// TestEndToEndLocks plans a pull request while another holds the vpc's
// lock: the vpc is not planned and its row names the holder, the rest
// plans. Then the pull request releases its own locks with unlock.
func TestEndToEndLocks(t *testing.T) {
	e := newE2EWith(t, e2eOptions{sealer: testKeys(t)})
	e.gh.SetPermission(e.repo, "alice", "write")
	ctx := context.Background()
	if _, ok, err := e.st.TryLock(ctx, store.Lock{Repo: e.repo, Unit: vpc, PR: 7, HeadSHA: "abcdef0123", Holder: "mallory"}); !ok || err != nil {
		t.Fatalf("lock for #7: %v %v", ok, err)
	}
	e.start()
	post(t, e.srv.Handler(), delivery{event: "pull_request", id: "open", body: e.openedPayload()})
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
	body := e.planComments()[0].Body
	for _, want := range []string{
		"is locked by pull request #7 (planned at abcdef0 by mallory)",
		"`csocbot unlock` there",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("plan comment lacks %q:\n%s", want, body)
		}
	}
	locks, err := e.st.Locks(ctx, e.repo)
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]int{}
	for _, l := range locks {
		held[l.Unit] = l.PR
	}
	if held[vpc] != 7 || held["live/gen3-prod/us-east-1/prod/eks"] != e.pr {
		t.Errorf("locks after the plan: %v; want the vpc still #7's and the eks #%d's", held, e.pr)
	}

	e.deliverComment("alice", "csocbot unlock")
	if r := lastReply(e, "alice"); !strings.Contains(r, "Released the locks of") || !strings.Contains(r, "`live/gen3-prod/us-east-1/prod/eks`") {
		t.Errorf("unlock reply: %s", r)
	}
	locks, _ = e.st.Locks(ctx, e.repo)
	if len(locks) != 1 || locks[0].PR != 7 {
		t.Errorf("locks after unlock: %+v; want only #7's", locks)
	}
	entries, _ := e.st.Audit(ctx, store.AuditFilter{Repo: e.repo, PR: e.pr})
	var unlocks, refused int
	for _, a := range entries {
		switch {
		case a.Action == "unlock":
			unlocks++
		case a.Action == "lock" && a.Outcome == "refused":
			refused++
		}
	}
	if unlocks == 0 || refused != 1 {
		t.Errorf("audit: %d unlocks, %d refused locks; want some and 1", unlocks, refused)
	}
}
