package server

import (
	"context"
	"testing"
	"time"
)

// TestGraceful checks that a graceful context outlives its parent by the
// grace, and no more.
func TestGraceful(t *testing.T) {
	parent, stopParent := context.WithCancel(context.Background())
	g, stop := graceful(parent, 50*time.Millisecond)
	defer stop()
	stopParent()
	select {
	case <-g.Done():
		t.Fatal("the graceful context ended with its parent")
	case <-time.After(20 * time.Millisecond):
	}
	select {
	case <-g.Done():
		if cause := context.Cause(g); cause == nil || cause == context.Canceled {
			t.Errorf("cause = %v, want the grace named", cause)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the graceful context outlived the grace")
	}

	// Stopped before its parent ends, it ends at once.
	g, stop = graceful(context.Background(), time.Hour)
	stop()
	if g.Err() == nil {
		t.Error("stop did not end the graceful context")
	}
}
