package sqlite

import (
	"bytes"
	"database/sql"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/csocbot/csocbot/store"
	"github.com/csocbot/csocbot/store/internal/migrations"
)

// discard is a logger for the tests that call migrate.
var discard = slog.New(slog.DiscardHandler)

// TestMigrateFromOlderVersion opens databases that an older csocbot left at
// each earlier schema version, with a queued job and a running one in them
// (written in the first version's columns), and a run once there are runs
// (their table has been rebuilt since).
func TestMigrateFromOlderVersion(t *testing.T) {
	latest := len(embeddedMigrations)
	for from := 1; from < latest; from++ {
		t.Run(embeddedMigrations[from-1].Name, func(t *testing.T) {
			ctx := t.Context()
			path := filepath.Join(t.TempDir(), "csocbot.db")
			db, err := sql.Open("sqlite", dsn(path))
			if err != nil {
				t.Fatal(err)
			}
			if err := migrate(ctx, db, embeddedMigrations[:from], discard); err != nil {
				t.Fatal(err)
			}
			const at = "2025-06-01T12:00:00.000000Z"
			_, err = db.ExecContext(ctx, `
				INSERT INTO jobs (id, kind, key, payload, state, attempts, run_after, created_at, updated_at, worker)
				VALUES (1, 'plan', 'o/r#1', '{"pr":1}', 'queued', 0, ?1, ?1, ?1, ''),
				       (2, 'apply', 'o/r#1', NULL, 'running', 1, ?1, ?1, ?1, 'old-worker')`, at)
			if err != nil {
				t.Fatal(err)
			}
			atTime := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
			job := store.Job{ID: 1, Kind: store.KindPlan, Key: "o/r#1", Payload: []byte(`{"pr":1}`), State: store.JobQueued,
				RunAfter: atTime, CreatedAt: atTime, UpdatedAt: atTime}
			hasRuns := from >= 2 // 0002_runs.sql
			if hasRuns {
				_, err := db.ExecContext(ctx, `
					INSERT INTO runs (repo, pr, head_sha, unit, state, plan_sha256, created_at, updated_at)
					VALUES ('o/r', 1, 'old', 'live/vpc', 'applied', 'ab12', '2025-06-01T12:00:00.000000Z', '2025-06-01T12:00:00.000000Z')`)
				if err != nil {
					t.Fatal(err)
				}
			}
			if got := versions(t, db); !slices.Equal(got, seq(from)) {
				t.Fatalf("older database at versions %v", got)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}

			// Much later: any lease the running job had would have ended.
			s := openAt(t, path, Options{Now: func() time.Time { return atTime.Add(24 * time.Hour) }})
			if got := versions(t, s.db); !slices.Equal(got, seq(latest)) {
				t.Errorf("migrated to versions %v, want %v", got, seq(latest))
			}
			if got, err := s.GetJob(ctx, job.ID); err != nil || !reflect.DeepEqual(got, job) {
				t.Errorf("job became %+v (%v), was %+v", got, err, job)
			}
			// The running job has no lease: RecoverAfterRestart, not
			// ReclaimExpired, deals with it.
			if failed, err := s.ReclaimExpired(ctx); len(failed) > 0 || err != nil {
				t.Errorf("ReclaimExpired failed %+v (%v), a job from before leases", failed, err)
			}
			if failed, err := s.RecoverAfterRestart(ctx); err != nil || len(failed) != 1 || failed[0].ID != 2 || !failed[0].LeaseUntil.IsZero() {
				t.Errorf("RecoverAfterRestart failed %+v (%v), want job 2, never leased", failed, err)
			}
			if j, ok, err := s.Claim(ctx, "w", time.Minute); err != nil || !ok || j.ID != job.ID {
				t.Errorf("claimed %+v, %v (%v), want job %d", j, ok, err, job.ID)
			}
			if leads, err := s.Lead(ctx, "slack", "w", time.Minute); !leads || err != nil {
				t.Errorf("leading: %v, %v", leads, err)
			}
			if _, err := s.UpsertRun(ctx, store.Run{Repo: "o/r", PR: 1, HeadSHA: "aaa", Unit: "u", State: store.RunPlanned}); err != nil {
				t.Error(err)
			}
			if err := s.RecordComment(ctx, store.Comment{Repo: "o/r", PR: 1, CommentID: 1, Kind: store.CommentPlan}); err != nil {
				t.Error(err)
			}
			if runs, err := s.Runs(ctx, "o/r", 1, "old"); hasRuns && (err != nil || len(runs) != 1 || runs[0].State != store.RunApplied || runs[0].PlanSHA256 != "ab12") {
				t.Errorf("the older version's run became %+v (%v)", runs, err)
			}
			if _, ok, err := s.TryLock(ctx, store.Lock{Repo: "o/r", Unit: "u", PR: 1}); !ok || err != nil {
				t.Errorf("locking: %v, %v", ok, err)
			}
			if err := s.SavePlanFile(ctx, store.PlanFile{Repo: "o/r", PR: 1, HeadSHA: "aaa", Unit: "u", SHA256: "ab12", Plan: []byte("sealed")}); err != nil {
				t.Error(err)
			}
			if _, err := s.AppendAudit(ctx, store.AuditEntry{Actor: "alice", Action: "plan"}); err != nil {
				t.Error(err)
			}
			if _, err := s.EnqueueSlack(ctx, store.SlackDelivery{Repo: "o/r", PR: 1, Channel: "#csoc", Event: []byte(`{}`)}); err != nil {
				t.Error(err)
			}
			if err := s.SaveSlackThread(ctx, store.SlackThread{Repo: "o/r", PR: 1, Channel: "#csoc", TS: "1.2"}); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestOpenLogsMigrations checks that Open logs each migration it applies to
// the logger it is given, and nothing when there is none to apply.
func TestOpenLogsMigrations(t *testing.T) {
	var buf bytes.Buffer
	path := filepath.Join(t.TempDir(), "csocbot.db")
	s := openAt(t, path, Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	for _, m := range embeddedMigrations {
		if !strings.Contains(buf.String(), "migration="+m.Name) {
			t.Errorf("no log of migration %s in:\n%s", m.Name, buf.String())
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	openAt(t, path, Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if buf.Len() > 0 {
		t.Errorf("reopening a migrated store logged:\n%s", buf.String())
	}
}

func TestReopen(t *testing.T) {
	s, path := openTemp(t, Options{})
	before := appliedAt(t, s.db)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, Options{})
	if after := appliedAt(t, s.db); !slices.Equal(after, before) {
		t.Errorf("reopening changed schema_migrations from %v to %v", before, after)
	}
}

func TestOpenNewerSchema(t *testing.T) {
	s, path := openTemp(t, Options{})
	_, err := s.db.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future.sql', '')`)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(t.Context(), path, Options{})
	if err == nil {
		s.Close()
		t.Fatal("opened a database whose schema is newer than this csocbot's")
	}
	if !strings.Contains(err.Error(), "version 99, newer than") {
		t.Errorf("error %q does not explain", err)
	}
}

// TestOpenConcurrently opens one new database from several goroutines, as
// processes starting together would; each migration must be applied once.
func TestOpenConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "csocbot.db")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { openAt(t, path, Options{}) })
	}
	wg.Wait()
	s := openAt(t, path, Options{})
	if got := versions(t, s.db); !slices.Equal(got, seq(len(embeddedMigrations))) {
		t.Errorf("versions %v", got)
	}
}

// TestMigrationIsAtomic checks that a migration failing partway leaves the
// schema as it was before it.
func TestMigrationIsAtomic(t *testing.T) {
	ctx := t.Context()
	fsys := fstest.MapFS{
		"m/0001_one.sql": {Data: []byte(`CREATE TABLE one (a INTEGER);`)},
		"m/0002_two.sql": {Data: []byte(`CREATE TABLE two (a INTEGER); INSERT INTO one VALUES (1); CREATE TABLE broken (`)},
	}
	ms, err := migrations.Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "csocbot.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = migrate(ctx, db, ms, discard)
	if err == nil || !strings.Contains(err.Error(), "migration 0002_two.sql") {
		t.Fatalf("error %v, want one naming 0002_two.sql", err)
	}
	if got := versions(t, db); !slices.Equal(got, []int{1}) {
		t.Errorf("versions %v, want [1]", got)
	}
	var tables, rows int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'two'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM one`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if tables != 0 || rows != 0 {
		t.Errorf("the failed migration left table two (%d) or rows in one (%d)", tables, rows)
	}
}

func versions(t *testing.T, db *sql.DB) []int {
	t.Helper()
	vs, err := queryAll(t.Context(), db, func(r scanner) (int, error) {
		var v int
		return v, r.Scan(&v)
	}, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func appliedAt(t *testing.T, db *sql.DB) []string {
	t.Helper()
	at, err := queryAll(t.Context(), db, func(r scanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	}, `SELECT version || ' ' || applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// seq is 1, 2, …, n.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i + 1
	}
	return s
}
