package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// slowBody is a request body of n bytes that arrives in 32 KiB chunks,
// pause apart, as a slow or hostile client sends it.
type slowBody struct {
	n     int64
	pause time.Duration
}

func (b *slowBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, io.EOF
	}
	if b.pause > 0 {
		time.Sleep(b.pause)
	}
	k := int(min(int64(len(p)), b.n, 32<<10))
	clear(p[:k])
	b.n -= int64(k)
	return k, nil
}

// flood sends count deliveries at once to url and returns the status codes
// answered (transport errors, from a server closing a connection it wants
// no more of, are left out).
func flood(t testing.TB, url string, count int, body func() (io.Reader, int64), signature string) []*http.Response {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Minute}
	var (
		mu    sync.Mutex
		resps []*http.Response
		wg    sync.WaitGroup
	)
	for i := range count {
		wg.Go(func() {
			r, length := body()
			req, err := http.NewRequest(http.MethodPost, url+"/events", r)
			if err != nil {
				t.Error(err)
				return
			}
			req.ContentLength = length
			req.Header.Set("X-GitHub-Event", "pull_request")
			req.Header.Set(deliveryHeader, fmt.Sprintf("flood-%d", i))
			if signature != "" {
				req.Header.Set("X-Hub-Signature-256", signature)
			}
			resp, err := client.Do(req)
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mu.Lock()
			resps = append(resps, resp)
			mu.Unlock()
		})
	}
	wg.Wait()
	return resps
}

// forged is a well-formed signature of nothing csocbot will receive.
func forged() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "sha256=" + hex.EncodeToString(b)
}

// TestFloodOfUnauthenticatedPostsIsBounded sends floods of deliveries
// csocbot must refuse to its HTTP server on loopback, and checks that all
// are refused and that what they made it read is bounded: nothing for
// those refused before reading, and never more than the body slots at once
// for the others.
func TestFloodOfUnauthenticatedPostsIsBounded(t *testing.T) {
	s, st := newIntakeServer(t)
	s.maxBody = 1 << 20
	s.bodyWait = 200 * time.Millisecond
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	slots := int64(cap(s.bodySlots))
	const count = 40

	tests := []struct {
		name      string
		body      func() (io.Reader, int64)
		signature string
		want      []int // the codes allowed
		unread    bool  // refused before reading any of the body
		busy      bool  // some must find every slot taken
	}{
		{
			name:   "unsigned",
			body:   func() (io.Reader, int64) { return &slowBody{n: 900 << 10}, 900 << 10 },
			want:   []int{http.StatusUnauthorized},
			unread: true,
		},
		{
			name:   "unsigned, declared larger than the bound",
			body:   func() (io.Reader, int64) { return &slowBody{n: 2 << 20}, 2 << 20 },
			want:   []int{http.StatusRequestEntityTooLarge},
			unread: true,
		},
		{
			name:      "declared larger than the bound",
			body:      func() (io.Reader, int64) { return &slowBody{n: 2 << 20}, 2 << 20 },
			signature: forged(),
			want:      []int{http.StatusRequestEntityTooLarge},
			unread:    true,
		},
		{
			name:      "forged signature, slow bodies",
			body:      func() (io.Reader, int64) { return &slowBody{n: 512 << 10, pause: 20 * time.Millisecond}, 512 << 10 },
			signature: forged(),
			want:      []int{http.StatusUnauthorized, http.StatusServiceUnavailable},
			busy:      true,
		},
		{
			name:      "forged signature, undeclared length over the bound",
			body:      func() (io.Reader, int64) { return &slowBody{n: 2 << 20}, -1 },
			signature: forged(),
			want:      []int{http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.intake.peakReading.Store(0)
			readBefore := s.intake.bytesRead.Load()
			resps := flood(t, srv.URL, count, tt.body, tt.signature)
			if len(resps) == 0 {
				t.Fatal("no delivery was answered")
			}
			busy := 0
			for _, r := range resps {
				if !slices.Contains(tt.want, r.StatusCode) {
					t.Errorf("answered %d, want one of %v", r.StatusCode, tt.want)
				}
				if r.StatusCode == http.StatusServiceUnavailable {
					busy++
					if r.Header.Get("Retry-After") == "" {
						t.Error("a 503 without Retry-After")
					}
				}
			}
			read := s.intake.bytesRead.Load() - readBefore
			if peak := s.intake.peakReading.Load(); peak > slots {
				t.Errorf("%d requests read bodies at once, want at most %d", peak, slots)
			}
			if tt.unread && read != 0 {
				t.Errorf("read %d body bytes of deliveries refused unread", read)
			}
			if max := int64(count) * (s.maxBody + 1); read > max {
				t.Errorf("read %d body bytes, more than %d deliveries of the bound", read, count)
			}
			if tt.busy && busy == 0 {
				t.Error("no delivery found the body slots taken")
			}
			t.Logf("%d answered (%d busy), %d body bytes read, at most %d readers at once", len(resps), busy, read, s.intake.peakReading.Load())
		})
	}
	if jobs, err := st.ListJobs(context.Background(), store.JobFilter{}); err != nil || len(jobs) != 0 {
		t.Errorf("the flood queued %d jobs (%v)", len(jobs), err)
	}
	if n := s.intake.reading.Load(); n != 0 {
		t.Errorf("%d body readers still counted after the flood", n)
	}
}

// TestReadyzReportsAStoreThatCannotBeWritten makes the store's files
// unwritable under a running server and checks that /readyz says so.
func TestReadyzReportsAStoreThatCannotBeWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "csocbot.db")
	s, _ := newIntakeServerAt(t, path)
	s.probe.every = 0 // probe at every check
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	ready := func() (int, string) {
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(10 * time.Second)
	for code, _ := ready(); code != http.StatusOK; code, _ = ready() {
		if time.Now().After(deadline) {
			t.Fatal("the server never became ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	makeImmutable(t, path, path+"-wal")
	if code, body := ready(); code != http.StatusServiceUnavailable || !strings.Contains(body, "store cannot be written") {
		t.Errorf("/readyz with a read-only store answered %d %q, want 503 saying the store cannot be written", code, body)
	}
}

// makeImmutable makes files unwritable even for root, whom permission bits
// do not stop, with chattr +i, until the test ends; it skips the test where
// the file system or the privileges do not allow it.
func makeImmutable(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if out, err := exec.Command("chattr", "+i", p).CombinedOutput(); err != nil {
			t.Skipf("cannot make %s read-only with chattr +i (needs root and a file system with the immutable attribute): %v %s", p, err, out)
		}
		t.Cleanup(func() { exec.Command("chattr", "-i", p).Run() })
	}
}
