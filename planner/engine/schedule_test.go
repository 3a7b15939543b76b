package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSchedule(t *testing.T) {
	tests := []struct {
		name     string
		nodes    []node
		fail     []string
		wantRun  []string
		wantSkip map[string]string // node -> substring of its skip reason
	}{
		{
			name:    "independent nodes all run",
			nodes:   []node{{path: "a"}, {path: "b"}, {path: "c"}},
			wantRun: []string{"a", "b", "c"},
		},
		{
			name:     "a failure skips dependents, transitively, and nothing else",
			nodes:    []node{{path: "vpc"}, {path: "eks", deps: []string{"vpc"}}, {path: "irsa", deps: []string{"eks"}}, {path: "s3"}},
			fail:     []string{"vpc"},
			wantRun:  []string{"vpc", "s3"},
			wantSkip: map[string]string{"eks": "dependency vpc failed", "irsa": "dependency eks was skipped because vpc failed"},
		},
		{
			name:    "dependencies outside the run are ignored",
			nodes:   []node{{path: "eks", deps: []string{"vpc"}}},
			wantRun: []string{"eks"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var ran []string
			out := schedule(context.Background(), tt.nodes, 2, func(_ context.Context, i int) error {
				mu.Lock()
				ran = append(ran, tt.nodes[i].path)
				mu.Unlock()
				if slices.Contains(tt.fail, tt.nodes[i].path) {
					return errors.New("boom")
				}
				return nil
			})
			slices.Sort(ran)
			want := slices.Clone(tt.wantRun)
			slices.Sort(want)
			if !slices.Equal(ran, want) {
				t.Errorf("ran %q, want %q", ran, want)
			}
			for i, n := range tt.nodes {
				if w, ok := tt.wantSkip[n.path]; ok && !strings.Contains(out[i].skipReason, w) {
					t.Errorf("%s skip reason %q, want %q", n.path, out[i].skipReason, w)
				}
			}
		})
	}
}

func TestScheduleRespectsOrderAndBound(t *testing.T) {
	nodes := []node{{path: "vpc"}, {path: "a"}, {path: "b"}, {path: "c"}, {path: "eks", deps: []string{"vpc"}}}
	var running, peak atomic.Int32
	var mu sync.Mutex
	finished := map[string]bool{}
	schedule(context.Background(), nodes, 2, func(_ context.Context, i int) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if nodes[i].path == "eks" {
			mu.Lock()
			vpcDone := finished["vpc"]
			mu.Unlock()
			if !vpcDone {
				t.Error("eks started before its dependency vpc finished")
			}
		}
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		finished[nodes[i].path] = true
		mu.Unlock()
		return nil
	})
	if peak.Load() > 2 {
		t.Errorf("%d units ran at once, want at most 2", peak.Load())
	}
}

func TestScheduleCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := schedule(ctx, []node{{path: "a"}}, 1, func(context.Context, int) error {
		t.Error("work ran in a cancelled run")
		return nil
	})
	if !strings.Contains(out[0].skipReason, "cancelled") {
		t.Errorf("skip reason %q, want cancelled", out[0].skipReason)
	}
}

func TestCleanWorkDirsRemovesOnlyOldOnes(t *testing.T) {
	cache := t.TempDir()
	e := &Engine{opts: Options{CacheDir: cache}, sources: newSourceCache(filepath.Join(cache, "sources"))}
	work := filepath.Join(cache, "work")
	for _, name := range []string{"old", "new"} {
		if err := os.MkdirAll(filepath.Join(work, name, "src"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-10 * 24 * time.Hour)
	if err := os.Chtimes(filepath.Join(work, "old"), past, past); err != nil {
		t.Fatal(err)
	}
	if err := e.CleanWorkDirs(7 * 24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(work, "old")); !os.IsNotExist(err) {
		t.Errorf("old working directory still there (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(work, "new")); err != nil {
		t.Errorf("recent working directory removed: %v", err)
	}
}
