package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack/slackutilsx"

	"github.com/csocbot/csocbot/notify/slack"
	"github.com/csocbot/csocbot/store"
)

// maxSlashBody bounds a slash command's form: Slack's are a few hundred
// bytes.
const maxSlashBody = 16 << 10

// handleSlashCommand answers /csocbot status|locks|runs from the store.
// Requests are verified with Slack's signing secret before anything else;
// nothing here plans, applies or approves.
func (s *Server) handleSlashCommand(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Slack == nil || s.cfg.Slack.SigningSecret.Reveal() == "" {
		http.Error(w, "slash commands are off: set slack.signing_secret_file or slack.signing_secret_env in csocbot's configuration", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSlashBody))
	if err != nil {
		http.Error(w, "the request body is too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	if err := slack.VerifyRequest(r.Header, body, s.cfg.Slack.SigningSecret.Reveal(), time.Now()); err != nil {
		if ok, suppressed := s.apiRefusals.allow(); ok {
			s.log.Warn("refused a Slack slash command", "why", err, "remote", r.RemoteAddr, "refusals_not_logged", suppressed)
		}
		http.Error(w, "the request is not signed by Slack: "+err.Error(), http.StatusUnauthorized)
		return
	}
	cmd, err := slack.ParseCommand(body)
	var text string
	if err == nil {
		text, err = s.answerSlash(r.Context(), cmd)
		// Unit paths and repository names come from repositories:
		// nothing in them may mention or link.
		text = slackutilsx.EscapeMessage(text)
	}
	if err != nil {
		if !errors.Is(err, slack.ErrUsage) {
			s.log.Warn("could not answer a Slack slash command", "command", cmd.Name, "error", err)
			err = errors.New("csocbot could not read its records; try again, or look at the pull request")
		}
		text = err.Error()
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"response_type": "ephemeral", "text": text})
}

// answerSlash is the reply to one verified command.
func (s *Server) answerSlash(ctx context.Context, cmd slack.Command) (string, error) {
	repo, err := s.slashRepo(cmd.Repo)
	if err != nil {
		return "", err
	}
	switch cmd.Name {
	case slack.StatusCommand:
		return s.slashStatus(ctx, repo, cmd.PR)
	case slack.LocksCommand:
		return s.slashLocks(ctx, repo)
	case slack.RunsCommand:
		return s.slashRuns(ctx, repo, cmd.Failed)
	}
	return "", fmt.Errorf("%w: %s", slack.ErrUsage, slack.Usage)
}

// slashRepo resolves a repository as typed (name or owner/name) to a
// configured one; "" stays "" (every repository), or the only one.
func (s *Server) slashRepo(typed string) (string, error) {
	var matches []string
	for _, r := range s.cfg.Repositories {
		owner, name, _ := strings.Cut(r.Name, "/")
		if typed == "" || strings.EqualFold(typed, r.Name) || !strings.Contains(typed, "/") && strings.EqualFold(typed, name) {
			matches = append(matches, owner+"/"+name)
		}
	}
	switch {
	case typed == "" && len(matches) == 1:
		return matches[0], nil
	case typed == "":
		return "", nil
	case len(matches) == 1:
		return matches[0], nil
	case len(matches) == 0:
		return "", fmt.Errorf("%w: csocbot does not watch a repository %q", slack.ErrUsage, typed)
	}
	return "", fmt.Errorf("%w: %q names several repositories (%s); write owner/name", slack.ErrUsage, typed, strings.Join(matches, ", "))
}

func (s *Server) slashStatus(ctx context.Context, repo string, pr int) (string, error) {
	if repo == "" || pr == 0 {
		return "", fmt.Errorf("%w: name the pull request, like `status 42` or `status owner/repo#42`", slack.ErrUsage)
	}
	runs, err := s.store.LatestRuns(ctx, repo, pr)
	if err != nil {
		return "", err
	}
	if len(runs) == 0 {
		return fmt.Sprintf("csocbot has no runs for %s#%d yet.", repo, pr), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s#%d at `%s`:\n", repo, pr, short(runs[0].HeadSHA))
	for _, r := range runs {
		fmt.Fprintf(&b, "• `%s`: %s (%s ago)\n", r.Unit, strings.ReplaceAll(string(r.State), "_", " "), time.Since(r.UpdatedAt).Round(time.Second))
	}
	locks, err := s.store.Locks(ctx, repo)
	if err != nil {
		return "", err
	}
	if n := countLocks(locks, pr); n > 0 {
		fmt.Fprintf(&b, "It holds %d %s.\n", n, plural(n, "lock"))
	}
	return b.String(), nil
}

func countLocks(locks []store.Lock, pr int) int {
	n := 0
	for _, l := range locks {
		if l.PR == pr {
			n++
		}
	}
	return n
}

func (s *Server) slashLocks(ctx context.Context, repo string) (string, error) {
	locks, err := s.store.Locks(ctx, repo)
	if err != nil {
		return "", err
	}
	if len(locks) == 0 {
		return "No unit is locked.", nil
	}
	var b strings.Builder
	for _, l := range locks {
		where := "`" + l.Unit + "`"
		if l.Workspace != "" {
			where += " (workspace " + l.Workspace + ")"
		}
		fmt.Fprintf(&b, "• %s %s — #%d by %s since %s\n", l.Repo, where, l.PR, l.Holder, l.Acquired.UTC().Format(time.RFC3339))
	}
	return b.String(), nil
}

// slashRunsShown bounds the jobs listed.
const slashRunsShown = 15

func (s *Server) slashRuns(ctx context.Context, repo string, failed bool) (string, error) {
	filter := store.JobFilter{Limit: 200}
	if failed {
		filter.States = []store.JobState{store.JobFailed}
	}
	jobs, err := s.store.ListJobs(ctx, filter)
	if err != nil {
		return "", err
	}
	var lines []string
	for _, j := range jobs {
		r, pr, ok := pullRequestOf(j.Key)
		if !ok || repo != "" && !strings.EqualFold(r.String(), repo) {
			continue
		}
		lines = append(lines, fmt.Sprintf("• job %d: %s of %s#%d, %s (%s)", j.ID, j.Kind, r, pr, j.State, j.UpdatedAt.UTC().Format(time.RFC3339)))
	}
	if len(lines) == 0 {
		return "No runs to show.", nil
	}
	if len(lines) > slashRunsShown {
		lines = append(lines[:slashRunsShown], fmt.Sprintf("… and %d older", len(lines)-slashRunsShown))
	}
	return strings.Join(lines, "\n"), nil
}
