// Package storetest is the conformance suite of [store.Store]: the
// behaviour every implementation must have, checked through the interface
// alone. An implementation's tests call [Run] with a way to create an empty
// database; its own tests cover only what is its own (migrations, files,
// connection settings).
package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// Opener opens a store on one database. The store reads the time from now,
// or from time.Now when now is nil. Every store an Opener opens shares the
// database's data, as separate csocbot processes sharing it would; the
// suite closes each one it opens.
type Opener func(now func() time.Time) (store.Store, error)

// NewDatabase creates an empty database for the test t, removed when t
// ends, and returns how to open stores on it.
type NewDatabase func(t *testing.T) Opener

// Run runs the conformance suite, each test on databases newDB creates.
func Run(t *testing.T, newDB NewDatabase) {
	tests := []struct {
		name string
		test func(t *testing.T, newDB NewDatabase)
	}{
		{"RecordDelivery", testRecordDelivery},
		{"RecordDeliveryConcurrent", testRecordDeliveryConcurrent},
		{"Enqueue", testEnqueue},
		{"ClaimOrder", testClaimOrder},
		{"ClaimConcurrent", testClaimConcurrent},
		{"Fail", testFail},
		{"FinishNotRunning", testFinishNotRunning},
		{"Supersede", testSupersede},
		{"NewJobSupersedesOlderOnes", testNewJobSupersedesOlderOnes},
		{"SupersedeConcurrent", testSupersedeConcurrent},
		{"RecoverAfterRestart", testRecoverAfterRestart},
		{"Release", testRelease},
		{"ClaimLease", testClaimLease},
		{"NonPositiveLease", testNonPositiveLease},
		{"RenewLeases", testRenewLeases},
		{"ReclaimExpired", testReclaimExpired},
		{"Fencing", testFencing},
		{"ApplyExclusion", testApplyExclusion},
		{"ApplyExclusionConcurrent", testApplyExclusionConcurrent},
		{"Lead", testLead},
		{"ListJobs", testListJobs},
		{"CheckWritable", testCheckWritable},
		{"UpsertRun", testUpsertRun},
		{"RunsQueries", testRunsQueries},
		{"Comments", testComments},
		{"PolicyApprovals", testPolicyApprovals},
		{"RunPolicyAndBlockedState", testRunPolicyAndBlockedState},
		{"TryLock", testTryLock},
		{"Unlock", testUnlock},
		{"LockConcurrent", testLockConcurrent},
		{"PlanFiles", testPlanFiles},
		{"AppendAudit", testAppendAudit},
		{"AuditConcurrent", testAuditConcurrent},
		{"VerifyAudit", testVerifyAudit},
		{"CleanText", testCleanText},
		{"SlackThreads", testSlackThreads},
		{"SlackOutbox", testSlackOutbox},
		{"Prune", testPrune},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, newDB) })
	}
}

// open opens a store with opener, on clock c (the real time when c is
// nil), for the length of the test.
func open(t *testing.T, opener Opener, c *clock) store.Store {
	t.Helper()
	var now func() time.Time
	if c != nil {
		now = c.now
	}
	s, err := opener(now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// openNew opens a store on a new, empty database, on clock c (the real
// time when c is nil), for the length of the test.
func openNew(t *testing.T, newDB NewDatabase, c *clock) store.Store {
	t.Helper()
	return open(t, newDB(t), c)
}

// clock is a settable time for a store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) advance(d time.Duration) { c.set(c.now().Add(d)) }

func enqueue(t testing.TB, s store.Store, job store.NewJob) store.Job {
	t.Helper()
	j, err := s.Enqueue(t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func getJob(t testing.TB, s store.Store, id int64) store.Job {
	t.Helper()
	j, err := s.GetJob(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// getJobOrZero returns a job, or the zero job when there is no such job.
func getJobOrZero(t testing.TB, s store.Store, id int64) store.Job {
	t.Helper()
	j, err := s.GetJob(t.Context(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return j
}

// lease is the lease of the jobs the suite claims; a test moves its clock
// past it to end one.
const lease = time.Minute

// claim claims a job that must be there, for lease.
func claim(t testing.TB, s store.Store, worker string, kinds ...store.Kind) store.Job {
	t.Helper()
	j, ok, err := s.Claim(t.Context(), worker, lease, kinds...)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatalf("%s claimed nothing", worker)
	}
	return j
}

func ids(jobs []store.Job) []int64 {
	out := make([]int64, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

func jobsEqual(a, b store.Job) bool {
	return a.ID == b.ID && a.Kind == b.Kind && a.Key == b.Key && string(a.Payload) == string(b.Payload) &&
		a.State == b.State && a.Attempts == b.Attempts && a.RunAfter.Equal(b.RunAfter) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) && a.Worker == b.Worker &&
		a.LeaseUntil.Equal(b.LeaseUntil) && a.LastError == b.LastError
}

func runsEqual(a, b store.Run) bool {
	return a.ID == b.ID && a.Repo == b.Repo && a.PR == b.PR && a.HeadSHA == b.HeadSHA && a.Unit == b.Unit &&
		a.State == b.State && a.PlanPath == b.PlanPath && a.PlanSHA256 == b.PlanSHA256 &&
		string(a.Summary) == string(b.Summary) && string(a.Policy) == string(b.Policy) && slices.Equal(a.MockedFrom, b.MockedFrom) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}
