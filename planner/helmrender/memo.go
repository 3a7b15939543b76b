package helmrender

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// memo computes a value once per key; concurrent callers for the same key
// wait for the first. Failures from a cancelled or expired context are not
// kept, so a later caller with time left tries again.
type memo[V any] struct {
	mu      sync.Mutex
	entries map[string]*memoEntry[V]
}

type memoEntry[V any] struct {
	done chan struct{}
	val  V
	err  error
}

func (m *memo[V]) get(ctx context.Context, key string, compute func() (V, error)) (V, error) {
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[string]*memoEntry[V]{}
	}
	e, ok := m.entries[key]
	if !ok {
		e = &memoEntry[V]{done: make(chan struct{})}
		m.entries[key] = e
		m.mu.Unlock()
		func() {
			defer func() {
				if p := recover(); p != nil {
					e.err = fmt.Errorf("internal error: %v", p)
				}
			}()
			e.val, e.err = compute()
		}()
		if errors.Is(e.err, context.Canceled) || errors.Is(e.err, context.DeadlineExceeded) {
			m.mu.Lock()
			delete(m.entries, key)
			m.mu.Unlock()
		}
		close(e.done)
		return e.val, e.err
	}
	m.mu.Unlock()
	select {
	case <-e.done:
		return e.val, e.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}
