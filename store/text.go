package store

import "strings"

// CleanText returns s made storable as text by every store: invalid UTF-8
// replaced by U+FFFD and NUL bytes removed. PostgreSQL refuses both in a
// text column, SQLite keeps them; the stores clean the free text they are
// given (a job's error, an audit entry, a Slack error or state) with it,
// so that both keep the same text and a bad byte in an error message never
// fails the write that records it.
func CleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}
