package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// The backoff between two attempts to reconnect ListenJobs's connection.
const (
	listenFirstBackoff = 250 * time.Millisecond
	listenMaxBackoff   = 30 * time.Second
)

// listenAppName is the application_name of ListenJobs's connection, which
// tells it apart in pg_stat_activity.
const listenAppName = "csocbot-listen-jobs"

// ListenJobs calls queued whenever a job may have been queued, by this
// process or another sharing the database, so idle workers claim it at
// once instead of at their next poll. It holds one connection of its own,
// listening on the csocbot_jobs channel, and calls queued for every
// notification, and once each time it starts listening, since jobs queued
// while it was not listening notified nobody. When it cannot connect, or
// the connection drops, it tries again, waiting longer after each failure,
// up to 30s, whether it ever listened or not: the database may come up
// after csocbot, and workers poll meanwhile. It logs a warning for the
// first failure of each run of failures, not for every attempt. queued
// runs on ListenJobs's goroutine and should not block.
//
// It returns only when ctx ends, and then nil.
func (s *Store) ListenJobs(ctx context.Context, queued func()) error {
	backoff := listenFirstBackoff
	failing := false // since the last time it listened
	for {
		listened, err := s.listen(ctx, queued)
		if ctx.Err() != nil {
			return nil
		}
		if listened {
			backoff, failing = listenFirstBackoff, false
		}
		if !failing {
			failing = true
			s.log.WarnContext(ctx, "store: cannot listen for queued jobs; retrying until it can, while workers poll",
				"error", s.redact(err), "retry_in", backoff)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, listenMaxBackoff)
	}
}

// listen connects, listens and calls queued until the connection fails or
// ctx ends. It reports whether it got as far as listening.
func (s *Store) listen(ctx context.Context, queued func()) (listened bool, err error) {
	cfg := s.connConfig.Copy()
	cfg.RuntimeParams["application_name"] = listenAppName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, `LISTEN `+jobsChannel); err != nil {
		return false, err
	}
	for {
		queued()
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return true, err
		}
	}
}
