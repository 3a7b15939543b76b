package server

import (
	"log/slog"
	"os"
	"testing"
)

// TestMain keeps the store's start-up logging (through slog's default
// logger) out of test and benchmark output.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}
