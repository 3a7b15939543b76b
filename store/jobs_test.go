package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestRecordDelivery(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	payload := json.RawMessage(`{"action":"synchronize","number":12}`)

	tests := []struct {
		name     string
		delivery string
		kind     Kind
		wantNew  bool
		wantJob  int // index into the jobs returned so far; -1 for a new one
	}{
		{name: "first delivery", delivery: "d-1", kind: KindPlan, wantNew: true, wantJob: -1},
		{name: "another delivery", delivery: "d-2", kind: KindPlan, wantNew: true, wantJob: -1},
		{name: "redelivery", delivery: "d-1", kind: KindPlan, wantJob: 0},
		{name: "redelivery with another job", delivery: "d-2", kind: KindApply, wantJob: 1},
	}
	var got []Job
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, isNew, err := s.RecordDelivery(ctx, tt.delivery, NewJob{Kind: tt.kind, Key: "o/r#12", Payload: payload})
			if err != nil {
				t.Fatal(err)
			}
			if isNew != tt.wantNew {
				t.Errorf("new = %v, want %v", isNew, tt.wantNew)
			}
			if tt.wantJob >= 0 && j.ID != got[tt.wantJob].ID {
				t.Errorf("got job %d, want the first delivery's job %d", j.ID, got[tt.wantJob].ID)
			}
			if string(j.Payload) != string(payload) || j.State != JobQueued {
				t.Errorf("job = %+v", j)
			}
			got = append(got, j)
		})
	}
	if j, _, err := s.RecordDelivery(ctx, "", NewJob{Kind: KindPlan, Key: "o/r#12"}); err == nil {
		t.Errorf("recorded a delivery without an id, enqueueing %+v", j)
	}
	jobs, err := s.ListJobs(ctx, JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 {
		t.Errorf("%d jobs enqueued for 2 deliveries", len(jobs))
	}
}

