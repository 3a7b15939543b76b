package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// testSlackThreads checks that a pull request's thread in a channel is
// found again, by a store opened later (a restart), and that saving it
// again replaces it.
func testSlackThreads(t *testing.T, newDB NewDatabase) {
	db := newDB(t)
	c := newClock()
	s := open(t, db, c)
	ctx := t.Context()

	if th, ok, err := s.SlackThread(ctx, "o/r", 1, "#csoc"); ok || err != nil {
		t.Fatalf("a thread before any was saved: %+v, %v, %v", th, ok, err)
	}
	first := store.SlackThread{Repo: "o/r", PR: 1, Channel: "#csoc", ChannelID: "C0CSOC", TS: "1700000000.000100", State: "planning"}
	if err := s.SaveSlackThread(ctx, first); err != nil {
		t.Fatal(err)
	}
	c.advance(time.Minute)
	other := store.SlackThread{Repo: "o/r", PR: 1, Channel: "C0123ABCD", TS: "1700000000.000200", State: "planning"}
	if err := s.SaveSlackThread(ctx, other); err != nil {
		t.Fatal(err)
	}
	c.advance(time.Minute)
	updated := first
	updated.State = "plan_ready"
	if err := s.SaveSlackThread(ctx, updated); err != nil {
		t.Fatal(err)
	}

	restarted := open(t, db, c)
	tests := []struct {
		name        string
		repo        string
		pr          int
		channel     string
		want        store.SlackThread
		wantUpdated time.Time
		found       bool
	}{
		{"saved again", "o/r", 1, "#csoc", updated, c.now(), true},
		{"another channel", "o/r", 1, "C0123ABCD", other, c.now().Add(-time.Minute), true},
		{"another pull request", "o/r", 2, "#csoc", store.SlackThread{}, time.Time{}, false},
		{"another repository", "o/other", 1, "#csoc", store.SlackThread{}, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := restarted.SlackThread(ctx, tt.repo, tt.pr, tt.channel)
			if err != nil || ok != tt.found {
				t.Fatalf("found %v (%v), want %v", ok, err, tt.found)
			}
			if got.Repo != tt.want.Repo || got.PR != tt.want.PR || got.Channel != tt.want.Channel ||
				got.TS != tt.want.TS || got.State != tt.want.State || !got.UpdatedAt.Equal(tt.wantUpdated) {
				t.Errorf("got %+v, want %+v updated at %v", got, tt.want, tt.wantUpdated)
			}
		})
	}

	for _, bad := range []store.SlackThread{
		{PR: 1, Channel: "#csoc", TS: "1.2"},
		{Repo: "o/r", Channel: "#csoc", TS: "1.2"},
		{Repo: "o/r", PR: 1, TS: "1.2"},
		{Repo: "o/r", PR: 1, Channel: "#csoc"},
	} {
		if err := s.SaveSlackThread(ctx, bad); err == nil {
			t.Errorf("saved %+v", bad)
		}
	}
}

