package tfrun

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestShowPlan(t *testing.T) {
	r, dir := initRunner(t, `
resource "terraform_data" "a" {
  input = "a"
}

resource "terraform_data" "b" {}
`, Options{})
	ctx := t.Context()
	plan, err := r.ShowPlan(ctx, mustPlan(t, ctx, r, dir))
	if err != nil {
		t.Fatal(err)
	}
	var created []string
	for _, rc := range plan.ResourceChanges {
		if rc.Change.Actions.Create() {
			created = append(created, rc.Address)
		}
	}
	if want := []string{"terraform_data.a", "terraform_data.b"}; !slices.Equal(created, want) {
		t.Errorf("created %v, want %v", created, want)
	}

	_, err = r.ShowPlan(ctx, filepath.Join(dir, "missing"))
	var e *Error
	if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "terraform show in "+dir+" failed: exit status 1: ") {
		t.Errorf("ShowPlan(missing file) error = %v", err)
	}
}
