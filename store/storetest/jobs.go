package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// testRecordDelivery checks that a delivery enqueues its job once, however
// often it is delivered.
func testRecordDelivery(t *testing.T, newDB NewDatabase) {
	s := openNew(t, newDB, nil)
	ctx := t.Context()
	payload := json.RawMessage(`{"action":"synchronize","number":12}`)

	tests := []struct {
		name     string
		delivery string
		kind     store.Kind
		wantNew  bool
		wantJob  int // index into the jobs returned so far; -1 for a new one
	}{
		{name: "first delivery", delivery: "d-1", kind: store.KindPlan, wantNew: true, wantJob: -1},
		{name: "another delivery", delivery: "d-2", kind: store.KindPlan, wantNew: true, wantJob: -1},
		{name: "redelivery", delivery: "d-1", kind: store.KindPlan, wantJob: 0},
		{name: "redelivery with another job", delivery: "d-2", kind: store.KindApply, wantJob: 1},
	}
	var got []store.Job
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, isNew, err := s.RecordDelivery(ctx, tt.delivery, store.NewJob{Kind: tt.kind, Key: "o/r#12", Payload: payload})
			if err != nil {
				t.Fatal(err)
			}
			if isNew != tt.wantNew {
				t.Errorf("new = %v, want %v", isNew, tt.wantNew)
			}
			if tt.wantJob >= 0 && j.ID != got[tt.wantJob].ID {
				t.Errorf("got job %d, want the first delivery's job %d", j.ID, got[tt.wantJob].ID)
			}
			if string(j.Payload) != string(payload) || j.State != store.JobQueued {
				t.Errorf("job = %+v", j)
			}
			got = append(got, j)
		})
	}
	if j, _, err := s.RecordDelivery(ctx, "", store.NewJob{Kind: store.KindPlan, Key: "o/r#12"}); err == nil {
		t.Errorf("recorded a delivery without an id, enqueueing %+v", j)
	}
	jobs, err := s.ListJobs(ctx, store.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 {
		t.Errorf("%d jobs enqueued for 2 deliveries", len(jobs))
	}
}

