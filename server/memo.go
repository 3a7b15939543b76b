package server

import (
	"sync"
	"time"
)

// memo remembers values for a while, at most size of them: enough to spare
// GitHub the same question and a pull request the same reply, without
// growing with whatever strangers send. It is safe for concurrent use.
type memo[V any] struct {
	ttl  time.Duration
	size int
	now  func() time.Time

	mu      sync.Mutex
	entries map[string]memoEntry[V]
}

type memoEntry[V any] struct {
	value V
	at    time.Time
}

func newMemo[V any](ttl time.Duration, size int) *memo[V] {
	return &memo[V]{ttl: ttl, size: size, now: time.Now, entries: map[string]memoEntry[V]{}}
}

// get returns the value remembered for key, if it is still fresh.
func (m *memo[V]) get(key string) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok || m.now().Sub(e.at) >= m.ttl {
		var zero V
		return zero, false
	}
	return e.value, true
}

// put remembers value for key. It reports false, remembering nothing,
// when the memo is full of fresh entries.
func (m *memo[V]) put(key string, value V) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.putLocked(key, value)
}

// add remembers value for key unless a fresh value is remembered for it
// already, and reports whether it did: the first caller in a ttl wins.
func (m *memo[V]) add(key string, value V) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[key]; ok && m.now().Sub(e.at) < m.ttl {
		return false
	}
	return m.putLocked(key, value)
}

func (m *memo[V]) putLocked(key string, value V) bool {
	now := m.now()
	if _, ok := m.entries[key]; !ok && len(m.entries) >= m.size {
		for k, e := range m.entries {
			if now.Sub(e.at) >= m.ttl {
				delete(m.entries, k)
			}
		}
		if len(m.entries) >= m.size {
			return false
		}
	}
	m.entries[key] = memoEntry[V]{value: value, at: now}
	return true
}
