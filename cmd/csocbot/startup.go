package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/sandbox"
	"github.com/csocbot/csocbot/planner/tfrun"
	"github.com/csocbot/csocbot/policy"
)

// startup is what serve needs besides its configuration and its store,
// found and checked by checkStartup.
type startup struct {
	github *github.APIClient
	// lookupBotLogin learns the login a token's comments come from; nil
	// for a GitHub App, whose comments webhooks mark as a bot's.
	lookupBotLogin func(context.Context) (string, error)
	binary         tfrun.Binary
	// terragrunt is set for the terragrunt engine.
	terragrunt *engine.TerragruntCLI
	// git is the version of git, set for the merge checkout strategy.
	git *version.Version
	// confiner and sandboxReport are zero when the sandbox is off.
	confiner      tfrun.Sandbox
	sandboxReport sandbox.Report
	policies      *policy.Engine
}

// checkStartup finds and checks everything serve needs at start besides
// its store: the GitHub client, terraform or tofu, terragrunt for the
// terragrunt engine, git for the merge checkout strategy, folders it can
// write, the sandbox and the policy sets. serve and serve --check both
// call it, so that --check says "valid" exactly when serve would start. It
// returns every problem found, each saying what to do. policyOpts are
// passed to the policy engine.
func checkStartup(ctx context.Context, cfg *config.Config, log *slog.Logger, policyOpts ...policy.Option) (startup, []error) {
	var s startup
	var problems []error
	add := func(err error) {
		if err != nil {
			problems = append(problems, err)
		}
	}
	var err error
	s.github, s.lookupBotLogin, err = newGitHubClient(cfg, log)
	add(err)
	s.binary, err = tfrun.Find(ctx, tfrun.FindOptions{Path: cfg.Terraform.Binary})
	add(err)
	if cfg.Terraform.Engine == config.EngineTerragrunt {
		s.terragrunt, err = engine.FindTerragrunt(ctx, cfg.Terraform.TerragruntBinary)
		add(err)
	}
	if cfg.CheckoutStrategy == config.CheckoutMerge {
		s.git, err = checkGit(ctx)
		add(err)
	}
	add(checkWritable("data_dir", cfg.DataDir))
	if dir := filepath.Dir(cfg.Store.Path); dir != filepath.Clean(cfg.DataDir) {
		add(checkWritable("store.path", dir))
	}
	s.confiner, s.sandboxReport, err = serverSandbox(ctx, cfg.Sandbox, log)
	add(err)
	s.policies, err = loadPolicies(ctx, cfg, policyOpts...)
	add(err)
	return s, problems
}

// newGitHubClient returns the GitHub client the configuration asks for,
// and for a token the function that learns the token's login.
func newGitHubClient(cfg *config.Config, log *slog.Logger) (*github.APIClient, func(context.Context) (string, error), error) {
	opts := github.Options{EnterpriseURL: cfg.GitHub.APIURL, Logger: log}
	// A token's comments come from a user, which the server looks up so
	// that it never takes its own comments for commands; an App's come
	// from "<app>[bot]", which webhooks mark as a bot.
	if app := cfg.GitHub.App; app != nil {
		gh, err := github.NewAppClient(github.AppCredentials{AppID: app.AppID, InstallationID: app.InstallationID, PrivateKey: []byte(app.PrivateKey.Reveal())}, opts)
		return gh, nil, err
	}
	gh, err := github.NewTokenClient(cfg.GitHub.Token.Reveal(), opts)
	if err != nil {
		return nil, nil, err
	}
	return gh, gh.Login, nil
}

// minGit is the first git whose merge-tree writes the merged tree
// (--write-tree), which the merge checkout strategy uses.
var minGit = version.Must(version.NewVersion("2.38.0"))

var gitVersion = regexp.MustCompile(`git version (\d+\.\d+(?:\.\d+)?)`)

// checkGit checks that the git on PATH can merge a pull request into its
// base branch, and returns its version.
func checkGit(ctx context.Context) (*version.Version, error) {
	const hint = "install git 2.38 or later, or set checkout_strategy: branch to plan pull requests' head commits unmerged"
	path, err := exec.LookPath("git")
	if err != nil {
		return nil, fmt.Errorf("git: %w; %s", err, hint)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "version").Output()
	if err != nil {
		return nil, fmt.Errorf("git: %s version: %w; %s", path, err, hint)
	}
	m := gitVersion.FindSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("git: cannot read a version in %q (%s version); %s", out, path, hint)
	}
	v, err := version.NewVersion(string(m[1]))
	if err != nil {
		return nil, fmt.Errorf("git: %s version: %w; %s", path, err, hint)
	}
	if v.LessThan(minGit) {
		return nil, fmt.Errorf("git at %s is version %s, older than 2.38, which the merge checkout strategy needs (git merge-tree --write-tree); %s", path, v, hint)
	}
	return v, nil
}

// checkWritable checks that serve can write in dir, which the setting key
// names, or create it: serve creates the folders it writes in.
func checkWritable(key, dir string) error {
	fail := func(problem string) error {
		return fmt.Errorf("%s: csocbot cannot write in %s: %s; create it, writable by the user csocbot runs as, or change %s", key, dir, problem, key)
	}
	existing := dir
	for {
		info, err := os.Stat(existing)
		if err == nil {
			if !info.IsDir() {
				return fail(existing + " is a file, not a folder")
			}
			break
		}
		// Missing, or under a file: the nearest folder that exists tells.
		parent := filepath.Dir(existing)
		if !(errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)) || parent == existing {
			return fail(err.Error())
		}
		existing = parent
	}
	f, err := os.CreateTemp(existing, ".csocbot-check-*")
	if err != nil {
		return fail(err.Error())
	}
	f.Close()
	if err := os.Remove(f.Name()); err != nil {
		return fail(err.Error())
	}
	return nil
}
