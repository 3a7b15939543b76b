// Package server turns GitHub events into csocbot's work: it verifies
// webhook deliveries and records them with their jobs in the durable store,
// runs the jobs in a bounded pool of workers, and reports plans on the pull
// requests as comments and commit statuses.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/helmrender"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/metrics"
	"github.com/csocbot/csocbot/server/workflow"
	"github.com/csocbot/csocbot/store"
)

// Repos is what the server needs of its local copies of repositories.
type Repos interface {
	// Fetch brings the branch and the pull requests' heads up to date and
	// returns the commit the branch is at.
	Fetch(ctx context.Context, repo, cloneURL, branch string, pullRequests []int) (branchSHA string, err error)
	// MergeCommit returns a commit of pull request pr's head merged into
	// base, or the paths that conflict.
	MergeCommit(ctx context.Context, repo string, pr int, baseSHA, headSHA string) (sha string, conflicts []string, err error)
	// Open opens the local copy for reading. Objects fetched later need a
	// new Open.
	Open(repo string) (*gitrepo.Repo, error)
	// Checkout writes the files of commit sha into dir, for the terragrunt
	// engine, which runs in a checkout.
	Checkout(ctx context.Context, repo, sha, dir string) error
	// ForgetPullRequest drops what the local copy keeps of a closed pull
	// request.
	ForgetPullRequest(ctx context.Context, repo string, pr int) error
	// Maintain collects the local copies' garbage (git gc --auto),
	// leaving those being read for another time.
	Maintain(ctx context.Context) error
}

// Deps are the parts a Server works with.
type Deps struct {
	Config *config.Config
	Store  store.Store
	GitHub GitHub
	Repos  Repos
	Engine *engine.Engine
	Logger *slog.Logger
	// BotLogin is the GitHub login csocbot comments as, so its own comments
	// are never taken for commands.
	BotLogin string
	// LookupBotLogin, when BotLogin is empty, finds it once Run starts, in
	// the background: start-up does not wait on GitHub.
	LookupBotLogin func(context.Context) (string, error)
	// Policies checks every plan; nil checks none.
	Policies *policy.Engine
	// Permissions reads commenters' permissions; nil means GitHub, which
	// must then be a PermissionReader (the API client is).
	Permissions PermissionReader
	// Credentials mints runs' cloud credentials; nil gives them none.
	Credentials workflow.Minter
	// Sealer encrypts the plan files kept for apply; nil keeps none, and
	// apply says so.
	Sealer workflow.Sealer
	// Charts renders gitops repositories' charts; nil diffs their values
	// only.
	Charts *helmrender.Renderer
	// Slack posts to the notification channels; nil (or no slack
	// section in the configuration) posts nothing.
	Slack SlackPoster
	// Metrics records what the server does and serves it at /metrics;
	// nil records nothing and serves no /metrics.
	Metrics *metrics.Metrics
	// Sandboxed says whether the engine confines runs, for the metrics.
	Sandboxed bool
	// Replica names this process among those sharing the store, in job
	// leases and leadership; "" makes one from the host name and the
	// process id.
	Replica string
	// JobEvents, when the store can say so, wakes idle workers as soon as
	// another process queues a job; nil leaves them to poll.
	JobEvents JobListener
}

