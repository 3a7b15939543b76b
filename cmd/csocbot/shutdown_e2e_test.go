package main

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// TestServeStoppedDuringAnApply stops a real csocbot serve process
// (SIGTERM) while terraform applies: the apply is not cut off but
// finishes, its result is recorded, reported and audited, and the
// process then exits 0.
func TestServeStoppedDuringAnApply(t *testing.T) {
	s := startSlowApply(t, 4*time.Second, "")
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.waitExit(time.Minute)
	if s.waitErr != nil {
		t.Errorf("csocbot exited with %v after SIGTERM, want 0:\n%s", s.waitErr, s.stderr)
	}
	if !strings.Contains(s.stderr.String(), "waiting for the running applies to finish") {
		t.Errorf("csocbot did not say it waits for the apply:\n%s", s.stderr)
	}
	if got := s.runState(); got != store.RunApplied {
		t.Errorf("the run is %q, want applied", got)
	}
	reply := s.commentSaying("csocbot apply of")
	if want := "| `" + slowRoot + "` | ✅ applied |"; !strings.Contains(reply, want) {
		t.Errorf("the apply reply lacks %q:\n%s", want, reply)
	}
	statuses := s.fake.Statuses(s.repo, s.head)
	for _, context := range []string{"csocbot/apply", "csocbot/apply: " + slowRoot} {
		if st, ok := newestStatus(statuses, context); !ok || st.State != "success" {
			t.Errorf("status %s: %+v (found %v), want success", context, st, ok)
		}
	}
	if got, want := s.auditOf(slowRoot), "plan:ok apply_started: apply_finished:ok"; !strings.HasSuffix(got, want) {
		t.Errorf("audit of %s: %s; want it to end %s", slowRoot, got, want)
	}
	jobs, err := s.st.ListJobs(context.Background(), store.JobFilter{Key: store.PullRequestKey(s.repo, s.pr)})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Kind == store.KindApply && j.State != store.JobDone {
			t.Errorf("the apply job is %s after the shutdown, want done", j.State)
		}
	}
}

// TestServeStoppedPastTheGrace stops a real csocbot serve process
// (SIGTERM) during an apply longer than apply.shutdown_grace: when the
// grace ends the apply is stopped and reported as after a crash (the run
// interrupted, its lock held, the statuses error, the audit log and the
// pull request told), the process exits 0, and the next start neither
// reports it again nor applies it.
func TestServeStoppedPastTheGrace(t *testing.T) {
	s := startSlowApply(t, 60*time.Second, "1s")
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.waitExit(time.Minute)
	if s.waitErr != nil {
		t.Errorf("csocbot exited with %v after SIGTERM, want 0:\n%s", s.waitErr, s.stderr)
	}
	reply := s.commentSaying("csocbot was shut down while it was running a `apply` job")
	for _, want := range []string{"did not finish within its grace (apply.shutdown_grace, 1s)", "It was applying `" + slowRoot + "`", "partly applied", "lock stays held", "plan again"} {
		if !strings.Contains(reply, want) {
			t.Errorf("the interruption comment lacks %q:\n%s", want, reply)
		}
	}
	if got := s.runState(); got != store.RunInterrupted {
		t.Errorf("the run is %q, want interrupted", got)
	}
	ctx := context.Background()
	if locks, err := s.st.Locks(ctx, s.repo); err != nil || len(locks) != 1 || locks[0].Unit != slowRoot {
		t.Errorf("locks after the shutdown: %+v (%v); want %s still held", locks, err, slowRoot)
	}
	statuses := s.fake.Statuses(s.repo, s.head)
	for _, context := range []string{"csocbot/apply", "csocbot/apply: " + slowRoot} {
		if st, ok := newestStatus(statuses, context); !ok || st.State != "error" {
			t.Errorf("status %s: %+v (found %v), want error", context, st, ok)
		}
	}
	if got, want := s.auditOf(slowRoot), "plan:ok apply_started: interrupted:interrupted"; !strings.HasSuffix(got, want) {
		t.Errorf("audit of %s: %s; want it to end %s", slowRoot, got, want)
	}

	s.start()
	time.Sleep(3 * time.Second) // the start's reports and a few polls of the queue
	if c := s.commentSaying("csocbot stopped while it was running"); c != "" {
		t.Errorf("the next start reported the apply again:\n%s", c)
	}
	if got := s.auditOf(slowRoot); strings.Count(got, "apply_started") != 1 || strings.Count(got, "interrupted:") != 1 {
		t.Errorf("audit of %s after the next start: %s; want one apply_started and one interrupted", slowRoot, got)
	}
	s.stop()
}

// waitExit waits up to d for the process to exit, after a signal.
func (s *crashServer) waitExit(d time.Duration) {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-time.After(d):
		s.t.Fatalf("csocbot did not exit within %s:\n%s", d, s.stderr)
	}
}

// auditOf is the audit log of unit, as action:outcome words.
func (s *crashServer) auditOf(unit string) string {
	s.t.Helper()
	entries, err := s.st.Audit(context.Background(), store.AuditFilter{Repo: s.repo, PR: s.pr, Unit: unit})
	if err != nil {
		s.t.Fatal(err)
	}
	var actions []string
	for _, a := range entries {
		actions = append(actions, a.Action+":"+a.Outcome)
	}
	return strings.Join(actions, " ")
}
