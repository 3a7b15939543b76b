package postgres

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/csocbot/csocbot/internal/pgtest"
	"github.com/csocbot/csocbot/internal/testtools"
	"github.com/csocbot/csocbot/store"
)

func open(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(t.Context(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// schemaVersions returns the versions schema_migrations records, in order.
func schemaVersions(t *testing.T, s *Store) []int {
	t.Helper()
	rows, err := s.pool.Query(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return versions
}

func wantAllVersions(t *testing.T, got []int) {
	t.Helper()
	if len(got) != len(embeddedMigrations) {
		t.Fatalf("schema_migrations records versions %v, want 1 to %d once each", got, len(embeddedMigrations))
	}
	for i, v := range got {
		if v != i+1 {
			t.Fatalf("schema_migrations records versions %v, want 1 to %d once each", got, len(embeddedMigrations))
		}
	}
}

func TestMigrateTwice(t *testing.T) {
	url := pgtest.NewDatabase(t)
	open(t, url).Close()
	wantAllVersions(t, schemaVersions(t, open(t, url)))
}

// TestMigrateConcurrently opens a new database from several stores at once,
// as replicas starting together do: the migration lock lets one migrate and
// the others find the schema migrated.
func TestMigrateConcurrently(t *testing.T) {
	url := pgtest.NewDatabase(t)
	const replicas = 4
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	for i := range replicas {
		wg.Go(func() {
			s, err := Open(t.Context(), url, Options{})
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	wantAllVersions(t, schemaVersions(t, open(t, url)))
}

func TestNewerSchemaRefused(t *testing.T) {
	url := pgtest.NewDatabase(t)
	s := open(t, url)
	if _, err := s.pool.Exec(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future.sql', now())`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), url, Options{})
	if err == nil || !strings.Contains(err.Error(), "newer than this csocbot's") {
		t.Fatalf("Open on a newer schema: %v, want a refusal naming the versions", err)
	}
}

// TestOpenErrorHidesPassword checks that no error of Open shows the
// password, however the URL fails.
func TestOpenErrorHidesPassword(t *testing.T) {
	const password = "s3cr3t-Pa55"
	good, err := url.Parse(pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	withPassword := func(path string) string {
		u := *good
		u.User = url.UserPassword("postgres", password)
		u.Path = path
		return u.String()
	}
	for _, tt := range []struct{ name, url string }{
		{"no such database", withPassword("/nosuchdb")},
		{"database named like the password", withPassword("/" + password)},
		{"nothing listening", "postgres://postgres:" + password + "@127.0.0.1:1/db?connect_timeout=2"},
		{"bad port", "postgres://postgres:" + password + "@127.0.0.1:notaport/db"},
		{"bad option", withPassword("/db") + "&sslmode=sometimes"},
		{"key=value", "host=127.0.0.1 port=1 user=postgres password=" + password + " dbname=" + password + " connect_timeout=2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			s, err := Open(ctx, tt.url, Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

// TestListenJobs checks that ListenJobs wakes on a job another process
// queues, and that it listens again, saying a job may have been queued
// meanwhile, after its connection drops.
func TestListenJobs(t *testing.T) {
	url := pgtest.NewDatabase(t)
	listener, other := open(t, url), open(t, url)
	ctx, cancel := context.WithCancel(t.Context())
	woken := make(chan struct{}, 100)
	done := make(chan error, 1)
	go func() { done <- listener.ListenJobs(ctx, func() { woken <- struct{}{} }) }()
	wake := func(what string) {
		t.Helper()
		select {
		case <-woken:
		case <-time.After(10 * time.Second):
			t.Fatalf("ListenJobs did not call queued %s", what)
		}
	}
	quiet := func(what string) {
		t.Helper()
		select {
		case <-woken:
			t.Fatalf("ListenJobs called queued %s", what)
		case <-time.After(200 * time.Millisecond):
		}
	}
	wake("once listening")
	quiet("with nothing queued")

	j, err := other.Enqueue(t.Context(), store.NewJob{Kind: store.KindPlan, Key: "o/r#1"})
	if err != nil {
		t.Fatal(err)
	}
	wake("after another store's Enqueue")
	if _, _, err := other.Claim(t.Context(), "w", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := other.Complete(t.Context(), j.ID, "w"); err != nil {
		t.Fatal(err)
	}
	quiet("for a claim and a completion")

	// Drop the listening connection, as a database restart would.
	var ended bool
	err = other.pool.QueryRow(t.Context(), `
		SELECT bool_or(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, listenAppName).Scan(&ended)
	if err != nil || !ended {
		t.Fatalf("terminating the listening connection: %v, %v", ended, err)
	}
	wake("after listening again")
	if _, err := other.Enqueue(t.Context(), store.NewJob{Kind: store.KindPlan, Key: "o/r#2"}); err != nil {
		t.Fatal(err)
	}
	wake("after an Enqueue on the new connection")

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenJobs returned %v when its context ended, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ListenJobs did not return when its context ended")
	}
}

// TestNotifyOnQueue checks which operations notify the listeners: those
// that queue a job, and no others.
func TestNotifyOnQueue(t *testing.T) {
	url := pgtest.NewDatabase(t)
	var (
		mu  sync.Mutex
		now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	)
	advance := func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
	}
	s, err := Open(t.Context(), url, Options{Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), `LISTEN `+jobsChannel); err != nil {
		t.Fatal(err)
	}
	notified := func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		_, err := conn.WaitForNotification(ctx)
		return err == nil
	}
	ctx := t.Context()
	claimOne := func() store.Job {
		j, ok, err := s.Claim(ctx, "w", time.Minute)
		if err != nil || !ok {
			t.Fatalf("claim: %v, %v", ok, err)
		}
		return j
	}
	for _, tt := range []struct {
		name   string
		op     func() error
		notify bool
	}{
		{"Enqueue", func() error {
			_, err := s.Enqueue(ctx, store.NewJob{Kind: store.KindPlan, Key: "o/r#1"})
			return err
		}, true},
		{"Claim", func() error { claimOne(); return nil }, false},
		{"Release", func() error {
			_, err := s.Release(ctx, 1, "w")
			return err
		}, true},
		{"Fail, queued again", func() error {
			_, err := s.Fail(ctx, claimOne().ID, "w", errors.New("boom"))
			return err
		}, true},
		{"RecordDelivery, new", func() error {
			_, _, err := s.RecordDelivery(ctx, "d1", store.NewJob{Kind: store.KindApply, Key: "o/r#2"})
			return err
		}, true},
		{"RecordDelivery, seen", func() error {
			_, _, err := s.RecordDelivery(ctx, "d1", store.NewJob{Kind: store.KindApply, Key: "o/r#2"})
			return err
		}, false},
		{"Fail, failed", func() error {
			j, _, err := s.Claim(ctx, "w", time.Minute, store.KindApply)
			if err != nil {
				return err
			}
			_, err = s.Fail(ctx, j.ID, "w", errors.New("boom"))
			return err
		}, false},
		{"ReclaimExpired, queued again", func() error {
			advance(time.Hour) // past the failed plan's backoff
			claimOne()
			advance(time.Hour) // past its lease
			_, err := s.ReclaimExpired(ctx)
			return err
		}, true},
		{"ReclaimExpired, nothing expired", func() error {
			_, err := s.ReclaimExpired(ctx)
			return err
		}, false},
	} {
		if err := tt.op(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := notified(); got != tt.notify {
			t.Errorf("%s notified: %v, want %v", tt.name, got, tt.notify)
		}
	}
}

func TestRedactor(t *testing.T) {
	for _, tt := range []struct {
		name, connString, password, errText string
	}{
		{"plain", "postgres://u:pw123456@h/db", "pw123456", "cannot parse `postgres://u:pw123456@h/db`"},
		{"escaped", "postgres://u:p%40ss%2Fw0rd@h/db", "p@ss/w0rd", "cannot parse `postgres://u:p%40ss%2Fw0rd@h/db`; p@ss/w0rd"},
		{"escaped lower case", "postgres://u:p%40ss%2fw0rd@h/db", "p@ss/w0rd", "cannot parse `postgres://u:p%40ss%2fw0rd@h/db`"},
		{"key=value", "host=h password=kv-secret", "kv-secret", "database kv-secret does not exist"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cause := errors.New(tt.errText)
			var secrets []string
			if strings.HasPrefix(tt.connString, "host=") {
				secrets = append(secrets, tt.password) // as ParseConfig reads it
			}
			err := redactor(tt.connString, secrets...)(cause)
			if strings.Contains(err.Error(), tt.password) || strings.Contains(err.Error(), url.QueryEscape(tt.password)) {
				t.Errorf("redacted error %q still shows the password", err)
			}
			if !errors.Is(err, cause) {
				t.Errorf("the redacted error does not wrap its cause")
			}
		})
	}
	if err := redactor("postgres://u@h/db")(context.Canceled); err != context.Canceled {
		t.Errorf("an error without a password became %v", err)
	}
}

// TestOneRunningApplyIndex checks the last guard of Claim's apply
// exclusion: the database itself refuses a second running apply of a key,
// under the name Claim recognises.
func TestOneRunningApplyIndex(t *testing.T) {
	s := open(t, pgtest.NewDatabase(t))
	ctx := t.Context()
	for range 2 {
		if _, err := s.Enqueue(ctx, store.NewJob{Kind: store.KindApply, Key: "o/r#1"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.pool.Exec(ctx, `UPDATE jobs SET state = 'running'`); !isUniqueViolation(err, "jobs_one_running_apply") {
		t.Fatalf("running two applies of one key: %v, want a unique violation of jobs_one_running_apply", err)
	}
}

// TestListenJobsUnreachable checks that ListenJobs keeps trying when it
// cannot listen from the start, warning once, not at every attempt, and
// listens once the database is there.
func TestListenJobsUnreachable(t *testing.T) {
	var logs testtools.SyncBuffer
	s, err := Open(t.Context(), pgtest.NewDatabase(t), Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	late := s.connConfig.Database + "_late"
	s.connConfig = s.connConfig.Copy()
	s.connConfig.Database = late

	ctx, cancel := context.WithCancel(t.Context())
	woken := make(chan struct{}, 10)
	done := make(chan error, 1)
	go func() { done <- s.ListenJobs(ctx, func() { woken <- struct{}{} }) }()
	time.Sleep(4 * listenFirstBackoff) // a few attempts
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 || !strings.Contains(logs.String(), late) {
		t.Errorf("%d warnings, want one naming %s:\n%s", n, late, logs.String())
	}

	if _, err := s.pool.Exec(t.Context(), `CREATE DATABASE `+pgx.Identifier{late}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := s.pool.Exec(context.WithoutCancel(t.Context()), `DROP DATABASE `+pgx.Identifier{late}.Sanitize()+` WITH (FORCE)`); err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-woken:
	case <-time.After(10 * time.Second):
		t.Fatal("ListenJobs did not listen once the database was there")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ListenJobs returned %v when its context ended, want nil", err)
	}
}
