package engine

import (
	"context"
	"fmt"

	"github.com/csocbot/csocbot/planner/detect"
)

// Apply applies a unit's saved plan in the working directory it was
// planned in, with env (the apply credentials) for terraform. It refuses a
// plan file that is not byte for byte the one planned, so what reviewers
// read is what is applied.
func (e *Engine) Apply(ctx context.Context, res *Result, env map[string]string) error {
	if res.PlanFile == "" || res.Status != Planned {
		return fmt.Errorf("%s has no plan to apply (status %s)", res.Path, res.Status)
	}
	digest, err := fileSHA256(res.PlanFile)
	if err != nil {
		return fmt.Errorf("%s: read the saved plan: %w; plan again", res.Path, err)
	}
	if digest != res.PlanSHA256 {
		return fmt.Errorf("%s: the saved plan changed since it was planned (sha256 %s, expected %s); plan again", res.Path, digest, res.PlanSHA256)
	}
	if e.opts.Terragrunt != nil && res.Kind == detect.Terragrunt {
		return e.opts.Terragrunt.apply(ctx, e, res, env)
	}
	runner, err := e.runner(res.WorkDir, res.Path, env)
	if err != nil {
		return err
	}
	defer runner.Close()
	return runner.Apply(ctx, res.PlanFile)
}
