package tfrun

import "context"

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
//
// A configuration that uses only the built-in terraform provider installs
// nothing into the cache, so its init does not wait for the lock.
func (r *Runner) Init(ctx context.Context, opts ...InitOption) error {
	if r.cache != "" && needsProviders(r.tf.WorkingDir()) {
		r.log.Debug("waiting for the plugin cache lock", "cache", r.cache)
		unlock, err := lockDir(ctx, r.cache)
		if err != nil {
			return err
		}
		defer unlock()
	}
	// Run directly rather than through terraform-exec, which would start
	// `terraform version` first to pick flags for terraform 0.x.
	argv := []string{r.binary.Path, "init", "-no-color", "-input=false", "-get=true", "-upgrade=false"}
	backend := true
	for _, o := range opts {
		if _, ok := o.(noBackend); ok {
			backend = false
		}
		argv = append(argv, o.arg())
	}
	if backend {
		argv = append(argv, "-backend=true")
	}
	return r.Exec(ctx, "init", argv, nil, nil)
}

// InitOption is an option of Init.
type InitOption interface {
	arg() string
}

// BackendConfig passes a backend configuration file (a file of key =
// value lines) to init as -backend-config, for configurations that declare
// an empty backend block and take its settings from outside.
func BackendConfig(path string) InitOption { return backendConfig(path) }

type backendConfig string

func (b backendConfig) arg() string { return "-backend-config=" + string(b) }

// WithoutBackend skips the backend's initialisation (-backend=false), for
// applying a saved plan, which carries its backend configuration.
func WithoutBackend() InitOption { return noBackend{} }

type noBackend struct{}

func (noBackend) arg() string { return "-backend=false" }
