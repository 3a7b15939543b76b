package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/notify/slack"
)

// fakeSlack is slack-go's test server answering chat.postMessage and
// chat.update, recording what it is sent; down makes it fail with 503.
type fakeSlack struct {
	mu    sync.Mutex
	posts []url.Values
	edits []url.Values
	seq   int
	down  atomic.Bool
	url   string
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{}
	record := func(into *[]url.Values, answer func(form url.Values) string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if f.down.Load() {
				http.Error(w, "slack is down", http.StatusServiceUnavailable)
				return
			}
			body, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(body))
			f.mu.Lock()
			*into = append(*into, form)
			f.seq++
			out := answer(form)
			f.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, out)
		}
	}
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", record(&f.posts, func(url.Values) string {
			return fmt.Sprintf(`{"ok":true,"channel":"C0CSOC","ts":"1700000000.%06d"}`, f.seq)
		}))
		c.Handle("/chat.update", record(&f.edits, func(form url.Values) string {
			return fmt.Sprintf(`{"ok":true,"channel":"C0CSOC","ts":%q}`, form.Get("ts"))
		}))
	})
	srv.Start()
	t.Cleanup(srv.Stop)
	f.url = srv.GetAPIURL()
	return f
}

func (f *fakeSlack) sent() (posts, edits []url.Values) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.posts...), append([]url.Values(nil), f.edits...)
}

// parents are the posts that start a thread; replies the others.
func (f *fakeSlack) threads() (parents, replies []url.Values) {
	posts, _ := f.sent()
	for _, p := range posts {
		if p.Get("thread_ts") == "" {
			parents = append(parents, p)
		} else {
			replies = append(replies, p)
		}
	}
	return parents, replies
}

func slackE2E(t *testing.T) (*e2e, *fakeSlack) {
	return slackE2EWith(t, nil)
}

// slackE2EWith is slackE2E with prChange adding to the pull request.
func slackE2EWith(t *testing.T, prChange func(src *gittest.Repo)) (*e2e, *fakeSlack) {
	f := newFakeSlack(t)
	client := slack.New("xoxb-test", slack.Options{APIURL: f.url, MaxAttempts: 1})
	e := newE2EWith(t, e2eOptions{
		slack:       client,
		slackConfig: &config.Slack{DefaultChannel: "#csoc-notifications", APIURL: f.url},
		prChange:    prChange,
	})
	return e, f
}

// TestEndToEndSlackCarriesNoPlanValues plans a change that puts a
// password-like value into a unit's inputs: the plan comment on GitHub
// shows the change, Slack gets the counts only, never a value of the plan.
func TestEndToEndSlackCarriesNoPlanValues(t *testing.T) {
	const secret = "s3cr3t-Passw0rd-in-a-plan"
	e, f := slackE2EWith(t, func(src *gittest.Repo) {
		src.Replace("live/gen3-prod/us-east-1/prod/vpc/terragrunt.hcl", `name = "gen3-${local.environment}"`, `name = "`+secret+`"`)
	})
	e.start()
	post(t, e.srv.Handler(), delivery{event: "pull_request", id: "slack-values", body: e.openedPayload()})
	e.waitFor("the plan's Slack reply", func() bool { _, r := f.threads(); return len(r) >= 1 })
	posts, edits := f.sent()
	for _, m := range append(posts, edits...) {
		if strings.Contains(fmt.Sprint(m), secret) {
			t.Fatalf("a plan value reached Slack: %v", m)
		}
	}
	if _, replies := f.threads(); !strings.Contains(replies[0].Get("blocks"), "+") {
		t.Errorf("the reply has no plan counts: %s", replies[0].Get("blocks"))
	}
}