// testSlackOutbox checks the life of Slack deliveries: queued, due in
// order, retried later after a failure, delivered once, and kept pending
// across a restart.
func testSlackOutbox(t *testing.T, newDB NewDatabase) {
	db := newDB(t)
	c := newClock()
	s := open(t, db, c)
	ctx := t.Context()
	start := c.now()
	event := json.RawMessage(`{"kind":"plan_ready","repo":"o/r","pr":1}`)

	enqueueSlack := func(d store.SlackDelivery) store.SlackDelivery {
		t.Helper()
		got, err := s.EnqueueSlack(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	a := enqueueSlack(store.SlackDelivery{Repo: "o/r", PR: 1, Channel: "#csoc", Event: event,
		// Ignored: a new delivery starts afresh.
		Attempts: 3, DeliveredAt: start, LastError: "stale"})
	if a.ID == 0 || a.Repo != "o/r" || a.PR != 1 || a.Channel != "#csoc" || string(a.Event) != string(event) ||
		a.Attempts != 0 || !a.DeliveredAt.IsZero() || a.LastError != "" || !a.NextAttempt.Equal(start) || !a.CreatedAt.Equal(start) {
		t.Errorf("enqueued %+v", a)
	}
	c.advance(time.Second)
	later := start.Add(time.Hour)
	b := enqueueSlack(store.SlackDelivery{Repo: "o/r", PR: 1, Channel: "#csoc-prod", Event: event, NextAttempt: later})
	if !b.NextAttempt.Equal(later) || b.NextAttempt.Location() != time.UTC {
		t.Errorf("next attempt %v, want %v in UTC", b.NextAttempt, later)
	}
	cc := enqueueSlack(store.SlackDelivery{Repo: "o/r", PR: 2, Channel: "#csoc", Event: event})

	for _, bad := range []store.SlackDelivery{
		{PR: 1, Channel: "#csoc", Event: event},
		{Repo: "o/r", Channel: "#csoc", Event: event},
		{Repo: "o/r", PR: 1, Event: event},
		{Repo: "o/r", PR: 1, Channel: "#csoc"},
		{Repo: "o/r", PR: 1, Channel: "#csoc", Event: json.RawMessage(`{"kind":`)},
	} {
		if got, err := s.EnqueueSlack(ctx, bad); err == nil {
			t.Errorf("enqueued %+v", got)
		}
	}

	deliveryIDs := func(ds []store.SlackDelivery) []int64 {
		out := make([]int64, len(ds))
		for i, d := range ds {
			out[i] = d.ID
		}
		return out
	}
	due := func(s store.Store, now time.Time, limit int) []int64 {
		t.Helper()
		ds, err := s.DueSlackDeliveries(ctx, now, limit)
		if err != nil {
			t.Fatal(err)
		}
		return deliveryIDs(ds)
	}
	counts := func(s store.Store, wantPending, wantFailed int) {
		t.Helper()
		pending, failed, err := s.SlackDeliveryCounts(ctx)
		if err != nil || pending != wantPending || failed != wantFailed {
			t.Errorf("counts: %d pending, %d failed attempts (%v); want %d and %d", pending, failed, err, wantPending, wantFailed)
		}
	}

	if got, want := due(s, c.now(), 0), []int64{a.ID, cc.ID}; !slices.Equal(got, want) {
		t.Errorf("due now: %v, want %v", got, want)
	}
	if got, want := due(s, later, 0), []int64{a.ID, b.ID, cc.ID}; !slices.Equal(got, want) {
		t.Errorf("due in an hour: %v, want %v (oldest first)", got, want)
	}
	if got, want := due(s, later, 2), []int64{a.ID, b.ID}; !slices.Equal(got, want) {
		t.Errorf("due in an hour, two at most: %v, want %v", got, want)
	}
	counts(s, 3, 0)

	// a fails twice, c is delivered.
	retryAt := c.now().Add(10 * time.Second)
	for i := range 2 {
		if err := s.RetrySlackDelivery(ctx, a.ID, retryAt, "slack is down"); err != nil {
			t.Fatalf("retry %d: %v", i+1, err)
		}
	}
	if err := s.MarkSlackDelivered(ctx, cc.ID, c.now()); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSlackDelivered(ctx, cc.ID, c.now().Add(time.Minute)); err != nil {
		t.Errorf("marking a delivered message delivered again: %v", err)
	}
	if got := due(s, c.now(), 0); len(got) != 0 {
		t.Errorf("due while a waits and c is delivered: %v, want none", got)
	}
	counts(s, 2, 2)

	// A restart finds a pending, with its attempts.
	restarted := open(t, db, c)
	ds, err := restarted.DueSlackDeliveries(ctx, retryAt, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].ID != a.ID || ds[0].Attempts != 2 || ds[0].LastError != "slack is down" ||
		!ds[0].NextAttempt.Equal(retryAt) || !ds[0].DeliveredAt.IsZero() || string(ds[0].Event) != string(event) {
		t.Errorf("due after the restart: %+v, want a after two failed attempts", ds)
	}
	counts(restarted, 2, 2)
	if err := restarted.MarkSlackDelivered(ctx, a.ID, retryAt); err != nil {
		t.Fatal(err)
	}
	counts(restarted, 1, 0)

	if err := restarted.RetrySlackDelivery(ctx, a.ID, later, "late"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("retrying a delivered message: %v, want ErrNotFound", err)
	}
	unknown := cc.ID + 1000
	if err := restarted.MarkSlackDelivered(ctx, unknown, later); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("marking an unknown message delivered: %v, want ErrNotFound", err)
	}
	if err := restarted.RetrySlackDelivery(ctx, unknown, later, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("retrying an unknown message: %v, want ErrNotFound", err)
	}
	if got, want := due(restarted, later, 0), []int64{b.ID}; !slices.Equal(got, want) {
		t.Errorf("due in the end: %v, want %v", got, want)
	}
}
