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

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server"
	"github.com/csocbot/csocbot/server/metrics"
	"github.com/csocbot/csocbot/server/repocache"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve --config FILE [--check]", stdout, stderr)
	cfgPath := fs.String("config", "", "the server configuration file (see config/example.yaml) (required)")
	check := fs.Bool("check", false, "check everything serve needs at start (the configuration, terraform, git, folders, sandbox, policies), print what is wrong or OK, and exit")
	if err := fs.parse(args, 0); err != nil {
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
		return checkServe(ctx, *cfgPath, cfg, stdout, stderr)
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
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		closeAll()
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	log.Info("csocbot is listening", "address", ln.Addr().String(), "repositories", len(cfg.Repositories))
	return serve(ctx, ln, srv.Handler(), srv.Run, closeAll, log)
}

// checkServe reports what serve would find at start with cfg, read from
// path, and whether it would start.
func checkServe(ctx context.Context, path string, cfg *config.Config, stdout, stderr io.Writer) error {
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stdout, "warning:", w)
	}
	found, problems := checkStartup(ctx, cfg, slog.New(slog.DiscardHandler))
	if b := found.binary; b.Path != "" {
		fmt.Fprintf(stdout, "terraform: %s %s at %s\n", b.Flavor, b.Version, b.Path)
	}
	if tg := found.terragrunt; tg != nil {
		fmt.Fprintf(stdout, "terragrunt: %s at %s\n", tg.Version, tg.Path)
	}
	if found.git != nil {
		fmt.Fprintln(stdout, "git:", found.git)
	}
	if found.confiner != nil {
		fmt.Fprintln(stdout, "sandbox:", found.sandboxReport)
		for _, p := range found.sandboxReport.Problems {
			fmt.Fprintln(stdout, "sandbox: note:", p)
		}
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "%s is valid, but serve would not start:%s\n", path, listProblems(problems))
		return exitError{code: 1}
	}
	fmt.Fprintf(stdout, "%s is valid: %s, %s, store %s at %s\n", path,
		count(len(cfg.Repositories), "repository", "repositories"), count(len(cfg.Policies), "policy set", "policy sets"), cfg.Store.Driver, cfg.Store.Path)
	return nil
}

// listProblems puts each problem on a line of its own.
func listProblems(problems []error) string {
	var b strings.Builder
	for _, p := range problems {
		b.WriteString("\n  - " + strings.ReplaceAll(p.Error(), "\n", "\n    "))
	}
	return b.String()
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
	mets := metrics.New(prometheus.NewRegistry())
	// Checked before the store is opened, which creates its folder.
	found, problems := checkStartup(ctx, cfg, log, policy.WithObserver(mets.PolicyEvaluated))
	if len(problems) > 0 {
		return nil, nil, fmt.Errorf("cannot start (`csocbot serve --check` lists the same):%s", listProblems(problems))
	}
	st, jobEvents, err := openConfiguredStore(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	closeAll := func() { st.Close() }
	fail := func(err error) (*server.Server, func(), error) {
		closeAll()
		return nil, nil, err
	}
	log.Info("using "+found.binary.Flavor.String(), "path", found.binary.Path, "version", found.binary.Version)
	eng, err := engine.New(engine.Options{
		Binary: found.binary, CacheDir: filepath.Join(cfg.DataDir, "cache"), Parallelism: cfg.Plan.Parallelism,
		Env: cfg.Terragrunt.Env, AllowRunCmd: cfg.Terragrunt.AllowRunCmd, AllowSopsDecrypt: cfg.Terragrunt.AllowSopsDecrypt,
		EvaluationTimeout: cfg.Terragrunt.EvaluationTimeout,
		CLIConfigFile:     cfg.Terraform.CLIConfigFile, Logger: log,
		Sandbox: found.confiner, Writable: cfg.Sandbox.Writable, Terragrunt: found.terragrunt,
		ObserveCommand: mets.TerraformCommand,
	})
	if err != nil {
		return fail(err)
	}
	repos := repocache.New(filepath.Join(cfg.DataDir, "repos"), found.github.GitToken, log)
	minter, err := credentialsOf(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	srv, err := server.New(server.Deps{
		Config: cfg, Store: st, GitHub: mets.GitHub(found.github), Repos: server.RepoCache(repos), Engine: eng, Logger: log,
		Policies: found.policies, LookupBotLogin: found.lookupBotLogin,
		Credentials: minter, Sealer: sealerOf(cfg), Charts: chartsOf(cfg, found.github.GitToken, log),
		Slack: slackOf(cfg, log, mets), Metrics: mets, Sandboxed: found.confiner != nil,
		JobEvents: jobEvents,
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
func loadPolicies(ctx context.Context, cfg *config.Config, opts ...policy.Option) (*policy.Engine, error) {
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
	e, err := policy.Load(ctx, sets, opts...)
	if err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	return e, nil
}

// serve runs the HTTP server on ln and work (the workers) as one group:
// when ctx ends or either of them stops, the other is stopped too. Once
// both have stopped it calls closeStore, and returns the first error.
// work lets a running apply finish (apply.shutdown_grace); other running
// jobs stay recorded and are dealt with at the next start.
func serve(ctx context.Context, ln net.Listener, handler http.Handler, work func(context.Context) error, closeStore func(), log *slog.Logger) error {
	defer closeStore()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	httpSrv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	var g errgroup.Group
	g.Go(func() error {
		defer stop()
		if err := httpSrv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		defer stop()
		return work(ctx)
	})
	g.Go(func() error {
		<-ctx.Done()
		log.Info("shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := httpSrv.Shutdown(shutdownCtx); err != nil {
			return fmt.Errorf("http server: shut down: %w", err)
		}
		return nil
	})
	return g.Wait()
}
