package server

import (
	"testing"
	"time"
)

func TestMemo(t *testing.T) {
	now := time.Unix(0, 0)
	m := newMemo[int](time.Hour, 2)
	m.now = func() time.Time { return now }

	if !m.add("mallory", 1) || m.add("mallory", 2) {
		t.Fatal("add did not let only the first caller in an hour through")
	}
	if v, ok := m.get("mallory"); !ok || v != 1 {
		t.Errorf("get = %d %v, want the first value", v, ok)
	}
	if !m.put("eve", 3) || m.put("trudy", 4) {
		t.Error("the memo grew past its size")
	}
	now = now.Add(time.Hour)
	if _, ok := m.get("mallory"); ok {
		t.Error("an entry outlived its ttl")
	}
	if !m.add("trudy", 5) || !m.add("mallory", 6) {
		t.Error("expired entries did not make room")
	}
}
