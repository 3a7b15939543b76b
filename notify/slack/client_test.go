package slack

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

// recorder keeps the forms of the requests it passes on.
type recorder struct {
	mu    sync.Mutex
	paths []string
	forms []url.Values
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.paths, r.forms = append(r.paths, req.URL.Path), append(r.forms, form)
	r.mu.Unlock()
	req.Body = io.NopCloser(bytes.NewReader(body))
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) last(t *testing.T) (string, url.Values) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.forms) == 0 {
		t.Fatal("no request was sent")
	}
	return r.paths[len(r.paths)-1], r.forms[len(r.forms)-1]
}

func newTestClient(t *testing.T, apiURL string, o Options) (*Client, *recorder, *[]time.Duration) {
	rec := &recorder{}
	var waits []time.Duration
	o.APIURL, o.HTTPClient = apiURL, &http.Client{Transport: rec}
	o.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	return New("test-token", o), rec, &waits
}

var testMessage = Reply(Event{Kind: PlanReady, Repo: "org/infra", PR: 7, Summary: "1 unit: +1 ~0 -0 ±0"})

func TestPostThreadAndBroadcast(t *testing.T) {
	srv := slacktest.NewTestServer()
	srv.Start()
	defer srv.Stop()
	c, rec, _ := newTestClient(t, srv.GetAPIURL(), Options{})
	for _, tc := range []struct {
		name, thread      string
		broadcast         bool
		wantTS, wantBcast string
	}{
		{"parent", "", false, "", ""},
		{"reply", "1700000000.000100", false, "1700000000.000100", ""},
		{"broadcast reply", "1700000000.000100", true, "1700000000.000100", "true"},
		{"no broadcast without a thread", "", true, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ts, err := c.Post(t.Context(), "C123", tc.thread, testMessage, tc.broadcast)
			if err != nil {
				t.Fatal(err)
			}
			if ts == "" {
				t.Error("Post returned no ts")
			}
			path, form := rec.last(t)
			if !strings.HasSuffix(path, "/chat.postMessage") || form.Get("channel") != "C123" {
				t.Errorf("sent %s to channel %q", path, form.Get("channel"))
			}
			if form.Get("thread_ts") != tc.wantTS || form.Get("reply_broadcast") != tc.wantBcast {
				t.Errorf("thread_ts %q reply_broadcast %q, want %q %q", form.Get("thread_ts"), form.Get("reply_broadcast"), tc.wantTS, tc.wantBcast)
			}
			if form.Get("text") != testMessage.Text || !strings.Contains(form.Get("blocks"), `"type":"header"`) {
				t.Errorf("text %q blocks %s", form.Get("text"), form.Get("blocks"))
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.update", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"ok":true,"channel":"C123","ts":"1700000000.000100"}`)
		})
	})
	srv.Start()
	defer srv.Stop()
	c, rec, _ := newTestClient(t, srv.GetAPIURL(), Options{})
	m := Parent(Event{Repo: "org/infra", PR: 7, Title: "Add a bucket", State: StateApplied})
	if err := c.Update(t.Context(), "C123", "1700000000.000100", m); err != nil {
		t.Fatal(err)
	}
	path, form := rec.last(t)
	if !strings.HasSuffix(path, "/chat.update") || form.Get("ts") != "1700000000.000100" || form.Get("channel") != "C123" || form.Get("text") != m.Text {
		t.Errorf("sent %s %v", path, form)
	}
}

// fakeSlack answers with the statuses in turn, then ok.
func fakeSlack(t *testing.T, answers ...func(http.ResponseWriter)) (*httptest.Server, *int) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		i := n
		n++
		mu.Unlock()
		if i < len(answers) {
			answers[i](w)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true,"channel":"C123","ts":"1700000000.000200"}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func status(code int, header ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
	}
}

func TestRateLimitHonoursRetryAfter(t *testing.T) {
	srv, calls := fakeSlack(t, status(http.StatusTooManyRequests, "Retry-After", "7"))
	c, _, waits := newTestClient(t, srv.URL, Options{})
	_, ts, err := c.Post(t.Context(), "C123", "", testMessage, false)
	if err != nil || ts != "1700000000.000200" {
		t.Fatalf("Post = %q, %v", ts, err)
	}
	if *calls != 2 || len(*waits) != 1 || (*waits)[0] != 7*time.Second {
		t.Errorf("%d calls, waits %v; want 2 calls and one 7s wait", *calls, *waits)
	}
}

