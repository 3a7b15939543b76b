package server

import (
	"bytes"
	"context"

	"fmt"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/engine"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkIntake measures verified, deduplicated, queued webhook
// deliveries over loopback HTTP: with 64 senders as fast as they go, and
// paced at 1,000 deliveries per second.
func BenchmarkIntake(b *testing.B) {
	for _, tc := range []struct {
		name string
		rate int // deliveries per second; 0 sends as fast as possible
	}{{"senders=64", 0}, {"rate=1000/s", 1000}} {
		b.Run(tc.name, func(b *testing.B) {
			s, _ := newIntakeServer(b)
			srv := httptest.NewServer(s.Handler())
			defer srv.Close()
			measureIntake(b, []string{srv.URL}, tc.name, tc.rate)
		})
	}
}

// measureIntake sends 3,000 signed deliveries from 64 senders, in turn
// to each of urls, as fast as they go or paced at rate per second, and
// reports deliveries per second and the latencies' p50 and p99.
func measureIntake(b *testing.B, urls []string, name string, rate int) {
	payload := fixture(b, "pull_request/opened.payload.json")
	sig := sign(payload, testSecret)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	const total = 3000
	var next atomic.Int64
	latencies := make([]time.Duration, total)
	start := time.Now()
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= total {
					return
				}
				if rate > 0 {
					if wait := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); wait > 0 {
						time.Sleep(wait)
					}
				}
				req, _ := http.NewRequest(http.MethodPost, urls[int(i)%len(urls)]+"/events", bytes.NewReader(payload))
				req.Header.Set("X-GitHub-Event", "pull_request")
				req.Header.Set(deliveryHeader, fmt.Sprintf("bench-%s-%d", name, i))
				req.Header.Set("X-Hub-Signature-256", sig)
				t0 := time.Now()
				resp, err := client.Do(req)
				latencies[i] = time.Since(t0)
				if err != nil {
					b.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					b.Errorf("status %d", resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(latencies)
	b.ReportMetric(float64(total)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(latencies[total/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[total*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkWebhookToComment measures, on the sample repository, the time
// from a pull request webhook to csocbot's plan comment, next to the time
// the same plans take alone (detection and engine.Plan called directly on
// the fetched mirror), in the same run.
func BenchmarkWebhookToComment(b *testing.B) {
	var total, plans time.Duration
	for i := range b.N {
		e := newE2E(b)
		e.start()
		start := time.Now()
		post(b, e.srv.Handler(), delivery{event: "pull_request", id: fmt.Sprintf("bench-%d", i), body: e.openedPayload()})
		for len(e.planComments()) == 0 {
			time.Sleep(2 * time.Millisecond)
		}
		total += time.Since(start)
		e.stop()
		plans += e.plansAlone(b, i)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "webhook-to-comment-s")
	b.ReportMetric(plans.Seconds()/float64(b.N), "plans-alone-s")
	b.ReportMetric((total-plans).Seconds()*1000/float64(b.N), "overhead-ms")
}

// plansAlone times detection and planning of the pull request's head on
// the mirror the server fetched, without the server around them.
func (e *e2e) plansAlone(b *testing.B, i int) time.Duration {
	g, err := e.repos.Open(e.repo)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	start := time.Now()
	found, err := detect.New(g, detect.Options{Root: b.TempDir()}).Detect(context.Background(), "refs/heads/main", e.headSHA)
	if err != nil {
		b.Fatal(err)
	}
	snap, err := g.Snapshot(context.Background(), e.headSHA)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.eng.Plan(context.Background(), engine.Request{Key: fmt.Sprintf("alone-%d", i), Files: snap, Root: b.TempDir(), Units: found.Units}); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}
