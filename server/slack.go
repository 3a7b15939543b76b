package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/csocbot/csocbot/notify/slack"
	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/workflow"
	"github.com/csocbot/csocbot/store"
)

// SlackPoster posts and edits chat messages (notify/slack's Client).
type SlackPoster interface {
	Post(ctx context.Context, channel, threadTS string, m slack.Message, broadcast bool) (channelID, ts string, err error)
	Update(ctx context.Context, channel, ts string, m slack.Message) error
}

// slackReporter turns the workflows' reports into chat events. It never
// talks to Slack itself: each event is put in the store's outbox, in the
// job's time, and delivered by deliverSlack, so Slack being down never
// slows or fails a run, and a restart delivers what was not.
type slackReporter struct{ s *Server }

func (r slackReporter) Report(ctx context.Context, rep workflow.Report) error {
	r.s.notify(ctx, r.s.slackEvents(rep))
	return nil
}

// notify names the events' pull request and queues them. A failure is
// logged: the run goes on, and chat is not its record.
func (s *Server) notify(ctx context.Context, events []slack.Event) {
	if s.slack == nil || len(events) == 0 {
		return
	}
	s.describePullRequest(ctx, events)
	for _, e := range events {
		if err := s.enqueueSlack(ctx, e); err != nil {
			s.log.Warn("could not queue a Slack message", "repo", e.Repo, "pr", e.PR, "kind", e.Kind, "error", err)
		}
	}
}

// slackEvents are the chat events a report holds: one per environment
// its units or applications are in, so routes per environment see only
// theirs.
func (s *Server) slackEvents(rep workflow.Report) []slack.Event {
	c := rep.Change
	if c.PR == 0 {
		return nil
	}
	var out []slack.Event
	switch {
	case rep.Plan != nil && rep.Plan.Run != nil:
		for env, units := range s.byEnvironment(c.Repo, planUnits(rep.Plan.Run)) {
			e := s.newEvent(c, slack.PlanReady, env, units)
			if rep.Plan.Run.Failed() {
				e.Kind, e.Failed = slack.PlanFailed, true
			}
			e.State = slack.StatePlanReady
			e.Summary = summarize(units)
			out = append(out, e)
			if conflicts := lockConflicts(rep.Plan, units); len(conflicts) > 0 {
				l := s.newEvent(c, slack.LockConflict, env, nil)
				l.Failed = true
				l.Summary = fmt.Sprintf("%d %s locked by other pull requests", len(conflicts), plural(len(conflicts), "unit"))
				l.Details = strings.Join(conflicts, "\n")
				out = append(out, l)
			}
			if failing := policyFailing(rep.Plan, units); len(failing) > 0 {
				d := s.newEvent(c, slack.PolicyDenied, env, units)
				d.State, d.Failed = slack.StatePolicyFailed, true
				d.Summary = "Policy fails: " + strings.Join(failing, ", ")
				var who []string
				for _, name := range failing {
					if set, ok := s.policySet(name); ok {
						who = append(who, strings.ReplaceAll(whoMayApproveSet(set), "`", ""))
					}
				}
				d.Details = strings.Join(who, "\n")
				out = append(out, d)
			}
		}
	case rep.Values != nil:
		byEnv := map[string][]slack.Unit{}
		for _, a := range rep.Values.Apps {
			result := "passed"
			if len(a.Errors) > 0 || a.Policy != nil && slices.ContainsFunc(a.Policy.Results, policy.Result.Blocking) {
				result = "failed"
			}
			byEnv[a.Env.Name] = append(byEnv[a.Env.Name], slack.Unit{Path: a.App.Name, Environment: a.Env.Name, Result: result,
				Update: len(a.Changes)})
		}
		for env, units := range byEnv {
			e := s.newEvent(c, slack.ValuesChanged, env, units)
			e.State = slack.StatePlanReady
			for _, st := range rep.Statuses {
				if st.Kind == workflow.ValuesStatus {
					e.Summary = st.Description
					if st.State != workflow.Success {
						e.State, e.Failed = slack.StatePolicyFailed, true
					}
				}
			}
			out = append(out, e)
		}
	case rep.Apply != nil:
		units := make([]slack.Unit, 0, len(rep.Apply.Units))
		if rep.Apply.Run != nil {
			units = planUnits(rep.Apply.Run)
		} else {
			for _, u := range rep.Apply.Units {
				units = append(units, slack.Unit{Path: u, Result: "applying"})
			}
		}
		for env, units := range s.byEnvironment(c.Repo, units) {
			kind, state := slack.ApplyStarted, slack.StateApplying
			if rep.Apply.Run != nil {
				kind, state = slack.ApplyFinished, slack.StateApplied
			}
			e := s.newEvent(c, kind, env, units)
			e.State, e.Actor = state, rep.Apply.Actor
			e.RoleARN = rolesOf(rep.Apply.Roles, units)
			if rep.Apply.Run != nil && rep.Apply.Run.Failed() {
				e.State, e.Failed = slack.StateApplyFailed, true
				e.Details = failureTail(rep.Apply.Run, units)
				if e.Prod && s.cfg.Slack != nil {
					e.Mention = s.cfg.Slack.OncallGroup
				}
			}
			e.Summary = summarize(units)
			out = append(out, e)
		}
	}
	return out
}

