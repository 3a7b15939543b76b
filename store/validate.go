package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// These checks say, readably, what a store cannot record; the tables'
// checks would refuse the same, less readably. Each error names only what
// is wrong: the store wraps it with what it was doing.

// Validate refuses a job whose payload is not JSON.
func (j NewJob) Validate() error {
	if len(j.Payload) > 0 && !json.Valid(j.Payload) {
		return errors.New("the payload is not JSON")
	}
	return nil
}

// CheckLease refuses a lease that is not positive: a job or a role held
// for no time would be taken back as soon as it was given.
func CheckLease(lease time.Duration) error {
	if lease <= 0 {
		return fmt.Errorf("the lease is %v; it must be positive", lease)
	}
	return nil
}

// runStates are the states a run may be in; the runs tables' checks list
// the same.
var runStates = map[RunState]bool{
	RunPlanned: true, RunNoChanges: true, RunFailed: true, RunSkipped: true, RunBlocked: true,
	RunApplying: true, RunApplied: true, RunApplyFailed: true, RunInterrupted: true,
}

// Validate refuses a run in a state it does not know, or whose Summary or
// Policy is not JSON.
func (r Run) Validate() error {
	switch {
	case !runStates[r.State]:
		return fmt.Errorf("unknown run state %q", r.State)
	case len(r.Summary) > 0 && !json.Valid(r.Summary):
		return errors.New("the summary is not JSON")
	case len(r.Policy) > 0 && !json.Valid(r.Policy):
		return errors.New("the policy results are not JSON")
	}
	return nil
}

// Validate refuses a comment of a kind it does not know.
func (c Comment) Validate() error {
	switch c.Kind {
	case CommentPlan, CommentHelp, CommentError:
		return nil
	}
	return fmt.Errorf("unknown comment kind %q", c.Kind)
}

// Validate refuses a lock without a repository, a unit or a pull request.
func (l Lock) Validate() error {
	switch {
	case l.Repo == "":
		return errors.New("no repository")
	case l.Unit == "":
		return errors.New("no unit")
	case l.PR <= 0:
		return fmt.Errorf("pull request number %d", l.PR)
	}
	return nil
}

// Name names the lock in errors: its unit, and its workspace unless it is
// the default one.
func (l Lock) Name() string {
	if l.Workspace == "" {
		return l.Unit
	}
	return l.Unit + " (workspace " + l.Workspace + ")"
}

// Validate refuses an empty plan file, or one without its SHA-256.
func (f PlanFile) Validate() error {
	switch {
	case len(f.Plan) == 0:
		return errors.New("the plan file is empty")
	case f.SHA256 == "":
		return errors.New("no SHA-256 of the plan file")
	}
	return nil
}

// Cleaned returns e with its text made storable by [CleanText]: a store
// cleans an entry before hashing it, so that the entry as stored verifies.
func (e AuditEntry) Cleaned() AuditEntry {
	for _, f := range []*string{&e.Actor, &e.Action, &e.Repo, &e.HeadSHA, &e.Unit, &e.PlanSHA256, &e.RoleARN, &e.Outcome, &e.Detail} {
		*f = CleanText(*f)
	}
	return e
}

// Validate refuses an audit entry without an actor or an action.
func (e AuditEntry) Validate() error {
	switch {
	case e.Actor == "":
		return errors.New("no actor")
	case e.Action == "":
		return errors.New("no action")
	}
	return nil
}

// Validate refuses a thread without its pull request, its channel or its
// message's timestamp.
func (th SlackThread) Validate() error {
	if err := checkSlackTarget(th.Repo, th.PR, th.Channel); err != nil {
		return err
	}
	if th.TS == "" {
		return errors.New("no message timestamp (TS)")
	}
	return nil
}

// Validate refuses a delivery without its pull request or its channel, or
// whose event is not JSON.
func (d SlackDelivery) Validate() error {
	if err := checkSlackTarget(d.Repo, d.PR, d.Channel); err != nil {
		return err
	}
	if !json.Valid(d.Event) {
		return errors.New("the event is not JSON")
	}
	return nil
}

// checkSlackTarget says what is missing from the pull request and channel
// a thread or a delivery is for.
func checkSlackTarget(repo string, pr int, channel string) error {
	switch {
	case repo == "":
		return errors.New("no repository")
	case pr <= 0:
		return fmt.Errorf("pull request number %d", pr)
	case channel == "":
		return errors.New("no channel")
	}
	return nil
}

// Add adds m's counts to n's.
func (n *PruneCounts) Add(m PruneCounts) {
	n.Deliveries += m.Deliveries
	n.Jobs += m.Jobs
	n.Runs += m.Runs
	n.Comments += m.Comments
	n.PolicyApprovals += m.PolicyApprovals
	n.PlanFiles += m.PlanFiles
	n.SlackDeliveries += m.SlackDeliveries
}
