package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// testClaimLease checks that a claimed job is leased for the lease asked
// for, as the job Claim returns and as read back.
func testClaimLease(t *testing.T, newDB NewDatabase) {
	c := newClock()
	s := openNew(t, newDB, c)
	queued := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "o/r#1"})
	if !queued.LeaseUntil.IsZero() {
		t.Errorf("a queued job is leased until %v", queued.LeaseUntil)
	}
	const long = 90 * time.Second
	j, ok, err := s.Claim(t.Context(), "w", long)
	if err != nil || !ok {
		t.Fatalf("claim: %v, %v", ok, err)
	}
	if want := c.now().Add(long); !j.LeaseUntil.Equal(want) {
		t.Errorf("claimed job leased until %v, want %v", j.LeaseUntil, want)
	}
	if got := getJob(t, s, j.ID); !jobsEqual(got, j) {
		t.Errorf("read back %+v, want %+v", got, j)
	}
}

// testNonPositiveLease checks that a lease that has ended before it starts
// is refused, and changes nothing.
func testNonPositiveLease(t *testing.T, newDB NewDatabase) {
	s := openNew(t, newDB, newClock())
	ctx := t.Context()
	job := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "o/r#1"})
	tests := []struct {
		name string
		call func(d time.Duration) error
	}{
		{"Claim", func(d time.Duration) error {
			_, ok, err := s.Claim(ctx, "w", d)
			if ok {
				t.Errorf("claimed for %v", d)
			}
			return err
		}},
		{"RenewLeases", func(d time.Duration) error {
			_, err := s.RenewLeases(ctx, "w", d, job.ID)
			return err
		}},
		{"Lead", func(d time.Duration) error {
			leads, err := s.Lead(ctx, "slack", "a", d)
			if leads {
				t.Errorf("leads for %v", d)
			}
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, d := range []time.Duration{0, -time.Second} {
				if err := tt.call(d); err == nil || !strings.Contains(err.Error(), "lease") {
					t.Errorf("lease %v: error %v, want one about the lease", d, err)
				}
			}
		})
	}
	if j := getJob(t, s, job.ID); !jobsEqual(j, job) {
		t.Errorf("the job became %+v, was %+v", j, job)
	}
	if leads, err := s.Lead(ctx, "slack", "b", lease); !leads || err != nil {
		t.Errorf("another holder does not lead after the refused Lead: %v, %v", leads, err)
	}
}

// testRenewLeases checks that a worker's renewal extends the leases of its
// running jobs, and reports the jobs it has lost, in the order asked.
func testRenewLeases(t *testing.T, newDB NewDatabase) {
	c := newClock()
	s := openNew(t, newDB, c)
	ctx := t.Context()
	if lost, err := s.RenewLeases(ctx, "w", lease); lost != nil || err != nil {
		t.Errorf("renewing no job: %v, %v", lost, err)
	}

	reclaimed := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "reclaimed"})
	claim(t, s, "w")
	c.advance(lease / 2)
	kept := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "kept"})
	superseded := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "superseded"})
	completed := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "completed"})
	others := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "others"})
	for _, w := range []string{"w", "w", "w", "v"} {
		claim(t, s, w)
	}
	enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "superseded", Supersedes: store.KindPlan})
	if err := s.Complete(ctx, completed.ID, "w"); err != nil {
		t.Fatal(err)
	}
	c.advance(lease/2 + time.Microsecond) // past reclaimed's lease only
	if _, err := s.ReclaimExpired(ctx); err != nil {
		t.Fatal(err)
	}
	if j := getJob(t, s, reclaimed.ID); j.State != store.JobQueued {
		t.Fatalf("the job whose lease ended is %s, want queued again", j.State)
	}
	othersBefore := getJob(t, s, others.ID)

	const unknown = 1 << 40
	ask := []int64{others.ID, kept.ID, unknown, completed.ID, reclaimed.ID, superseded.ID}
	lost, err := s.RenewLeases(ctx, "w", lease, ask...)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{others.ID, unknown, completed.ID, reclaimed.ID, superseded.ID}; !slices.Equal(lost, want) {
		t.Errorf("lost %v, want %v", lost, want)
	}
	if j := getJob(t, s, kept.ID); j.State != store.JobRunning || !j.LeaseUntil.Equal(c.now().Add(lease)) {
		t.Errorf("the renewed job is %s, leased until %v; want running until %v", j.State, j.LeaseUntil, c.now().Add(lease))
	}
	if j := getJob(t, s, others.ID); !j.LeaseUntil.Equal(othersBefore.LeaseUntil) {
		t.Errorf("worker w renewed worker v's lease, to %v", j.LeaseUntil)
	}
}