func (s *Server) newEvent(c workflow.Change, kind slack.EventKind, env string, units []slack.Unit) slack.Event {
	e := slack.Event{Kind: kind, Repo: c.Repo, PR: c.PR, HeadSHA: c.HeadSHA, Environment: env, Units: units}
	for _, candidate := range s.cfg.Environments {
		if candidate.Name == env {
			e.Prod = candidate.Prod
		}
	}
	if s.cfg.PublicURL != "" && c.Job > 0 {
		e.RunURL = fmt.Sprintf("%s/jobs/%d", s.cfg.PublicURL, c.Job)
	}
	e.CommitURL = s.cfg.GitHub.WebURL + c.Repo + "/commit/" + c.HeadSHA
	return e
}

// describePullRequest fills in the pull request's title, author and
// link, read once for the report's events.
func (s *Server) describePullRequest(ctx context.Context, events []slack.Event) {
	repo, err := vcs.ParseRepo(events[0].Repo)
	if err != nil {
		return
	}
	pr, err := s.gh.PullRequest(ctx, repo, events[0].PR)
	if err != nil {
		s.log.Warn("could not read the pull request for Slack; its message has no title", "repo", events[0].Repo, "pr", events[0].PR, "error", err)
		return
	}
	for i := range events {
		events[i].Title, events[i].Author, events[i].PRURL = pr.Title, pr.Author, pr.HTMLURL
	}
}

// byEnvironment groups units by their environment.
func (s *Server) byEnvironment(repo string, units []slack.Unit) map[string][]slack.Unit {
	out := map[string][]slack.Unit{}
	for _, u := range units {
		u.Environment = s.cfg.EnvironmentOf(repo, u.Path)
		out[u.Environment] = append(out[u.Environment], u)
	}
	return out
}

func planUnits(run *engine.Run) []slack.Unit {
	var out []slack.Unit
	for _, r := range run.Results {
		u := slack.Unit{Path: r.Path, Result: string(r.Status)}
		if s := r.Summary; s != nil {
			u.Create, u.Update, u.Delete, u.Replace = s.Create, s.Update, s.Delete, s.Replace
		}
		out = append(out, u)
	}
	return out
}

