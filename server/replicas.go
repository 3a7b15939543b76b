package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/csocbot/csocbot/store"
)

// JobListener tells a server at once when any process sharing its store
// queues a job (PostgreSQL's LISTEN/NOTIFY), so idle workers need not
// wait for their next poll.
type JobListener interface {
	// ListenJobs calls queued whenever a job may have been queued, until
	// ctx ends.
	ListenJobs(ctx context.Context, queued func()) error
}

// defaultReplicaName names a process among those sharing a store: the
// host (a pod's name in Kubernetes), the process id and a random suffix,
// so a restarted pod of the same name never renews its predecessor's
// leases.
func defaultReplicaName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "csocbot"
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// leaseRenewal is how often the leases of running jobs are renewed:
// three times a lease, so one slow or failed renewal does not lose a job.
func (s *Server) leaseRenewal() time.Duration { return s.cfg.Store.Lease / 3 }

// leaseState is what this process knows of the lease of a job it runs.
type leaseState struct {
	mu       sync.Mutex
	renewed  time.Time // when the last confirmed claim or renewal was asked
	lost     bool      // the store said the job is no longer this worker's
	finished bool      // the work is over; its end is being recorded
}

// finish says the job's work is over: the lease is still renewed while
// its end is recorded, but the job has nothing left to stop.
func (l *leaseState) finish() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.finished = true
}

func newLeaseState(claimed time.Time) *leaseState { return &leaseState{renewed: claimed} }

// errLeaseLapsed is why an apply stops starting units.
var errLeaseLapsed = errors.New("csocbot could not renew its claim on this apply in the store in time, so another csocbot replica may take the pull request's applies over; it started no further unit. Check the state, then plan again and apply the new plan")

// fence reports whether an apply may start another unit: not once the
// store said the job is gone, nor once two thirds of a lease passed
// since the last renewal the store confirmed (other replicas take a job
// over only after the whole lease).
func (l *leaseState) fence(lease time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost || time.Since(l.renewed) > lease*2/3 {
		return errLeaseLapsed
	}
	return nil
}

// keepLeases renews the leases of the jobs this process runs and then,
// while the server runs (run not ended), takes over the jobs of stopped
// replicas, in that order on each tick, and only after a renewal that
// worked: this process never takes its own live jobs for a dead
// replica's. It runs until ctx ends, which Run lets happen only once its
// workers have stopped, so leases stay renewed while a shutdown lets an
// apply finish and records it.
func (s *Server) keepLeases(ctx, run context.Context) {
	tick := time.NewTicker(s.leaseRenewal())
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if s.renewLeases(ctx) && run.Err() == nil {
			s.reclaimExpired(run)
		}
	}
}

// renewLeases renews the leases of the running jobs, worker by worker,
// and stops those the store says are no longer theirs: a plan is
// cancelled; an apply is let finish, since stopping terraform in the
// middle of an apply is worse than finishing it, but starts no further
// unit (see leaseState.fence). It reports whether every renewal worked.
func (s *Server) renewLeases(ctx context.Context) bool {
	byWorker := map[string][]int64{}
	s.mu.Lock()
	running := maps.Clone(s.running)
	s.mu.Unlock()
	for id, r := range running {
		byWorker[r.worker] = append(byWorker[r.worker], id)
	}
	ok := true
	for worker, ids := range byWorker {
		asked := time.Now()
		rctx, cancel := context.WithTimeout(ctx, s.cfg.Store.Lease/6)
		lost, err := s.store.RenewLeases(rctx, worker, s.cfg.Store.Lease, ids...)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("could not renew the leases of running jobs; another replica takes them over if this lasts a lease", "worker", worker, "lease", s.cfg.Store.Lease, "error", err)
			}
			ok = false
			continue
		}
		for _, id := range ids {
			r := running[id]
			r.lease.mu.Lock()
			if slices.Contains(lost, id) {
				r.lease.lost = true
			} else {
				r.lease.renewed = asked
			}
			finished := r.lease.finished
			r.lease.mu.Unlock()
			switch {
			case !slices.Contains(lost, id) || finished:
			case r.kind == store.KindApply:
				s.log.Error("an apply's claim lapsed while it ran (csocbot lost its store for longer than a lease): it finishes the units under way and starts no other; another replica may have reported it interrupted", "job", id, "key", r.key)
			default:
				s.log.Info("the job is no longer this worker's (superseded, or taken over by another replica); stopping it", "job", id, "key", r.key)
				r.cancel()
			}
		}
	}
	return ok
}

// fenceOf is the fence of job id, which this process runs.
func (s *Server) fenceOf(id int64) func() error {
	s.mu.Lock()
	r, ok := s.running[id]
	s.mu.Unlock()
	if !ok {
		return nil
	}
	return func() error { return r.lease.fence(s.cfg.Store.Lease) }
}

// reclaimExpired takes over the jobs of replicas that stopped: their
// plans run again here or elsewhere, and their applies are reported
// interrupted on their pull requests.
func (s *Server) reclaimExpired(ctx context.Context) {
	failed, err := s.store.ReclaimExpired(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("could not take over the jobs of stopped replicas", "error", err)
		}
		return
	}
	if len(failed) > 0 {
		s.reportRecovered(ctx, failed)
	}
	s.wake() // requeued plans
}

// lead reports whether this replica leads role now, asking the store to
// take or extend the role's lease for lease; a store error counts as not
// leading, so two replicas never both act while the store is
// unreachable.
func (s *Server) lead(ctx context.Context, role string, lease time.Duration) bool {
	ok, err := s.store.Lead(ctx, role, s.replica, lease)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("could not tell which replica leads "+role, "error", err)
	}
	return err == nil && ok
}

// listenJobs wakes idle workers whenever another process queues a job.
func (s *Server) listenJobs(ctx context.Context) {
	if s.jobEvents == nil {
		return
	}
	if err := s.jobEvents.ListenJobs(ctx, s.wake); err != nil && ctx.Err() == nil {
		s.log.Warn("stopped listening for jobs other replicas queue; workers poll instead", "error", err)
	}
}
