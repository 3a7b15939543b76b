package slack

import (
	"fmt"
	"regexp"
	"strings"

	goslack "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"
)

// Message is a Slack message: Block Kit blocks and the plain fallback text
// notifications show.
type Message struct {
	Text   string
	Blocks []goslack.Block
}

// Slack's limits on one block's text.
const (
	maxHeader  = 150
	maxSection = 3000
	maxUnits   = 25 // unit lines in one reply; the rest are counted
)

var stateLabels = map[PRState]string{
	StatePlanning:     ":hourglass_flowing_sand: Planning",
	StatePlanReady:    ":clipboard: Plan ready",
	StatePolicyFailed: ":no_entry: Policy failed",
	StateApproved:     ":white_check_mark: Approved",
	StateApplying:     ":rocket: Applying",
	StateApplied:      ":large_green_circle: Applied",
	StateApplyFailed:  ":red_circle: Apply failed",
	StateMerged:       ":twisted_rightwards_arrows: Merged",
	StateClosed:       ":no_entry_sign: Closed",
}

var kindLabels = map[EventKind]string{
	PlanReady:     "Plan ready",
	PlanFailed:    "Plan failed",
	PolicyDenied:  "Policy denied",
	Override:      "Policy overridden",
	LockConflict:  "Lock conflict",
	ApplyStarted:  "Apply started",
	ApplyFinished: "Apply succeeded",
	Interrupted:   "Run interrupted",
	ValuesChanged: "Values changed",
	Synced:        "Argo CD will sync",
	Merged:        "Merged",
	Closed:        "Closed",
}

// Parent is the pull request's thread parent: title, repository, author,
// link and state with the change totals.
func Parent(e Event) Message {
	title := e.Title
	if title == "" {
		title = "(no title)"
	}
	state := stateLabel(e.State)
	head := fmt.Sprintf("*%s* %s", link(e.PRURL, prName(e)), escape(title))
	var ctx []string
	if e.Author != "" {
		ctx = append(ctx, "by "+escape(e.Author))
	}
	ctx = append(ctx, "*"+state+"*")
	if len(e.Units) > 0 {
		ctx = append(ctx, totals(e.Units))
	}
	return Message{
		Text: escape(fmt.Sprintf("%s: %s (%s)", prName(e), title, plainState(e.State))),
		Blocks: []goslack.Block{
			sectionBlock(head),
			contextBlock(strings.Join(ctx, " · ")),
		},
	}
}

// Reply is the threaded message one event posts: what happened, the
// units, who acted with which role, the output tail of a failure, links
// to the pull request, run and commit, and the on-call mention when a
// prod apply failed.
func Reply(e Event) Message {
	label := kindLabel(e)
	if e.Environment != "" {
		label += " in " + e.Environment
	}
	var body []string
	if e.Summary != "" {
		body = append(body, escape(e.Summary))
	}
	if e.Actor != "" {
		body = append(body, "By *"+escape(e.Actor)+"*")
	}
	if e.RoleARN != "" && (e.Kind == ApplyStarted || e.Kind == ApplyFinished || e.Kind == Interrupted) {
		body = append(body, "Role `"+escape(e.RoleARN)+"`")
	}
	mention := mentionOf(e)
	if mention != "" {
		body = append([]string{mention + " prod apply failed"}, body...)
	}
	blocks := []goslack.Block{goslack.NewHeaderBlock(goslack.NewTextBlockObject(goslack.PlainTextType, truncate(label, maxHeader), true, false))}
	if len(body) > 0 {
		blocks = append(blocks, sectionBlock(strings.Join(body, "\n")))
	}
	if len(e.Units) > 0 {
		blocks = append(blocks, sectionBlock(unitLines(e.Units)))
	}
	if e.Failed && e.Details != "" {
		blocks = append(blocks, sectionBlock(codeBlock(e.Details)))
	}
	blocks = append(blocks, contextBlock(strings.Join(links(e), " · ")))

	text := fmt.Sprintf("%s #%d: %s", e.Repo, e.PR, label)
	if e.Summary != "" {
		text += ": " + e.Summary
	}
	text = escape(text)
	if mention != "" {
		text = mention + " " + text
	}
	return Message{Text: text, Blocks: blocks}
}