// Server is csocbot's webhook server and job runner.
type Server struct {
	cfg      *config.Config
	store    store.Store
	gh       GitHub
	repos    Repos
	engine   *engine.Engine
	policies *policy.Engine // nil when no policy set is configured
	log      *slog.Logger
	metrics  *metrics.Metrics // nil records nothing
	plan     *workflow.Plan   // what a plan job does
	values   *workflow.Values // what a plan job does on a gitops repository

	slack         SlackPoster     // nil: no Slack
	slackWake     chan struct{}   // a message was queued
	slackFailures atomic.Int64    // deliveries that failed, to retry
	apply         *workflow.Apply // what an apply job does
	prs           pullRequests    // the workflows' pull request reads
	botLogin      atomic.Pointer[string]
	lookup        func(context.Context) (string, error)
	maxBody       int64

	permissions    PermissionReader
	permissionMemo *memo[vcs.Permission] // by repo and login
	refusalMemo    *memo[struct{}]       // by pull request and commenter

	wakeup    chan struct{}
	replica   string      // this process's name in leases
	jobEvents JobListener // nil: workers poll
	ready     atomic.Bool
	probe     writeProbe // for readiness

	// bodySlots bounds how many requests read a body before its signature
	// is checked (webhook.max_concurrent_reads); see readVerified.
	bodySlots chan struct{}
	bodyWait  time.Duration // how long a request waits for a slot
	intake    intakeStats
	refusals  *sampler // one log line per second for refused deliveries

	apiRefusals    *sampler      // one log line per second for refused API requests
	auditHeadEvery time.Duration // how often the audit chain is verified and its head logged

	mu        sync.Mutex
	running   map[int64]runningJob        // job id -> how to cancel it, for supersession
	detectors map[string]*detect.Detector // repo -> detector with warm caches
}

// New returns a Server.
func New(d Deps) (*Server, error) {
	switch {
	case d.Config == nil:
		return nil, errors.New("server: Deps.Config is required")
	case d.Store == nil:
		return nil, errors.New("server: Deps.Store is required")
	case d.GitHub == nil:
		return nil, errors.New("server: Deps.GitHub is required")
	case d.Repos == nil || d.Engine == nil:
		return nil, errors.New("server: Deps.Repos and Deps.Engine are required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Permissions == nil {
		p, ok := d.GitHub.(PermissionReader)
		if !ok {
			return nil, errors.New("server: Deps.Permissions is required when Deps.GitHub cannot read collaborator permissions")
		}
		d.Permissions = p
	}
	s := &Server{
		cfg: d.Config, store: d.Store, gh: d.GitHub, repos: d.Repos, engine: d.Engine, policies: d.Policies, log: d.Logger,
		lookup:    d.LookupBotLogin,
		maxBody:   25 << 20,
		wakeup:    make(chan struct{}, 1),
		probe:     writeProbe{every: 10 * time.Second},
		bodySlots: make(chan struct{}, max(d.Config.Webhook.MaxConcurrentReads, 1)),
		bodyWait:  2 * time.Second,
		refusals:  newSampler(time.Second),
		running:   map[int64]runningJob{},
		detectors: map[string]*detect.Detector{},

		permissions:    d.Permissions,
		permissionMemo: newMemo[vcs.Permission](permissionTTL, permissionMemo),
		refusalMemo:    newMemo[struct{}](refusalTTL, refusalMemo),

		apiRefusals:    newSampler(time.Second),
		auditHeadEvery: auditHeadInterval,
	}
	s.metrics = d.Metrics
	s.replica, s.jobEvents = d.Replica, d.JobEvents
	if s.replica == "" {
		s.replica = defaultReplicaName()
	}
	d.Metrics.Watch(metrics.Sources{Store: d.Store, SlackFailures: s.slackFailures.Load, Sandboxed: d.Sandboxed})
	s.prs = pullRequests{gh: d.GitHub}
	reporters := []workflow.Reporter{githubReporter{s}}
	if d.Slack != nil && d.Config.Slack != nil {
		s.slack, s.slackWake = d.Slack, make(chan struct{}, 1)
		reporters = append(reporters, slackReporter{s})
	}
	s.plan = &workflow.Plan{
		Engine: d.Engine, Config: d.Config, Policies: d.Policies, PullRequests: s.prs, Store: d.Store,
		Locks: d.Store, PlanFiles: d.Store, Sealer: d.Sealer, Audit: d.Store, Credentials: d.Credentials,
		Reporters: reporters, Logger: d.Logger,
	}
	s.values = &workflow.Values{
		Config: d.Config, Policies: d.Policies, PullRequests: s.prs, Store: d.Store, Charts: d.Charts,
		Audit: d.Store, Reporters: reporters, Logger: d.Logger,
	}
	s.apply = &workflow.Apply{
		Engine: d.Engine, Config: d.Config, Policies: d.Policies, PullRequests: s.prs, Store: d.Store,
		Credentials: d.Credentials, Sealer: d.Sealer, Reporters: reporters, Logger: d.Logger,
	}
	s.botLogin.Store(&d.BotLogin)
	return s, nil
}

// learnBotLogin looks up csocbot's own login, when it was not given.
func (s *Server) learnBotLogin(ctx context.Context) {
	if *s.botLogin.Load() != "" || s.lookup == nil {
		return
	}
	login, err := s.lookup(ctx)
	if err != nil {
		s.log.Warn("could not learn csocbot's GitHub login; its own comments are told apart by content only", "error", err)
		return
	}
	s.botLogin.Store(&login)
	s.log.Info("csocbot comments as " + login)
}

// isSelf reports whether login is csocbot's own.
func (s *Server) isSelf(login string) bool {
	self := *s.botLogin.Load()
	return self != "" && strings.EqualFold(login, self)
}

// Handler serves POST /events, GET /healthz, GET /readyz, GET
// /jobs/{id}, which commit statuses link to, the operators' API (see
// api.go): GET /api/audit, GET /api/locks and DELETE /api/locks, and,
// with Deps.Metrics, GET /metrics for Prometheus.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/events", s.handleEvents)
	mux.HandleFunc("POST /slack/commands", s.handleSlashCommand)
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.HandleFunc("GET /readyz", s.handleReady)
	mux.HandleFunc("GET /jobs/{id}", s.handleJob)
	mux.HandleFunc("GET /api/audit", s.api(s.handleAudit))
	mux.HandleFunc("GET /api/locks", s.api(s.handleLocks))
	mux.HandleFunc("DELETE /api/locks", s.api(s.handleReleaseLock))
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.metrics.Handler())
	}
	return mux
}

