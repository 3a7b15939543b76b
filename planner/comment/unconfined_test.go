package comment

import (
	"strings"
	"testing"
)

func TestUnconfinedRunsAreSaidSo(t *testing.T) {
	units := []UnitReport{{Path: "live/prod/vpc", Status: NoChanges}}
	for _, tc := range []struct {
		name string
		r    Report
		want bool
	}{
		{"sandboxed", Report{Title: "plan", Units: units}, false},
		{"unconfined", Report{Title: "plan", Units: units, Unconfined: true}, true},
		{"unconfined, nothing ran", Report{Title: "plan", Unconfined: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Contains(Render(tc.r), "**unconfined**"); got != tc.want {
				t.Errorf("warning shown = %v, want %v:\n%s", got, tc.want, Render(tc.r))
			}
		})
	}
}