func summarize(units []slack.Unit) string {
	var c, u, d, r int
	for _, x := range units {
		c, u, d, r = c+x.Create, u+x.Update, d+x.Delete, r+x.Replace
	}
	return fmt.Sprintf("%d %s: +%d ~%d -%d ±%d", len(units), plural(len(units), "unit"), c, u, d, r)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// lockConflicts are the units of units another pull request holds,
// each with who holds it.
func lockConflicts(out *workflow.PlanOutcome, units []slack.Unit) []string {
	var lines []string
	for _, l := range out.Locked {
		if slices.ContainsFunc(units, func(u slack.Unit) bool { return u.Path == l.Path }) {
			lines = append(lines, l.Path+" "+l.Error)
		}
	}
	return lines
}

// policyFailing are the policy sets with blocking results on units.
func policyFailing(out *workflow.PlanOutcome, units []slack.Unit) []string {
	var sets []string
	for _, u := range units {
		res := out.Policy[u.Path]
		if res == nil {
			continue
		}
		for _, r := range res.Results {
			if r.Blocking() && !slices.Contains(sets, r.Set) {
				sets = append(sets, r.Set)
			}
		}
	}
	slices.Sort(sets)
	return sets
}

func rolesOf(roles map[string]string, units []slack.Unit) string {
	var out []string
	for _, u := range units {
		if r := roles[u.Path]; r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return strings.Join(out, ", ")
}

// failureTail is the masked output tail of the units that failed.
func failureTail(run *engine.Run, units []slack.Unit) string {
	var b strings.Builder
	for _, r := range run.Results {
		if r.Status != engine.Failed || !slices.ContainsFunc(units, func(u slack.Unit) bool { return u.Path == r.Path }) {
			continue
		}
		fmt.Fprintf(&b, "%s: %s\n", r.Path, lastLines(r.ErrorTail, 10))
	}
	return strings.TrimSpace(b.String())
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// enqueueSlack puts e in the outbox once per channel its route names.
func (s *Server) enqueueSlack(ctx context.Context, e slack.Event) error {
	if s.cfg.Slack == nil || s.slack == nil {
		return nil
	}
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	for _, ch := range s.slackChannels(e) {
		if _, err := s.store.EnqueueSlack(ctx, store.SlackDelivery{Repo: e.Repo, PR: e.PR, Channel: ch, Event: body, NextAttempt: time.Now()}); err != nil {
			return err
		}
	}
	select {
	case s.slackWake <- struct{}{}:
	default:
	}
	return nil
}

// threadOnly are the kinds that only continue a pull request's threads:
// they concern the whole pull request, so they go to every channel that
// may have a thread of it, and start none.
func threadOnly(k slack.EventKind) bool {
	return k == slack.Override || k == slack.Merged || k == slack.Closed
}

// slackChannels are the channels e is routed to.
func (s *Server) slackChannels(e slack.Event) []string {
	if !threadOnly(e.Kind) {
		return s.cfg.Slack.Channels(e.Repo, e.Environment, string(e.Kind))
	}
	out := s.cfg.Slack.Channels(e.Repo, "", string(e.Kind))
	for _, env := range s.cfg.Environments {
		for _, ch := range s.cfg.Slack.Channels(e.Repo, env.Name, string(e.Kind)) {
			if !slices.Contains(out, ch) {
				out = append(out, ch)
			}
		}
	}
	return out
}

// slackPoll is how often the outbox is looked at without a wake-up:
// retries come due on their own.
const slackPoll = 5 * time.Second

// One replica sends the outbox at a time, so a pull request's messages
// keep their order and its thread is started once: it leads the "slack"
// role for slackLeadership from before each message, and gives each
// message at most slackDeliveryTimeout, so its leadership never ends
// while it sends. A leader that dies is replaced a leadership later; one
// that stops cleanly resigns.
const (
	slackLeadership      = 2 * time.Minute
	slackDeliveryTimeout = 45 * time.Second
)

// leadsSlack reports whether this process sends the outbox now: the only
// process of an unshared store always does.
func (s *Server) leadsSlack(ctx context.Context) bool {
	return !s.cfg.Store.Shared() || s.lead(ctx, "slack", slackLeadership)
}

// deliverSlack sends the outbox's due messages until ctx ends.
func (s *Server) deliverSlack(ctx context.Context) {
	tick := time.NewTicker(slackPoll)
	defer tick.Stop()
	if s.cfg.Store.Shared() {
		defer func() {
			// Another replica takes the outbox over at once.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := s.store.Resign(ctx, "slack", s.replica); err != nil {
				s.log.Warn("could not give up sending the Slack outbox; another replica takes it over after a while", "error", err)
			}
		}()
	}
	for {
		s.deliverDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.slackWake:
		}
	}
}

// deliverDue sends the due messages of the outbox, if this replica leads
// the sending (see slackLeadership).
func (s *Server) deliverDue(ctx context.Context) {
	if !s.leadsSlack(ctx) {
		return
	}
	due, err := s.store.DueSlackDeliveries(ctx, time.Now(), 50)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("could not read the Slack outbox", "error", err)
		}
		return
	}
	for i, d := range due {
		if ctx.Err() != nil || i > 0 && !s.leadsSlack(ctx) {
			return
		}
		dctx, cancel := context.WithTimeout(ctx, slackDeliveryTimeout)
		err := s.deliverOne(dctx, d)
		cancel()
		switch {
		case err == nil:
		case errors.Is(err, slack.ErrSecret):
			// Never sent, never retried: the message is dropped, and
			// the log says so without its text.
			s.log.Error("refused to send a Slack message that looks like it holds a secret", "repo", d.Repo, "pr", d.PR, "channel", d.Channel, "error", err)
		default:
			s.slackFailures.Add(1)
			next := time.Now().Add(slackBackoff(d.Attempts))
			s.log.Warn("could not deliver a Slack message; it is sent again later", "repo", d.Repo, "pr", d.PR, "channel", d.Channel, "attempt", d.Attempts+1, "next", next, "error", err)
			if err := s.store.RetrySlackDelivery(ctx, d.ID, next, err.Error()); err != nil {
				s.log.Warn("could not record a Slack retry", "error", err)
			}
			continue
		}
		if err := s.store.MarkSlackDelivered(ctx, d.ID, time.Now()); err != nil {
			s.log.Warn("could not record a Slack delivery", "error", err)
		}
	}
}

