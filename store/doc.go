// Package store keeps csocbot's durable state: the webhook deliveries it has
// seen, its job queue, the plan and apply runs of each pull request head,
// the comments it has posted, the units' locks, the sealed plan files
// waiting to be applied, the hash-chained audit log, and the Slack threads
// and outbox of the notifications.
//
// It is a package of its own because it is the boundary between the server
// and its database. The server depends only on the [Store] interface and the
// plain types beside it; every SQL statement lives in an implementation, in
// a package of its own, and only the command that wires the server imports
// one. store/sqlite is the one implementation today, so a single csocbot
// needs nothing but a file; a PostgreSQL implementation will satisfy the
// same interface later, for deployments that run several servers against
// one database. store/storetest is the conformance suite every
// implementation runs in its tests, so they all behave alike.
//
// What every implementation must share beyond the interface lives here too:
// the retry policy of failed jobs ([Kind.RetrySafe], [Backoff],
// [MaxAttempts]), the key of a pull request's jobs ([PullRequestKey]) and
// the audit log's hash and its verification ([AuditEntry.ComputeHash],
// [AuditVerifier]).
package store
