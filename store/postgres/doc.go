// Package postgres is the [store.Store] kept in a PostgreSQL database
// (github.com/jackc/pgx/v5), for several csocbot replicas sharing one
// database.
//
// Replicas claim jobs with SELECT ... FOR UPDATE SKIP LOCKED, so they never
// take the same one, and a partial unique index lets only one apply of a
// pull request run at a time. Running jobs are leased: a replica that dies
// leaves them to [Store.ReclaimExpired] on the others. Every transaction
// that queues a job notifies the csocbot_jobs channel, which
// [Store.ListenJobs] turns into a wake-up for idle workers.
//
// The schema is versioned: ordered SQL files embedded from migrations/
// are applied by [Open], each in its own transaction under an advisory
// lock, so that replicas starting together migrate a new database once,
// and recorded in the schema_migrations table. Times are timestamptz,
// written from the store's clock rather than SQL's now(), so that tests
// can set it. JSON payloads are text, kept byte for byte as given.
//
// Its tests run the conformance suite in store/storetest against a
// throwaway server (internal/pgtest); the tests here cover what is
// PostgreSQL's own.
package postgres
