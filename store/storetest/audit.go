package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// testAppendAudit checks the entries AppendAudit makes and what Audit and
// AuditChain read back.
func testAppendAudit(t *testing.T, newDB NewDatabase) {
	c := newClock()
	s := openNew(t, newDB, c)
	ctx := t.Context()
	start := c.now()
	appended := []store.AuditEntry{
		{Actor: "csocbot", Action: "webhook", Repo: "o/r", PR: 1, HeadSHA: "aaa", Outcome: "ok", Detail: "pull_request synchronize"},
		{Actor: "csocbot", Action: "lock", Repo: "o/r", PR: 1, HeadSHA: "aaa", Unit: "live/vpc", Outcome: "ok"},
		{Actor: "alice", Action: "apply_started", Repo: "o/r", PR: 1, HeadSHA: "aaa", Unit: "live/vpc", PlanSHA256: "ab12", RoleARN: "arn:aws:iam::1:role/apply"},
		{Actor: "bob", Action: "refusal", Repo: "o/r", PR: 2, HeadSHA: "ccc", Unit: "live/vpc", Outcome: "refused", Detail: "locked by #1"},
		{Actor: "alice", Action: "apply_finished", Repo: "o/r", PR: 1, HeadSHA: "aaa", Unit: "live/vpc", PlanSHA256: "ab12", RoleARN: "arn:aws:iam::1:role/apply", Outcome: "ok"},
		{Actor: "ops", Action: "unlock", Repo: "o/other", PR: 1, Unit: "live/vpc", Outcome: "ok"},
	}
	var entries []store.AuditEntry
	for i, e := range appended {
		c.set(start.Add(time.Duration(i) * time.Minute))
		// What the caller sets of the store's fields is ignored.
		e.Seq, e.PrevHash, e.Hash, e.Time = 99, "forged", "forged", start.Add(-time.Hour)
		got, err := s.AppendAudit(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		want := e
		want.Seq, want.Time = int64(i+1), c.now()
		if i > 0 {
			want.PrevHash = entries[i-1].Hash
		} else {
			want.PrevHash = ""
		}
		want.Hash = want.ComputeHash()
		if !auditEqual(got, want) {
			t.Errorf("appended %+v\nwant     %+v", got, want)
		}
		entries = append(entries, got)
	}
	for _, e := range []store.AuditEntry{{Action: "plan"}, {Actor: "alice"}} {
		if got, err := s.AppendAudit(ctx, e); err == nil {
			t.Errorf("appended %+v", got)
		}
	}

	tests := []struct {
		name   string
		filter store.AuditFilter
		want   []int64 // Seq
	}{
		{"everything", store.AuditFilter{}, []int64{1, 2, 3, 4, 5, 6}},
		{"repository", store.AuditFilter{Repo: "o/r"}, []int64{1, 2, 3, 4, 5}},
		{"pull request", store.AuditFilter{Repo: "o/r", PR: 1}, []int64{1, 2, 3, 5}},
		{"unit", store.AuditFilter{Unit: "live/vpc"}, []int64{2, 3, 4, 5, 6}},
		{"unit in a pull request", store.AuditFilter{Repo: "o/r", PR: 2, Unit: "live/vpc"}, []int64{4}},
		{"since", store.AuditFilter{Since: start.Add(3 * time.Minute)}, []int64{4, 5, 6}},
		{"since, between entries", store.AuditFilter{Since: start.Add(150 * time.Second)}, []int64{4, 5, 6}},
		{"the newest", store.AuditFilter{Limit: 2}, []int64{5, 6}},
		{"the newest of a pull request", store.AuditFilter{Repo: "o/r", PR: 1, Limit: 3}, []int64{2, 3, 5}},
		{"a limit above the count", store.AuditFilter{Repo: "o/other", Limit: 10}, []int64{6}},
		{"nothing", store.AuditFilter{Repo: "o/none"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Audit(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var seqs []int64
			for _, e := range got {
				if !auditEqual(e, entries[e.Seq-1]) {
					t.Errorf("read back %+v\nappended    %+v", e, entries[e.Seq-1])
				}
				seqs = append(seqs, e.Seq)
			}
			if !slices.Equal(seqs, tt.want) {
				t.Errorf("got entries %v, want %v", seqs, tt.want)
			}
		})
	}

	chain := auditChain(t, s)
	if !slices.EqualFunc(chain, entries, auditEqual) {
		t.Errorf("AuditChain read %+v\nwant %+v", chain, entries)
	}
	stop := errors.New("stop")
	var calls int
	err := s.AuditChain(ctx, func(store.AuditEntry) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 2 {
		t.Errorf("AuditChain returned %v after %d calls; want fn's error after 2", err, calls)
	}
}

// testAuditConcurrent appends from many goroutines through two stores on
// one database, as two processes would, and checks that the chain stays
// one line.
func testAuditConcurrent(t *testing.T, newDB NewDatabase) {
	db := newDB(t)
	stores := []store.Store{open(t, db, nil), open(t, db, nil)}
	const writers, each = 8, 25
	var (
		mu       sync.Mutex
		appended []store.AuditEntry
		wg       sync.WaitGroup
	)
	for w := range writers {
		s := stores[w%2]
		wg.Go(func() {
			for i := range each {
				e, err := s.AppendAudit(t.Context(), store.AuditEntry{Actor: fmt.Sprint("writer-", w), Action: "plan", Detail: fmt.Sprint(i)})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				appended = append(appended, e)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	chain := auditChain(t, stores[1])
	if len(chain) != writers*each {
		t.Fatalf("%d entries in the chain, %d appended", len(chain), writers*each)
	}
	if err := store.VerifyAudit(chain); err != nil {
		t.Error(err)
	}
	slices.SortFunc(appended, func(a, b store.AuditEntry) int { return int(a.Seq - b.Seq) })
	if !slices.EqualFunc(appended, chain, auditEqual) {
		t.Error("the entries AppendAudit returned are not the chain's")
	}
}

// testVerifyAudit checks that verifying the chain a store made passes,
// and that an edit, a deletion or an entry rewritten with its hash is
// found, at the right entry.
func testVerifyAudit(t *testing.T, newDB NewDatabase) {
	s := openNew(t, newDB, nil)
	for i := range 5 {
		if _, err := s.AppendAudit(t.Context(), store.AuditEntry{Actor: "alice", Action: "plan", Repo: "o/r", PR: 1, Detail: fmt.Sprint("entry ", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	chain := auditChain(t, s)
	tests := []struct {
		name    string
		tamper  func(chain []store.AuditEntry) []store.AuditEntry
		wantSeq int64 // of the error, 0 for none
	}{
		{name: "clean", tamper: func(c []store.AuditEntry) []store.AuditEntry { return c }},
		{
			name: "edited",
			tamper: func(c []store.AuditEntry) []store.AuditEntry {
				c[2].Outcome = "ok"
				return c
			},
			wantSeq: 3,
		},
		{
			name:    "the first deleted",
			tamper:  func(c []store.AuditEntry) []store.AuditEntry { return c[1:] },
			wantSeq: 1,
		},
		{
			name:    "one in the middle deleted",
			tamper:  func(c []store.AuditEntry) []store.AuditEntry { return slices.Delete(c, 2, 3) },
			wantSeq: 3,
		},
		{
			name: "deleted and renumbered",
			tamper: func(c []store.AuditEntry) []store.AuditEntry {
				c = slices.Delete(c, 2, 3)
				for i := 2; i < len(c); i++ {
					c[i].Seq--
					c[i].Hash = c[i].ComputeHash()
				}
				return c
			},
			wantSeq: 3,
		},
		{
			name: "rewritten with its hash",
			tamper: func(c []store.AuditEntry) []store.AuditEntry {
				c[2].Actor = "mallory"
				c[2].Hash = c[2].ComputeHash()
				return c
			},
			wantSeq: 4, // the next entry no longer links to it
		},
		{
			name: "one inserted",
			tamper: func(c []store.AuditEntry) []store.AuditEntry {
				forged := store.AuditEntry{Seq: 3, Time: c[2].Time, Actor: "mallory", Action: "apply_finished", PrevHash: c[1].Hash}
				forged.Hash = forged.ComputeHash()
				return slices.Insert(c, 2, forged)
			},
			wantSeq: 3, // the real entry 3 comes again
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := store.VerifyAudit(tt.tamper(slices.Clone(chain)))
			var chainErr *store.AuditChainError
			switch {
			case tt.wantSeq == 0 && err != nil:
				t.Errorf("a clean chain: %v", err)
			case tt.wantSeq == 0:
			case !errors.As(err, &chainErr):
				t.Errorf("error %v, want an AuditChainError", err)
			case chainErr.Seq != tt.wantSeq:
				t.Errorf("error %v names entry %d, want %d", err, chainErr.Seq, tt.wantSeq)
			}
		})
	}
}

// auditChain reads the whole chain with AuditChain.
func auditChain(t *testing.T, s store.Store) []store.AuditEntry {
	t.Helper()
	var chain []store.AuditEntry
	err := s.AuditChain(t.Context(), func(e store.AuditEntry) error {
		chain = append(chain, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return chain
}

func auditEqual(a, b store.AuditEntry) bool {
	return a.Seq == b.Seq && a.Time.Equal(b.Time) && a.Actor == b.Actor && a.Action == b.Action && a.Repo == b.Repo &&
		a.PR == b.PR && a.HeadSHA == b.HeadSHA && a.Unit == b.Unit && a.PlanSHA256 == b.PlanSHA256 &&
		a.RoleARN == b.RoleARN && a.Outcome == b.Outcome && a.Detail == b.Detail && a.PrevHash == b.PrevHash && a.Hash == b.Hash
}