// Run deals with the jobs a previous process left running, then runs jobs
// with cfg.Workers workers until ctx ends, and waits for them to stop: a
// running apply is let finish, for up to apply.shutdown_grace.
//
// With a store several replicas share, the jobs of a replica that stopped
// are taken over once their lease ends instead (see reclaimExpired): at
// start, the running jobs may be other replicas' live ones.
func (s *Server) Run(ctx context.Context) error {
	var failed []store.Job
	if !s.cfg.Store.Shared() {
		// The jobs a stopped process left running are failed, not run
		// again; each pull request is told in the background, so GitHub
		// being slow does not delay the start.
		var err error
		if failed, err = s.recoverAfterRestart(ctx); err != nil {
			return err
		}
	}
	// Leases are renewed until the workers have stopped, past ctx's end,
	// while a shutdown lets an apply finish.
	leaseCtx, stopLeases := context.WithCancel(context.WithoutCancel(ctx))
	var leases sync.WaitGroup
	leases.Go(func() { s.keepLeases(leaseCtx, ctx) })
	defer func() {
		stopLeases()
		leases.Wait()
	}()
	var wg sync.WaitGroup
	wg.Go(func() { s.reportRecovered(ctx, failed) })
	wg.Go(func() { s.listenJobs(ctx) })
	wg.Go(func() { s.learnBotLogin(ctx) })
	wg.Go(func() { s.cleanDisk(ctx) })
	wg.Go(func() { s.logAuditHead(ctx) })
	if s.slack != nil {
		wg.Go(func() { s.deliverSlack(ctx) })
	}
	for i := range max(s.cfg.Workers, 1) {
		name := fmt.Sprintf("%s/worker-%d", s.replica, i)
		wg.Go(func() { s.work(ctx, name) })
	}
	s.ready.Store(true)
	<-ctx.Done()
	s.ready.Store(false)
	if n := s.runningApplies(); n > 0 {
		s.log.Info("waiting for the running applies to finish before stopping", "applies", n, "grace", s.cfg.Apply.ShutdownGrace)
	}
	wg.Wait()
	return nil
}

