package server

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"

	"github.com/csocbot/csocbot/server/webhook"
)

// BenchmarkUnsignedPostFlood posts 40 deliveries of 24 MB at once over
// loopback HTTP, unsigned and with a forged signature, to the intake as it
// was before issue 10 (every body read whole, then verified) and to the
// intake now, and reports the peak Go heap and peak RSS of the process
// while it answers them.
func BenchmarkUnsignedPostFlood(b *testing.B) {
	const (
		senders = 40
		size    = 24 << 20
	)
	for _, sig := range []struct{ name, header string }{{"unsigned", ""}, {"forged", forged()}} {
		for _, intake := range []string{"now", "before"} {
			b.Run(sig.name+"/"+intake, func(b *testing.B) {
				s, _ := newIntakeServer(b)
				h := s.Handler()
				if intake == "before" {
					h = intakeBeforeIssue10(s.maxBody)
				}
				srv := httptest.NewServer(h)
				defer srv.Close()
				for range b.N {
					heap, rss := peakMemory(b, func() {
						refused := 0
						for _, r := range flood(b, srv.URL, senders, func() (io.Reader, int64) { return &slowBody{n: size}, size }, sig.header) {
							if r.StatusCode >= 400 {
								refused++
							}
						}
						if refused == 0 {
							b.Error("no delivery was answered with a refusal")
						}
					})
					b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MB")
					b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MB")
				}
				b.ReportMetric(float64(s.intake.peakReading.Load()), "peak-readers")
			})
		}
	}
}

// intakeBeforeIssue10 reads and verifies deliveries as /events did before
// issue 10: every body whole, however many at once, then its signature.
// It is the baseline the benchmark compares with.
func intakeBeforeIssue10(maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := webhook.ReadBody(r.Body, maxBody)
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		if err := webhook.Verify([]byte(testSecret), r.Header.Get(webhook.SignatureHeader), body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
}

// peakMemory runs fn and returns the most heap its objects took (sampled
// every millisecond) and the process's peak RSS meanwhile (Linux; 0
// elsewhere).
func peakMemory(b *testing.B, fn func()) (heap, rss uint64) {
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS(b)
	stop, done := make(chan struct{}), make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			heap = max(heap, sample[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(stop)
	<-done
	return heap, peakRSS()
}

// resetPeakRSS starts the kernel's peak RSS (VmHWM) afresh, from now.
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("peak RSS not reset (%v): it may include earlier runs", err)
	}
}

// peakRSS is VmHWM from /proc/self/status, in bytes.
func peakRSS() uint64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(status) {
		if kb, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			n, _ := strconv.ParseUint(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(kb), []byte("kB")))), 10, 64)
			return n << 10
		}
	}
	return 0
}