// testReclaimExpired checks what becomes of the running jobs whose lease
// ends: a retry-safe job runs again, in another process, and the others
// fail; a job whose lease was renewed, or ends only now, is left alone.
func testReclaimExpired(t *testing.T, newDB NewDatabase) {
	c := newClock()
	db := newDB(t)
	a, b := open(t, db, c), open(t, db, c) // two processes
	ctx := t.Context()

	// A refresh on its last attempt: its earlier attempts failed.
	maxed := enqueue(t, a, store.NewJob{Kind: store.KindRefreshRepo, Key: "maxed"})
	for range store.MaxAttempts - 1 {
		claim(t, a, "a-1")
		if _, err := a.Fail(ctx, maxed.ID, "a-1", fmt.Errorf("flaky")); err != nil {
			t.Fatal(err)
		}
		c.advance(time.Hour) // past the backoff
	}
	jobs := map[string]store.Job{"maxed": maxed}
	for _, j := range []struct {
		name string
		kind store.Kind
	}{
		{"plan", store.KindPlan},
		{"apply", store.KindApply},
		{"comment command", store.KindCommentCommand},
		{"renewed", store.KindPlan},
		{"done", store.KindPlan},
		{"queued", store.KindRefreshRepo},
	} {
		jobs[j.name] = enqueue(t, a, store.NewJob{Kind: j.kind, Key: j.name})
	}
	for range 6 { // maxed to done, oldest first
		claim(t, a, "a-1")
	}
	if err := a.Complete(ctx, jobs["done"].ID, "a-1"); err != nil {
		t.Fatal(err)
	}
	start := c.now()
	c.advance(time.Microsecond)
	jobs["edge"] = enqueue(t, a, store.NewJob{Kind: store.KindPlan, Key: "edge"})
	claim(t, a, "a-1", store.KindPlan) // its lease ends a microsecond after the others'
	c.advance(lease/2 - time.Microsecond)
	if lost, err := a.RenewLeases(ctx, "a-1", lease, jobs["renewed"].ID); len(lost) > 0 || err != nil {
		t.Fatalf("renewing: lost %v, %v", lost, err)
	}
	for name, j := range jobs {
		jobs[name] = getJob(t, a, j.ID)
	}
	c.set(start.Add(lease + time.Microsecond))

	// Process a died: process b finds its jobs' leases ended.
	failed, err := b.ReclaimExpired(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{maxed.ID, jobs["apply"].ID, jobs["comment command"].ID}; !slices.Equal(ids(failed), want) {
		t.Errorf("failed %v, want %v (maxed, apply, comment command)", ids(failed), want)
	}
	for _, j := range failed {
		if got := getJob(t, b, j.ID); !jobsEqual(got, j) || j.State != store.JobFailed || j.LastError != store.InterruptedMessage || !j.UpdatedAt.Equal(c.now()) {
			t.Errorf("returned %+v, stored %+v; want failed with InterruptedMessage", j, got)
		}
	}
	plan := getJob(t, b, jobs["plan"].ID)
	if plan.State != store.JobQueued || !plan.RunAfter.Equal(c.now()) || plan.Attempts != 1 || plan.Worker != "a-1" || !strings.Contains(plan.LastError, "lease") {
		t.Errorf("the plan whose lease ended is %+v; want queued now, after 1 attempt by a-1, saying its lease ended", plan)
	}
	for _, name := range []string{"renewed", "edge", "done", "queued"} {
		if got := getJob(t, b, jobs[name].ID); !jobsEqual(got, jobs[name]) {
			t.Errorf("%s: became %+v, was %+v", name, got, jobs[name])
		}
	}

	j := claim(t, b, "b-1", store.KindPlan)
	if j.ID != plan.ID || j.Attempts != 2 || !j.LeaseUntil.Equal(c.now().Add(lease)) {
		t.Errorf("process b claimed %+v, want the plan, on its second attempt", j)
	}
	if lost, err := a.RenewLeases(ctx, "a-1", lease, plan.ID); !slices.Equal(lost, []int64{plan.ID}) || err != nil {
		t.Errorf("process a renewing the plan b runs now: lost %v, %v", lost, err)
	}
	if again, err := a.ReclaimExpired(ctx); len(again) > 0 || err != nil {
		t.Errorf("reclaiming again: failed %v, %v", ids(again), err)
	}
}

// testApplyExclusion checks that an apply is not claimed while another
// apply of its key runs, in this process or another, and that nothing else
// waits for it.
func testApplyExclusion(t *testing.T, newDB NewDatabase) {
	c := newClock()
	db := newDB(t)
	stores := []store.Store{open(t, db, c), open(t, db, c)}
	names := map[int64]string{}
	for _, j := range []struct {
		name string
		kind store.Kind
		key  string
	}{
		{"apply 1", store.KindApply, "o/r#1"},
		{"apply 2", store.KindApply, "o/r#1"},
		{"other pull request's apply", store.KindApply, "o/r#2"},
		{"plan 1", store.KindPlan, "o/r#1"},
		{"plan 2", store.KindPlan, "o/r#1"},
	} {
		names[enqueue(t, stores[0], store.NewJob{Kind: j.kind, Key: j.key}).ID] = j.name
	}
	steps := []struct {
		store    int
		kinds    []store.Kind
		complete string // complete this job instead of claiming
		want     string // the job claimed, "" for none
	}{
		{store: 0, kinds: []store.Kind{store.KindApply}, want: "apply 1"},
		{store: 1, kinds: []store.Kind{store.KindApply}, want: "other pull request's apply"},
		{store: 1, kinds: []store.Kind{store.KindApply}},
		{store: 0, want: "plan 1"},
		{store: 1, want: "plan 2"},
		{store: 0},
		{store: 1, complete: "apply 1"},
		{store: 1, want: "apply 2"},
	}
	type claimedJob struct {
		id     int64
		worker string
	}
	claimed := map[string]claimedJob{}
	for i, step := range steps {
		s := stores[step.store]
		if step.complete != "" {
			// Any process records what the worker that claimed it did.
			c := claimed[step.complete]
			if err := s.Complete(t.Context(), c.id, c.worker); err != nil {
				t.Fatal(err)
			}
			continue
		}
		worker := fmt.Sprintf("w%d", step.store)
		j, ok, err := s.Claim(t.Context(), worker, lease, step.kinds...)
		if err != nil {
			t.Fatal(err)
		}
		if got := names[j.ID]; ok != (step.want != "") || got != step.want {
			t.Fatalf("step %d: claimed %q (%v), want %q", i, got, ok, step.want)
		}
		if ok {
			claimed[step.want] = claimedJob{j.ID, worker}
		}
	}
}

// testApplyExclusionConcurrent has workers of three processes claim the
// applies of one pull request all at once, and checks that no two ever run
// together.
func testApplyExclusionConcurrent(t *testing.T, newDB NewDatabase) {
	db := newDB(t)
	stores := []store.Store{open(t, db, nil), open(t, db, nil), open(t, db, nil)}
	const applies, key = 10, "o/r#1"
	for range applies {
		enqueue(t, stores[0], store.NewJob{Kind: store.KindApply, Key: key})
	}
	var (
		mu   sync.Mutex
		done int
		wg   sync.WaitGroup
	)
	remaining := func() int {
		mu.Lock()
		defer mu.Unlock()
		return applies - done
	}
	for w := range 6 {
		s := stores[w%len(stores)]
		wg.Go(func() {
			for remaining() > 0 && !t.Failed() {
				worker := fmt.Sprintf("worker-%d", w)
				j, ok, err := s.Claim(t.Context(), worker, lease, store.KindApply)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					time.Sleep(time.Millisecond)
					continue
				}
				// While j runs, nobody can start another apply of key.
				running, err := s.ListJobs(t.Context(), store.JobFilter{Key: key, States: []store.JobState{store.JobRunning}})
				if err != nil {
					t.Error(err)
					return
				}
				if len(running) != 1 {
					t.Errorf("applies %v of one pull request run at once", ids(running))
				}
				if err := s.Complete(t.Context(), j.ID, worker); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				done++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if n := remaining(); n != 0 && !t.Failed() {
		t.Errorf("%d applies left", n)
	}
}

// testLead checks that one holder at a time leads a role, until its lease
// ends without renewal.
func testLead(t *testing.T, newDB NewDatabase) {
	c := newClock()
	db := newDB(t)
	stores := map[string]store.Store{"a": open(t, db, c), "b": open(t, db, c)} // a holder per process
	start := c.now()
	steps := []struct {
		at     time.Duration // since the start
		role   string
		holder string
		want   bool
	}{
		{at: 0, role: "slack", holder: "a", want: true},
		{at: 0, role: "slack", holder: "b", want: false},
		{at: 0, role: "other", holder: "b", want: true},
		{at: lease / 2, role: "slack", holder: "a", want: true}, // renews until 1.5 leases
		{at: lease + time.Microsecond, role: "slack", holder: "b", want: false},
		{at: lease * 3 / 2, role: "slack", holder: "b", want: false}, // ends now, not yet ended
		{at: lease*3/2 + time.Microsecond, role: "slack", holder: "b", want: true},
		{at: lease*3/2 + time.Microsecond, role: "slack", holder: "a", want: false},
		{at: lease * 2, role: "slack", holder: "b", want: true},
	}
	for i, step := range steps {
		c.set(start.Add(step.at))
		leads, err := stores[step.holder].Lead(t.Context(), step.role, step.holder, lease)
		if err != nil {
			t.Fatal(err)
		}
		if leads != step.want {
			t.Errorf("step %d: %s leads %s at +%v: %v, want %v", i, step.holder, step.role, step.at, leads, step.want)
		}
	}
	// b leads slack until 3 leases. a resigning changes nothing; b
	// resigning lets a lead at once.
	for _, step := range []struct {
		resign string
		want   bool // a leads after it
	}{{"a", false}, {"b", true}} {
		if err := stores[step.resign].Resign(t.Context(), "slack", step.resign); err != nil {
			t.Fatal(err)
		}
		leads, err := stores["a"].Lead(t.Context(), "slack", "a", lease)
		if err != nil {
			t.Fatal(err)
		}
		if leads != step.want {
			t.Errorf("after %s resigned, a leads: %v, want %v", step.resign, leads, step.want)
		}
	}
}
