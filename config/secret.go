package config

import (
	"fmt"
	"io"
	"log/slog"
)

// redacted is what every printed form of a Secret shows.
const redacted = "[redacted]"

// Secret is a credential read from a file or an environment variable. Every
// way of printing it (fmt with any verb, encoding/json, log/slog) shows
// [redacted]; only Reveal returns the value, so each use of it is explicit.
type Secret struct {
	// value is a pointer so that where fmt does not call Format (a
	// struct holding a Secret printed after a bad verb, as "%s" of a
	// struct with a pointer field gives), it prints an address.
	value *string
}

func newSecret(value string) Secret { return Secret{&value} }

// Reveal returns the secret's value, "" for the zero Secret.
func (s Secret) Reveal() string {
	if s.value == nil {
		return ""
	}
	return *s.value
}

// String returns [redacted].
func (Secret) String() string { return redacted }

// GoString returns [redacted], for %#v.
func (Secret) GoString() string { return redacted }

// Format prints [redacted] whatever the verb, so that verbs which would
// otherwise print the underlying string (%d, %x, ...) cannot leak it.
func (Secret) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }

// MarshalJSON returns "[redacted]".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// LogValue returns [redacted] for log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
