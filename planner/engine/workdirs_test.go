package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/planner/tfrun"
)

// A closed pull request's plans are found by their keys, which the
// directory names do not always hold whole.
func TestRemoveWorkDirs(t *testing.T) {
	e, err := New(Options{Binary: tfrun.Binary{Path: "terraform"}, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	long := "org/" + strings.Repeat("r", 100) + "/pr-1/"
	keys := []string{"org/infra/pr-1/aaa", "org/infra/pr-1/bbb", "org/infra/pr-12/ccc", "org/other/pr-1/ddd", long + "eee"}
	dirs := map[string]string{}
	for _, k := range keys {
		if _, err := e.Plan(t.Context(), Request{Key: k}); err != nil {
			t.Fatal(err)
		}
		dirs[k] = filepath.Join(e.opts.CacheDir, "work", safeName(k))
		if _, err := os.Stat(dirs[k]); err != nil {
			t.Fatalf("Plan made no working directory for %s: %v", k, err)
		}
	}
	if err := e.RemoveWorkDirs("org/infra/pr-1/"); err != nil {
		t.Fatal(err)
	}
	if err := e.RemoveWorkDirs(long); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		_, err := os.Stat(dirs[k])
		gone := os.IsNotExist(err)
		if want := strings.HasPrefix(k, "org/infra/pr-1/") || strings.HasPrefix(k, long); gone != want {
			t.Errorf("%s removed = %v, want %v (%v)", k, gone, want, err)
		}
		if _, err := os.Stat(dirs[k] + keySuffix); os.IsNotExist(err) != gone {
			t.Errorf("%s: the key file outlived its directory, or the reverse (%v)", k, err)
		}
	}
}
