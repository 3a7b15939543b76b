package store

import (
	"encoding/json"
	"time"
)

// SlackThread is the parent message csocbot keeps for one pull request in
// one Slack channel: every event of the pull request is a reply in its
// thread. It is stored so that a restarted csocbot keeps replying in the
// same thread instead of starting another.
type SlackThread struct {
	Repo    string // owner/name
	PR      int
	Channel string // as the delivery names it
	// ChannelID is the id Slack gave the channel when the parent was
	// posted: editing the parent needs it, not the name.
	ChannelID string
	// TS is Slack's timestamp of the parent message, which identifies it
	// (and its thread) in its channel.
	TS string
	// State is the pull request state the parent message shows, so that
	// it is edited only when the state changes.
	State     string
	UpdatedAt time.Time // set by the store
}

// SlackDelivery is one Slack message in the outbox: an event to post in
// one channel. Events are queued in the job that reports them and sent
// apart from it, so that Slack being slow or down never holds up or fails
// a run, and a restart sends what was not yet delivered.
type SlackDelivery struct {
	ID      int64 // set by the store
	Repo    string
	PR      int
	Channel string
	// Event is the event to post, as JSON (notify/slack's Event): the
	// store does not read it.
	Event json.RawMessage
	// Attempts counts the failed attempts to deliver it.
	Attempts int
	// NextAttempt is when it is due; the zero time, on enqueueing, means
	// now.
	NextAttempt time.Time
	// DeliveredAt is when it was delivered; the zero time while it is
	// pending.
	DeliveredAt time.Time
	LastError   string    // why the last attempt failed
	CreatedAt   time.Time // set by the store
}