// TestRecordDeliveryConcurrent delivers the same webhooks from many
// goroutines through two stores on one file, as two processes would.
func TestRecordDeliveryConcurrent(t *testing.T) {
	a, path := openTemp(t)
	b := openAt(t, path)
	const deliveries, senders = 20, 8
	var (
		mu      sync.Mutex
		newJobs = map[string][]int64{}
		wg      sync.WaitGroup
	)
	for i := range senders {
		s := []*SQLite{a, b}[i%2]
		wg.Go(func() {
			for d := range deliveries {
				id := fmt.Sprintf("delivery-%d", d)
				j, isNew, err := s.RecordDelivery(t.Context(), id, NewJob{Kind: KindPlan, Key: id})
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
	jobs, err := a.ListJobs(t.Context(), JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != deliveries {
		t.Errorf("%d jobs for %d deliveries", len(jobs), deliveries)
	}
}

func TestClaimOrder(t *testing.T) {
	type claimStep struct {
		advance time.Duration // move the clock first
		kinds   []Kind
		want    string // the claimed job's key, or "" for none
	}
	tests := []struct {
		name   string
		jobs   []NewJob // RunAfter is relative to the clock's start, as an offset from the zero time
		claims []claimStep
	}{
		{
			name: "oldest first",
			jobs: []NewJob{{Kind: KindPlan, Key: "a"}, {Kind: KindPlan, Key: "b"}, {Kind: KindPlan, Key: "c"}},
			claims: []claimStep{
				{want: "a"}, {want: "b"}, {want: "c"}, {want: ""},
			},
		},
		{
			name: "only the kinds asked for",
			jobs: []NewJob{{Kind: KindApply, Key: "apply"}, {Kind: KindPlan, Key: "plan"}, {Kind: KindRefreshRepo, Key: "refresh"}},
			claims: []claimStep{
				{kinds: []Kind{KindPlan, KindRefreshRepo}, want: "plan"},
				{kinds: []Kind{KindPlan, KindRefreshRepo}, want: "refresh"},
				{kinds: []Kind{KindPlan}, want: ""},
				{kinds: []Kind{KindCommentCommand}, want: ""},
				{want: "apply"},
			},
		},
		{
			name: "not before run_after",
			jobs: []NewJob{
				{Kind: KindPlan, Key: "later", RunAfter: time.Time{}.Add(time.Minute)},
				{Kind: KindPlan, Key: "now"},
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
			s, _ := openTemp(t)
			c := fakeClock(s)
			start := c.t
			for _, j := range tt.jobs {
				if !j.RunAfter.IsZero() {
					j.RunAfter = start.Add(j.RunAfter.Sub(time.Time{}))
				}
				enqueue(t, s, j)
			}
			for i, step := range tt.claims {
				c.advance(step.advance)
				j, ok, err := s.Claim(t.Context(), "w", step.kinds...)
				if err != nil {
					t.Fatal(err)
				}
				if got := j.Key; got != step.want || ok != (step.want != "") {
					t.Errorf("claim %d (kinds %v): got %q (ok %v), want %q", i, step.kinds, got, ok, step.want)
				}
				if ok && (j.State != JobRunning || j.Worker != "w" || j.Attempts != 1 || !j.UpdatedAt.Equal(c.t)) {
					t.Errorf("claim %d: claimed job = %+v", i, j)
				}
			}
		})
	}
}

// TestClaimConcurrent has several workers drain one queue, in one process
// and through two stores on one file as two processes would, and checks that
// every job is claimed exactly once.
func TestClaimConcurrent(t *testing.T) {
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
			first, path := openTemp(t)
			stores := []*SQLite{first}
			for range tt.stores - 1 {
				stores = append(stores, openAt(t, path))
			}
			const jobs = 300
			for i := range jobs {
				enqueue(t, first, NewJob{Kind: KindPlan, Key: fmt.Sprint(i)})
			}

			claimedBy := make([][]string, jobs+1) // by job id, which starts at 1
			var (
				mu sync.Mutex
				wg sync.WaitGroup
			)
			for w := range tt.workers {
				s := stores[w%len(stores)]
				worker := fmt.Sprintf("worker-%d", w)
				wg.Go(func() {
					for {
						j, ok, err := s.Claim(t.Context(), worker)
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
						if err := s.Complete(t.Context(), j.ID); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			for id := 1; id <= jobs; id++ {
				if len(claimedBy[id]) != 1 {
					t.Errorf("job %d claimed by %v, want exactly one worker", id, claimedBy[id])
				}
			}
			done, err := first.ListJobs(t.Context(), JobFilter{States: []JobState{JobDone}})
			if err != nil {
				t.Fatal(err)
			}
			if len(done) != jobs {
				t.Errorf("%d of %d jobs done", len(done), jobs)
			}
		})
	}
}

func TestFail(t *testing.T) {
	tests := []struct {
		kind Kind
		// waits is the backoff after each failed attempt of a job that is
		// retried; after the last the job fails for good.
		waits []time.Duration
	}{
		{kind: KindPlan, waits: []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second}},
		{kind: KindRefreshRepo, waits: []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second}},
		{kind: KindApply},
		{kind: KindCommentCommand},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			s, _ := openTemp(t)
			c := fakeClock(s)
			id := enqueue(t, s, NewJob{Kind: tt.kind, Key: "o/r#1"}).ID
			for attempt := 1; ; attempt++ {
				j := claim(t, s, "w")
				if j.ID != id || j.Attempts != attempt {
					t.Fatalf("attempt %d claimed %+v", attempt, j)
				}
				cause := fmt.Errorf("attempt %d: github is down", attempt)
				j, err := s.Fail(t.Context(), id, cause)
				if err != nil {
					t.Fatal(err)
				}
				if j.LastError != cause.Error() {
					t.Errorf("last error %q, want %q", j.LastError, cause)
				}
				if attempt > len(tt.waits) {
					if j.State != JobFailed {
						t.Errorf("after attempt %d the job is %s, want failed", attempt, j.State)
					}
					break
				}
				wait := tt.waits[attempt-1]
				if j.State != JobQueued || !j.RunAfter.Equal(c.t.Add(wait)) {
					t.Fatalf("after attempt %d: %s, run after %v; want queued, run after now+%v", attempt, j.State, j.RunAfter, wait)
				}
				c.advance(wait - time.Microsecond)
				if j, ok, err := s.Claim(t.Context(), "w"); ok || err != nil {
					t.Fatalf("claimed %+v (err %v) before the backoff ended", j, err)
				}
				c.advance(time.Microsecond)
			}
			if _, ok, _ := s.Claim(t.Context(), "w"); ok {
				t.Error("claimed a failed job")
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{1, 10 * time.Second},
		{2, 20 * time.Second},
		{5, 160 * time.Second},
		{6, 5 * time.Minute},
		{100, 5 * time.Minute},
	}
	for _, tt := range tests {
		if got := backoff(tt.attempt); got != tt.want {
			t.Errorf("backoff(%d) = %v, want %v", tt.attempt, got, tt.want)
		}
	}
}

func TestFinishNotRunning(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	done := enqueue(t, s, NewJob{Kind: KindPlan, Key: "done"})
	superseded := enqueue(t, s, NewJob{Kind: KindPlan, Key: "k"})
	claim(t, s, "w") // done
	claim(t, s, "w") // superseded
	newer := enqueue(t, s, NewJob{Kind: KindPlan, Key: "k", Supersedes: KindPlan})
	if err := s.Complete(ctx, done.ID); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		id   int64
		want error
	}{
		{name: "done", id: done.ID, want: ErrNotRunning},
		{name: "superseded while running", id: superseded.ID, want: ErrNotRunning},
		{name: "never claimed", id: newer.ID, want: ErrNotRunning},
		{name: "no such job", id: 999, want: ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := getJobOrZero(t, s, tt.id)
			if err := s.Complete(ctx, tt.id); !errors.Is(err, tt.want) {
				t.Errorf("Complete: %v, want %v", err, tt.want)
			}
			if _, err := s.Fail(ctx, tt.id, errors.New("boom")); !errors.Is(err, tt.want) {
				t.Errorf("Fail: %v, want %v", err, tt.want)
			}
			if after := getJobOrZero(t, s, tt.id); after.State != before.State || after.LastError != before.LastError {
				t.Errorf("job changed from %+v to %+v", before, after)
			}
		})
	}
}

func getJobOrZero(t *testing.T, s *SQLite, id int64) Job {
	j, err := s.GetJob(t.Context(), id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	return j
}

func TestSupersede(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	const key = "o/r#7"
	done := enqueue(t, s, NewJob{Kind: KindPlan, Key: key})
	claim(t, s, "w")
	if err := s.Complete(ctx, done.ID); err != nil {
		t.Fatal(err)
	}
	running := enqueue(t, s, NewJob{Kind: KindPlan, Key: key})
	claim(t, s, "w")
	queued := enqueue(t, s, NewJob{Kind: KindPlan, Key: key})
	apply := enqueue(t, s, NewJob{Kind: KindApply, Key: key})
	otherPR := enqueue(t, s, NewJob{Kind: KindPlan, Key: "o/r#8"})
	current := enqueue(t, s, NewJob{Kind: KindPlan, Key: key, Supersedes: KindPlan})

	tests := []struct {
		name string
		id   int64
		want JobState
	}{
		{"finished before", done.ID, JobDone},
		{"running", running.ID, JobSuperseded},
		{"queued", queued.ID, JobSuperseded},
		{"another kind", apply.ID, JobQueued},
		{"another key", otherPR.ID, JobQueued},
		{"the superseding job", current.ID, JobQueued},
	}
	for _, tt := range tests {
		if got := getJob(t, s, tt.id).State; got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestRecoverAfterRestart(t *testing.T) {
	s, path := openTemp(t)
	ctx := t.Context()
	tests := []struct {
		name        string
		kind        Kind
		attempts    int // claims; all but the last fail
		finish      bool
		want        JobState
		interrupted bool
	}{
		// A job running when the process died may have killed it: none
		// runs again, plans included.
		{name: "plan", kind: KindPlan, attempts: 1, want: JobFailed, interrupted: true},
		{name: "refresh", kind: KindRefreshRepo, attempts: 2, want: JobFailed, interrupted: true},
		{name: "plan out of attempts", kind: KindPlan, attempts: MaxAttempts, want: JobFailed, interrupted: true},
		{name: "apply", kind: KindApply, attempts: 1, want: JobFailed, interrupted: true},
		{name: "comment command", kind: KindCommentCommand, attempts: 1, want: JobFailed, interrupted: true},
		{name: "done", kind: KindApply, attempts: 1, finish: true, want: JobDone},
		{name: "never claimed", kind: KindApply, want: JobQueued},
	}
	c := fakeClock(s)
	jobIDs := make([]int64, len(tests))
	for i, tt := range tests {
		id := enqueue(t, s, NewJob{Kind: tt.kind, Key: tt.name}).ID
		jobIDs[i] = id
		for a := 1; a <= tt.attempts; a++ {
			c.advance(time.Hour) // past any backoff
			j := claim(t, s, "w", tt.kind)
			if j.ID != id {
				t.Fatalf("%s: claimed job %d, want %d", tt.name, j.ID, id)
			}
			if a < tt.attempts {
				if _, err := s.Fail(ctx, id, errors.New("flaky")); err != nil {
					t.Fatal(err)
				}
			}
		}
		if tt.finish {
			if err := s.Complete(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
	}

	// The process dies; a new one opens the same database.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path)
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
		if wasRunning := tt.attempts > 0 && !tt.finish; wasRunning != (j.LastError == interruptedError) {
			t.Errorf("%s: last error %q", tt.name, j.LastError)
		}
	}
	if !slices.Equal(ids(interrupted), wantInterrupted) {
		t.Errorf("returned %v as interrupted, want %v", ids(interrupted), wantInterrupted)
	}
	for _, j := range interrupted {
		if j.State != JobFailed {
			t.Errorf("returned job %d is %s", j.ID, j.State)
		}
	}

	again, err := s.RecoverAfterRestart(ctx)
	if err != nil || len(again) != 0 {
		t.Errorf("recovering again: %v, %v; want nothing", ids(again), err)
	}
	if j, ok, err := s.Claim(ctx, "w", KindPlan, KindRefreshRepo); ok || err != nil {
		t.Errorf("claimed %+v (%v) after the restart; a failed job must not run again", j, err)
	}
}

// TestRelease checks that a job a clean shutdown stopped goes back to the
// queue without losing an attempt when it is safe to run again, and stays
// running (for RecoverAfterRestart) otherwise.
func TestRelease(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	plan := enqueue(t, s, NewJob{Kind: KindPlan, Key: "o/r#1"})
	claim(t, s, "w", KindPlan)
	if ok, err := s.Release(ctx, plan.ID); !ok || err != nil {
		t.Fatalf("Release(plan) = %v, %v; want true", ok, err)
	}
	if j := getJob(t, s, plan.ID); j.State != JobQueued || j.Attempts != 0 {
		t.Errorf("released plan is %s after %d attempts, want queued after 0", j.State, j.Attempts)
	}
	if _, err := s.Release(ctx, plan.ID); !errors.Is(err, ErrNotRunning) {
		t.Errorf("releasing a queued job: %v, want ErrNotRunning", err)
	}

	cmd := enqueue(t, s, NewJob{Kind: KindCommentCommand, Key: "o/r#1"})
	claim(t, s, "w", KindCommentCommand)
	if ok, err := s.Release(ctx, cmd.ID); ok || err != nil {
		t.Fatalf("Release(comment command) = %v, %v; want false", ok, err)
	}
	if j := getJob(t, s, cmd.ID); j.State != JobRunning {
		t.Errorf("comment command is %s, want still running", j.State)
	}
}

func TestListJobs(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	a1 := enqueue(t, s, NewJob{Kind: KindPlan, Key: "a"})
	b1 := enqueue(t, s, NewJob{Kind: KindPlan, Key: "b"})
	a2 := enqueue(t, s, NewJob{Kind: KindApply, Key: "a"})
	claim(t, s, "w") // a1
	tests := []struct {
		name   string
		filter JobFilter
		want   []int64
	}{
		{"all, newest first", JobFilter{}, []int64{a2.ID, b1.ID, a1.ID}},
		{"by key", JobFilter{Key: "a"}, []int64{a2.ID, a1.ID}},
		{"by state", JobFilter{States: []JobState{JobRunning}}, []int64{a1.ID}},
		{"by states", JobFilter{States: []JobState{JobRunning, JobQueued}}, []int64{a2.ID, b1.ID, a1.ID}},
		{"by key and state", JobFilter{Key: "a", States: []JobState{JobQueued}}, []int64{a2.ID}},
		{"limited", JobFilter{Limit: 2}, []int64{a2.ID, b1.ID}},
		{"none", JobFilter{Key: "c"}, nil},
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
	if _, err := s.GetJob(ctx, 42); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetJob(42): %v, want ErrNotFound", err)
	}
}

func TestEnqueue(t *testing.T) {
	s, _ := openTemp(t)
	c := fakeClock(s)
	c.t = time.Date(2025, 6, 1, 14, 0, 0, 123456789, time.FixedZone("CEST", 2*3600))
	later := c.t.Add(time.Hour)
	tests := []struct {
		name         string
		job          NewJob
		wantRunAfter time.Time
		wantErr      bool
	}{
		{name: "payload", job: NewJob{Kind: KindPlan, Key: "k", Payload: json.RawMessage(`{"pr":1}`)}, wantRunAfter: c.t},
		{name: "no payload", job: NewJob{Kind: KindRefreshRepo, Key: "k"}, wantRunAfter: c.t},
		{name: "delayed", job: NewJob{Kind: KindPlan, Key: "k", RunAfter: later}, wantRunAfter: later},
		{name: "payload not JSON", job: NewJob{Kind: KindPlan, Key: "k", Payload: json.RawMessage(`{pr`)}, wantErr: true},
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
				j.State != JobQueued || j.Attempts != 0 || j.Worker != "" || j.LastError != "" {
				t.Errorf("enqueued %+v", j)
			}
			if want := tt.wantRunAfter.Truncate(time.Microsecond); !j.RunAfter.Equal(want) || j.RunAfter.Location() != time.UTC {
				t.Errorf("run after %v, want %v in UTC", j.RunAfter, want)
			}
			if j.CreatedAt.Location() != time.UTC || !j.CreatedAt.Equal(c.t.Truncate(time.Microsecond)) {
				t.Errorf("created at %v, want %v in UTC", j.CreatedAt, c.t)
			}
			if got := getJob(t, s, j.ID); !jobsEqual(got, j) {
				t.Errorf("read back %+v, want %+v", got, j)
			}
			var stored string
			if err := s.db.QueryRowContext(t.Context(), `SELECT created_at FROM jobs WHERE id = ?`, j.ID).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if want := "2025-06-01T12:00:00.123456Z"; stored != want {
				t.Errorf("stored created_at %q, want %q", stored, want)
			}
		})
	}
}

func jobsEqual(a, b Job) bool {
	return a.ID == b.ID && a.Kind == b.Kind && a.Key == b.Key && string(a.Payload) == string(b.Payload) &&
		a.State == b.State && a.Attempts == b.Attempts && a.RunAfter.Equal(b.RunAfter) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) && a.Worker == b.Worker && a.LastError == b.LastError
}

func TestNewJobSupersedesOlderOnes(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	old, err := s.Enqueue(ctx, NewJob{Kind: KindPlan, Key: "o/r#1"})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := s.Enqueue(ctx, NewJob{Kind: KindPlan, Key: "o/r#2"})
	newer, isNew, err := s.RecordDelivery(ctx, "d", NewJob{Kind: KindPlan, Key: "o/r#1", Supersedes: KindPlan})
	if err != nil || !isNew {
		t.Fatal(err, isNew)
	}
	for _, tc := range []struct {
		id   int64
		want JobState
	}{{old.ID, JobSuperseded}, {other.ID, JobQueued}, {newer.ID, JobQueued}} {
		j, err := s.GetJob(ctx, tc.id)
		if err != nil || j.State != tc.want {
			t.Errorf("job %d: %s (%v), want %s", tc.id, j.State, err, tc.want)
		}
	}
}
