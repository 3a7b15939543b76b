package tfrun

import (
	"context"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// Init runs `terraform init -input=false`.
//
// With a PluginCacheDir, Init holds an exclusive lock on the cache for its
// whole run (an in-process lock plus flock on a file in the cache, so
// other bot processes sharing the cache wait too). Terraform does not
// coordinate writers of the cache: parallel inits that install the same
// provider extract it into the same directory at once, which ends in
// "text file busy", checksum mismatches or a truncated binary. Plans and
// applies only read the cache (through the links init made) and so run in
// parallel without the lock.
//
// TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE is deliberately not set.
// With it, terraform trusts a cached provider that the dependency lock file
// has no checksum for, without verifying it against the registry, and
// records only that one package's hash. On a bot that runs configurations
// from pull requests this would let whatever got into the shared cache
// first be trusted, and it would hide lock files that lack checksums.
// Without it, configurations whose committed .terraform.lock.hcl covers
// the provider (the recommended setup) still install from the cache, and
// the rest download and verify as usual.
func (r *Runner) Init(ctx context.Context, opts ...InitOption) error {
	var tfOpts []tfexec.InitOption
	for _, o := range opts {
		tfOpts = append(tfOpts, o.tfexec())
	}
	return r.run(ctx, "init", true, func(ctx context.Context) error {
		if r.cache != "" {
			r.log.Debug("waiting for the plugin cache lock", "cache", r.cache)
			unlock, err := lockDir(ctx, r.cache)
			if err != nil {
				return err
			}
			defer unlock()
		}
		return r.tf.Init(ctx, tfOpts...)
	})
}

// InitOption is an option of Init.
type InitOption interface {
	tfexec() tfexec.InitOption
}

// BackendConfig passes a backend configuration file (a file of key =
// value lines) to init as -backend-config, for configurations that declare
// an empty backend block and take its settings from outside.
func BackendConfig(path string) InitOption { return backendConfig(path) }

type backendConfig string

func (b backendConfig) tfexec() tfexec.InitOption { return tfexec.BackendConfig(string(b)) }
