package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// testFencing checks that a worker whose lease ended cannot complete,
// fail or release its job once ReclaimExpired took it: the job changes
// only for the worker that runs it now, if any.
func testFencing(t *testing.T, newDB NewDatabase) {
	tests := []struct {
		kind store.Kind
		// takenOver says the job runs again, for another process's worker;
		// otherwise ReclaimExpired failed it.
		takenOver bool
		why       string // in the refusal's text
	}{
		{kind: store.KindPlan, takenOver: true, why: "another worker"},
		{kind: store.KindApply, why: "it is failed"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			c := newClock()
			db := newDB(t)
			a, b := open(t, db, c), open(t, db, c) // two processes
			ctx := t.Context()
			id := enqueue(t, a, store.NewJob{Kind: tt.kind, Key: "o/r#1"}).ID
			claim(t, a, "a-1")
			c.advance(lease + time.Microsecond)
			if _, err := b.ReclaimExpired(ctx); err != nil {
				t.Fatal(err)
			}
			if tt.takenOver {
				if j := claim(t, b, "b-1"); j.ID != id {
					t.Fatalf("b claimed job %d, want %d", j.ID, id)
				}
			}
			before := getJob(t, a, id)

			refused := func(op string, err error) {
				t.Helper()
				if !errors.Is(err, store.ErrNotRunning) || !strings.Contains(err.Error(), tt.why) {
					t.Errorf("a's %s: %v; want ErrNotRunning saying %q", op, err, tt.why)
				}
			}
			refused("Complete", a.Complete(ctx, id, "a-1"))
			_, err := a.Fail(ctx, id, "a-1", errors.New("boom"))
			refused("Fail", err)
			_, err = a.Release(ctx, id, "a-1")
			refused("Release", err)
			if after := getJob(t, a, id); !jobsEqual(after, before) {
				t.Errorf("a's refused calls changed the job from %+v to %+v", before, after)
			}

			if !tt.takenOver {
				return
			}
			if err := b.Complete(ctx, id, "b-1"); err != nil {
				t.Fatal(err)
			}
			if j := getJob(t, b, id); j.State != store.JobDone {
				t.Errorf("b completed the job; it is %s", j.State)
			}
		})
	}
}

// testSupersedeConcurrent has processes add superseding jobs for one key
// all at once, and checks that each time exactly one stays active: each
// addition supersedes every other, committed before it or not.
func testSupersedeConcurrent(t *testing.T, newDB NewDatabase) {
	db := newDB(t)
	stores := []store.Store{open(t, db, nil), open(t, db, nil), open(t, db, nil), open(t, db, nil)}
	const (
		rounds, adders = 20, 8
		key            = "o/r#1"
	)
	job := store.NewJob{Kind: store.KindPlan, Key: key, Supersedes: store.KindPlan}
	for round := range rounds {
		var (
			start sync.WaitGroup
			wg    sync.WaitGroup
		)
		start.Add(1)
		for g := range adders {
			s := stores[g%len(stores)]
			wg.Go(func() {
				start.Wait()
				var err error
				if g%2 == 0 {
					_, err = s.Enqueue(t.Context(), job)
				} else {
					_, _, err = s.RecordDelivery(t.Context(), fmt.Sprintf("d-%d-%d", round, g), job)
				}
				if err != nil {
					t.Error(err)
				}
			})
		}
		start.Done()
		wg.Wait()
		active, err := stores[0].ListJobs(t.Context(), store.JobFilter{Key: key, States: []store.JobState{store.JobQueued, store.JobRunning}})
		if err != nil {
			t.Fatal(err)
		}
		if len(active) != 1 {
			t.Fatalf("round %d: jobs %v of %s are active; want exactly one", round, ids(active), key)
		}
	}
}

// testCleanText checks that free text with NUL bytes and invalid UTF-8 is
// stored as [store.CleanText] makes it, by every store alike, and that an
// audit entry so cleaned still verifies.
func testCleanText(t *testing.T, newDB NewDatabase) {
	s := openNew(t, newDB, nil)
	ctx := t.Context()
	const dirty = "nul\x00 and \xff\xfe bytes"
	clean := store.CleanText(dirty)
	if clean != "nul and \uFFFD bytes" {
		t.Fatalf("CleanText(%q) = %q", dirty, clean)
	}

	id := enqueue(t, s, store.NewJob{Kind: store.KindApply, Key: "o/r#1"}).ID
	claim(t, s, "w")
	j, err := s.Fail(ctx, id, "w", errors.New(dirty))
	if err != nil {
		t.Fatal(err)
	}
	if got := getJob(t, s, id).LastError; j.LastError != clean || got != clean {
		t.Errorf("last error returned %q, stored %q; want %q", j.LastError, got, clean)
	}

	e, err := s.AppendAudit(ctx, store.AuditEntry{Actor: "csocbot", Action: "apply_finished", Outcome: dirty, Detail: dirty})
	if err != nil {
		t.Fatal(err)
	}
	if e.Detail != clean || e.Outcome != clean {
		t.Errorf("appended entry has detail %q, outcome %q; want %q", e.Detail, e.Outcome, clean)
	}
	chain := auditChain(t, s)
	if len(chain) != 1 || !auditEqual(chain[0], e) {
		t.Fatalf("stored %+v, want %+v", chain, e)
	}
	if err := store.VerifyAudit(chain); err != nil {
		t.Errorf("the cleaned entry does not verify: %v", err)
	}

	d, err := s.EnqueueSlack(ctx, store.SlackDelivery{Repo: "o/r", PR: 1, Channel: "#csoc", Event: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RetrySlackDelivery(ctx, d.ID, time.Now(), dirty); err != nil {
		t.Fatal(err)
	}
	due, err := s.DueSlackDeliveries(ctx, time.Now().Add(time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].LastError != clean {
		t.Errorf("due deliveries %+v; want one whose last error is %q", due, clean)
	}

	if err := s.SaveSlackThread(ctx, store.SlackThread{Repo: "o/r", PR: 1, Channel: "#csoc", TS: "1.2", State: dirty}); err != nil {
		t.Fatal(err)
	}
	th, ok, err := s.SlackThread(ctx, "o/r", 1, "#csoc")
	if err != nil || !ok || th.State != clean {
		t.Errorf("thread %+v, %v, %v; want state %q", th, ok, err, clean)
	}
}
