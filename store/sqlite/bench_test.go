package sqlite

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// benchPayload is about the size of the job payload for a pull request
// event.
var benchPayload = json.RawMessage(`{"repo":"gen3/infra","pr":12,"head_sha":"0123456789abcdef0123456789abcdef01234567","sender":"octocat"}`)

// BenchmarkEnqueueDelivery measures how many webhook deliveries per second
// the store records and enqueues, from concurrent handlers.
func BenchmarkEnqueueDelivery(b *testing.B) {
	s, _ := openTemp(b, Options{})
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprintf("delivery-%d", n.Add(1))
			job := store.NewJob{Kind: store.KindPlan, Key: "gen3/infra#12", Payload: benchPayload}
			if _, isNew, err := s.RecordDelivery(b.Context(), id, job); err != nil || !isNew {
				b.Errorf("recording %s: new %v, %v", id, isNew, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}

// BenchmarkClaimComplete measures how many jobs per second concurrent
// workers claim and complete.
func BenchmarkClaimComplete(b *testing.B) {
	s, _ := openTemp(b, Options{})
	for i := range b.N {
		enqueue(b, s, store.NewJob{Kind: store.KindPlan, Key: fmt.Sprintf("gen3/infra#%d", i), Payload: benchPayload})
	}
	var workers atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		worker := fmt.Sprintf("worker-%d", workers.Add(1))
		for pb.Next() {
			j, ok, err := s.Claim(b.Context(), worker, time.Minute)
			if err != nil || !ok {
				b.Errorf("claim: %v, %v", ok, err)
				return
			}
			if err := s.Complete(b.Context(), j.ID, worker); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}
