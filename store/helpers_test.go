package store

import (
	"path/filepath"
	"testing"
	"time"
)

// openAt opens the store at path for the length of the test.
func openAt(t testing.TB, path string) *SQLite {
	t.Helper()
	s, err := Open(t.Context(), path)
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

// openTemp opens a new store in a temporary directory and returns it with
// the path of its file.
func openTemp(t testing.TB) (*SQLite, string) {
	path := filepath.Join(t.TempDir(), "csocbot.db")
	return openAt(t, path), path
}

// clock is a settable time for a store; it is not safe for concurrent use.
type clock struct{ t time.Time }

// fakeClock makes s read its time from the returned clock.
func fakeClock(s *SQLite) *clock {
	c := &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	s.now = func() time.Time { return c.t }
	return c
}

func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func enqueue(t testing.TB, s *SQLite, job NewJob) Job {
	t.Helper()
	j, err := s.Enqueue(t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func getJob(t testing.TB, s *SQLite, id int64) Job {
	t.Helper()
	j, err := s.GetJob(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// claim claims a job that must be there.
func claim(t testing.TB, s *SQLite, worker string, kinds ...Kind) Job {
	t.Helper()
	j, ok, err := s.Claim(t.Context(), worker, kinds...)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatalf("%s claimed nothing", worker)
	}
	return j
}

func ids(jobs []Job) []int64 {
	out := make([]int64, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}
