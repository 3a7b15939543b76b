package tfrun

import (
	"context"

	"github.com/hashicorp/go-version"
)

// Version runs `terraform version -json` and returns the binary's version
// and the versions of the providers the working directory has selected
// (empty before Init).
func (r *Runner) Version(ctx context.Context) (binary *version.Version, providers map[string]*version.Version, err error) {
	err = r.run(ctx, "version", false, func(ctx context.Context) error {
		binary, providers, err = r.tf.Version(ctx, true)
		return err
	})
	return binary, providers, err
}