// slackBackoff doubles from 2 s up to 15 min.
func slackBackoff(attempts int) time.Duration {
	d := 2 * time.Second << min(attempts, 9)
	return min(d, 15*time.Minute)
}

// deliverOne posts the event in its pull request's thread, creating the
// thread's parent message first, and brings the parent to the event's
// state. Prod applies are also posted to the channel.
func (s *Server) deliverOne(ctx context.Context, d store.SlackDelivery) error {
	var e slack.Event
	if err := json.Unmarshal(d.Event, &e); err != nil {
		return fmt.Errorf("decode the queued Slack event: %w", err)
	}
	th, ok, err := s.store.SlackThread(ctx, d.Repo, d.PR, d.Channel)
	if err != nil {
		return err
	}
	switch {
	case !ok && threadOnly(e.Kind):
		return nil // the pull request never had news here
	case !ok:
		id, ts, err := s.slack.Post(ctx, d.Channel, "", slack.Parent(e), false)
		if err != nil {
			return err
		}
		th = store.SlackThread{Repo: d.Repo, PR: d.PR, Channel: d.Channel, ChannelID: id, TS: ts, State: string(e.State)}
		if err := s.store.SaveSlackThread(ctx, th); err != nil {
			return err
		}
	case e.State != "" && string(e.State) != th.State:
		if err := s.slack.Update(ctx, cmp.Or(th.ChannelID, d.Channel), th.TS, slack.Parent(e)); err != nil {
			return err
		}
		th.State = string(e.State)
		if err := s.store.SaveSlackThread(ctx, th); err != nil {
			return err
		}
	}
	broadcast := e.Prod && (e.Kind == slack.ApplyStarted || e.Kind == slack.ApplyFinished)
	_, _, err = s.slack.Post(ctx, d.Channel, th.TS, slack.Reply(e), broadcast)
	return err
}

// notifyInterrupted tells chat an apply a stopped process left running
// was marked interrupted, with what is known of it.
func (s *Server) notifyInterrupted(ctx context.Context, job store.Job, known string) {
	if s.slack == nil {
		return
	}
	var a applyJob
	if json.Unmarshal(job.Payload, &a) != nil {
		return
	}
	var units []slack.Unit
	runs, err := s.store.Runs(ctx, a.Repo, a.PR, a.HeadSHA)
	if err == nil {
		for _, r := range runs {
			if r.State == store.RunInterrupted {
				units = append(units, slack.Unit{Path: r.Unit, Result: "interrupted"})
			}
		}
	}
	var events []slack.Event
	for env, units := range s.byEnvironment(a.Repo, units) {
		e := s.newEvent(workflow.Change{Repo: a.Repo, PR: a.PR, HeadSHA: a.HeadSHA, Job: job.ID}, slack.Interrupted, env, units)
		e.State, e.Failed, e.Actor = slack.StateApplyFailed, true, a.Actor
		e.Summary = "csocbot stopped during this apply; nothing is applied again by itself"
		e.Details = strings.TrimSpace(known)
		if e.Prod && s.cfg.Slack != nil {
			e.Mention = s.cfg.Slack.OncallGroup
		}
		events = append(events, e)
	}
	s.notify(ctx, events)
}

// notifyClosed brings the pull request's threads to merged or closed.
func (s *Server) notifyClosed(ctx context.Context, c closedJob) {
	if s.slack == nil {
		return
	}
	e := s.newEvent(workflow.Change{Repo: c.Repo, PR: c.PR, HeadSHA: c.HeadSHA}, slack.Closed, "", nil)
	e.State, e.Summary = slack.StateClosed, "Closed without merging"
	if c.Merged {
		e.Kind, e.State, e.Summary = slack.Merged, slack.StateMerged, "Merged"
	}
	s.notify(ctx, []slack.Event{e})
}

// notifyOverride tells chat a policy set's failures were overridden.
func (s *Server) notifyOverride(ctx context.Context, c commentJob, head, set string, approvers []string) {
	e := s.newEvent(workflow.Change{Repo: c.Repo, PR: c.PR, HeadSHA: head}, slack.Override, "", nil)
	e.Actor = c.Author
	e.Summary = fmt.Sprintf("Policy set %s overridden at %s by %s", set, short(head), strings.Join(approvers, ", "))
	s.notify(ctx, []slack.Event{e})
}