// testRecordDeliveryConcurrent delivers the same webhooks from many
// goroutines through two stores on one database, as two processes would.
func testRecordDeliveryConcurrent(t *testing.T, newDB NewDatabase) {
	db := newDB(t)
	a, b := open(t, db, nil), open(t, db, nil)
	const deliveries, senders = 20, 8
	var (
		mu      sync.Mutex
		newJobs = map[string][]int64{}
		wg      sync.WaitGroup
	)
	for i := range senders {
		s := []store.Store{a, b}[i%2]
		wg.Go(func() {
			for d := range deliveries {
				id := fmt.Sprintf("delivery-%d", d)
				j, isNew, err := s.RecordDelivery(t.Context(), id, store.NewJob{Kind: store.KindPlan, Key: id})
				if err != nil {
					t.Error(err)
					return
				}
				if isNew {
					mu.Lock()
					newJobs[id] = append(newJobs[id], j.ID)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	for d := range deliveries {
		id := fmt.Sprintf("delivery-%d", d)
		if len(newJobs[id]) != 1 {
			t.Errorf("%s enqueued jobs %v, want exactly one", id, newJobs[id])
		}
	}
	jobs, err := a.ListJobs(t.Context(), store.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != deliveries {
		t.Errorf("%d jobs for %d deliveries", len(jobs), deliveries)
	}
}

// testClaimOrder checks which job Claim takes: the oldest runnable one of
// the kinds asked for.
func testClaimOrder(t *testing.T, newDB NewDatabase) {
	type claimStep struct {
		advance time.Duration // move the clock first
		kinds   []store.Kind
		want    string // the claimed job's key, or "" for none
	}
	tests := []struct {
		name   string
		jobs   []store.NewJob // RunAfter is relative to the clock's start, as an offset from the zero time
		claims []claimStep
	}{
		{
			name: "oldest first",
			jobs: []store.NewJob{{Kind: store.KindPlan, Key: "a"}, {Kind: store.KindPlan, Key: "b"}, {Kind: store.KindPlan, Key: "c"}},
			claims: []claimStep{
				{want: "a"}, {want: "b"}, {want: "c"}, {want: ""},
			},
		},
		{
			name: "only the kinds asked for",
			jobs: []store.NewJob{{Kind: store.KindApply, Key: "apply"}, {Kind: store.KindPlan, Key: "plan"}, {Kind: store.KindRefreshRepo, Key: "refresh"}},
			claims: []claimStep{
				{kinds: []store.Kind{store.KindPlan, store.KindRefreshRepo}, want: "plan"},
				{kinds: []store.Kind{store.KindPlan, store.KindRefreshRepo}, want: "refresh"},
				{kinds: []store.Kind{store.KindPlan}, want: ""},
				{kinds: []store.Kind{store.KindCommentCommand}, want: ""},
				{want: "apply"},
			},
		},
		{
			name: "not before run_after",
			jobs: []store.NewJob{
				{Kind: store.KindPlan, Key: "later", RunAfter: time.Time{}.Add(time.Minute)},
				{Kind: store.KindPlan, Key: "now"},
			},
			claims: []claimStep{
				{want: "now"},
				{want: ""},
				{advance: time.Minute - time.Microsecond, want: ""},
				{advance: time.Microsecond, want: "later"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			s := openNew(t, newDB, c)
			start := c.now()
			for _, j := range tt.jobs {
				if !j.RunAfter.IsZero() {
					j.RunAfter = start.Add(j.RunAfter.Sub(time.Time{}))
				}
				enqueue(t, s, j)
			}
			for i, step := range tt.claims {
				c.advance(step.advance)
				j, ok, err := s.Claim(t.Context(), "w", lease, step.kinds...)
				if err != nil {
					t.Fatal(err)
				}
				if got := j.Key; got != step.want || ok != (step.want != "") {
					t.Errorf("claim %d (kinds %v): got %q (ok %v), want %q", i, step.kinds, got, ok, step.want)
				}
				if ok && (j.State != store.JobRunning || j.Worker != "w" || j.Attempts != 1 || !j.UpdatedAt.Equal(c.now()) || !j.LeaseUntil.Equal(c.now().Add(lease))) {
					t.Errorf("claim %d: claimed job = %+v", i, j)
				}
			}
		})
	}
}

// testClaimConcurrent has several workers drain one queue, in one process
// and through two stores on one database as two processes would, and checks
// that every job is claimed exactly once.
func testClaimConcurrent(t *testing.T, newDB NewDatabase) {
	tests := []struct {
		name    string
		stores  int
		workers int
	}{
		{name: "one process", stores: 1, workers: 8},
		{name: "two processes", stores: 2, workers: 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := newDB(t)
			var stores []store.Store
			for range tt.stores {
				stores = append(stores, open(t, db, nil))
			}
			first := stores[0]
			const jobs = 300
			claimedBy := make(map[int64][]string, jobs)
			for i := range jobs {
				claimedBy[enqueue(t, first, store.NewJob{Kind: store.KindPlan, Key: fmt.Sprint(i)}).ID] = nil
			}

			var (
				mu sync.Mutex
				wg sync.WaitGroup
			)
			for w := range tt.workers {
				s := stores[w%len(stores)]
				worker := fmt.Sprintf("worker-%d", w)
				wg.Go(func() {
					for {
						j, ok, err := s.Claim(t.Context(), worker, lease)
						if err != nil {
							t.Error(err)
							return
						}
						if !ok {
							return
						}
						mu.Lock()
						claimedBy[j.ID] = append(claimedBy[j.ID], worker)
						mu.Unlock()
						if err := s.Complete(t.Context(), j.ID, worker); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			if len(claimedBy) != jobs {
				t.Errorf("%d jobs claimed, %d enqueued", len(claimedBy), jobs)
			}
			for id, by := range claimedBy {
				if len(by) != 1 {
					t.Errorf("job %d claimed by %v, want exactly one worker", id, by)
				}
			}
			done, err := first.ListJobs(t.Context(), store.JobFilter{States: []store.JobState{store.JobDone}})
			if err != nil {
				t.Fatal(err)
			}
			if len(done) != jobs {
				t.Errorf("%d of %d jobs done", len(done), jobs)
			}
		})
	}
}

// testFail checks that a failed job is retried after a growing backoff
// when it is safe to run again, and fails for good otherwise.
func testFail(t *testing.T, newDB NewDatabase) {
	tests := []struct {
		kind store.Kind
		// waits is the backoff after each failed attempt of a job that is
		// retried; after the last the job fails for good.
		waits []time.Duration
	}{
		{kind: store.KindPlan, waits: []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second}},
		{kind: store.KindRefreshRepo, waits: []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second}},
		{kind: store.KindApply},
		{kind: store.KindCommentCommand},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			c := newClock()
			s := openNew(t, newDB, c)
			id := enqueue(t, s, store.NewJob{Kind: tt.kind, Key: "o/r#1"}).ID
			for attempt := 1; ; attempt++ {
				j := claim(t, s, "w")
				if j.ID != id || j.Attempts != attempt {
					t.Fatalf("attempt %d claimed %+v", attempt, j)
				}
				cause := fmt.Errorf("attempt %d: github is down", attempt)
				j, err := s.Fail(t.Context(), id, "w", cause)
				if err != nil {
					t.Fatal(err)
				}
				if j.LastError != cause.Error() {
					t.Errorf("last error %q, want %q", j.LastError, cause)
				}
				if attempt > len(tt.waits) {
					if j.State != store.JobFailed {
						t.Errorf("after attempt %d the job is %s, want failed", attempt, j.State)
					}
					break
				}
				wait := tt.waits[attempt-1]
				if j.State != store.JobQueued || !j.RunAfter.Equal(c.now().Add(wait)) {
					t.Fatalf("after attempt %d: %s, run after %v; want queued, run after now+%v", attempt, j.State, j.RunAfter, wait)
				}
				c.advance(wait - time.Microsecond)
				if j, ok, err := s.Claim(t.Context(), "w", lease); ok || err != nil {
					t.Fatalf("claimed %+v (err %v) before the backoff ended", j, err)
				}
				c.advance(time.Microsecond)
			}
			if _, ok, _ := s.Claim(t.Context(), "w", lease); ok {
				t.Error("claimed a failed job")
			}
		})
	}
}

// testFinishNotRunning checks that only a running job can be completed or
// failed.
func testFinishNotRunning(t *testing.T, newDB NewDatabase) {
	s := openNew(t, newDB, nil)
	ctx := t.Context()
	done := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "done"})
	superseded := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "k"})
	claim(t, s, "w") // done
	claim(t, s, "w") // superseded
	newer := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "k", Supersedes: store.KindPlan})
	if err := s.Complete(ctx, done.ID, "w"); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		id   int64
		want error
	}{
		{name: "done", id: done.ID, want: store.ErrNotRunning},
		{name: "superseded while running", id: superseded.ID, want: store.ErrNotRunning},
		{name: "never claimed", id: newer.ID, want: store.ErrNotRunning},
		{name: "no such job", id: newer.ID + 1000, want: store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := getJobOrZero(t, s, tt.id)
			if err := s.Complete(ctx, tt.id, "w"); !errors.Is(err, tt.want) {
				t.Errorf("Complete: %v, want %v", err, tt.want)
			}
			if _, err := s.Fail(ctx, tt.id, "w", errors.New("boom")); !errors.Is(err, tt.want) {
				t.Errorf("Fail: %v, want %v", err, tt.want)
			}
			if after := getJobOrZero(t, s, tt.id); after.State != before.State || after.LastError != before.LastError {
				t.Errorf("job changed from %+v to %+v", before, after)
			}
		})
	}
}

