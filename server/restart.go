package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/csocbot/csocbot/config"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/store"
)

// recoverAfterRestart fails the jobs a previous process left running and
// returns them, for reportRecovered. None runs again by itself: the job a
// process was running when it died may be what killed it.
func (s *Server) recoverAfterRestart(ctx context.Context) ([]store.Job, error) {
	failed, err := s.store.RecoverAfterRestart(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w; check that the store (store.path) is readable and writable", err)
	}
	return failed, nil
}

// reportRecovered tells the pull requests of jobs recoverAfterRestart
// failed.
func (s *Server) reportRecovered(ctx context.Context, failed []store.Job) {
	for _, j := range failed {
		s.log.Warn("a job was running when csocbot last stopped; it is failed, not run again", "job", j.ID, "kind", j.Kind, "key", j.Key)
		var known string
		if j.Kind == store.KindApply {
			known = s.interruptApply(ctx, j)
			s.notifyInterrupted(ctx, j, known)
		}
		s.reportFailedJob(ctx, j, fmt.Sprintf(
			"csocbot stopped while it was running a `%s` job for this pull request (job %d), perhaps because the job crashed it, so it does not run it again by itself.%s",
			j.Kind, j.ID, known), "csocbot stopped while planning")
	}
}

// reportFinalFailure tells a pull request that its job failed for good
// with cause.
func (s *Server) reportFinalFailure(ctx context.Context, job store.Job, cause error) {
	s.reportFailedJob(ctx, job, fmt.Sprintf("csocbot could not finish a `%s` job for this pull request (job %d) after %s:\n\n```\n%s\n```",
		job.Kind, job.ID, attempts(job.Attempts), clip(cause.Error(), 2000)), "Plan failed: "+cause.Error())
}

// reportFailedJob sets a failed plan's commit status to error, so it
// never stays pending, and comments why (what happened) on the pull
// request with how to run it again.
func (s *Server) reportFailedJob(ctx context.Context, job store.Job, what, statusWhy string) {
	repo, pr, ok := pullRequestOf(job.Key)
	if !ok || !askedByPullRequest(job.Kind) {
		return // nobody waits for it
	}
	if job.Kind == store.KindPlan {
		var p planJob
		if err := json.Unmarshal(job.Payload, &p); err == nil && p.HeadSHA != "" {
			retry := "; comment " + s.cfg.CommandPrefix + " plan to retry"
			statusContext := vcs.PlanContext
			if rc, _ := s.cfg.Repository(p.Repo); rc.Kind == config.KindGitOps {
				statusContext = vcs.ValuesContext
			}
			s.status(ctx, job.ID, repo, p.HeadSHA, statusContext, vcs.StatusError,
				clip(statusWhy, maxStatusDescription-len(retry))+retry)
		}
	}
	msg := what + fmt.Sprintf(" Comment `%s plan` to plan again.", s.cfg.CommandPrefix)
	if job.Kind != store.KindPlan {
		msg += " An apply is never repeated automatically, so check the plan before applying."
	}
	if err := s.reply(ctx, repo, pr, msg); err != nil {
		s.log.Error("could not tell a pull request that its job failed", "job", job.ID, "error", err)
	}
}

// askedByPullRequest reports whether a job of kind k does what a pull
// request is waiting for, so that it must hear when the job fails; a
// notice or a closed pull request's clean-up is nothing it waits for.
func askedByPullRequest(k store.Kind) bool {
	return k == store.KindPlan || k == store.KindCommentCommand || k == store.KindApply
}

// maxStatusDescription is the longest commit status description GitHub
// keeps.
const maxStatusDescription = 140

// releaseOnShutdown puts a job the shutdown stopped back in the queue, so
// the next process runs it; a job of a kind that is not safe to run again
// stays running and is reported at the next start.
func (s *Server) releaseOnShutdown(ctx context.Context, log *slog.Logger, job store.Job) {
	// The server's context has ended; the release gets a few seconds of
	// its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	released, err := s.store.Release(ctx, job.ID, job.Worker)
	switch {
	case errors.Is(err, store.ErrNotRunning):
		log.Info("job stopped by shutdown was already superseded")
	case err != nil:
		log.Error("could not queue the job the shutdown stopped; the next start fails it", "error", err)
	case released:
		log.Info("job stopped by shutdown; queued to run again at the next start")
	default:
		log.Warn("job stopped by shutdown; the next start reports it and does not run it again")
	}
}

// interruptOnShutdown records an apply the shutdown's grace cut short as
// a crash is recorded at the next start (see reportRecovered), but at
// once: its applying units are interrupted, the job fails, and the pull
// request is told.
func (s *Server) interruptOnShutdown(ctx context.Context, log *slog.Logger, job store.Job, cause error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordGrace)
	defer cancel()
	log.Warn("the shutdown's grace ended during an apply; it is interrupted", "grace", s.cfg.Apply.ShutdownGrace, "error", cause)
	// The units first: a failed job is not looked at again at the next
	// start, a running one is.
	known := s.interruptApply(ctx, job)
	if _, err := s.store.Fail(ctx, job.ID, job.Worker, fmt.Errorf("stopped by a shutdown after apply.shutdown_grace (%s): %w", s.cfg.Apply.ShutdownGrace, cause)); err != nil {
		log.Error("could not record the interrupted apply; the next start reports it", "error", err)
		return
	}
	s.reportFailedJob(ctx, job, fmt.Sprintf(
		"csocbot was shut down while it was running a `%s` job for this pull request (job %d), and the apply did not finish within its grace (apply.shutdown_grace, %s), so it was stopped; it does not run it again by itself.%s",
		job.Kind, job.ID, s.cfg.Apply.ShutdownGrace, known), "csocbot stopped while applying")
}

// pullRequestOf parses a job key made by prKey.
func pullRequestOf(key string) (vcs.Repo, int, bool) {
	name, number, ok := strings.Cut(key, "#")
	pr, err := strconv.Atoi(number)
	if !ok || err != nil || pr <= 0 {
		return vcs.Repo{}, 0, false
	}
	repo, err := vcs.ParseRepo(name)
	return repo, pr, err == nil
}

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

// clip shortens s to at most n bytes, at a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