func kindLabel(e Event) string {
	if e.Kind == ApplyFinished && e.Failed {
		return "Apply failed"
	}
	if l, ok := kindLabels[e.Kind]; ok {
		return l
	}
	return string(e.Kind)
}

func stateLabel(s PRState) string {
	if l, ok := stateLabels[s]; ok {
		return l
	}
	return escape(string(s))
}

// plainState is the state's label without its emoji, for notifications.
func plainState(s PRState) string {
	_, l, _ := strings.Cut(stateLabel(s), ": ")
	if l == "" {
		return string(s)
	}
	return l
}

func prName(e Event) string { return fmt.Sprintf("%s #%d", e.Repo, e.PR) }

// subteamID is a Slack user group id; anything else is not mentioned,
// so a bad configuration cannot inject markup.
var subteamID = regexp.MustCompile(`^S[A-Z0-9]{2,20}$`)

func mentionOf(e Event) string {
	if !e.Prod || !e.Failed || !subteamID.MatchString(e.Mention) {
		return ""
	}
	if e.Kind != ApplyFinished && e.Kind != Interrupted {
		return ""
	}
	return "<!subteam^" + e.Mention + ">"
}

func links(e Event) []string {
	out := []string{link(e.PRURL, "pull request")}
	if e.RunURL != "" {
		out = append(out, link(e.RunURL, "run"))
	}
	if e.HeadSHA != "" {
		out = append(out, link(e.CommitURL, "commit "+short(e.HeadSHA)))
	}
	if e.Environment != "" {
		env := "environment " + escape(e.Environment)
		if e.Prod {
			env += " (prod)"
		}
		out = append(out, env)
	}
	return out
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

func unitLines(units []Unit) string {
	var b strings.Builder
	for i, u := range units {
		if i == maxUnits {
			fmt.Fprintf(&b, "… and %d more\n", len(units)-maxUnits)
			break
		}
		fmt.Fprintf(&b, "• `%s`", escape(u.Path))
		if u.Environment != "" {
			fmt.Fprintf(&b, " (%s)", escape(u.Environment))
		}
		if u.Result != "" {
			fmt.Fprintf(&b, " %s", escape(u.Result))
		}
		fmt.Fprintf(&b, ": +%d ~%d -%d ±%d\n", u.Create, u.Update, u.Delete, u.Replace)
	}
	b.WriteString("*Total* " + totals(units))
	return truncate(b.String(), maxSection)
}

func totals(units []Unit) string {
	var c, u, d, r int
	for _, x := range units {
		c, u, d, r = c+x.Create, u+x.Update, d+x.Delete, r+x.Replace
	}
	return fmt.Sprintf("+%d ~%d -%d ±%d", c, u, d, r)
}

// codeBlock keeps the end of the output, where the error is. A fence in
// the output is broken so the output cannot leave the block.
func codeBlock(s string) string {
	s = strings.ReplaceAll(escape(s), "```", "``\u200b`")
	const fences = len("```\n\n```")
	if r := []rune(s); len(r) > maxSection-fences-1 {
		s = "…" + string(r[len(r)-(maxSection-fences-1):])
	}
	return "```\n" + s + "\n```"
}

// escape keeps user text from being Slack markup: a title cannot mention
// @channel or forge a link.
func escape(s string) string { return slackutilsx.EscapeMessage(s) }

// link is a Slack link to an http(s) url, or the label alone.
func link(url, label string) string {
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return escape(label)
	}
	url = strings.ReplaceAll(escape(url), "|", "%7C")
	return "<" + url + "|" + escape(label) + ">"
}

func sectionBlock(text string) goslack.Block {
	return goslack.NewSectionBlock(mrkdwn(truncate(text, maxSection)), nil, nil)
}

func contextBlock(text string) goslack.Block {
	return goslack.NewContextBlock("", mrkdwn(truncate(text, maxSection)))
}

// mrkdwn is verbatim so Slack does not turn plain words into mentions or
// links on its own.
func mrkdwn(text string) *goslack.TextBlockObject {
	return goslack.NewTextBlockObject(goslack.MarkdownType, text, false, true)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