// testSupersede checks that a job superseding a kind supersedes only the
// active jobs of that kind with its key.
func testSupersede(t *testing.T, newDB NewDatabase) {
	s := openNew(t, newDB, nil)
	ctx := t.Context()
	const key = "o/r#7"
	done := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: key})
	claim(t, s, "w")
	if err := s.Complete(ctx, done.ID, "w"); err != nil {
		t.Fatal(err)
	}
	running := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: key})
	claim(t, s, "w")
	queued := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: key})
	apply := enqueue(t, s, store.NewJob{Kind: store.KindApply, Key: key})
	otherPR := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "o/r#8"})
	current := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: key, Supersedes: store.KindPlan})

	tests := []struct {
		name string
		id   int64
		want store.JobState
	}{
		{"finished before", done.ID, store.JobDone},
		{"running", running.ID, store.JobSuperseded},
		{"queued", queued.ID, store.JobSuperseded},
		{"another kind", apply.ID, store.JobQueued},
		{"another key", otherPR.ID, store.JobQueued},
		{"the superseding job", current.ID, store.JobQueued},
	}
	for _, tt := range tests {
		if got := getJob(t, s, tt.id).State; got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

// testRecoverAfterRestart checks that the jobs a stopped process left
// running fail, and only those.
func testRecoverAfterRestart(t *testing.T, newDB NewDatabase) {
	db := newDB(t)
	c := newClock()
	s, err := db(c.now)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			s.Close()
		}
	})
	ctx := t.Context()
	tests := []struct {
		name        string
		kind        store.Kind
		attempts    int // claims; all but the last fail
		finish      bool
		want        store.JobState
		interrupted bool
	}{
		// A job running when the process died may have killed it: none
		// runs again, plans included.
		{name: "plan", kind: store.KindPlan, attempts: 1, want: store.JobFailed, interrupted: true},
		{name: "refresh", kind: store.KindRefreshRepo, attempts: 2, want: store.JobFailed, interrupted: true},
		{name: "plan out of attempts", kind: store.KindPlan, attempts: store.MaxAttempts, want: store.JobFailed, interrupted: true},
		{name: "apply", kind: store.KindApply, attempts: 1, want: store.JobFailed, interrupted: true},
		{name: "comment command", kind: store.KindCommentCommand, attempts: 1, want: store.JobFailed, interrupted: true},
		{name: "done", kind: store.KindApply, attempts: 1, finish: true, want: store.JobDone},
		{name: "never claimed", kind: store.KindApply, want: store.JobQueued},
	}
	jobIDs := make([]int64, len(tests))
	for i, tt := range tests {
		id := enqueue(t, s, store.NewJob{Kind: tt.kind, Key: tt.name}).ID
		jobIDs[i] = id
		for a := 1; a <= tt.attempts; a++ {
			c.advance(time.Hour) // past any backoff
			j := claim(t, s, "w", tt.kind)
			if j.ID != id {
				t.Fatalf("%s: claimed job %d, want %d", tt.name, j.ID, id)
			}
			if a < tt.attempts {
				if _, err := s.Fail(ctx, id, "w", errors.New("flaky")); err != nil {
					t.Fatal(err)
				}
			}
		}
		if tt.finish {
			if err := s.Complete(ctx, id, "w"); err != nil {
				t.Fatal(err)
			}
		}
	}

	// The process dies; a new one opens the same database.
	closed = true
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, db, c)
	interrupted, err := s.RecoverAfterRestart(ctx)
	if err != nil {
		t.Fatal(err)
	}

	var wantInterrupted []int64
	for i, tt := range tests {
		j := getJob(t, s, jobIDs[i])
		if j.State != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, j.State, tt.want)
		}
		if tt.interrupted {
			wantInterrupted = append(wantInterrupted, j.ID)
		}
		if wasRunning := tt.attempts > 0 && !tt.finish; wasRunning != (j.LastError == store.InterruptedMessage) {
			t.Errorf("%s: last error %q", tt.name, j.LastError)
		}
	}
	if !slices.Equal(ids(interrupted), wantInterrupted) {
		t.Errorf("returned %v as interrupted, want %v", ids(interrupted), wantInterrupted)
	}
	for _, j := range interrupted {
		if j.State != store.JobFailed {
			t.Errorf("returned job %d is %s", j.ID, j.State)
		}
	}

	again, err := s.RecoverAfterRestart(ctx)
	if err != nil || len(again) != 0 {
		t.Errorf("recovering again: %v, %v; want nothing", ids(again), err)
	}
	if j, ok, err := s.Claim(ctx, "w", lease, store.KindPlan, store.KindRefreshRepo); ok || err != nil {
		t.Errorf("claimed %+v (%v) after the restart; a failed job must not run again", j, err)
	}
}

