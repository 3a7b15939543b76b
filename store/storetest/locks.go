package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// testTryLock checks who gets a lock: the first pull request, then only
// it (with its head and holder updated), one lock per repository, unit
// and workspace.
func testTryLock(t *testing.T, newDB NewDatabase) {
	c := newClock()
	s := openNew(t, newDB, c)
	start := c.now()
	tests := []struct {
		name    string
		lock    store.Lock // tried at start plus as many seconds as steps before it
		wantOK  bool
		want    store.Lock // the lock returned; Acquired is an offset from start, as an offset from the zero time
		wantErr bool
	}{
		{
			name:   "free",
			lock:   store.Lock{Repo: "o/r", Unit: "live/vpc", PR: 1, HeadSHA: "aaa", Holder: "alice"},
			wantOK: true,
			want:   store.Lock{Repo: "o/r", Unit: "live/vpc", PR: 1, HeadSHA: "aaa", Holder: "alice"},
		},
		{
			name: "held by another pull request",
			lock: store.Lock{Repo: "o/r", Unit: "live/vpc", PR: 2, HeadSHA: "ccc", Holder: "bob"},
			want: store.Lock{Repo: "o/r", Unit: "live/vpc", PR: 1, HeadSHA: "aaa", Holder: "alice"},
		},
		{
			name:   "the holder again, at a new head, by someone else",
			lock:   store.Lock{Repo: "o/r", Unit: "live/vpc", PR: 1, HeadSHA: "bbb", Holder: "carol"},
			wantOK: true,
			want:   store.Lock{Repo: "o/r", Unit: "live/vpc", PR: 1, HeadSHA: "bbb", Holder: "carol"},
		},
		{
			name: "held, with the head the holder updated",
			lock: store.Lock{Repo: "o/r", Unit: "live/vpc", PR: 2, HeadSHA: "ccc", Holder: "bob"},
			want: store.Lock{Repo: "o/r", Unit: "live/vpc", PR: 1, HeadSHA: "bbb", Holder: "carol"},
		},
		{
			name:   "another workspace",
			lock:   store.Lock{Repo: "o/r", Unit: "live/vpc", Workspace: "staging", PR: 2, HeadSHA: "ccc", Holder: "bob"},
			wantOK: true,
			want:   store.Lock{Repo: "o/r", Unit: "live/vpc", Workspace: "staging", PR: 2, HeadSHA: "ccc", Holder: "bob", Acquired: time.Time{}.Add(4 * time.Second)},
		},
		{
			name:   "another unit",
			lock:   store.Lock{Repo: "o/r", Unit: "live/eks", PR: 2, HeadSHA: "ccc", Holder: "bob"},
			wantOK: true,
			want:   store.Lock{Repo: "o/r", Unit: "live/eks", PR: 2, HeadSHA: "ccc", Holder: "bob", Acquired: time.Time{}.Add(5 * time.Second)},
		},
		{
			name:   "another repository",
			lock:   store.Lock{Repo: "o/other", Unit: "live/vpc", PR: 2, HeadSHA: "ddd", Holder: "bob"},
			wantOK: true,
			want:   store.Lock{Repo: "o/other", Unit: "live/vpc", PR: 2, HeadSHA: "ddd", Holder: "bob", Acquired: time.Time{}.Add(6 * time.Second)},
		},
		{name: "no pull request", lock: store.Lock{Repo: "o/r", Unit: "live/rds"}, wantErr: true},
		{name: "no unit", lock: store.Lock{Repo: "o/r", PR: 3}, wantErr: true},
		{name: "no repository", lock: store.Lock{Unit: "live/rds", PR: 3}, wantErr: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.set(start.Add(time.Duration(i) * time.Second))
			got, ok, err := s.TryLock(t.Context(), tt.lock)
			if tt.wantErr {
				if err == nil {
					t.Errorf("took %+v (%v)", got, ok)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.Acquired = start.Add(want.Acquired.Sub(time.Time{}))
			if ok != tt.wantOK || !locksEqual(got, want) {
				t.Errorf("got %+v, %v\nwant %+v, %v", got, ok, want, tt.wantOK)
			}
		})
	}
	checkLocks(t, s, "", "o/other live/vpc #2", "o/r live/eks #2", "o/r live/vpc #1", "o/r live/vpc:staging #2")
	checkLocks(t, s, "o/r", "o/r live/eks #2", "o/r live/vpc #1", "o/r live/vpc:staging #2")
	checkLocks(t, s, "o/none")
}

// testUnlock checks which locks Unlock and ForceUnlock release.
func testUnlock(t *testing.T, newDB NewDatabase) {
	s := openNew(t, newDB, nil)
	ctx := t.Context()
	for _, l := range []store.Lock{
		{Repo: "o/r", Unit: "live/a", PR: 1},
		{Repo: "o/r", Unit: "live/b", PR: 1},
		{Repo: "o/r", Unit: "live/b", Workspace: "blue", PR: 1},
		{Repo: "o/r", Unit: "live/c", PR: 1},
		{Repo: "o/r", Unit: "live/d", PR: 1},
		{Repo: "o/r", Unit: "live/e", PR: 2},
		{Repo: "o/other", Unit: "live/a", PR: 1},
	} {
		if _, ok, err := s.TryLock(ctx, l); !ok || err != nil {
			t.Fatalf("locking %+v: %v, %v", l, ok, err)
		}
	}
	steps := []struct {
		name         string
		unlock       func() ([]store.Lock, error)
		wantReleased []string
		wantHeld     []string // in o/r, after the step
	}{
		{
			name:         "some units, every workspace",
			unlock:       func() ([]store.Lock, error) { return s.Unlock(ctx, "o/r", 1, "live/b", "live/a") },
			wantReleased: []string{"o/r live/a #1", "o/r live/b #1", "o/r live/b:blue #1"},
			wantHeld:     []string{"o/r live/c #1", "o/r live/d #1", "o/r live/e #2"},
		},
		{
			name:     "units the pull request does not hold",
			unlock:   func() ([]store.Lock, error) { return s.Unlock(ctx, "o/r", 1, "live/e", "live/zzz") },
			wantHeld: []string{"o/r live/c #1", "o/r live/d #1", "o/r live/e #2"},
		},
		{
			name:         "an operator releases another's lock",
			unlock:       forceUnlock(ctx, s, "o/r", "live/e", ""),
			wantReleased: []string{"o/r live/e #2"},
			wantHeld:     []string{"o/r live/c #1", "o/r live/d #1"},
		},
		{
			name:     "an operator releases a lock nobody holds",
			unlock:   forceUnlock(ctx, s, "o/r", "live/e", ""),
			wantHeld: []string{"o/r live/c #1", "o/r live/d #1"},
		},
		{
			name:     "an operator names a workspace nobody holds",
			unlock:   forceUnlock(ctx, s, "o/r", "live/c", "blue"),
			wantHeld: []string{"o/r live/c #1", "o/r live/d #1"},
		},
		{
			name:         "all of them, in this repository only",
			unlock:       func() ([]store.Lock, error) { return s.Unlock(ctx, "o/r", 1) },
			wantReleased: []string{"o/r live/c #1", "o/r live/d #1"},
		},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			released, err := st.unlock()
			if err != nil {
				t.Fatal(err)
			}
			if got := lockNames(released); !slices.Equal(got, st.wantReleased) {
				t.Errorf("released %v, want %v", got, st.wantReleased)
			}
			checkLocks(t, s, "o/r", st.wantHeld...)
		})
	}
	checkLocks(t, s, "o/other", "o/other live/a #1")
	if _, ok, err := s.TryLock(ctx, store.Lock{Repo: "o/r", Unit: "live/a", PR: 2}); !ok || err != nil {
		t.Errorf("locking a released unit: %v, %v", ok, err)
	}
}

