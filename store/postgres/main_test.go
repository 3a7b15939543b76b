package postgres

import (
	"testing"

	"github.com/csocbot/csocbot/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