// testRelease checks that a job a clean shutdown stopped goes back to the
// queue without losing an attempt when it is safe to run again, and stays
// running (for RecoverAfterRestart) otherwise.
func testRelease(t *testing.T, newDB NewDatabase) {
	s := openNew(t, newDB, nil)
	ctx := t.Context()
	plan := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "o/r#1"})
	claim(t, s, "w", store.KindPlan)
	if ok, err := s.Release(ctx, plan.ID, "w"); !ok || err != nil {
		t.Fatalf("Release(plan) = %v, %v; want true", ok, err)
	}
	if j := getJob(t, s, plan.ID); j.State != store.JobQueued || j.Attempts != 0 {
		t.Errorf("released plan is %s after %d attempts, want queued after 0", j.State, j.Attempts)
	}
	if _, err := s.Release(ctx, plan.ID, "w"); !errors.Is(err, store.ErrNotRunning) {
		t.Errorf("releasing a queued job: %v, want ErrNotRunning", err)
	}

	cmd := enqueue(t, s, store.NewJob{Kind: store.KindCommentCommand, Key: "o/r#1"})
	claim(t, s, "w", store.KindCommentCommand)
	if ok, err := s.Release(ctx, cmd.ID, "w"); ok || err != nil {
		t.Fatalf("Release(comment command) = %v, %v; want false", ok, err)
	}
	if j := getJob(t, s, cmd.ID); j.State != store.JobRunning {
		t.Errorf("comment command is %s, want still running", j.State)
	}
}

