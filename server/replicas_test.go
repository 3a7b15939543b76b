package server

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// TestRenewLeases runs jobs as a worker would, then has the store take
// some of them away: a lost plan is cancelled, a lost apply is let
// finish but its fence closes, and the others keep their leases.
func TestRenewLeases(t *testing.T) {
	s, st := newIntakeServer(t)
	ctx := t.Context()
	const worker = "replica-a/worker-0"
	type job struct {
		kind      store.Kind
		key       string
		lose      func(store.Job) // takes the job away from worker; nil keeps it
		cancelled bool
		fenced    bool
	}
	complete := func(j store.Job) {
		if err := st.Complete(ctx, j.ID, worker); err != nil {
			t.Fatal(err)
		}
	}
	supersede := func(j store.Job) {
		if _, err := st.Enqueue(ctx, store.NewJob{Kind: j.Kind, Key: j.Key, Supersedes: j.Kind}); err != nil {
			t.Fatal(err)
		}
	}
	tests := map[string]*job{
		"plan kept":       {kind: store.KindPlan, key: "o/r#1"},
		"plan superseded": {kind: store.KindPlan, key: "o/r#2", lose: supersede, cancelled: true, fenced: true},
		"apply kept":      {kind: store.KindApply, key: "o/r#3"},
		"apply lost":      {kind: store.KindApply, key: "o/r#4", lose: complete, fenced: true},
	}
	cancelled := map[string]bool{}
	ids := map[string]int64{}
	for name, tt := range tests {
		if _, err := st.Enqueue(ctx, store.NewJob{Kind: tt.kind, Key: tt.key}); err != nil {
			t.Fatal(err)
		}
		j, ok, err := st.Claim(ctx, worker, s.cfg.Store.Lease, tt.kind)
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		ids[name] = j.ID
		s.running[j.ID] = runningJob{key: j.Key, kind: j.Kind, worker: worker, lease: newLeaseState(time.Now()),
			cancel: func() { cancelled[name] = true }}
		if tt.lose != nil {
			tt.lose(j)
		}
	}
	if !s.renewLeases(ctx) {
		t.Fatal("renewLeases reports a failed renewal")
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if cancelled[name] != tt.cancelled {
				t.Errorf("cancelled = %v, want %v", cancelled[name], tt.cancelled)
			}
			err := s.fenceOf(ids[name])()
			if fenced := errors.Is(err, errLeaseLapsed); fenced != tt.fenced {
				t.Errorf("fence = %v, want fenced %v", err, tt.fenced)
			}
			if tt.lose != nil {
				return
			}
			j, err := st.GetJob(ctx, ids[name])
			if err != nil {
				t.Fatal(err)
			}
			if j.State != store.JobRunning || time.Until(j.LeaseUntil) < s.cfg.Store.Lease-5*time.Second {
				t.Errorf("job %+v, want running with a renewed lease", j)
			}
		})
	}
}

// TestFence closes once two thirds of a lease passed without a renewal
// the store confirmed.
func TestFence(t *testing.T) {
	const lease = 30 * time.Second
	for _, tt := range []struct {
		name    string
		renewed time.Duration // ago
		lost    bool
		want    error
	}{
		{"just renewed", 0, false, nil},
		{"one renewal missed", 15 * time.Second, false, nil},
		{"two renewals missed", 21 * time.Second, false, errLeaseLapsed},
		{"lost", 0, true, errLeaseLapsed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := newLeaseState(time.Now().Add(-tt.renewed))
			l.lost = tt.lost
			if err := l.fence(lease); !errors.Is(err, tt.want) {
				t.Errorf("fence = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestRenewLeasesWithTheStoreDown reports the failure, so that no
// replica's jobs are taken over by this one meanwhile, and leaves the
// jobs running.
func TestRenewLeasesWithTheStoreDown(t *testing.T) {
	s, st := newIntakeServer(t)
	j, err := st.Enqueue(t.Context(), store.NewJob{Kind: store.KindPlan, Key: "o/r#1"})
	if err != nil {
		t.Fatal(err)
	}
	cancelled := false
	s.running[j.ID] = runningJob{key: j.Key, kind: j.Kind, worker: "w", lease: newLeaseState(time.Now()), cancel: func() { cancelled = true }}
	st.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if s.renewLeases(ctx) {
		t.Error("renewLeases reports success with the store closed")
	}
	if cancelled {
		t.Error("a job was cancelled because the store was down")
	}
}
