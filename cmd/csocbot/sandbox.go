package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/planner/sandbox"
	"github.com/csocbot/csocbot/planner/tfrun"
)

// launcherName is the small launcher binary installed beside csocbot
// (cmd/csocbot-sandbox): it starts in a fraction of csocbot's time, and
// every command of every run goes through it.
const launcherName = "csocbot-sandbox"

// probeSandbox learns what this kernel and container allow, and returns
// the launcher of confined runs: csocbot-sandbox beside this binary, or
// this binary itself.
func probeSandbox(ctx context.Context) (sandbox.Report, string, error) {
	self, err := os.Executable()
	if err != nil {
		return sandbox.Report{}, "", fmt.Errorf("find the csocbot executable, which launches confined runs: %w", err)
	}
	if l := filepath.Join(filepath.Dir(self), launcherName); isExecutable(l) {
		self = l
	}
	return sandbox.Probe(ctx, self), self, nil
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0
}

// serverSandbox returns the sandbox the server's runs use and what this
// machine allows, nil and a zero report when the operator turned it off.
// It refuses to go on when runs cannot be confined: a pull request could
// otherwise read the bot's secrets.
func serverSandbox(ctx context.Context, cfg config.Sandbox, log *slog.Logger) (tfrun.Sandbox, sandbox.Report, error) {
	if cfg.Off {
		log.Warn("SANDBOX OFF: terraform and terragrunt run pull request code unconfined; it can read the bot's token, webhook secret, store and other runs' files (sandbox.mode: off)")
		return nil, sandbox.Report{}, nil
	}
	report, self, err := probeSandbox(ctx)
	if err != nil {
		return nil, report, err
	}
	for _, dir := range cfg.Writable {
		if err := requireFolder(dir); err != nil {
			return nil, report, fmt.Errorf("sandbox.writable: %s: %w", dir, err)
		}
	}
	log.Info("sandbox", "protections", report.String(), "problems", strings.Join(report.Problems, "; "))
	if !report.FileSystem {
		return nil, report, errors.New("this kernel or container cannot confine terraform to its run (" + strings.Join(report.Problems, "; ") +
			"): csocbot will not run pull request code that could read its secrets. Run on Linux 5.13 or later with Landlock enabled (see the README), or set sandbox.mode: off where every pull request author is trusted")
	}
	confiner := sandbox.Confiner{Self: self, PIDNamespace: report.PIDNamespace}
	switch {
	case cfg.OpenNetwork:
		log.Warn("sandbox.network is open: runs can connect anywhere, including the instance metadata service")
	case report.Network:
		confiner.RestrictNetwork, confiner.ConnectPorts = true, cfg.ConnectPorts
	}
	return confiner, report, nil
}

// previewSandbox confines preview's runs when asked (--sandbox). On a
// developer's own machine, with their own code, they run unconfined by
// default, which -v says.
func previewSandbox(ctx context.Context, confine bool, log *slog.Logger) (tfrun.Sandbox, error) {
	if !confine {
		log.Info("running terraform unconfined, as on any developer's machine; pass --sandbox to confine it as the server does")
		return nil, nil
	}
	report, self, err := probeSandbox(ctx)
	if err == nil && !report.FileSystem {
		err = errors.New(strings.Join(report.Problems, "; "))
	}
	if err != nil {
		return nil, fmt.Errorf("--sandbox: this machine cannot confine terraform: %w", err)
	}
	log.Info("running terraform confined", "protections", report.String())
	return sandbox.Confiner{Self: self, PIDNamespace: report.PIDNamespace}, nil
}

// requireFolder checks that a folder runs may write exists: the sandbox
// grants access to what is there when a run starts.
func requireFolder(dir string) error {
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%w; create it first", err)
	}
	if !info.IsDir() {
		return errors.New("is not a folder")
	}
	return nil
}