// TestEndToEndSlackThread plans a pull request twice, with a restart in
// between: one parent message for the pull request, every plan a reply
// in its thread, the second after the restart in the same thread.
func TestEndToEndSlackThread(t *testing.T) {
	e, f := slackE2E(t)
	e.start()
	post(t, e.srv.Handler(), delivery{event: "pull_request", id: "slack-1", body: e.openedPayload()})
	e.waitFor("the plan's Slack reply", func() bool { _, r := f.threads(); return len(r) == 1 })
	parents, replies := f.threads()
	if len(parents) != 1 || parents[0].Get("channel") != "#csoc-notifications" {
		t.Fatalf("parents %v", parents)
	}
	parentTS := "1700000000.000001"
	if replies[0].Get("thread_ts") != parentTS || !strings.Contains(replies[0].Get("blocks"), "Plan ready") {
		t.Errorf("reply %v, want a plan in thread %s", replies[0], parentTS)
	}

	e.stop()
	e.commit(func(e *e2e) {
		e.src.Replace("live/gen3-prod/us-east-1/prod/vpc/terragrunt.hcl", "10.20.0.0/16", "10.30.0.0/16")
	})
	e.synchronize()
	e.start()
	e.waitFor("the second plan's Slack reply", func() bool { _, r := f.threads(); return len(r) == 2 })
	parents, replies = f.threads()
	if len(parents) != 1 || replies[1].Get("thread_ts") != parentTS {
		t.Errorf("after a restart: %d parents, reply in thread %q; want the same thread %s", len(parents), replies[1].Get("thread_ts"), parentTS)
	}
}

// TestEndToEndSlackDown plans while Slack is down: the plan is commented
// on GitHub as usual, and its Slack message is delivered once Slack is
// back.
func TestEndToEndSlackDown(t *testing.T) {
	e, f := slackE2E(t)
	f.down.Store(true)
	e.start()
	post(t, e.srv.Handler(), delivery{event: "pull_request", id: "slack-down", body: e.openedPayload()})
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
	e.waitFor("a failed Slack attempt", func() bool {
		pending, failed, err := e.st.SlackDeliveryCounts(t.Context())
		return err == nil && pending > 0 && failed > 0
	})
	f.down.Store(false)
	e.waitFor("the delayed Slack message", func() bool { _, r := f.threads(); return len(r) == 1 })
	if n := e.srv.slackFailures.Load(); n == 0 {
		t.Error("no failure counted")
	}
}

// TestSlackEventsRefuseSecrets sends an event whose output tail holds an
// AWS key: the message is refused, never sent, and not retried.
func TestSlackEventsRefuseSecrets(t *testing.T) {
	e, f := slackE2E(t)
	ev := slack.Event{Kind: slack.ApplyFinished, Repo: e.repo, PR: e.pr, Failed: true, Details: "Error: AKIAIOSFODNN7EXAMPLE leaked"}
	if err := e.srv.enqueueSlack(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	e.srv.deliverDue(t.Context())
	posts, _ := f.sent()
	for _, p := range posts {
		if strings.Contains(fmt.Sprint(p), "AKIAIOSFODNN7EXAMPLE") {
			t.Fatalf("sent the key: %v", p)
		}
	}
	if pending, _, err := e.st.SlackDeliveryCounts(t.Context()); err != nil || pending != 0 {
		t.Errorf("pending %d (%v): a refused message must not be retried", pending, err)
	}
}

// slackSigned configures Slack with a signing secret read as serve reads
// it, from a file.
func slackSigned(t *testing.T, secret string) *config.Slack {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "token"), []byte("xoxb-test"), 0o600)
	os.WriteFile(filepath.Join(dir, "signing"), []byte(secret), 0o600)
	return testConfig(t, fmt.Sprintf("slack:\n  token_file: %s\n  signing_secret_file: %s\n  default_channel: \"#csoc-notifications\"\n",
		filepath.Join(dir, "token"), filepath.Join(dir, "signing"))).Slack
}

