// Package sqlite is the [store.Store] kept in one SQLite database file
// (modernc.org/sqlite, no cgo), so a single csocbot needs nothing but a
// file. Several processes may open the same file: writes take the
// database's write lock before they read, and the journal is a WAL.
//
// [Open] refuses a file that exists but is empty, unreadable or not a
// SQLite database, rather than start on an empty store. The schema is
// versioned: ordered SQL files embedded from migrations/ are applied by
// [Open], each in its own transaction, and recorded in the
// schema_migrations table. Times are stored as UTC text that sorts in time
// order. Triggers refuse to change or delete an entry of the audit log.
//
// Its tests run the conformance suite in store/storetest, which every
// implementation of [store.Store] passes; the tests here cover what is
// SQLite's own (migrations, the store file, the connection settings).
package sqlite
