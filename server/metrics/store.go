package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/csocbot/csocbot/store"
)

// scrapeTimeout bounds the store's reads at each scrape: a slow store
// leaves the series out of that scrape rather than hanging it.
const scrapeTimeout = 3 * time.Second

// maxQueued bounds the jobs read to count the queue: the gauge stops
// there rather than the scrape reading a huge backlog.
const maxQueued = 10000

var (
	queueDepthDesc = prometheus.NewDesc("csocbot_queue_depth",
		"Jobs queued and not yet claimed (at most 10000 are counted).", nil, nil)
	locksHeldDesc = prometheus.NewDesc("csocbot_locks_held",
		"Unit locks held by pull requests, in every repository.", nil, nil)
)

// storeCollector samples the queue and the locks at each scrape.
type storeCollector struct{ st Store }

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepthDesc
	ch <- locksHeldDesc
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	// A series the store could not give is left out of this scrape:
	// absent() alerts on it, where a made-up zero would hide the failure.
	if jobs, err := c.st.ListJobs(ctx, store.JobFilter{States: []store.JobState{store.JobQueued}, Limit: maxQueued}); err == nil {
		ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(len(jobs)))
	}
	if locks, err := c.st.Locks(ctx, ""); err == nil {
		ch <- prometheus.MustNewConstMetric(locksHeldDesc, prometheus.GaugeValue, float64(len(locks)))
	}
}
