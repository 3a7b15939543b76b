package server

import (
	"testing"
	"time"
)

func TestSampler(t *testing.T) {
	now := time.Unix(0, 0)
	s := newSampler(time.Second)
	s.now = func() time.Time { return now }
	steps := []struct {
		after          time.Duration
		wantOK         bool
		wantSuppressed int
	}{
		{0, true, 0},
		{10 * time.Millisecond, false, 0},
		{10 * time.Millisecond, false, 0},
		{time.Second, true, 2},
		{time.Second, true, 0},
		{100 * time.Millisecond, false, 0},
		{time.Hour, true, 1},
	}
	for i, st := range steps {
		now = now.Add(st.after)
		ok, suppressed := s.allow()
		if ok != st.wantOK || suppressed != st.wantSuppressed {
			t.Errorf("step %d: allow() = %v, %d; want %v, %d", i, ok, suppressed, st.wantOK, st.wantSuppressed)
		}
	}
}
