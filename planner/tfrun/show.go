package tfrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	tfjson "github.com/hashicorp/terraform-json"
)

// ShowPlan runs `terraform show -json planFile` and returns the decoded
// plan.
//
// It runs the command itself rather than through terraform-exec, whose
// ShowPlanFile first runs `terraform version` once per Runner to check
// compatibility: for a unit planned once, that was a fourth terraform
// process on top of init, plan and show. Find already checked the version.
func (r *Runner) ShowPlan(ctx context.Context, planFile string) (*tfjson.Plan, error) {
	var out bytes.Buffer
	argv := []string{r.binary.Path, "show", "-json", "-no-color", planFile}
	if err := r.Exec(ctx, "show", argv, nil, &out); err != nil {
		return nil, err
	}
	var plan tfjson.Plan
	if err := json.Unmarshal(out.Bytes(), &plan); err != nil {
		return nil, fmt.Errorf("terraform show -json %s printed no plan JSON: %w", planFile, err)
	}
	if err := plan.Validate(); err != nil {
		return nil, fmt.Errorf("terraform show -json %s: %w", planFile, err)
	}
	return &plan, nil
}