// runningApplies counts the apply jobs this process runs.
func (s *Server) runningApplies() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.running {
		if r.kind == store.KindApply {
			n++
		}
	}
	return n
}

// wake tells an idle worker that a job was queued.
func (s *Server) wake() {
	select {
	case s.wakeup <- struct{}{}:
	default:
	}
}

// pollInterval is how often an idle worker looks for jobs nobody woke it
// for: retries whose backoff ended, jobs queued by other processes.
const pollInterval = time.Second

func (s *Server) work(ctx context.Context, name string) {
	log := s.log.With("worker", name)
	for ctx.Err() == nil {
		claimed := time.Now() // the lease runs from before the claim
		job, ok, err := s.store.Claim(ctx, name, s.cfg.Store.Lease)
		if err != nil {
			if ctx.Err() == nil {
				log.Error("could not claim a job", "error", err)
			}
			sleep(ctx, pollInterval)
			continue
		}
		if !ok {
			select {
			case <-ctx.Done():
			case <-s.wakeup:
			case <-time.After(pollInterval):
			}
			continue
		}
		// A retry waits from when its backoff ended, not from when it
		// was first queued.
		s.metrics.JobClaimed(string(job.Kind), time.Since(later(job.CreatedAt, job.RunAfter)))
		s.runJob(ctx, log, job, newLeaseState(claimed))
	}
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// runJob runs one claimed job with a context that supersession and the
// plan timeout can cancel, and records how it ended. A shutdown cancels
// a plan at once, but lets an apply finish (see graceful).
func (s *Server) runJob(ctx context.Context, log *slog.Logger, job store.Job, lease *leaseState) {
	log = log.With("job", job.ID, "kind", job.Kind, "key", job.Key)
	base := ctx
	if job.Kind == store.KindApply {
		var stop context.CancelFunc
		base, stop = graceful(ctx, s.cfg.Apply.ShutdownGrace)
		defer stop()
	}
	jobCtx, cancel := context.WithTimeout(base, s.cfg.Plan.Timeout)
	defer cancel()
	s.mu.Lock()
	s.running[job.ID] = runningJob{key: job.Key, kind: job.Kind, worker: job.Worker, cancel: cancel, lease: lease}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.running, job.ID)
		s.mu.Unlock()
	}()

	start := time.Now()
	outcome := "done"
	defer func() { s.metrics.RunFinished(string(job.Kind), outcome, time.Since(start)) }()
	err := s.dispatch(jobCtx, job)
	lease.finish()
	switch {
	case err == nil:
		// Recorded even if a shutdown began meanwhile: a done job left
		// running would be reported as a crash at the next start.
		err = s.store.Complete(context.WithoutCancel(ctx), job.ID, job.Worker)
		switch {
		case errors.Is(err, store.ErrNotRunning) && job.Kind == store.KindApply:
			// Its claim lapsed while it ran: its outcome is on the pull
			// request and in the audit log all the same.
			log.Error("the apply finished after its claim in the store lapsed; another replica may have reported it interrupted before this outcome", "error", err)
			err = nil
		case errors.Is(err, store.ErrNotRunning):
			err = nil // superseded while it finished
		}
		if err != nil {
			outcome = "store_error"
			log.Error("could not mark the job done", "error", err)
		}
		log.Info("job done", "duration", time.Since(start))
	case ctx.Err() != nil && jobCtx.Err() != nil && job.Kind == store.KindApply:
		// The shutdown's grace ended before the apply did.
		outcome = "interrupted"
		s.interruptOnShutdown(ctx, log, job, err)
	case ctx.Err() != nil && jobCtx.Err() != nil:
		// The server is stopping cleanly: the job did not fail, and runs
		// again at the next start if that is safe.
		outcome = "released"
		s.releaseOnShutdown(ctx, log, job)
	default:
		// An apply may end while the server stops: its failure is
		// recorded all the same.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordGrace)
		defer cancel()
		after, ferr := s.store.Fail(ctx, job.ID, job.Worker, err)
		if errors.Is(ferr, store.ErrNotRunning) {
			outcome = "superseded"
			log.Info("job superseded", "error", err)
			return
		}
		if ferr != nil {
			outcome = "store_error"
			log.Error("could not record that the job failed", "error", err, "store_error", ferr)
			return
		}
		outcome = "retry"
		log.Warn("job failed", "error", err, "state", after.State, "attempts", after.Attempts)
		if after.State == store.JobFailed {
			outcome = "failed"
			s.reportFinalFailure(ctx, after, err)
		}
	}
}

