package policy

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestWithObserverTimesEachEvaluation(t *testing.T) {
	dir := writeSet(t, map[string]string{"label.rego": regoPRLabel, "lib.rego": regoLib})
	var moments []Moment
	e, err := Load(context.Background(), []Set{{Name: "base", Dir: dir}}, WithObserver(func(m Moment, d time.Duration) {
		if d <= 0 {
			t.Errorf("evaluation at %s took %s", m, d)
		}
		moments = append(moments, m)
	}))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []Moment{PrePlan, PostPlan} {
		if _, err := e.Evaluate(context.Background(), sampleInput(), m); err != nil {
			t.Fatal(err)
		}
	}
	if want := []Moment{PrePlan, PostPlan}; !slices.Equal(moments, want) {
		t.Errorf("observed %v, want %v", moments, want)
	}
}