// testListJobs checks the filters of ListJobs, and GetJob.
func testListJobs(t *testing.T, newDB NewDatabase) {
	s := openNew(t, newDB, nil)
	ctx := t.Context()
	a1 := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "a"})
	b1 := enqueue(t, s, store.NewJob{Kind: store.KindPlan, Key: "b"})
	a2 := enqueue(t, s, store.NewJob{Kind: store.KindApply, Key: "a"})
	claim(t, s, "w") // a1
	tests := []struct {
		name   string
		filter store.JobFilter
		want   []int64
	}{
		{"all, newest first", store.JobFilter{}, []int64{a2.ID, b1.ID, a1.ID}},
		{"by key", store.JobFilter{Key: "a"}, []int64{a2.ID, a1.ID}},
		{"by state", store.JobFilter{States: []store.JobState{store.JobRunning}}, []int64{a1.ID}},
		{"by states", store.JobFilter{States: []store.JobState{store.JobRunning, store.JobQueued}}, []int64{a2.ID, b1.ID, a1.ID}},
		{"by key and state", store.JobFilter{Key: "a", States: []store.JobState{store.JobQueued}}, []int64{a2.ID}},
		{"limited", store.JobFilter{Limit: 2}, []int64{a2.ID, b1.ID}},
		{"none", store.JobFilter{Key: "c"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListJobs(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("got %v, want %v", ids(got), tt.want)
			}
		})
	}
	if _, err := s.GetJob(ctx, a2.ID+1000); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetJob(%d): %v, want ErrNotFound", a2.ID+1000, err)
	}
}

