package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// testPlanFiles checks that a plan file is kept, replaced and deleted
// whole, its blobs byte for byte.
func testPlanFiles(t *testing.T, newDB NewDatabase) {
	c := newClock()
	s := openNew(t, newDB, c)
	ctx := t.Context()
	// Sealed blobs are binary, and plans of big units are megabytes.
	big := bytes.Repeat([]byte{0, 1, 2, 0xff, 'p', 'l', 'a', 'n'}, 1<<17)
	save := func(f store.PlanFile) store.PlanFile {
		t.Helper()
		c.advance(time.Second)
		if err := s.SavePlanFile(ctx, f); err != nil {
			t.Fatal(err)
		}
		f.CreatedAt = c.now()
		return f
	}
	vpcA := save(store.PlanFile{Repo: "o/r", PR: 1, HeadSHA: "aaa", BaseSHA: "base1", Unit: "live/vpc", SHA256: "a1", Plan: big, LockFile: []byte("lock\x00file")})
	save(store.PlanFile{Repo: "o/r", PR: 1, HeadSHA: "aaa", Unit: "live/eks", SHA256: "e1", Plan: []byte{0}})
	eksA := save(store.PlanFile{Repo: "o/r", PR: 1, HeadSHA: "aaa", Unit: "live/eks", SHA256: "e2", Plan: []byte("replaced"), LockFile: []byte{}})
	// The replaced plan file's lock file is gone, and an empty lock file
	// is none.
	eksA.LockFile = nil
	vpcB := save(store.PlanFile{Repo: "o/r", PR: 1, HeadSHA: "bbb", Unit: "live/vpc", SHA256: "b1", Plan: []byte("b")})
	vpcC := save(store.PlanFile{Repo: "o/r", PR: 1, HeadSHA: "ccc", Unit: "live/vpc", SHA256: "c1", Plan: []byte("c")})
	other := save(store.PlanFile{Repo: "o/r", PR: 2, HeadSHA: "aaa", Unit: "live/vpc", SHA256: "o1", Plan: []byte("other")})
	otherRepo := save(store.PlanFile{Repo: "o/other", PR: 1, HeadSHA: "aaa", Unit: "live/vpc", SHA256: "r1", Plan: []byte("other repo")})

	for _, f := range []store.PlanFile{
		{Repo: "o/r", PR: 1, HeadSHA: "aaa", Unit: "live/rds", SHA256: "x"},
		{Repo: "o/r", PR: 1, HeadSHA: "aaa", Unit: "live/rds", SHA256: "x", Plan: []byte{}},
		{Repo: "o/r", PR: 1, HeadSHA: "aaa", Unit: "live/rds", Plan: []byte("no digest")},
	} {
		if err := s.SavePlanFile(ctx, f); err == nil {
			t.Errorf("saved %+v", f)
		}
	}

	// check checks that the plan files in want are there as saved, and
	// the others of all gone.
	all := []store.PlanFile{vpcA, eksA, vpcB, vpcC, other, otherRepo}
	check := func(t *testing.T, want ...store.PlanFile) {
		t.Helper()
		for _, f := range all {
			got, err := s.PlanFile(ctx, f.Repo, f.PR, f.Unit, f.HeadSHA)
			if !slices.ContainsFunc(want, func(w store.PlanFile) bool { return planFilesEqual(w, f) }) {
				if !errors.Is(err, store.ErrNotFound) {
					t.Errorf("%s#%d@%s %s: got %+v, %v; want ErrNotFound", f.Repo, f.PR, f.HeadSHA, f.Unit, got.SHA256, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s#%d@%s %s: %v", f.Repo, f.PR, f.HeadSHA, f.Unit, err)
				continue
			}
			if !planFilesEqual(got, f) || (f.LockFile == nil) != (got.LockFile == nil) {
				t.Errorf("%s#%d@%s %s: got %s, want %s", f.Repo, f.PR, f.HeadSHA, f.Unit, describePlanFile(got), describePlanFile(f))
			}
		}
		if _, err := s.PlanFile(ctx, "o/r", 1, "live/rds", "aaa"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a plan file never saved: %v, want ErrNotFound", err)
		}
	}
	check(t, all...)

	steps := []struct {
		name   string
		delete func() (int64, error)
		want   int64 // deleted
		kept   []store.PlanFile
	}{
		{
			name:   "a push supersedes the older heads",
			delete: func() (int64, error) { return s.DeletePlanFiles(ctx, "o/r", 1, "ccc") },
			want:   3,
			kept:   []store.PlanFile{vpcC, other, otherRepo},
		},
		{
			name:   "again",
			delete: func() (int64, error) { return s.DeletePlanFiles(ctx, "o/r", 1, "ccc") },
			kept:   []store.PlanFile{vpcC, other, otherRepo},
		},
		{
			name: "applied",
			delete: func() (int64, error) {
				return 0, s.DeletePlanFile(ctx, "o/r", 2, "live/vpc", "aaa")
			},
			kept: []store.PlanFile{vpcC, otherRepo},
		},
		{
			name: "applied again",
			delete: func() (int64, error) {
				return 0, s.DeletePlanFile(ctx, "o/r", 2, "live/vpc", "aaa")
			},
			kept: []store.PlanFile{vpcC, otherRepo},
		},
		{
			name:   "closed",
			delete: func() (int64, error) { return s.DeletePlanFiles(ctx, "o/r", 1, "") },
			want:   1,
			kept:   []store.PlanFile{otherRepo},
		},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			n, err := st.delete()
			if err != nil {
				t.Fatal(err)
			}
			if n != st.want {
				t.Errorf("deleted %d, want %d", n, st.want)
			}
			check(t, st.kept...)
		})
	}
}

func planFilesEqual(a, b store.PlanFile) bool {
	return a.Repo == b.Repo && a.PR == b.PR && a.HeadSHA == b.HeadSHA && a.BaseSHA == b.BaseSHA && a.Unit == b.Unit && a.SHA256 == b.SHA256 &&
		bytes.Equal(a.Plan, b.Plan) && bytes.Equal(a.LockFile, b.LockFile) && a.CreatedAt.Equal(b.CreatedAt)
}

// describePlanFile prints a plan file without its blobs, which may be
// megabytes.
func describePlanFile(f store.PlanFile) string {
	return fmt.Sprintf("{sha256 %s, plan of %d bytes, lock file %q, created %v}", f.SHA256, len(f.Plan), f.LockFile, f.CreatedAt)
}
