package tfrun

import (
	"context"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// Plan runs `terraform plan -input=false -detailed-exitcode`, saving the
// plan to out and reading variables from varsFile, each if not empty
// (relative paths are relative to the working directory). hasChanges
// reports whether the plan would change anything.
func (r *Runner) Plan(ctx context.Context, out, varsFile string) (hasChanges bool, err error) {
	var opts []tfexec.PlanOption
	if out != "" {
		opts = append(opts, tfexec.Out(out))
	}
	if varsFile != "" {
		opts = append(opts, tfexec.VarFile(varsFile))
	}
	err = r.run(ctx, "plan", true, func(ctx context.Context) error {
		hasChanges, err = r.tf.Plan(ctx, opts...)
		return err
	})
	return hasChanges, err
}