// recordGrace bounds recording how a job ended once the server's
// context has ended.
const recordGrace = 30 * time.Second

// graceful returns a context that ctx ending does not cancel at once, but
// grace later: a shutdown lets what runs with it finish, within bounds.
// stop releases its resources.
func graceful(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	g, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	stopAfter := context.AfterFunc(ctx, func() {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel(fmt.Errorf("the shutdown's grace (apply.shutdown_grace, %s) ended", grace))
		case <-g.Done():
		}
	})
	return g, func() {
		stopAfter()
		cancel(context.Canceled)
	}
}

func (s *Server) dispatch(ctx context.Context, job store.Job) error {
	switch job.Kind {
	case store.KindPlan:
		return s.runPlan(ctx, job)
	case store.KindCommentCommand:
		return s.runCommentCommand(ctx, job)
	case store.KindApply:
		return s.runApply(ctx, job)
	case store.KindRefreshRepo:
		return s.runRefresh(ctx, job)
	case store.KindPullRequestClosed:
		var c closedJob
		if err := json.Unmarshal(job.Payload, &c); err != nil {
			return fmt.Errorf("decode %s job: %w", job.Kind, err)
		}
		return s.pullRequestClosed(ctx, c)
	case store.KindNotice:
		var n noticeJob
		if err := json.Unmarshal(job.Payload, &n); err != nil {
			return fmt.Errorf("decode notice job: %w", err)
		}
		repo, err := vcs.ParseRepo(n.Repo)
		if err != nil {
			return err
		}
		return s.reply(ctx, repo, n.PR, n.Body)
	}
	return fmt.Errorf("no handler for %s jobs", job.Kind)
}

// runningJob is a job a worker of this process runs.
type runningJob struct {
	key    string
	kind   store.Kind
	worker string
	cancel context.CancelFunc
	lease  *leaseState
}

// cancelSuperseded cancels the jobs of kind this process runs that newer
// superseded: the store marked them superseded when it added newer (see
// NewJob.Supersedes), so their plans are stale.
func (s *Server) cancelSuperseded(newer store.Job, kind store.Kind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, r := range s.running {
		if r.key == newer.Key && r.kind == kind && id < newer.ID {
			s.log.Info("cancelling a superseded job", "job", id, "by", newer.ID)
			r.cancel()
		}
	}
}

// siteTerragrunt is a repository's configured Terragrunt release
// (validated with the configuration), nil when none is.
func siteTerragrunt(v string) *version.Version {
	if v == "" {
		return nil
	}
	return version.Must(version.NewVersion(v))
}

// detector returns the repository's detector, made with g on first use.
// Its caches, keyed by git object hashes, make the next pull request's
// detection cheap; each job passes its own freshly opened Repo to DetectIn.
func (s *Server) detector(repo string, g *gitrepo.Repo, root string) *detect.Detector {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.detectors[repo]
	if !ok {
		rc, _ := s.cfg.Repository(repo)
		d = detect.New(g, detect.Options{Root: root, Env: s.cfg.Terragrunt.Env,
			AllowRunCmd: s.cfg.Terragrunt.AllowRunCmd, AllowSopsDecrypt: s.cfg.Terragrunt.AllowSopsDecrypt,
			EvaluationTimeout: s.cfg.Terragrunt.EvaluationTimeout,
			TerragruntVersion: siteTerragrunt(rc.TerragruntVersion)})
		s.detectors[repo] = d
	}
	return d
}
