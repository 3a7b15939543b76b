package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// testPrune checks what Prune deletes and what it keeps: deliveries and
// finished jobs by age, a pull request's runs, comments, approvals and plan
// files all together once none has changed for the retention and the pull
// request has no active job; Slack messages delivered before the cutoff;
// never a queued or running job, a pending Slack message, a lock or an
// audit entry.
func testPrune(t *testing.T, newDB NewDatabase) {
	c := newClock()
	s := openNew(t, newDB, c)
	ctx := t.Context()
	old := c.now()
	cutoff := old.Add(24 * time.Hour)
	recent := cutoff.Add(24 * time.Hour)

	deliver := func(id string, job store.NewJob) store.Job {
		t.Helper()
		j, isNew, err := s.RecordDelivery(ctx, id, job)
		if err != nil || !isNew {
			t.Fatalf("delivering %s: new %v, %v", id, isNew, err)
		}
		return j
	}
	finish := func(kind store.Kind) store.Job {
		t.Helper()
		j := claim(t, s, "w", kind)
		if err := s.Complete(ctx, j.ID, "w"); err != nil {
			t.Fatal(err)
		}
		return j
	}
	run := func(repo string, pr int, head string) {
		t.Helper()
		if _, err := s.UpsertRun(ctx, store.Run{Repo: repo, PR: pr, HeadSHA: head, Unit: "live/vpc", State: store.RunPlanned}); err != nil {
			t.Fatal(err)
		}
	}
	comment := func(pr int, id int64) {
		t.Helper()
		if err := s.RecordComment(ctx, store.Comment{Repo: "o/r", PR: pr, CommentID: id, Kind: store.CommentPlan}); err != nil {
			t.Fatal(err)
		}
	}
	approve := func(pr int, head string) {
		t.Helper()
		if _, _, err := s.ApprovePolicy(ctx, store.PolicyApproval{Repo: "o/r", PR: pr, HeadSHA: head, Set: "gen3", Approver: "alice"}); err != nil {
			t.Fatal(err)
		}
	}
	savePlan := func(pr int, head string) {
		t.Helper()
		if err := s.SavePlanFile(ctx, store.PlanFile{Repo: "o/r", PR: pr, HeadSHA: head, Unit: "live/vpc", SHA256: "ab12", Plan: []byte("sealed")}); err != nil {
			t.Fatal(err)
		}
	}
	slackMessage := func(deliveredAt time.Time) store.SlackDelivery {
		t.Helper()
		d, err := s.EnqueueSlack(ctx, store.SlackDelivery{Repo: "o/r", PR: 1, Channel: "#csoc", Event: json.RawMessage(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		if !deliveredAt.IsZero() {
			if err := s.MarkSlackDelivered(ctx, d.ID, deliveredAt); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	audit := func() store.AuditEntry {
		t.Helper()
		e, err := s.AppendAudit(ctx, store.AuditEntry{Actor: "alice", Action: "plan", Repo: "o/r", PR: 1})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}

	// Made long ago.
	doneJob := deliver("d-done", store.NewJob{Kind: store.KindNotice, Key: "notice"})
	finish(store.KindNotice)
	failedJob := enqueue(t, s, store.NewJob{Kind: store.KindApply, Key: "failed"})
	claim(t, s, "w", store.KindApply)
	if _, err := s.Fail(ctx, failedJob.ID, "w", errors.New("boom")); err != nil {
		t.Fatal(err)
	}
	supersededJob := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "superseded"})
	supersedingJob := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "superseded", Supersedes: store.KindPlan})
	runningJob := enqueue(t, s, store.NewJob{Kind: store.KindCommentCommand, Key: store.PullRequestKey("o/r", 4)})
	claim(t, s, "w", store.KindCommentCommand)
	queuedJob := deliver("d-queued", store.NewJob{Kind: store.KindPlan, Key: store.PullRequestKey("o/r", 3)})
	lateJob := enqueue(t, s, store.NewJob{Kind: store.KindRefreshRepo, Key: "late"})
	edgeJob := enqueue(t, s, store.NewJob{Kind: store.KindPullRequestClosed, Key: "edge"})
	run("o/r", 1, "aaa")
	run("o/r", 1, "bbb")
	comment(1, 100)
	approve(1, "aaa")
	run("o/r", 2, "aaa")
	run("o/r", 3, "aaa")
	approve(3, "aaa")
	run("o/r", 4, "aaa")
	run("o/r", 5, "aaa")
	comment(6, 600)
	savePlan(1, "aaa")
	savePlan(3, "aaa")
	run("o/r", 8, "aaa")
	if _, ok, err := s.TryLock(ctx, store.Lock{Repo: "o/r", Unit: "live/vpc", PR: 1}); !ok || err != nil {
		t.Fatalf("locking: %v, %v", ok, err)
	}
	oldAudit := audit()
	oldPending := slackMessage(time.Time{})
	slackMessage(old)
	slackMessage(cutoff)
	slackMessage(recent)

	// Made at the cutoff, which keeps them.
	c.set(cutoff)
	finish(store.KindPullRequestClosed)
	run("o/r", 7, "aaa")

	// Made since.
	c.set(recent)
	finish(store.KindRefreshRepo)
	recentJob := deliver("d-recent", store.NewJob{Kind: store.KindNotice, Key: "notice"})
	finish(store.KindNotice)
	comment(2, 200)
	run("o/r", 5, "aaa") // updated
	run("other/r", 1, "aaa")
	savePlan(8, "bbb")
	recentAudit := audit()

	jobExists := func(id int64) func(t *testing.T) bool {
		return func(t *testing.T) bool {
			_, err := s.GetJob(ctx, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil
		}
	}
	runsExist := func(repo string, pr int, head string) func(t *testing.T) bool {
		return func(t *testing.T) bool {
			runs, err := s.Runs(ctx, repo, pr, head)
			if err != nil {
				t.Fatal(err)
			}
			return len(runs) > 0
		}
	}
	commentExists := func(pr int, id int64) func(t *testing.T) bool {
		return func(t *testing.T) bool {
			comments, err := s.Comments(ctx, "o/r", pr)
			if err != nil {
				t.Fatal(err)
			}
			return slices.ContainsFunc(comments, func(c store.Comment) bool { return c.CommentID == id })
		}
	}
	approvalsExist := func(pr int, head string) func(t *testing.T) bool {
		return func(t *testing.T) bool {
			approvals, err := s.PolicyApprovals(ctx, "o/r", pr, head)
			if err != nil {
				t.Fatal(err)
			}
			return len(approvals) > 0
		}
	}
	planFileExists := func(pr int, head string) func(t *testing.T) bool {
		return func(t *testing.T) bool {
			_, err := s.PlanFile(ctx, "o/r", pr, "live/vpc", head)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil
		}
	}
	lockExists := func(t *testing.T) bool {
		locks, err := s.Locks(ctx, "o/r")
		if err != nil {
			t.Fatal(err)
		}
		return len(locks) == 1
	}
	auditExists := func(seq int64) func(t *testing.T) bool {
		return func(t *testing.T) bool {
			entries, err := s.Audit(ctx, store.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return slices.ContainsFunc(entries, func(e store.AuditEntry) bool { return e.Seq == seq })
		}
	}
	slackPending := func(t *testing.T) bool {
		due, err := s.DueSlackDeliveries(ctx, recent.Add(time.Hour), 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(due) == 1 && due[0].ID == oldPending.ID
	}
	records := []struct {
		name   string
		exists func(t *testing.T) bool
	}{
		{"old job done", jobExists(doneJob.ID)},
		{"old job failed", jobExists(failedJob.ID)},
		{"old job superseded", jobExists(supersededJob.ID)},
		{"old job queued", jobExists(supersedingJob.ID)},
		{"old job running", jobExists(runningJob.ID)},
		{"old delivery's job queued", jobExists(queuedJob.ID)},
		{"old job done since", jobExists(lateJob.ID)},
		{"old job done at the cutoff", jobExists(edgeJob.ID)},
		{"recent delivery's job done", jobExists(recentJob.ID)},
		{"o/r#1 runs at aaa", runsExist("o/r", 1, "aaa")},
		{"o/r#1 runs at bbb", runsExist("o/r", 1, "bbb")},
		{"o/r#1 comment", commentExists(1, 100)},
		{"o/r#1 approval", approvalsExist(1, "aaa")},
		{"o/r#2 old run", runsExist("o/r", 2, "aaa")},
		{"o/r#2 recent comment", commentExists(2, 200)},
		{"o/r#3 run (queued job)", runsExist("o/r", 3, "aaa")},
		{"o/r#3 approval (queued job)", approvalsExist(3, "aaa")},
		{"o/r#4 run (running job)", runsExist("o/r", 4, "aaa")},
		{"o/r#5 run updated since", runsExist("o/r", 5, "aaa")},
		{"o/r#6 comment", commentExists(6, 600)},
		{"o/r#7 run at the cutoff", runsExist("o/r", 7, "aaa")},
		{"other/r#1 recent run", runsExist("other/r", 1, "aaa")},
		{"o/r#1 plan file", planFileExists(1, "aaa")},
		{"o/r#3 plan file (queued job)", planFileExists(3, "aaa")},
		{"o/r#8 old run", runsExist("o/r", 8, "aaa")},
		{"o/r#8 recent plan file", planFileExists(8, "bbb")},
		{"o/r#1 lock", lockExists},
		{"old audit entry", auditExists(oldAudit.Seq)},
		{"recent audit entry", auditExists(recentAudit.Seq)},
		{"old pending Slack message", slackPending},
	}
	prunedAtCutoff := []string{
		"old job done", "old job failed", "old job superseded",
		"o/r#1 runs at aaa", "o/r#1 runs at bbb", "o/r#1 comment", "o/r#1 approval", "o/r#1 plan file", "o/r#6 comment",
	}
	steps := []struct {
		name      string
		olderThan time.Time
		want      store.PruneCounts
		gone      []string // every record deleted so far
		kept      []string // deliveries whose redelivery is still a duplicate
	}{
		{
			name:      "at the cutoff",
			olderThan: cutoff,
			want:      store.PruneCounts{Deliveries: 2, Jobs: 3, Runs: 2, Comments: 2, PolicyApprovals: 1, PlanFiles: 1, SlackDeliveries: 1},
			gone:      prunedAtCutoff,
			kept:      []string{"d-recent"},
		},
		{
			name:      "at the cutoff again",
			olderThan: cutoff,
			gone:      prunedAtCutoff,
			kept:      []string{"d-recent"},
		},
		{
			name:      "everything so far",
			olderThan: recent.Add(time.Hour),
			want:      store.PruneCounts{Deliveries: 1, Jobs: 3, Runs: 5, Comments: 1, PlanFiles: 1, SlackDeliveries: 2},
			gone: append(slices.Clone(prunedAtCutoff),
				"old job done since", "old job done at the cutoff", "recent delivery's job done",
				"o/r#2 old run", "o/r#2 recent comment", "o/r#5 run updated since", "o/r#7 run at the cutoff", "other/r#1 recent run",
				"o/r#8 old run", "o/r#8 recent plan file"),
		},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			got, err := s.Prune(ctx, step.olderThan)
			if err != nil {
				t.Fatal(err)
			}
			if got != step.want {
				t.Errorf("pruned %+v, want %+v", got, step.want)
			}
			for _, r := range records {
				if exists, want := r.exists(t), !slices.Contains(step.gone, r.name); exists != want {
					t.Errorf("%s: exists %v, want %v", r.name, exists, want)
				}
			}
			for _, d := range step.kept {
				if j, isNew, err := s.RecordDelivery(ctx, d, store.NewJob{Kind: store.KindNotice, Key: "notice"}); err != nil || isNew {
					t.Errorf("redelivering %s: new %v (job %d), %v; want the first delivery's job", d, isNew, j.ID, err)
				}
			}
		})
	}

	// Every delivery is pruned by now, so a redelivery is new.
	for _, d := range []string{"d-done", "d-queued", "d-recent"} {
		if _, isNew, err := s.RecordDelivery(ctx, d, store.NewJob{Kind: store.KindNotice, Key: "notice"}); err != nil || !isNew {
			t.Errorf("redelivering %s after it was pruned: new %v, %v; want new", d, isNew, err)
		}
	}
}
