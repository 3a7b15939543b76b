package tfrun

import (
	"context"

	tfjson "github.com/hashicorp/terraform-json"
)

// ShowPlan runs `terraform show -json planFile` and returns the decoded
// plan.
func (r *Runner) ShowPlan(ctx context.Context, planFile string) (*tfjson.Plan, error) {
	var plan *tfjson.Plan
	err := r.run(ctx, "show", false, func(ctx context.Context) (err error) {
		plan, err = r.tf.ShowPlanFile(ctx, planFile)
		return err
	})
	return plan, err
}
