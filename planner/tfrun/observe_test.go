package tfrun

import (
	"slices"
	"sync"
	"testing"
	"time"
)

func TestObserveTellsEachCommand(t *testing.T) {
	type seen struct {
		command string
		failed  bool
	}
	var (
		mu  sync.Mutex
		got []seen
	)
	observe := func(command string, d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if d <= 0 {
			t.Errorf("%s took %s", command, d)
		}
		got = append(got, seen{command, err != nil})
	}
	r, dir := initRunner(t, `resource "terraform_data" "x" {}`, Options{Observe: observe})
	mustPlan(t, t.Context(), r, dir)
	if err := r.Exec(t.Context(), "false", []string{"false"}, nil, nil); err == nil {
		t.Fatal("false succeeded")
	}
	want := []seen{{"init", false}, {"plan", false}, {"false", true}}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("observed %v, want %v", got, want)
	}
}
