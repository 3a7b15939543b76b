package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/csocbot/csocbot/server/webhook"
)

// intakeStats count what reading webhook bodies costs, for logs and tests.
type intakeStats struct {
	reading     atomic.Int64 // requests reading a body now
	peakReading atomic.Int64 // the most that ever did at once
	bytesRead   atomic.Int64 // body bytes read, all requests together
}

// startReading counts a request that starts reading a body and returns
// the function that counts it finished.
func (st *intakeStats) startReading() (done func()) {
	n := st.reading.Add(1)
	for {
		peak := st.peakReading.Load()
		if n <= peak || st.peakReading.CompareAndSwap(peak, n) {
			break
		}
	}
	return func() { st.reading.Add(-1) }
}

// busyRetryAfter is the Retry-After, in seconds, of the answer to a
// delivery that found every body slot taken.
const busyRetryAfter = 2

// readVerified reads a delivery's body and checks its signature, so that
// what strangers can make the server hold in memory is bounded:
//   - a body declared larger than maxBody, or a delivery without a
//     well-formed signature, is refused before any of it is read;
//   - at most cap(bodySlots) requests read a body at once, each at most
//     maxBody bytes; the others wait up to bodyWait for a slot and are then
//     answered 503 with Retry-After;
//   - the signature is hashed while the body streams in and checked in
//     constant time before the slot is given back.
//
// When it refuses the body it returns the status code to answer with.
func (s *Server) readVerified(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	if r.ContentLength > s.maxBody {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("%w: %d bytes declared, at most %d accepted", webhook.ErrBodyTooLarge, r.ContentLength, s.maxBody)
	}
	sink := io.Discard
	var verifier *webhook.Verifier
	if !s.cfg.InsecureNoWebhookSecret {
		v, err := webhook.NewVerifier([]byte(s.cfg.GitHub.WebhookSecret.Reveal()), r.Header.Get(webhook.SignatureHeader))
		if err != nil {
			return nil, http.StatusUnauthorized, fmt.Errorf("signature check failed: %w", err)
		}
		sink, verifier = v, v
	}
	release, err := s.takeBodySlot(r)
	if err != nil {
		w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
		return nil, http.StatusServiceUnavailable, err
	}
	defer release()
	body, err := readBounded(io.TeeReader(&countingReader{r: r.Body, n: &s.intake.bytesRead}, sink), r.ContentLength, s.maxBody)
	switch {
	case errors.Is(err, webhook.ErrBodyTooLarge):
		return nil, http.StatusRequestEntityTooLarge, err
	case err != nil:
		return nil, http.StatusBadRequest, errors.New("could not read the body")
	}
	if verifier != nil {
		if err := verifier.Check(); err != nil {
			return nil, http.StatusUnauthorized, fmt.Errorf("signature check failed: %w", err)
		}
	}
	return body, 0, nil
}

// takeBodySlot waits up to bodyWait for one of the bodySlots and returns
// the function that gives it back.
func (s *Server) takeBodySlot(r *http.Request) (release func(), err error) {
	timer := time.NewTimer(s.bodyWait)
	defer timer.Stop()
	select {
	case s.bodySlots <- struct{}{}:
	case <-timer.C:
		return nil, fmt.Errorf("csocbot is reading %d other deliveries; retry in %d seconds", cap(s.bodySlots), busyRetryAfter)
	case <-r.Context().Done():
		return nil, fmt.Errorf("the request ended while waiting to be read: %w", r.Context().Err())
	}
	done := s.intake.startReading()
	return func() {
		done()
		<-s.bodySlots
	}, nil
}

// readBounded reads all of r, at most limit bytes, into a buffer sized
// once from the declared length when there is one (net/http never reads
// past it), so a body costs its size rather than the garbage of a growing
// buffer.
func readBounded(r io.Reader, declared, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if declared > 0 && declared <= limit {
		buf.Grow(int(declared) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return nil, fmt.Errorf("reading webhook payload: %w", err)
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("%w: it exceeds %d bytes", webhook.ErrBodyTooLarge, limit)
	}
	return buf.Bytes(), nil
}

// countingReader adds the bytes read through it to n.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
