package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
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

// leaseRenewal is how often a running job's lease is renewed: three
// times a lease, so one slow or failed renewal does not lose the job.
func (s *Server) leaseRenewal() time.Duration { return s.cfg.Store.Lease / 3 }

// keepLease renews job's lease while it runs, and calls stop when the
// job is no longer this worker's: superseded by a newer push seen by
// another replica, or taken over after this process lost the database
// for longer than a lease. It returns the function that ends the
// renewals and waits for them.
func (s *Server) keepLease(ctx context.Context, log *slog.Logger, worker string, job store.Job, stop context.CancelFunc) func() {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(s.leaseRenewal())
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			lost, err := s.store.RenewLeases(ctx, worker, s.cfg.Store.Lease, job.ID)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Warn("could not renew the job's lease; another replica takes the job over if this lasts a lease", "lease", s.cfg.Store.Lease, "error", err)
			case slices.Contains(lost, job.ID):
				log.Info("the job is no longer this worker's (superseded, or taken over by another replica); stopping it")
				stop()
				return
			}
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}

// reclaimExpired takes over, now and then, the jobs of replicas that
// stopped: their plans run again here or elsewhere, and their applies
// are reported interrupted on their pull requests.
func (s *Server) reclaimExpired(ctx context.Context) {
	tick := time.NewTicker(s.cfg.Store.Lease / 2)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		failed, err := s.store.ReclaimExpired(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("could not take over the jobs of stopped replicas", "error", err)
			}
			continue
		}
		if len(failed) > 0 {
			s.reportRecovered(ctx, failed)
		}
		s.wake() // requeued plans
	}
}

// lead reports whether this replica leads role now, asking the store to
// take or extend the role's lease; a store error counts as not leading,
// so two replicas never both act while the store is unreachable.
func (s *Server) lead(ctx context.Context, role string) bool {
	ok, err := s.store.Lead(ctx, role, s.replica, s.cfg.Store.Lease)
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
