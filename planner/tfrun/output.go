package tfrun

import (
	"context"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// Output runs `terraform output -json` and returns the root module's
// outputs by name, e.g. to feed a dependent configuration.
func (r *Runner) Output(ctx context.Context) (map[string]tfexec.OutputMeta, error) {
	var outputs map[string]tfexec.OutputMeta
	err := r.run(ctx, "output", false, func(ctx context.Context) (err error) {
		outputs, err = r.tf.Output(ctx)
		return err
	})
	return outputs, err
}
