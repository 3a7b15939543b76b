// Package slack tells Slack what csocbot did: one parent message per pull
// request per channel, kept at the pull request's state, and a threaded
// reply per event. It also verifies and parses the read-only /csocbot
// slash command. It knows nothing of the server or the store: the server
// turns its workflow reports into Events.
package slack

// EventKind is what happened to a pull request.
type EventKind string

// Event kinds. Values are stored in the outbox: do not rename them.
const (
	PlanReady     EventKind = "plan_ready"
	PlanFailed    EventKind = "plan_failed"
	PolicyDenied  EventKind = "policy_denied"
	Override      EventKind = "override"
	LockConflict  EventKind = "lock_conflict"
	ApplyStarted  EventKind = "apply_started"
	ApplyFinished EventKind = "apply_finished"
	Interrupted   EventKind = "interrupted"
	ValuesChanged EventKind = "values_changed"
	Synced        EventKind = "synced" // after a gitops merge: the applications Argo CD syncs
	Merged        EventKind = "merged"
	Closed        EventKind = "closed"
)

// PRState is the pull request's state the parent message shows.
type PRState string

// Pull request states. Values are stored: do not rename them.
const (
	StatePlanning     PRState = "planning"
	StatePlanReady    PRState = "plan_ready"
	StatePolicyFailed PRState = "policy_failed"
	StateApproved     PRState = "approved"
	StateApplying     PRState = "applying"
	StateApplied      PRState = "applied"
	StateApplyFailed  PRState = "apply_failed"
	StateMerged       PRState = "merged"
	StateClosed       PRState = "closed"
)

// Event is one thing to tell a channel about a pull request. Events are
// queued in the store's outbox as JSON before they are sent.
type Event struct {
	Kind        EventKind `json:"kind"`
	Repo        string    `json:"repo"`
	PR          int       `json:"pr"`
	Title       string    `json:"title,omitempty"`
	Author      string    `json:"author,omitempty"`
	PRURL       string    `json:"pr_url,omitempty"`
	RunURL      string    `json:"run_url,omitempty"`
	CommitURL   string    `json:"commit_url,omitempty"`
	HeadSHA     string    `json:"head_sha,omitempty"`
	State       PRState   `json:"state,omitempty"`
	Environment string    `json:"environment,omitempty"`
	Prod        bool      `json:"prod,omitempty"`
	Actor       string    `json:"actor,omitempty"`
	RoleARN     string    `json:"role_arn,omitempty"`
	Summary     string    `json:"summary,omitempty"` // one line
	Units       []Unit    `json:"units,omitempty"`
	Details     string    `json:"details,omitempty"` // e.g. an output tail, already masked
	Failed      bool      `json:"failed,omitempty"`
	Mention     string    `json:"mention,omitempty"` // on-call user group id to mention; "" none
}

// Unit is one unit's (or gitops application's) part in an event.
type Unit struct {
	Path        string `json:"path"`
	Environment string `json:"environment,omitempty"`
	Result      string `json:"result,omitempty"`
	Create      int    `json:"create,omitempty"`
	Update      int    `json:"update,omitempty"`
	Delete      int    `json:"delete,omitempty"`
	Replace     int    `json:"replace,omitempty"`
}
