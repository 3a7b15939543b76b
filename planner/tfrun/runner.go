package tfrun

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// DefaultGracePeriod is how long a cancelled command may run after SIGINT
// before it is killed.
const DefaultGracePeriod = 10 * time.Second

// Options configures a Runner.
type Options struct {
	// Binary is the executable to run, as returned by Find. Required.
	Binary Binary
	// Name identifies the working directory in errors and logs, for
	// example its path in the repository ("live/prod/vpc"). Defaults to
	// the directory passed to New.
	Name string
	// HomeDir is the HOME terraform sees. If empty, New creates a private
	// temporary directory, which Close removes.
	HomeDir string
	// PluginCacheDir is the provider plugin cache shared between Runners
	// (TF_PLUGIN_CACHE_DIR). It is created if missing, and Init holds an
	// exclusive lock on it while it runs.
	PluginCacheDir string
	// CLIConfigFile is passed as TF_CLI_CONFIG_FILE. Without it terraform
	// reads .terraformrc from the private HOME, so it sees no CLI config.
	CLIConfigFile string
	// DataDir is passed as TF_DATA_DIR (default: .terraform in the
	// working directory).
	DataDir string
	// Env holds further variables for terraform, such as credentials.
	// It may not set the variables the Runner sets itself (PATH, HOME,
	// CHECKPOINT_DISABLE, CSOCBOT_TFRUN_ID and the TF_* ones of the fields
	// above) nor those terraform-exec manages (TF_VAR_*, TF_CLI_ARGS*,
	// TF_LOG*, TF_INPUT, TF_IN_AUTOMATION, TF_WORKSPACE, ...).
	Env map[string]string
	// GracePeriod is how long a command whose context is cancelled may
	// take to exit after SIGINT, to release state locks, before it is
	// killed. Defaults to DefaultGracePeriod.
	GracePeriod time.Duration
	// OutputLimit is how many bytes are kept at the start and at the end
	// of each output stream. Defaults to DefaultOutputLimit.
	OutputLimit int
	// Logger receives a line per command and, at debug level, the
	// commands' output lines. Defaults to discarding.
	Logger *slog.Logger
	// Sandbox confines every program the Runner starts to the working
	// directory, HOME, DataDir, Writable, the CLI configuration and the
	// plugin cache (writable during init only). Nil runs them unconfined.
	Sandbox Sandbox
	// Writable are further folders a confined program may write: the
	// run's whole working tree (local modules beside the working
	// directory), a local backend's state folder.
	Writable []string
	// Secrets are values, such as the credentials in Env, that never
	// appear in what the Runner returns or logs: they are replaced by
	// "***" in errors and their output and in logged output lines.
	Secrets []string
	// Observe, when set, is told each command's name, duration and
	// error, for metrics.
	Observe func(command string, d time.Duration, err error)
}

// proxyVars are copied from the bot's environment so terraform can reach
// registries and APIs through the same proxy.
var proxyVars = []string{"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"}

// userAgentVar is read from the bot's own environment by terraform-exec
// (tfexec.buildEnv) whatever environment it is given, so it is the one
// variable that would leak past the allowlist; New refuses to run with it.
const userAgentVar = "TF_APPEND_USER_AGENT"

// Runner runs terraform commands in one working directory. Its methods
// may be called from several goroutines; they run one at a time. Distinct
// Runners run in parallel.
type Runner struct {
	tf      *tfexec.Terraform
	binary  Binary
	name    string
	cache   string
	limit   int
	log     *slog.Logger
	tmpHome string // removed by Close
	env     map[string]string
	grace   time.Duration
	masker  *strings.Replacer // masks Options.Secrets; nil when none

	sandbox   Sandbox
	writable  []string
	home      string
	dataDir   string
	cliConfig string
	observer  func(command string, d time.Duration, err error) // nil: nobody is told

	mu sync.Mutex
}

// observe tells Options.Observe, if set, how a command went.
func (r *Runner) observe(command string, d time.Duration, err error) {
	if r.observer != nil {
		r.observer(command, d, err)
	}
}

