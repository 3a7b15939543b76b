package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/metrics"
)

// scrape gets /metrics from h and returns its body.
func scrape(t testing.TB, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics answered %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// sample returns the value of the first series of name whose labels
// include every one of labels (`key="value"`), and whether there is one.
func sample(text, name string, labels ...string) (float64, bool) {
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		series, value, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		metric, labelSet, _ := strings.Cut(series, "{")
		if metric != name {
			continue
		}
		all := true
		for _, l := range labels {
			all = all && strings.Contains(labelSet, l)
		}
		if !all {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		return v, err == nil
	}
	return 0, false
}

// TestEndToEndMetrics scrapes /metrics after deliveries of every outcome
// and a plan with a policy set, and checks that each series is there with
// a sane value.
func TestEndToEndMetrics(t *testing.T) {
	m := metrics.New(prometheus.NewRegistry())
	e := newE2EWith(t, e2eOptions{
		config:   prodEnvironment,
		policies: []policy.Set{{Name: "network", Dir: writePolicySet(t, vpcGuard)}},
		metrics:  m,
	})
	e.start()
	h := e.srv.Handler()
	for _, d := range []struct {
		delivery
		want string
	}{
		{delivery{event: "pull_request", id: "metrics-1", body: e.openedPayload()}, "queued"},
		{delivery{event: "pull_request", id: "metrics-1", body: e.openedPayload()}, "duplicate"},
		{delivery{event: "star", id: "metrics-2", body: []byte(`{"action":"created"}`)}, "ignored"},
		{delivery{event: "pull_request", id: "metrics-3", body: []byte(`{`)}, "error"},
		{delivery{event: "pull_request", id: "metrics-4", body: e.openedPayload(), signature: "sha256=00"}, "error"},
	} {
		if _, resp := post(t, h, d.delivery); resp.Status != d.want {
			t.Fatalf("delivery %s answered %+v, want %s", d.id, resp, d.want)
		}
	}
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
	var text string
	e.waitFor("the plan run in the metrics", func() bool {
		text = scrape(t, h)
		_, ok := sample(text, "csocbot_run_duration_seconds_count", `kind="plan"`, `outcome="done"`)
		return ok
	})

	atLeast := []struct {
		name   string
		labels []string
		min    float64
	}{
		{"csocbot_webhooks_total", []string{`event="pull_request"`, `outcome="queued"`}, 1},
		{"csocbot_webhooks_total", []string{`event="pull_request"`, `outcome="duplicate"`}, 1},
		{"csocbot_webhooks_total", []string{`event="star"`, `outcome="ignored"`}, 1},
		{"csocbot_webhooks_total", []string{`event="pull_request"`, `outcome="malformed"`}, 1},
		{"csocbot_webhooks_total", []string{`event="unverified"`, `outcome="refused"`}, 1},
		{"csocbot_queue_wait_seconds_count", []string{`kind="plan"`}, 1},
		{"csocbot_run_duration_seconds_count", []string{`kind="plan"`, `outcome="done"`}, 1},
		{"csocbot_run_duration_seconds_sum", []string{`kind="plan"`, `outcome="done"`}, 0.001},
		{"csocbot_terraform_command_duration_seconds_count", []string{`command="plan"`, `outcome="ok"`}, 1},
		{"csocbot_terraform_command_duration_seconds_count", []string{`command="init"`}, 1},
		{"csocbot_policy_evaluation_seconds_count", []string{`moment="post-plan"`}, 1},
		{"csocbot_github_calls_total", []string{`operation="create_comment"`}, 1},
		{"csocbot_github_calls_total", []string{`operation="set_status"`}, 1},
		{"csocbot_queue_depth", nil, 0},
		{"csocbot_locks_held", nil, 1}, // the prod vpc's plan holds its lock
		{"csocbot_sandbox_available", nil, 0},
		{"csocbot_slack_delivery_failures_total", nil, 0},
		{"go_goroutines", nil, 1},
	}
	for _, c := range atLeast {
		v, ok := sample(text, c.name, c.labels...)
		if !ok {
			t.Errorf("no %s%v in /metrics", c.name, c.labels)
			continue
		}
		if v < c.min {
			t.Errorf("%s%v = %g, want at least %g", c.name, c.labels, v, c.min)
		}
	}
	if v, _ := sample(text, "csocbot_queue_depth"); v != 0 {
		t.Errorf("csocbot_queue_depth = %g with every job run, want 0", v)
	}
	if v, _ := sample(text, "csocbot_sandbox_available"); v != 0 {
		t.Errorf("csocbot_sandbox_available = %g without a sandbox, want 0", v)
	}
	if v, ok := sample(text, "csocbot_github_call_errors_total"); ok && v > 0 {
		t.Errorf("GitHub call errors counted: %g\n%s", v, grep(text, "csocbot_github"))
	}
	if strings.Contains(text, gitToken) || strings.Contains(text, testSecret) {
		t.Error("/metrics shows a secret")
	}
}

// TestMetricsNotServedWithout checks that a server without Deps.Metrics
// serves no /metrics.
func TestMetricsNotServedWithout(t *testing.T) {
	e := newE2E(t)
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /metrics without metrics answered %d, want 404", rec.Code)
	}
}

// grep returns text's lines that contain s, for failure messages.
func grep(text, s string) string {
	var b bytes.Buffer
	for line := range strings.Lines(text) {
		if strings.Contains(line, s) {
			b.WriteString(line)
		}
	}
	return b.String()
}

// lockedBuffer is a bytes.Buffer that workers and requests may write to
// at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestEndToEndLogsCarryIDs checks, in the JSON logs of a delivery and its
// job, that the intake's lines name the delivery and the worker's name
// the job, and that no secret is logged.
func TestEndToEndLogsCarryIDs(t *testing.T) {
	var logs lockedBuffer
	e := newE2EWith(t, e2eOptions{logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	e.start()
	h := e.srv.Handler()
	_, resp := post(t, h, delivery{event: "pull_request", id: "logs-1", body: e.openedPayload()})
	if resp.Status != "queued" {
		t.Fatalf("delivery answered %+v", resp)
	}
	post(t, h, delivery{event: "pull_request", id: "logs-2", body: e.openedPayload(), signature: "sha256=00"})
	e.waitFor("the job's end in the logs", func() bool { return strings.Contains(logs.String(), `"msg":"job done"`) })

	want := map[string]map[string]any{
		"queued a job":               {"delivery": "logs-1", "event": "pull_request", "job": float64(resp.Job)},
		"refused a webhook delivery": {"delivery": "logs-2", "event": "pull_request"},
		"job done":                   {"job": float64(resp.Job), "kind": "plan", "worker": "replica-a/worker-0"},
	}
	for line := range strings.Lines(logs.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %q", line)
		}
		attrs, ok := want[rec["msg"].(string)]
		if !ok {
			continue
		}
		delete(want, rec["msg"].(string))
		for k, v := range attrs {
			if rec[k] != v {
				t.Errorf("%q: %s = %v, want %v", rec["msg"], k, rec[k], v)
			}
		}
	}
	for msg := range want {
		t.Errorf("no %q line in the logs:\n%s", msg, logs.String())
	}
	for what, s := range map[string]string{"the GitHub token": gitToken, "the webhook secret": testSecret} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the logs show %s", what)
		}
	}
}
