package tfrun

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestInit(t *testing.T) {
	r, dir := initRunner(t, `
terraform {
  backend "local" {}
}

resource "terraform_data" "x" {}
`, Options{})
	if _, err := os.Stat(filepath.Join(dir, ".terraform", "terraform.tfstate")); err != nil {
		t.Errorf("backend not initialised: %v", err)
	}
	// Init again, as the bot does for every new commit of a pull request.
	if err := r.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestInitWithoutBackend(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte("terraform {\n  backend \"local\" {}\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := New(dir, Options{Binary: realBinary(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Init(t.Context(), WithoutBackend()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".terraform", "terraform.tfstate")); err == nil {
		t.Error("the backend was initialised")
	}
}

// TestParallelInitsShareThePluginCache runs parallel inits that install
// the same provider into one plugin cache from a local filesystem mirror.
// Init only hashes, copies and links a provider package and never runs
// it, so a small file stands in for the provider binary. With the mirror
// in the unpacked layout, unsynchronised inits collide in the cache nearly
// every time ("failed to create directory", "provider binary not found",
// "this is a bug in Terraform"); the control subtest logs how many failed.
func TestParallelInitsShareThePluginCache(t *testing.T) {
	const inits = 8
	root := t.TempDir()
	mirror := filepath.Join(root, "mirror")
	pkgDir := filepath.Join("registry.terraform.io", "csocbot", "fake", "1.0.0", runtime.GOOS+"_"+runtime.GOARCH)
	const exe = "terraform-provider-fake_v1.0.0_x5"
	const provider = "#!/bin/sh\necho 'not a real provider' >&2\nexit 1\n"
	writeFile(t, filepath.Join(mirror, pkgDir, exe), provider)
	if err := os.Chmod(filepath.Join(mirror, pkgDir, exe), 0o755); err != nil {
		t.Fatal(err)
	}
	cliConfig := writeFile(t, filepath.Join(root, "cli.tfrc"), fmt.Sprintf(`
provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/csocbot/fake"]
  }
}
`, mirror))

	// parallelInits runs init in inits new configurations that share
	// cache, through init, and returns their directories and errors.
	parallelInits := func(t *testing.T, cache string, init func(*Runner) error) ([]string, []error) {
		dirs := make([]string, inits)
		runners := make([]*Runner, inits)
		for i := range runners {
			dirs[i] = newConfig(t, `
terraform {
  required_providers {
    fake = {
      source  = "csocbot/fake"
      version = "1.0.0"
    }
  }
}
`)
			runners[i] = newRunner(t, dirs[i], Options{CLIConfigFile: cliConfig, PluginCacheDir: cache})
		}
		errs := make([]error, inits)
		start := time.Now()
		var wg sync.WaitGroup
		for i, r := range runners {
			wg.Go(func() { errs[i] = init(r) })
		}
		wg.Wait()
		t.Logf("%d parallel inits took %v", inits, time.Since(start))
		return dirs, errs
	}

	t.Run("control without the lock", func(t *testing.T) {
		_, errs := parallelInits(t, filepath.Join(root, "control-cache"), func(r *Runner) error {
			return r.tf.Init(t.Context())
		})
		failed := 0
		for _, err := range errs {
			if err != nil {
				failed++
			}
		}
		t.Logf("%d of %d inits failed without the lock", failed, inits)
	})

	cache := filepath.Join(root, "cache")
	dirs, errs := parallelInits(t, cache, func(r *Runner) error { return r.Init(t.Context()) })
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for _, d := range dirs {
		link := filepath.Join(d, ".terraform", "providers", pkgDir)
		if target, err := os.Readlink(link); err != nil || target != filepath.Join(cache, pkgDir) {
			t.Errorf("%s links to %q (%v), want the cache", link, target, err)
		}
		got, err := os.ReadFile(filepath.Join(link, exe))
		if err != nil || string(got) != provider {
			t.Errorf("provider as %s sees it: %q, %v", d, got, err)
		}
	}
	got, err := os.ReadFile(filepath.Join(cache, pkgDir, exe))
	if err != nil || string(got) != provider {
		t.Errorf("cached provider: %q, %v", got, err)
	}
}
