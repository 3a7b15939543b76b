package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/tfrun"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server"
	"github.com/csocbot/csocbot/server/repocache"
	"github.com/csocbot/csocbot/store"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve --config FILE [--check]", stderr)
	cfgPath := fs.String("config", "", "the server configuration file (see config/example.yaml) (required)")
	check := fs.Bool("check", false, "validate the configuration, print what is wrong or OK, and exit")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cfgPath == "" {
		fmt.Fprintln(stderr, "--config is required")
		fs.Usage()
		return exitError{code: 2}
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "%s is not valid:\n%v\n", *cfgPath, err)
		return exitError{code: 1}
	}
	if *check {
		// The policy sets are compiled too: a rule that does not compile
		// would otherwise fail every pull request.
		if _, err := loadPolicies(ctx, cfg); err != nil {
			fmt.Fprintf(stderr, "%s is not valid:\n%v\n", *cfgPath, err)
			return exitError{code: 1}
		}
		for _, w := range cfg.Warnings {
			fmt.Fprintln(stdout, "warning:", w)
		}
		if !cfg.Sandbox.Off {
			report, _, err := probeSandbox(ctx)
			if err == nil && !report.FileSystem {
				err = errors.New(strings.Join(report.Problems, "; "))
			}
			if err != nil {
				fmt.Fprintf(stderr, "%s is valid, but serve would not start: runs cannot be confined here: %v; see sandbox in config/example.yaml\n", *cfgPath, err)
				return exitError{code: 1}
			}
			fmt.Fprintln(stdout, "sandbox:", report)
			for _, p := range report.Problems {
				fmt.Fprintln(stdout, "sandbox: note:", p)
			}
		}
		fmt.Fprintf(stdout, "%s is valid: %s, %s, store %s at %s\n", *cfgPath,
			count(len(cfg.Repositories), "repository", "repositories"), count(len(cfg.Policies), "policy set", "policy sets"), cfg.Store.Driver, cfg.Store.Path)
		return nil
	}
	log := newLogger(cfg, stderr)
	for _, w := range cfg.Warnings {
		log.Warn("DANGEROUS SETTING: " + w)
	}
	if err := makeUndumpable(); err != nil {
		return err
	}
	srv, closeAll, err := buildServer(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeAll()
	return serve(ctx, cfg, srv, log)
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Log.Level}
	if cfg.Log.Format == config.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// buildServer wires the server's parts from the configuration.
func buildServer(ctx context.Context, cfg *config.Config, log *slog.Logger) (*server.Server, func(), error) {
	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		return nil, nil, err
	}
	closeAll := func() { st.Close() }
	fail := func(err error) (*server.Server, func(), error) {
		closeAll()
		return nil, nil, err
	}
	ghOpts := github.Options{EnterpriseURL: cfg.GitHub.APIURL, Logger: log}
	var gh *github.APIClient
	// A token's comments come from a user, which the server looks up so
	// that it never takes its own comments for commands; an App's come
	// from "<app>[bot]", which webhooks mark as a bot.
	var lookupBotLogin func(context.Context) (string, error)
	if app := cfg.GitHub.App; app != nil {
		gh, err = github.NewAppClient(github.AppCredentials{AppID: app.AppID, InstallationID: app.InstallationID, PrivateKey: []byte(app.PrivateKey.Reveal())}, ghOpts)
	} else {
		gh, err = github.NewTokenClient(cfg.GitHub.Token.Reveal(), ghOpts)
		lookupBotLogin = gh.Login
	}
	if err != nil {
		return fail(err)
	}
	bin, err := tfrun.Find(ctx, tfrun.FindOptions{Path: cfg.Terraform.Binary})
	if err != nil {
		return fail(err)
	}
	log.Info("using "+bin.Flavor.String(), "path", bin.Path, "version", bin.Version)
	confiner, err := serverSandbox(ctx, cfg.Sandbox, log)
	if err != nil {
		return fail(err)
	}
	engOpts := engine.Options{
		Binary: bin, CacheDir: filepath.Join(cfg.DataDir, "cache"), Parallelism: cfg.Plan.Parallelism,
		Env: cfg.Terragrunt.Env, AllowRunCmd: cfg.Terragrunt.AllowRunCmd, AllowSopsDecrypt: cfg.Terragrunt.AllowSopsDecrypt,
		EvaluationTimeout: cfg.Terragrunt.EvaluationTimeout,
		CLIConfigFile:     cfg.Terraform.CLIConfigFile, Logger: log,
		Sandbox: confiner, Writable: cfg.Sandbox.Writable,
	}
	if cfg.Terraform.Engine == config.EngineTerragrunt {
		if engOpts.Terragrunt, err = engine.FindTerragrunt(ctx, cfg.Terraform.TerragruntBinary); err != nil {
			return fail(err)
		}
	}
	eng, err := engine.New(engOpts)
	if err != nil {
		return fail(err)
	}
	policies, err := loadPolicies(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	repos := repocache.New(filepath.Join(cfg.DataDir, "repos"), gh.GitToken, log)
	srv, err := server.New(server.Deps{
		Config: cfg, Store: st, GitHub: gh, Repos: server.RepoCache(repos), Engine: eng, Logger: log,
		Policies: policies, LookupBotLogin: lookupBotLogin,
	})
	if err != nil {
		return fail(err)
	}
	return srv, closeAll, nil
}

// count phrases n things.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// loadPolicies compiles the configured policy sets; nil when there are
// none.
func loadPolicies(ctx context.Context, cfg *config.Config) (*policy.Engine, error) {
	if len(cfg.Policies) == 0 {
		return nil, nil
	}
	sets := make([]policy.Set, len(cfg.Policies))
	for i, p := range cfg.Policies {
		sets[i] = policy.Set{
			Name: p.Name, Dir: p.Path, Owners: p.Owners, Teams: p.Teams, Approvals: p.Approvals,
			AuthorMayApprove: p.AuthorMayApprove, Repos: p.Repositories, Environments: p.Environments,
		}
	}
	e, err := policy.Load(ctx, sets)
	if err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	return e, nil
}

// serve runs the HTTP server and the workers until ctx ends, then shuts
// both down: running jobs stay recorded and are dealt with at the next
// start.
func serve(ctx context.Context, cfg *config.Config, srv *server.Server, log *slog.Logger) error {
	httpSrv := &http.Server{
		Addr:              cfg.Listen,
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	log.Info("csocbot is listening", "address", ln.Addr().String(), "repositories", len(cfg.Repositories))
	httpErr := make(chan error, 1)
	go func() { httpErr <- httpSrv.Serve(ln) }()
	runErr := make(chan error, 1)
	go func() { runErr <- srv.Run(ctx) }()

	select {
	case err := <-httpErr:
		return fmt.Errorf("http server: %w", err)
	case err := <-runErr:
		if err != nil {
			return err
		}
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return <-runErr
}
