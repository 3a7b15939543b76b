package tfrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-version"
)

// Flavor tells which implementation a binary is.
type Flavor int

const (
	Terraform Flavor = iota + 1
	OpenTofu
)

// String returns the product name, e.g. "OpenTofu".
func (f Flavor) String() string {
	switch f {
	case Terraform:
		return "Terraform"
	case OpenTofu:
		return "OpenTofu"
	}
	return fmt.Sprintf("Flavor(%d)", int(f))
}

// command returns the usual executable name, used in messages.
func (f Flavor) command() string {
	if f == OpenTofu {
		return "tofu"
	}
	return "terraform"
}

// Minimum versions Find accepts.
var (
	minTerraform = version.Must(version.NewVersion("1.5.0"))
	minOpenTofu  = version.Must(version.NewVersion("1.6.0"))
)

// Binary is a terraform or tofu executable whose version has been checked.
type Binary struct {
	Path    string
	Flavor  Flavor
	Version *version.Version
}

// FindOptions configures Find.
type FindOptions struct {
	// Path is the configured executable (a path, or a name looked up on
	// PATH). When set, it is the only candidate.
	Path string
	// CacheFile, when set, remembers what the executable reported, keyed
	// by its path, size and modification time, so a short-lived command
	// (csocbot preview) does not start terraform only to ask its version.
	CacheFile string
}

// ErrNotFound is wrapped by Find's error when no candidate executable exists.
var ErrNotFound = errors.New("no terraform or tofu executable found")

const installHint = "install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install) " +
	"or OpenTofu >= 1.6, for example by running `go build -o /usr/local/bin/tofu ./cmd/tofu` " +
	"in the OpenTofu module directory, then put it on PATH or configure its path"

// findTimeout bounds each version query, so a wrong binary cannot hang startup.
const findTimeout = 30 * time.Second

// Find locates the executable to run: opts.Path if set, else terraform,
// then tofu, on PATH. It runs `<bin> version` to learn the version and
// flavor, and rejects Terraform older than 1.5.0 and OpenTofu older than
// 1.6.0. Only the first executable found is checked: a too old terraform
// is an error even if tofu is also on PATH.
func Find(ctx context.Context, opts FindOptions) (Binary, error) {
	candidates := []string{"terraform", "tofu"}
	if opts.Path != "" {
		candidates = []string{opts.Path}
	}
	for _, name := range candidates {
		path, err := exec.LookPath(name)
		if err != nil {
			if opts.Path != "" {
				return Binary{}, fmt.Errorf("configured binary %q: %w: %w; %s", opts.Path, ErrNotFound, err, installHint)
			}
			continue
		}
		if b, ok := readCachedBinary(opts.CacheFile, path); ok {
			return b, nil
		}
		b, err := inspect(ctx, path)
		if err == nil {
			writeCachedBinary(opts.CacheFile, b)
		}
		return b, err
	}
	return Binary{}, fmt.Errorf("%w on PATH (looked for terraform, then tofu); %s", ErrNotFound, installHint)
}

// inspect asks the binary at path for its version and flavor. One run of
// `version` tells both: its first line is "Terraform v1.11.4" or
// "OpenTofu v1.8.0" (the JSON form says "terraform_version" for both
// products, so it could not tell them apart).
func inspect(ctx context.Context, path string) (Binary, error) {
	out, err := runVersion(ctx, path, "version")
	if err != nil {
		return Binary{}, err
	}
	first, _, _ := strings.Cut(string(out), "\n")
	b := Binary{Path: path}
	minimum := minTerraform
	var rest string
	switch {
	case strings.HasPrefix(first, "OpenTofu v"):
		b.Flavor, minimum, rest = OpenTofu, minOpenTofu, strings.TrimPrefix(first, "OpenTofu v")
	case strings.HasPrefix(first, "Terraform v"):
		b.Flavor, rest = Terraform, strings.TrimPrefix(first, "Terraform v")
	default:
		return Binary{}, fmt.Errorf("%s is neither terraform nor tofu: `version` printed %q", path, first)
	}
	v, err := version.NewVersion(strings.TrimSpace(rest))
	if err != nil {
		return Binary{}, fmt.Errorf("%s version: %w", path, err)
	}
	b.Version = v
	if v.Core().LessThan(minimum) {
		return Binary{}, fmt.Errorf("%s at %s is version %s, older than the minimum %s; %s", b.Flavor, path, v, minimum, installHint)
	}
	return b, nil
}

// runVersion runs a version subcommand with a minimal environment.
func runVersion(ctx context.Context, path string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, findTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	// No CLI configuration: the version must not depend on the bot's.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_CLI_CONFIG_FILE=" + os.DevNull}
	stdout, stderr := newBoundedBuffer(DefaultOutputLimit), newBoundedBuffer(4<<10)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
		return nil, fmt.Errorf("running %s %s: %w: %s", path, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return []byte(stdout.String()), nil
}

// cachedBinary is what CacheFile holds.
type cachedBinary struct {
	Path    string    `json:"path"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mod_time"`
	Flavor  Flavor    `json:"flavor"`
	Version string    `json:"version"`
}

func readCachedBinary(file, path string) (Binary, bool) {
	if file == "" {
		return Binary{}, false
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return Binary{}, false
	}
	var c cachedBinary
	info, err := os.Stat(path)
	if err != nil || json.Unmarshal(b, &c) != nil || c.Path != path || c.Size != info.Size() || !c.ModTime.Equal(info.ModTime()) {
		return Binary{}, false
	}
	v, err := version.NewVersion(c.Version)
	if err != nil || (c.Flavor != Terraform && c.Flavor != OpenTofu) {
		return Binary{}, false
	}
	return Binary{Path: path, Flavor: c.Flavor, Version: v}, true
}

// writeCachedBinary records a checked binary. Failing to write only costs
// the next run a version check, so errors are ignored.
func writeCachedBinary(file string, b Binary) {
	if file == "" {
		return
	}
	info, err := os.Stat(b.Path)
	if err != nil {
		return
	}
	data, err := json.Marshal(cachedBinary{Path: b.Path, Size: info.Size(), ModTime: info.ModTime(), Flavor: b.Flavor, Version: b.Version.String()})
	if err != nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return
	}
	tmp := file + ".tmp"
	if os.WriteFile(tmp, data, 0o644) == nil {
		os.Rename(tmp, file)
	}
}
