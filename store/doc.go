// Package store keeps csocbot's durable state: the webhook deliveries it has
// seen, its job queue, the plan and apply runs of each pull request head, and
// the comments it has posted.
//
// It is a package of its own because it is the boundary between the server
// and its database. The server depends only on the [Store] interface and the
// plain types beside it; every SQL statement lives in an implementation.
// [SQLite] is the one implementation today, so a single csocbot needs nothing
// but a file; a PostgreSQL implementation will satisfy the same interface
// later, for deployments that run several servers against one database.
//
// The schema is versioned: ordered SQL files embedded from migrations/ are
// applied by [Open], each in its own transaction, and recorded in the
// schema_migrations table. Times are stored in UTC.
package store
