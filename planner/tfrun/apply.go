package tfrun

import (
	"context"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// Apply runs `terraform apply -input=false -auto-approve planFile`,
// applying a plan saved by Plan.
func (r *Runner) Apply(ctx context.Context, planFile string) error {
	return r.run(ctx, "apply", true, func(ctx context.Context) error {
		return r.tf.Apply(ctx, tfexec.DirOrPlan(planFile))
	})
}