// TestSlashCommands asks csocbot from Slack, signed, badly signed and
// too late.
func TestSlashCommands(t *testing.T) {
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	e := newE2EWith(t, e2eOptions{slackConfig: slackSigned(t, secret)})
	e.start()
	post(t, e.srv.Handler(), delivery{event: "pull_request", id: "slash-1", body: e.openedPayload()})
	e.waitFor("the plan", func() bool { return len(e.planComments()) > 0 })

	sign := func(ts int64, body, key string) http.Header {
		mac := hmac.New(sha256.New, []byte(key))
		fmt.Fprintf(mac, "v0:%d:%s", ts, body)
		h := http.Header{}
		h.Set("X-Slack-Request-Timestamp", fmt.Sprint(ts))
		h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
		h.Set("Content-Type", "application/x-www-form-urlencoded")
		return h
	}
	now := time.Now().Unix()
	for _, tc := range []struct {
		name, text string
		header     func(body string) http.Header
		code       int
		want       string
	}{
		{"status", fmt.Sprintf("status %d", e.pr), func(b string) http.Header { return sign(now, b, secret) }, 200, "live/gen3-prod/us-east-1/prod/vpc"},
		{"locks", "locks", func(b string) http.Header { return sign(now, b, secret) }, 200, fmt.Sprintf("#%d", e.pr)},
		{"runs", "runs", func(b string) http.Header { return sign(now, b, secret) }, 200, "plan of"},
		{"usage", "apply", func(b string) http.Header { return sign(now, b, secret) }, 200, "status"},
		{"wrong signature", "locks", func(b string) http.Header { return sign(now, b, "not-the-secret") }, 401, "not signed by Slack"},
		{"stale", "locks", func(b string) http.Header { return sign(now-600, b, secret) }, 401, "not signed by Slack"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := url.Values{"command": {"/csocbot"}, "text": {tc.text}, "user_id": {"U1"}, "user_name": {"ops"}, "channel_id": {"C1"}}.Encode()
			req := httptest.NewRequest("POST", "/slack/commands", strings.NewReader(body))
			req.Header = tc.header(body)
			rec := httptest.NewRecorder()
			e.srv.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("%d %s, want %d with %q", rec.Code, rec.Body, tc.code, tc.want)
			}
		})
	}
}

// TestEndToEndSlackDownDuringAnApply applies while Slack is down: the
// apply completes and is reported on GitHub, and the apply's messages
// (started, finished, with the role used) reach Slack once it is back.
func TestEndToEndSlackDownDuringAnApply(t *testing.T) {
	state := t.TempDir()
	f := newFakeSlack(t)
	e := newE2EWith(t, e2eOptions{
		config: "apply: {enabled: true, requirements: [fresh_plan]}\n" +
			"terragrunt:\n  env:\n    CSOCBOT_STATE_DIR: " + state + "\n",
		sealer:      testKeys(t),
		slack:       slack.New("xoxb-test", slack.Options{APIURL: f.url, MaxAttempts: 1}),
		slackConfig: &config.Slack{DefaultChannel: "#csoc-notifications"},
	})
	e.gh.SetPermission(e.repo, "alice", "write")
	e.start()
	post(t, e.srv.Handler(), delivery{event: "pull_request", id: "open", body: e.openedPayload()})
	e.waitFor("the plan's Slack reply", func() bool { _, r := f.threads(); return len(r) == 1 })

	f.down.Store(true)
	e.deliverComment("alice", "csocbot apply -u "+vpc)
	e.waitFor("the apply reply on GitHub", func() bool { return e.commentSaying("csocbot apply of") != "" })
	if _, err := os.Stat(filepath.Join(state, vpc, "terraform.tfstate")); err != nil {
		t.Fatalf("the apply did not complete while Slack was down: %v", err)
	}
	f.down.Store(false)
	e.waitFor("the apply's Slack replies", func() bool { _, r := f.threads(); return len(r) == 3 })
	_, replies := f.threads()
	if started, finished := replies[1].Get("blocks"), replies[2].Get("blocks"); !strings.Contains(started, "alice") || !strings.Contains(finished, vpc) {
		t.Errorf("apply replies:\n%s\n%s", started, finished)
	}
	if _, edits := f.sent(); len(edits) == 0 {
		t.Error("the parent message was not brought to the apply's state")
	}
}
