package server

import (
	"log/slog"
	"testing"

	"github.com/csocbot/csocbot/internal/pgtest"
	"github.com/csocbot/csocbot/planner/sandbox"
)

// TestMain keeps the logging of the clients built without a logger, which
// fall back on slog's default one, out of test and benchmark output.
func TestMain(m *testing.M) {
	sandbox.Main() // the test binary is the launcher of sandboxed runs
	slog.SetDefault(slog.New(slog.DiscardHandler))
	pgtest.Main(m) // runs the tests, then stops the PostgreSQL they started
}