// testEnqueue checks the job Enqueue returns, and that times come back in
// UTC, to the microsecond.
func testEnqueue(t *testing.T, newDB NewDatabase) {
	c := newClock()
	s := openNew(t, newDB, c)
	now := time.Date(2025, 6, 1, 14, 0, 0, 123456789, time.FixedZone("CEST", 2*3600))
	c.set(now)
	later := now.Add(time.Hour)
	tests := []struct {
		name         string
		job          store.NewJob
		wantRunAfter time.Time
		wantErr      bool
	}{
		{name: "payload", job: store.NewJob{Kind: store.KindPlan, Key: "k", Payload: json.RawMessage(`{"pr":1}`)}, wantRunAfter: now},
		{name: "no payload", job: store.NewJob{Kind: store.KindRefreshRepo, Key: "k"}, wantRunAfter: now},
		{name: "delayed", job: store.NewJob{Kind: store.KindPlan, Key: "k", RunAfter: later}, wantRunAfter: later},
		{name: "payload not JSON", job: store.NewJob{Kind: store.KindPlan, Key: "k", Payload: json.RawMessage(`{pr`)}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := s.Enqueue(t.Context(), tt.job)
			if tt.wantErr {
				if err == nil {
					t.Errorf("enqueued %+v", j)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if j.Kind != tt.job.Kind || j.Key != tt.job.Key || string(j.Payload) != string(tt.job.Payload) ||
				j.State != store.JobQueued || j.Attempts != 0 || j.Worker != "" || !j.LeaseUntil.IsZero() || j.LastError != "" {
				t.Errorf("enqueued %+v", j)
			}
			if want := tt.wantRunAfter.Truncate(time.Microsecond); !j.RunAfter.Equal(want) || j.RunAfter.Location() != time.UTC {
				t.Errorf("run after %v, want %v in UTC", j.RunAfter, want)
			}
			if want := now.Truncate(time.Microsecond); j.CreatedAt.Location() != time.UTC || !j.CreatedAt.Equal(want) || !j.UpdatedAt.Equal(want) {
				t.Errorf("created at %v, updated at %v, want %v in UTC", j.CreatedAt, j.UpdatedAt, want)
			}
			if got := getJob(t, s, j.ID); !jobsEqual(got, j) {
				t.Errorf("read back %+v, want %+v", got, j)
			}
		})
	}
}

// testNewJobSupersedesOlderOnes checks that a delivery's job supersedes
// as an enqueued one does.
func testNewJobSupersedesOlderOnes(t *testing.T, newDB NewDatabase) {
	s := openNew(t, newDB, nil)
	ctx := t.Context()
	old, err := s.Enqueue(ctx, store.NewJob{Kind: store.KindPlan, Key: "o/r#1"})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := s.Enqueue(ctx, store.NewJob{Kind: store.KindPlan, Key: "o/r#2"})
	newer, isNew, err := s.RecordDelivery(ctx, "d", store.NewJob{Kind: store.KindPlan, Key: "o/r#1", Supersedes: store.KindPlan})
	if err != nil || !isNew {
		t.Fatal(err, isNew)
	}
	for _, tc := range []struct {
		id   int64
		want store.JobState
	}{{old.ID, store.JobSuperseded}, {other.ID, store.JobQueued}, {newer.ID, store.JobQueued}} {
		j, err := s.GetJob(ctx, tc.id)
		if err != nil || j.State != tc.want {
			t.Errorf("job %d: %s (%v), want %s", tc.id, j.State, err, tc.want)
		}
	}
}

// testCheckWritable checks that the write probe passes on a healthy store,
// again and again.
func testCheckWritable(t *testing.T, newDB NewDatabase) {
	s := openNew(t, newDB, nil)
	for i := range 2 {
		if err := s.CheckWritable(t.Context()); err != nil {
			t.Fatalf("probe %d: %v", i+1, err)
		}
	}
}
