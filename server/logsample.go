package server

import (
	"sync"
	"time"
)

// sampler lets one event through per interval and counts the rest, so a
// flood of refused deliveries costs one log line per interval, not one per
// request, while the line still says how many there were.
type sampler struct {
	every time.Duration
	now   func() time.Time

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func newSampler(every time.Duration) *sampler {
	return &sampler{every: every, now: time.Now}
}

// allow reports whether this event is logged and, if so, how many were
// suppressed since the last one that was.
func (s *sampler) allow() (ok bool, suppressed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if !s.last.IsZero() && now.Sub(s.last) < s.every {
		s.suppressed++
		return false, 0
	}
	s.last, suppressed, s.suppressed = now, s.suppressed, 0
	return true, suppressed
}