func TestLongRateLimitNotWaited(t *testing.T) {
	srv, calls := fakeSlack(t, status(http.StatusTooManyRequests, "Retry-After", "600"))
	c, _, waits := newTestClient(t, srv.URL, Options{})
	_, _, err := c.Post(t.Context(), "C123", "", testMessage, false)
	var limited *goslack.RateLimitedError
	if !errors.As(err, &limited) || *calls != 1 || len(*waits) != 0 {
		t.Fatalf("err %v, %d calls, waits %v", err, *calls, *waits)
	}
}

func TestServerErrorsRetriedThenFail(t *testing.T) {
	down := status(http.StatusServiceUnavailable)
	srv, calls := fakeSlack(t, down, down, down, down)
	c, _, waits := newTestClient(t, srv.URL, Options{MaxAttempts: 3})
	err := c.Update(t.Context(), "C123", "1.2", testMessage)
	var sc goslack.StatusCodeError
	if !errors.As(err, &sc) || sc.Code != 503 {
		t.Fatalf("err = %v, want a 503 StatusCodeError", err)
	}
	for _, want := range []string{"channel C123", "after 3 attempts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if *calls != 3 || len(*waits) != 2 || (*waits)[0] != time.Second || (*waits)[1] != 2*time.Second {
		t.Errorf("%d calls, waits %v; want 3 calls, waits [1s 2s]", *calls, *waits)
	}
}

func TestServerErrorThenSuccess(t *testing.T) {
	srv, calls := fakeSlack(t, status(http.StatusBadGateway), status(http.StatusInternalServerError))
	c, _, _ := newTestClient(t, srv.URL, Options{})
	if _, _, err := c.Post(t.Context(), "C123", "", testMessage, false); err != nil || *calls != 3 {
		t.Fatalf("err %v after %d calls", err, *calls)
	}
}

func TestNetworkErrorRetried(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens: every call is a network error
	c, rec, waits := newTestClient(t, srv.URL, Options{MaxAttempts: 2})
	_, _, err := c.Post(t.Context(), "C123", "", testMessage, false)
	if err == nil || len(rec.forms) != 2 || len(*waits) != 1 {
		t.Fatalf("err %v, %d calls, waits %v", err, len(rec.forms), *waits)
	}
}

func TestAPIErrorNotRetried(t *testing.T) {
	srv, calls := fakeSlack(t, func(w http.ResponseWriter) { _, _ = io.WriteString(w, `{"ok":false,"error":"channel_not_found"}`) })
	c, _, waits := newTestClient(t, srv.URL, Options{})
	_, _, err := c.Post(t.Context(), "C404", "", testMessage, false)
	if err == nil || !strings.Contains(err.Error(), "channel_not_found") || !strings.Contains(err.Error(), "C404") {
		t.Fatalf("err = %v", err)
	}
	if *calls != 1 || len(*waits) != 0 {
		t.Errorf("%d calls, waits %v; want 1 call, no wait", *calls, *waits)
	}
}

func TestSecretNeverSent(t *testing.T) {
	for _, tc := range secretCases {
		t.Run(tc.kind, func(t *testing.T) {
			srv, calls := fakeSlack(t)
			var logs bytes.Buffer
			c, _, _ := newTestClient(t, srv.URL, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			m := Reply(Event{Kind: ApplyFinished, Repo: "org/infra", PR: 7, Failed: true, Details: "output: " + tc.secret})
			_, _, err := c.Post(t.Context(), "C123", "", m, false)
			if !errors.Is(err, ErrSecret) {
				t.Fatalf("Post err = %v, want ErrSecret", err)
			}
			if err := c.Update(t.Context(), "C123", "1.2", m); !errors.Is(err, ErrSecret) {
				t.Fatalf("Update err = %v, want ErrSecret", err)
			}
			if *calls != 0 {
				t.Errorf("%d calls reached Slack", *calls)
			}
			if strings.Contains(logs.String(), tc.secret) || strings.Contains(err.Error(), tc.secret) {
				t.Error("the secret is in the log or the error")
			}
			if !strings.Contains(logs.String(), "refused") {
				t.Errorf("the refusal is not logged: %s", logs.String())
			}
		})
	}
}
