// Package metrics holds csocbot's Prometheus collectors, on a registry of
// their own, and the narrow methods the server and its parts record with.
// A nil *Metrics records nothing, so parts wired without metrics (tests,
// one-off commands) need no checks.
package metrics

import (
	"context"
	"net/http"
	"regexp"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/store"
)

// Metrics holds the collectors. Its methods are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	webhooks   *prometheus.CounterVec
	queueWait  *prometheus.HistogramVec
	runs       *prometheus.HistogramVec
	terraform  *prometheus.HistogramVec
	policy     *prometheus.HistogramVec
	ghCalls    *prometheus.CounterVec
	ghErrors   *prometheus.CounterVec
	slackCalls *prometheus.CounterVec
	slackErrs  *prometheus.CounterVec
}

// New registers csocbot's collectors, and Go's and the process's, on reg:
// a registry of csocbot's own, never the global default, so that tests
// and libraries cannot collide with it.
func New(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		reg: reg,
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "csocbot_webhooks_total",
			Help: "Webhook deliveries by event and outcome (queued, ignored, duplicate, refused, malformed, error).",
		}, []string{"event", "outcome"}),
		queueWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "csocbot_queue_wait_seconds",
			Help:    "Time a job waited, from being queued (or its retry becoming due) to a worker claiming it.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10),
		}, []string{"kind"}),
		runs: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "csocbot_run_duration_seconds",
			Help:    "Jobs run by kind and outcome (done, retry, failed, superseded, interrupted, released, store_error), and how long they took.",
			Buckets: prometheus.ExponentialBuckets(0.5, 2, 14),
		}, []string{"kind", "outcome"}),
		terraform: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "csocbot_terraform_command_duration_seconds",
			Help:    "Terraform (or terragrunt) commands by command and outcome (ok, error), and how long they took.",
			Buckets: prometheus.ExponentialBuckets(0.1, 2, 15),
		}, []string{"command", "outcome"}),
		policy: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "csocbot_policy_evaluation_seconds",
			Help:    "Policy evaluations by moment (pre-plan, post-plan), and how long they took.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
		}, []string{"moment"}),
		ghCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "csocbot_github_calls_total", Help: "Calls to the GitHub API by operation.",
		}, []string{"operation"}),
		ghErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "csocbot_github_call_errors_total", Help: "Calls to the GitHub API that failed, by operation.",
		}, []string{"operation"}),
		slackCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "csocbot_slack_calls_total", Help: "Calls to the Slack API by operation.",
		}, []string{"operation"}),
		slackErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "csocbot_slack_call_errors_total", Help: "Calls to the Slack API that failed, by operation.",
		}, []string{"operation"}),
	}
	reg.MustRegister(m.webhooks, m.queueWait, m.runs, m.terraform, m.policy, m.ghCalls, m.ghErrors, m.slackCalls, m.slackErrs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, Timeout: scrapeTimeout + time.Second})
}

// eventName keeps the event label to GitHub's event names: a header is
// not to grow the series without bound.
var eventName = regexp.MustCompile(`^[a-z_]{1,40}$`)

// WebhookHandled counts a delivery of event with its outcome. event is
// the X-GitHub-Event header; deliveries refused before their signature
// was checked should pass "unverified".
func (m *Metrics) WebhookHandled(event, outcome string) {
	if m == nil {
		return
	}
	if !eventName.MatchString(event) {
		event = "other"
	}
	m.webhooks.WithLabelValues(event, outcome).Inc()
}

// JobClaimed records how long a claimed job waited in the queue.
func (m *Metrics) JobClaimed(kind string, wait time.Duration) {
	if m == nil {
		return
	}
	m.queueWait.WithLabelValues(kind).Observe(max(wait, 0).Seconds())
}

// RunFinished records a job's run.
func (m *Metrics) RunFinished(kind, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(kind, outcome).Observe(d.Seconds())
}

// TerraformCommand records a terraform or terragrunt command; it fits
// engine.Options.ObserveCommand.
func (m *Metrics) TerraformCommand(command string, d time.Duration, err error) {
	if m == nil {
		return
	}
	m.terraform.WithLabelValues(command, outcome(err)).Observe(d.Seconds())
}

// PolicyEvaluated records a policy evaluation; it fits
// policy.WithObserver.
func (m *Metrics) PolicyEvaluated(moment policy.Moment, d time.Duration) {
	if m == nil {
		return
	}
	m.policy.WithLabelValues(moment.String()).Observe(d.Seconds())
}

func outcome(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// Store is what the metrics sampled at scrape read of the store.
type Store interface {
	ListJobs(ctx context.Context, filter store.JobFilter) ([]store.Job, error)
	Locks(ctx context.Context, repo string) ([]store.Lock, error)
}

// Sources are what is sampled at each scrape rather than recorded as it
// happens.
type Sources struct {
	// Store gives the queue depth and the locks held.
	Store Store
	// SlackFailures counts the Slack deliveries that failed, to retry.
	SlackFailures func() int64
	// Sandboxed says whether runs are confined by the sandbox.
	Sandboxed bool
}

// Watch registers the collectors sampled at scrape. Call it once.
func (m *Metrics) Watch(src Sources) {
	if m == nil {
		return
	}
	sandboxed := 0.0
	if src.Sandboxed {
		sandboxed = 1
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "csocbot_sandbox_available", Help: "1 when terraform runs are confined by the sandbox, 0 when they run unconfined.",
	}, func() float64 { return sandboxed }))
	if src.SlackFailures != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "csocbot_slack_delivery_failures_total", Help: "Slack deliveries that failed and are retried later.",
		}, func() float64 { return float64(src.SlackFailures()) }))
	}
	if src.Store != nil {
		m.reg.MustRegister(storeCollector{st: src.Store})
	}
}