// forceUnlock returns a step that calls ForceUnlock and returns what it
// released.
func forceUnlock(ctx context.Context, s store.Store, repo, unit, workspace string) func() ([]store.Lock, error) {
	return func() ([]store.Lock, error) {
		l, ok, err := s.ForceUnlock(ctx, repo, unit, workspace)
		if !ok {
			return nil, err
		}
		return []store.Lock{l}, err
	}
}

// testLockConcurrent has pull requests race for the same units from many
// goroutines through two stores on one database, as two processes would,
// and checks that no unit ever has two holders.
func testLockConcurrent(t *testing.T, newDB NewDatabase) {
	db := newDB(t)
	stores := []store.Store{open(t, db, nil), open(t, db, nil)}
	const prs = 8

	t.Run("first come", func(t *testing.T) {
		const units = 20
		var (
			mu      sync.Mutex
			winners = map[string][]int{}
			seen    = map[string][]int{} // the holders losers were shown
			wg      sync.WaitGroup
		)
		for pr := 1; pr <= prs; pr++ {
			s := stores[pr%2]
			wg.Go(func() {
				for u := range units {
					unit := fmt.Sprintf("live/%d", (u+pr)%units) // each starts elsewhere
					l, ok, err := s.TryLock(t.Context(), store.Lock{Repo: "o/r", Unit: unit, PR: pr, Holder: fmt.Sprint("user-", pr)})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if ok {
						winners[unit] = append(winners[unit], pr)
					} else {
						seen[unit] = append(seen[unit], l.PR)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		held, err := stores[0].Locks(t.Context(), "o/r")
		if err != nil {
			t.Fatal(err)
		}
		if len(held) != units {
			t.Errorf("%d locks held, want %d", len(held), units)
		}
		for _, l := range held {
			if w := winners[l.Unit]; len(w) != 1 || w[0] != l.PR || l.Holder != fmt.Sprint("user-", l.PR) {
				t.Errorf("%s: held by %+v, taken by %v; want taken once, by its holder", l.Unit, l, w)
			}
			for _, pr := range seen[l.Unit] {
				if pr != l.PR {
					t.Errorf("%s: a loser was shown #%d as the holder, held by #%d", l.Unit, pr, l.PR)
				}
			}
			if len(seen[l.Unit]) != prs-1 {
				t.Errorf("%s: %d losers, want %d", l.Unit, len(seen[l.Unit]), prs-1)
			}
		}
	})

	t.Run("take and release", func(t *testing.T) {
		// Every pull request takes and releases one unit again and again;
		// holders counts those that believe they hold it.
		const rounds = 25
		var (
			holders, taken atomic.Int32
			wg             sync.WaitGroup
		)
		for pr := 1; pr <= prs; pr++ {
			s := stores[pr%2]
			wg.Go(func() {
				for range rounds {
					_, ok, err := s.TryLock(t.Context(), store.Lock{Repo: "o/r", Unit: "live/contended", PR: pr})
					if err != nil {
						t.Error(err)
						return
					}
					if !ok {
						continue
					}
					taken.Add(1)
					if n := holders.Add(1); n != 1 {
						t.Errorf("#%d took the lock while %d other pull requests held it", pr, n-1)
					}
					holders.Add(-1)
					if _, err := s.Unlock(t.Context(), "o/r", pr, "live/contended"); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if taken.Load() == 0 {
			t.Error("nobody took the lock")
		}
	})
}

func locksEqual(a, b store.Lock) bool {
	return a.Repo == b.Repo && a.Unit == b.Unit && a.Workspace == b.Workspace && a.PR == b.PR &&
		a.HeadSHA == b.HeadSHA && a.Holder == b.Holder && a.Acquired.Equal(b.Acquired)
}

// lockNames names locks "repo unit[:workspace] #pr".
func lockNames(locks []store.Lock) []string {
	var out []string
	for _, l := range locks {
		name := l.Repo + " " + l.Unit
		if l.Workspace != "" {
			name += ":" + l.Workspace
		}
		out = append(out, fmt.Sprintf("%s #%d", name, l.PR))
	}
	return out
}

// checkLocks checks the locks held in repo, in order.
func checkLocks(t *testing.T, s store.Store, repo string, want ...string) {
	t.Helper()
	locks, err := s.Locks(t.Context(), repo)
	if err != nil {
		t.Fatal(err)
	}
	if got := lockNames(locks); !slices.Equal(got, want) {
		t.Errorf("locks in %q: %v, want %v", repo, got, want)
	}
}
