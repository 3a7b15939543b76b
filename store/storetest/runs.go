package storetest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// testUpsertRun checks that a run replaces the one of the same unit at
// the same head, and that a run the store does not understand is refused.
func testUpsertRun(t *testing.T, newDB NewDatabase) {
	c := newClock()
	s := openNew(t, newDB, c)
	ctx := t.Context()
	first, err := s.UpsertRun(ctx, store.Run{Repo: "o/r", PR: 3, HeadSHA: "aaa", Unit: "live/prod/vpc", State: store.RunPlanned,
		PlanPath: "/plans/1.tfplan", PlanSHA256: "ab12", Summary: json.RawMessage(`{"add":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	c.advance(time.Minute)

	tests := []struct {
		name    string
		run     store.Run
		wantErr bool
		sameRow bool
	}{
		{
			name:    "the same unit and head again replaces it",
			run:     store.Run{Repo: "o/r", PR: 3, HeadSHA: "aaa", Unit: "live/prod/vpc", State: store.RunApplied, PlanPath: "/plans/1.tfplan", PlanSHA256: "ab12"},
			sameRow: true,
		},
		{
			name:    "the dependencies whose mock outputs a plan used are kept",
			run:     store.Run{Repo: "o/r", PR: 3, HeadSHA: "aaa", Unit: "live/prod/vpc", State: store.RunPlanned, MockedFrom: []string{"live/prod/iam", "live/prod/kms"}},
			sameRow: true,
		},
		{
			name: "another head is another run",
			run:  store.Run{Repo: "o/r", PR: 3, HeadSHA: "bbb", Unit: "live/prod/vpc", State: store.RunNoChanges},
		},
		{
			name: "another unit is another run",
			run:  store.Run{Repo: "o/r", PR: 3, HeadSHA: "aaa", Unit: "live/prod/eks", State: store.RunFailed, Summary: json.RawMessage(`{"error":"boom"}`)},
		},
		{
			name: "applying",
			run:  store.Run{Repo: "o/r", PR: 3, HeadSHA: "aaa", Unit: "live/prod/rds", State: store.RunApplying, PlanPath: "/plans/2.tfplan", PlanSHA256: "cd34"},
		},
		{
			name: "interrupted",
			run:  store.Run{Repo: "o/r", PR: 3, HeadSHA: "aaa", Unit: "live/prod/s3", State: store.RunInterrupted, PlanSHA256: "ef56"},
		},
		{
			name:    "unknown state",
			run:     store.Run{Repo: "o/r", PR: 3, HeadSHA: "aaa", Unit: "live/prod/eks", State: "maybe"},
			wantErr: true,
		},
		{
			name:    "summary not JSON",
			run:     store.Run{Repo: "o/r", PR: 3, HeadSHA: "aaa", Unit: "live/prod/eks", State: store.RunPlanned, Summary: json.RawMessage(`{`)},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.UpsertRun(ctx, tt.run)
			if tt.wantErr {
				if err == nil {
					t.Errorf("recorded %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.run
			want.ID, want.CreatedAt, want.UpdatedAt = got.ID, c.now(), c.now()
			if tt.sameRow {
				want.ID, want.CreatedAt = first.ID, first.CreatedAt
			}
			if !runsEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			if !tt.sameRow && got.ID == first.ID {
				t.Error("replaced another run")
			}
		})
	}
}

// testRunsQueries checks Runs and LatestRuns.
func testRunsQueries(t *testing.T, newDB NewDatabase) {
	s := openNew(t, newDB, nil)
	ctx := t.Context()
	record := func(pr int, sha, unit string, state store.RunState) int64 {
		t.Helper()
		r, err := s.UpsertRun(ctx, store.Run{Repo: "o/r", PR: pr, HeadSHA: sha, Unit: unit, State: state})
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	vpcA := record(1, "aaa", "live/vpc", store.RunPlanned)
	eksA := record(1, "aaa", "live/eks", store.RunFailed)
	vpcB := record(1, "bbb", "live/vpc", store.RunPlanned)
	dbB := record(1, "bbb", "live/db", store.RunSkipped)
	record(2, "ccc", "live/vpc", store.RunPlanned) // another pull request
	// Updating a run keeps its row, so it stays older than the newer head's.
	if id := record(1, "aaa", "live/vpc", store.RunApplied); id != vpcA {
		t.Fatalf("updating run %d made run %d", vpcA, id)
	}

	tests := []struct {
		name string
		get  func() ([]store.Run, error)
		want []int64
	}{
		{"head aaa", func() ([]store.Run, error) { return s.Runs(ctx, "o/r", 1, "aaa") }, []int64{eksA, vpcA}},
		{"head bbb", func() ([]store.Run, error) { return s.Runs(ctx, "o/r", 1, "bbb") }, []int64{dbB, vpcB}},
		{"unknown head", func() ([]store.Run, error) { return s.Runs(ctx, "o/r", 1, "zzz") }, nil},
		{"another repo", func() ([]store.Run, error) { return s.Runs(ctx, "o/other", 1, "aaa") }, nil},
		{"latest per unit", func() ([]store.Run, error) { return s.LatestRuns(ctx, "o/r", 1) }, []int64{dbB, eksA, vpcB}},
		{"latest, unknown PR", func() ([]store.Run, error) { return s.LatestRuns(ctx, "o/r", 9) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs, err := tt.get()
			if err != nil {
				t.Fatal(err)
			}
			got := make([]int64, len(runs))
			for i, r := range runs {
				got[i] = r.ID
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got runs %v, want %v", got, tt.want)
			}
		})
	}
}

// testComments checks that RecordComment records, and replaces, what
// Comments returns.
func testComments(t *testing.T, newDB NewDatabase) {
	c := newClock()
	s := openNew(t, newDB, c)
	ctx := t.Context()
	steps := []struct {
		name    string
		comment store.Comment
		wantErr bool
	}{
		{name: "plan", comment: store.Comment{Repo: "o/r", PR: 1, CommentID: 100, Kind: store.CommentPlan, HeadSHA: "aaa"}},
		{name: "help", comment: store.Comment{Repo: "o/r", PR: 1, CommentID: 101, Kind: store.CommentHelp}},
		{name: "another PR", comment: store.Comment{Repo: "o/r", PR: 2, CommentID: 102, Kind: store.CommentPlan, HeadSHA: "ccc"}},
		{name: "plan edited for a new head", comment: store.Comment{Repo: "o/r", PR: 1, CommentID: 100, Kind: store.CommentPlan, HeadSHA: "bbb"}},
		{name: "error", comment: store.Comment{Repo: "o/r", PR: 1, CommentID: 103, Kind: store.CommentError, HeadSHA: "bbb"}},
		{name: "unknown kind", comment: store.Comment{Repo: "o/r", PR: 1, CommentID: 104, Kind: "poem"}, wantErr: true},
	}
	for _, st := range steps {
		c.advance(time.Second)
		err := s.RecordComment(ctx, st.comment)
		if (err != nil) != st.wantErr {
			t.Errorf("%s: error %v, want error %v", st.name, err, st.wantErr)
		}
	}

	start := c.now().Add(-6 * time.Second)
	at := func(step int) time.Time { return start.Add(time.Duration(step) * time.Second) }
	tests := []struct {
		pr   int
		want []store.Comment
	}{
		{pr: 1, want: []store.Comment{
			{Repo: "o/r", PR: 1, CommentID: 100, Kind: store.CommentPlan, HeadSHA: "bbb", CreatedAt: at(1)},
			{Repo: "o/r", PR: 1, CommentID: 101, Kind: store.CommentHelp, CreatedAt: at(2)},
			{Repo: "o/r", PR: 1, CommentID: 103, Kind: store.CommentError, HeadSHA: "bbb", CreatedAt: at(5)},
		}},
		{pr: 2, want: []store.Comment{
			{Repo: "o/r", PR: 2, CommentID: 102, Kind: store.CommentPlan, HeadSHA: "ccc", CreatedAt: at(3)},
		}},
		{pr: 3},
	}
	for _, tt := range tests {
		got, err := s.Comments(ctx, "o/r", tt.pr)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(got, tt.want, func(a, b store.Comment) bool {
			return a.Repo == b.Repo && a.PR == b.PR && a.CommentID == b.CommentID && a.Kind == b.Kind &&
				a.HeadSHA == b.HeadSHA && a.CreatedAt.Equal(b.CreatedAt)
		}) {
			t.Errorf("PR %d: got %+v\nwant %+v", tt.pr, got, tt.want)
		}
	}
}
