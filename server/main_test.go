package server

import (
	"log/slog"
	"os"
	"testing"

	"github.com/csocbot/csocbot/planner/sandbox"
)

// TestMain keeps the store's start-up logging (through slog's default
// logger) out of test and benchmark output.
func TestMain(m *testing.M) {
	sandbox.Main() // the test binary is the launcher of sandboxed runs
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}
