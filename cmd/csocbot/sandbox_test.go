package main

import (
	"os"
	"testing"

	"github.com/csocbot/csocbot/planner/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.Main() // the test binary stands in for csocbot as the launcher
	os.Exit(m.Run())
}
