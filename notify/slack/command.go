package slack

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Subcommand is what a /csocbot slash command asks for. All are read-only.
type Subcommand string

// Subcommands.
const (
	StatusCommand Subcommand = "status" // status [PR or repo#PR]
	LocksCommand  Subcommand = "locks"  // locks [repo]
	RunsCommand   Subcommand = "runs"   // runs [--failed] [repo]
)

// Usage is the reply to a command csocbot does not know.
const Usage = "Usage: `/csocbot status [PR or repo#PR]`, `/csocbot locks [repo]`, `/csocbot runs [--failed] [repo]`"

// ErrUsage is a slash command that is not one of the subcommands; its
// message ends with Usage, for the reply.
var ErrUsage = errors.New("not a csocbot command")

// Command is a parsed /csocbot slash command.
type Command struct {
	Text      string // as typed after the command
	UserID    string
	UserName  string
	ChannelID string

	Name   Subcommand
	Repo   string // "owner/name" or "name"; "" any
	PR     int    // status only; 0 none
	Failed bool   // runs --failed
}

// repoName is a repository as typed: name or owner/name.
var repoName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}(/[A-Za-z0-9_.-]{1,100})?$`)

// ParseCommand parses a slash command's application/x-www-form-urlencoded
// body (verify it first with VerifyRequest).
func ParseCommand(body []byte) (Command, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return Command{}, fmt.Errorf("the slash command's body is not a form: %w", err)
	}
	c := Command{Text: form.Get("text"), UserID: form.Get("user_id"), UserName: form.Get("user_name"), ChannelID: form.Get("channel_id")}
	args := strings.Fields(c.Text)
	if len(args) == 0 {
		return c, usage("no subcommand")
	}
	c.Name, args = Subcommand(strings.ToLower(args[0])), args[1:]
	switch c.Name {
	case StatusCommand:
		if len(args) > 1 {
			return c, usage("status takes one pull request")
		}
		if len(args) == 1 {
			c.Repo, c.PR, err = parsePR(args[0])
		}
	case LocksCommand:
		if len(args) > 1 {
			return c, usage("locks takes one repository")
		}
		if len(args) == 1 {
			c.Repo, err = parseRepo(args[0])
		}
	case RunsCommand:
		for _, a := range args {
			switch {
			case a == "--failed":
				c.Failed = true
			case strings.HasPrefix(a, "-"):
				err = usage("unknown option " + quote(a))
			case c.Repo != "":
				err = usage("runs takes one repository")
			default:
				c.Repo, err = parseRepo(a)
			}
			if err != nil {
				break
			}
		}
	default:
		return c, usage("unknown subcommand " + quote(string(c.Name)))
	}
	return c, err
}

// parsePR parses "12", "#12" or "repo#12".
func parsePR(s string) (string, int, error) {
	repo, num, found := strings.Cut(s, "#")
	if !found {
		repo, num = "", s
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 || n > 1e9 {
		return "", 0, usage(quote(s) + " is not a pull request number or repo#number")
	}
	if repo == "" {
		return "", n, nil
	}
	repo, err = parseRepo(repo)
	return repo, n, err
}

func parseRepo(s string) (string, error) {
	if !repoName.MatchString(s) {
		return "", usage(quote(s) + " is not a repository name")
	}
	return s, nil
}

func usage(why string) error { return fmt.Errorf("%w: %s. %s", ErrUsage, why, Usage) }

// quote shows typed text back, escaped so the reply stays plain text.
func quote(s string) string {
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return "`" + escape(s) + "`"
}
