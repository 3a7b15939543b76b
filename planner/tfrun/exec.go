package tfrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"
)

// Exec runs another program that drives terraform, such as terragrunt, in
// the Runner's directory and with the Runner's environment, output bounds,
// graceful cancellation and clean-up of leftover processes. extraEnv adds
// variables for this program only (they may not override the Runner's
// own). If stdout is nil, standard output is captured with the output
// bound and returned in errors; otherwise it is written to stdout whole,
// for output the caller parses. command names the step in errors, e.g.
// "plan".
func (r *Runner) Exec(ctx context.Context, command string, argv []string, extraEnv map[string]string, stdout io.Writer) error {
	if len(argv) == 0 {
		return errors.New("tfrun: Exec needs a program")
	}
	r.mu.Lock()
	defer r.mu.Unlock()

	env := maps.Clone(r.env)
	for k, v := range extraEnv {
		if _, taken := env[k]; taken || slices.Contains(reservedVars, k) {
			return fmt.Errorf("tfrun: Exec may not override %s", k)
		}
		env[k] = v
	}
	id := newRunID()
	env[runIDVar] = id
	env["TF_IN_AUTOMATION"] = "1"

	program, confined, err := r.confine(command, argv[0])
	if err != nil {
		return fmt.Errorf("tfrun: %w", err)
	}
	maps.Copy(env, confined)
	outBuf, errBuf := newBoundedBuffer(r.limit), newBoundedBuffer(r.limit)
	cmd := exec.CommandContext(ctx, program, argv[1:]...)
	cmd.Dir = r.tf.WorkingDir()
	cmd.Env = envList(env)
	cmd.Stderr = errBuf
	cmd.Stdout = outBuf
	if stdout != nil {
		cmd.Stdout = stdout
	}
	// Interrupt first so terraform can release state locks; kill after
	// the grace period.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = r.grace

	start := time.Now()
	err = cmd.Run()
	log := r.log.With("command", command, "program", filepath.Base(argv[0]))
	if pids := killLeftovers(id); len(pids) > 0 {
		log.Warn("killed processes left running", "pids", pids)
	}
	log.Info("command finished", "duration", time.Since(start), "error", err != nil)
	r.observe(command, time.Since(start), err)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		err = fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return r.newError(filepath.Base(argv[0]), command, outBuf.String(), errBuf.String(), err)
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}