// New returns a Runner for the terraform configuration in dir.
//
// Terraform gets only an allowlisted environment: PATH, a private HOME
// with a private TMPDIR in it, CHECKPOINT_DISABLE=1, TF_IN_AUTOMATION=1, the TF_* variables of opts,
// the proxy variables of the bot's environment, opts.Env and a per-command
// CSOCBOT_TFRUN_ID. Nothing else from the bot's environment reaches it,
// nor the programs it starts. Processes a command leaves running when it
// ends are killed.
func New(dir string, opts Options) (*Runner, error) {
	if opts.Binary.Path == "" {
		return nil, errors.New("tfrun: Options.Binary is required (use Find)")
	}
	if v := os.Getenv(userAgentVar); v != "" {
		return nil, fmt.Errorf("tfrun: %s is set in the bot's environment and terraform-exec would pass it to terraform; unset it", userAgentVar)
	}
	execPath := opts.Binary.Path
	if opts.Sandbox != nil {
		// terraform-exec starts what it is given: the launcher, which
		// learns each command's policy from the environment run sets.
		launcher, _, err := opts.Sandbox.Command(opts.Binary.Path, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("tfrun: %w", err)
		}
		execPath = launcher
	}
	tf, err := tfexec.NewTerraform(dir, execPath)
	if err != nil {
		return nil, fmt.Errorf("tfrun: %w", err)
	}
	r := &Runner{
		tf:        tf,
		binary:    opts.Binary,
		name:      cmp.Or(opts.Name, dir),
		cache:     opts.PluginCacheDir,
		limit:     opts.OutputLimit,
		log:       opts.Logger,
		sandbox:   opts.Sandbox,
		writable:  opts.Writable,
		dataDir:   opts.DataDir,
		cliConfig: opts.CLIConfigFile,
		masker:    newMasker(opts.Secrets),
		observer:  opts.Observe,
	}
	if r.limit <= 0 {
		r.limit = DefaultOutputLimit
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.log = r.log.With("dir", r.name, "binary", opts.Binary.Flavor.command())
	grace := opts.GracePeriod
	if grace <= 0 {
		grace = DefaultGracePeriod
	}
	// terraform-exec already cancels gracefully: on ctx.Done it sends
	// SIGINT and exec.Cmd kills the process WaitDelay later.
	r.grace = grace
	if err := tf.SetWaitDelay(grace); err != nil {
		return nil, fmt.Errorf("tfrun: %w", err)
	}
	tf.SetLogger(printfLogger{r.log})

	home := opts.HomeDir
	if home == "" {
		if home, err = os.MkdirTemp("", "tfrun-home-"); err != nil {
			return nil, fmt.Errorf("tfrun: creating private HOME: %w", err)
		}
		r.tmpHome = home
	}
	r.home = home
	// A private TMPDIR below HOME: a confined program may write nowhere
	// else, and runs never share temporary files.
	if err := os.MkdirAll(filepath.Join(home, "tmp"), 0o700); err != nil {
		r.Close()
		return nil, fmt.Errorf("tfrun: creating private TMPDIR: %w", err)
	}
	if r.cache != "" {
		if err := os.MkdirAll(r.cache, 0o755); err != nil {
			r.Close()
			return nil, fmt.Errorf("tfrun: creating plugin cache: %w", err)
		}
	}
	if r.env, err = environment(home, opts); err == nil {
		// Checked here once; run sets a copy with its run ID.
		err = tf.SetEnv(r.env)
	}
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("tfrun: %w", err)
	}
	return r, nil
}

// reservedVars are set by the Runner itself and may not be in Options.Env.
var reservedVars = []string{"PATH", "HOME", "TMPDIR", "CHECKPOINT_DISABLE", "TF_PLUGIN_CACHE_DIR", "TF_CLI_CONFIG_FILE", "TF_DATA_DIR", runIDVar}

// environment builds the complete environment terraform runs with.
// terraform-exec adds TF_IN_AUTOMATION=1, its TF_APPEND_USER_AGENT and
// empty TF_LOG* variables.
func environment(home string, opts Options) (map[string]string, error) {
	env := map[string]string{}
	for _, k := range proxyVars {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	for k, v := range opts.Env {
		if slices.Contains(reservedVars, k) {
			return nil, fmt.Errorf("Options.Env may not set %s: the Runner sets it", k)
		}
		env[k] = v
	}
	env["PATH"] = os.Getenv("PATH")
	env["HOME"] = home
	env["TMPDIR"] = filepath.Join(home, "tmp")
	env["CHECKPOINT_DISABLE"] = "1"
	for k, v := range map[string]string{
		"TF_PLUGIN_CACHE_DIR": opts.PluginCacheDir,
		"TF_CLI_CONFIG_FILE":  opts.CLIConfigFile,
		"TF_DATA_DIR":         opts.DataDir,
	} {
		if v != "" {
			env[k] = v
		}
	}
	return env, nil
}

// Close removes the private HOME that New created, if any.
func (r *Runner) Close() error {
	if r.tmpHome == "" {
		return nil
	}
	return os.RemoveAll(r.tmpHome)
}

// run runs one terraform command through fn with fresh output buffers and
// turns its failure into an *Error. stdout is captured and logged only if
// captureStdout is set: commands whose stdout is JSON for the caller
// leave it alone.
func (r *Runner) run(ctx context.Context, command string, captureStdout bool, fn func(context.Context) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()

	log := r.log.With("command", command)
	stdout, stderr := newBoundedBuffer(r.limit), newBoundedBuffer(r.limit)
	var outW, errW io.Writer = stdout, stderr
	if log.Enabled(ctx, slog.LevelDebug) {
		outLog := &lineLogger{log: log.With("stream", "stdout"), mask: r.mask}
		errLog := &lineLogger{log: log.With("stream", "stderr"), mask: r.mask}
		defer outLog.flush()
		defer errLog.flush()
		outW, errW = io.MultiWriter(stdout, outLog), io.MultiWriter(stderr, errLog)
	}
	if !captureStdout {
		outW = nil
	}
	r.tf.SetStdout(outW)
	r.tf.SetStderr(errW)
	id := newRunID()
	env := maps.Clone(r.env)
	env[runIDVar] = id
	_, confined, err := r.confine(command, r.binary.Path)
	if err != nil {
		return fmt.Errorf("tfrun: %w", err)
	}
	maps.Copy(env, confined)
	if err := r.tf.SetEnv(env); err != nil {
		return fmt.Errorf("tfrun: %w", err)
	}

	// Once the grace period after a cancellation is over, kill terraform's
	// children too: one that ignores SIGINT and holds terraform's output
	// pipes open would otherwise keep fn waiting for it.
	finished := make(chan struct{})
	stopKiller := context.AfterFunc(ctx, func() {
		select {
		case <-finished:
		case <-time.After(r.grace):
			if pids := killLeftovers(id); len(pids) > 0 {
				log.Warn("killed processes still running after the grace period", "pids", pids)
			}
		}
	})
	start := time.Now()
	err = fn(ctx)
	stopKiller()
	close(finished)
	if pids := killLeftovers(id); len(pids) > 0 {
		log.Warn("killed processes terraform left running", "pids", pids)
	}
	log.Info("terraform command finished", "duration", time.Since(start), "error", err != nil)
	r.observe(command, time.Since(start), err)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		err = fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return r.newError(r.binary.Flavor.command(), command, stdout.String(), stderr.String(), err)
}
