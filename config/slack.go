package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Slack configures the notifications csocbot posts to Slack, one thread
// per pull request per channel, and its read-only slash commands.
type Slack struct {
	// Token is the bot token (xoxb-…) messages are posted with.
	Token Secret
	// SigningSecret verifies slash command requests; zero when not set,
	// which turns the slash commands off.
	SigningSecret Secret
	// APIURL is Slack's Web API URL with a trailing slash.
	APIURL string
	// DefaultChannel gets every event whose kind DefaultEvents lists: a
	// channel name "#name" or a channel id.
	DefaultChannel string
	// DefaultEvents are the event kinds (see SlackEvents) DefaultChannel
	// gets; empty means all of them.
	DefaultEvents []string
	// OncallGroup is the Slack user group (an id, S…) mentioned when a
	// prod apply fails; "" for none.
	OncallGroup string
	// Routes send events to more channels; see Channels.
	Routes []SlackRoute
}

// SlackRoute adds a channel for the events that match it. Empty lists
// match everything.
type SlackRoute struct {
	Channel string
	// Repositories (owner/name) and Environments (environments[].name)
	// the events must be about.
	Repositories []string
	Environments []string
	// Events are the kinds the route takes, all when empty; Disable the
	// kinds it does not.
	Events  []string
	Disable []string
}

// SlackEvents are the kinds of Slack event, as notify/slack names them.
var SlackEvents = []string{
	"plan_ready", "plan_failed", "policy_denied", "override", "lock_conflict",
	"apply_started", "apply_finished", "interrupted", "values_changed", "synced",
	"merged", "closed",
}

// Channels returns the channels an event of kind about repo (owner/name)
// and environment goes to, each once: DefaultChannel first unless
// DefaultEvents leaves kind out, then the channel of every route that
// matches, in the order of the routes. A route matches when it lists repo
// (or no repository), environment (or no environment) and kind (or no
// event), and does not disable kind. An event about no environment
// (environment "": the pull request as a whole, such as merged, or units
// outside every environment) matches only routes that list no environment,
// so that an environment's channel hears of that environment alone.
func (s *Slack) Channels(repo, environment, kind string) []string {
	var out []string
	if len(s.DefaultEvents) == 0 || slices.Contains(s.DefaultEvents, kind) {
		out = append(out, s.DefaultChannel)
	}
	for _, r := range s.Routes {
		if r.matches(repo, environment, kind) && !slices.Contains(out, r.Channel) {
			out = append(out, r.Channel)
		}
	}
	return out
}

func (r SlackRoute) matches(repo, environment, kind string) bool {
	return (len(r.Repositories) == 0 || slices.ContainsFunc(r.Repositories, func(name string) bool { return strings.EqualFold(name, repo) })) &&
		(len(r.Environments) == 0 || slices.Contains(r.Environments, environment)) &&
		(len(r.Events) == 0 || slices.Contains(r.Events, kind)) &&
		!slices.Contains(r.Disable, kind)
}

type rawSlack struct {
	position
	TokenFile         scalar[string]       `yaml:"token_file"`
	TokenEnv          scalar[string]       `yaml:"token_env"`
	SigningSecretFile scalar[string]       `yaml:"signing_secret_file"`
	SigningSecretEnv  scalar[string]       `yaml:"signing_secret_env"`
	APIURL            scalar[string]       `yaml:"api_url"`
	DefaultChannel    scalar[string]       `yaml:"default_channel"`
	DefaultEvents     list[scalar[string]] `yaml:"default_events"`
	OncallGroup       scalar[string]       `yaml:"oncall_group"`
	Routes            list[rawSlackRoute]  `yaml:"routes"`
}

type rawSlackRoute struct {
	position
	Channel      scalar[string]       `yaml:"channel"`
	Repositories list[scalar[string]] `yaml:"repositories"`
	Environments list[scalar[string]] `yaml:"environments"`
	Events       list[scalar[string]] `yaml:"events"`
	Disable      list[scalar[string]] `yaml:"disable"`
}

const defaultSlackAPIURL = "https://slack.com/api/"

var (
	// Slack channel names are lower case, up to 80 letters, digits, -
	// and _; ids are upper case: C… for channels, G… for older private
	// ones.
	slackChannelNameRE = regexp.MustCompile(`^#[\p{Ll}\p{Lo}\p{Nd}_-]{1,80}$`)
	slackChannelIDRE   = regexp.MustCompile(`^[CG][A-Z0-9]{8,20}$`)
	slackGroupIDRE     = regexp.MustCompile(`^S[A-Z0-9]{8,20}$`)
)

// slack validates the slack section; nil when it is absent, which turns
// Slack off.
func (v *validator) slack(r rawSlack, repos []Repository, envs []Environment) *Slack {
	if r.Line == 0 {
		return nil
	}
	s := &Slack{APIURL: defaultSlackAPIURL}
	token, ok := v.secret("slack.token", scalar[string]{}, r.TokenFile, r.TokenEnv)
	switch {
	case !ok:
		v.errs.add(r.Line, "slack", "set token_file, the path of a file holding the Slack bot token (xoxb-…), or token_env, the name of an environment variable holding it; or remove slack to turn Slack off")
	case token.Reveal() == "": // the problem is reported
	case !strings.HasPrefix(token.Reveal(), "xox"):
		key, line := "slack.token_file", r.TokenFile.Line
		if r.TokenEnv.present() {
			key, line = "slack.token_env", r.TokenEnv.Line
		}
		// Never the value: it may be another secret, put here by mistake.
		v.errs.add(line, key, "does not hold a Slack token (they start with xoxb-); give the bot token from the Slack app's OAuth & Permissions page, not its signing secret")
	default:
		s.Token = token
	}
	s.SigningSecret, _ = v.secret("slack.signing_secret", scalar[string]{}, r.SigningSecretFile, r.SigningSecretEnv)
	if u := v.httpsURL(r.APIURL, "slack.api_url", defaultSlackAPIURL); u != "" {
		s.APIURL = strings.TrimSuffix(u, "/") + "/"
	}
	if !r.DefaultChannel.present() {
		v.errs.add(r.Line, "slack.default_channel", `required: the channel that gets every event, a name like "#csoc-notifications" (quoted: in YAML an unquoted # starts a comment) or a channel id like C0123ABCD`)
	}
	s.DefaultChannel = v.slackChannel(r.DefaultChannel, "slack.default_channel")
	s.DefaultEvents = v.slackEvents(r.DefaultEvents, "slack.default_events", nil)
	if r.OncallGroup.ok() {
		if !slackGroupIDRE.MatchString(r.OncallGroup.Value) {
			v.errs.add(r.OncallGroup.Line, "slack.oncall_group", "expected the id of a Slack user group, like S0123ABCD (the group's page shows it; a @handle cannot be mentioned by a bot); got %q", r.OncallGroup.Value)
		}
		s.OncallGroup = r.OncallGroup.Value
	}
	for i, rr := range r.Routes.Items {
		if rr.Line == 0 {
			continue // not a mapping, reported
		}
		key := fmt.Sprintf("slack.routes[%d]", i)
		if !rr.Channel.present() {
			v.errs.add(rr.Line, key+".channel", `required: the channel the route adds, a name like "#csoc-prod" (quoted) or a channel id like C0123ABCD`)
		}
		route := SlackRoute{
			Channel:      v.slackChannel(rr.Channel, key+".channel"),
			Repositories: v.repositoryRefs(rr.Repositories, key, repos),
			Events:       v.slackEvents(rr.Events, key+".events", nil),
		}
		route.Disable = v.slackEvents(rr.Disable, key+".disable", route.Events)
		for j, env := range rr.Environments.Items {
			if !env.ok() {
				continue
			}
			if !slices.ContainsFunc(envs, func(e Environment) bool { return e.Name == env.Value }) {
				v.errs.add(env.Line, fmt.Sprintf("%s.environments[%d]", key, j), "%q is not an environment defined under environments", env.Value)
			}
			route.Environments = append(route.Environments, env.Value)
		}
		s.Routes = append(s.Routes, route)
	}
	return s
}

// slackChannel checks a channel name or id.
func (v *validator) slackChannel(s scalar[string], key string) string {
	if !s.ok() {
		return ""
	}
	c := s.Value
	switch {
	case slackChannelNameRE.MatchString(c) || slackChannelIDRE.MatchString(c):
	case slackChannelNameRE.MatchString("#" + c):
		v.errs.add(s.Line, key, `expected a channel name starting with #, quoted: "#%s" (in YAML an unquoted # starts a comment), or a channel id like C0123ABCD; got %q`, c, c)
	case slackChannelNameRE.MatchString(strings.ToLower(c)):
		v.errs.add(s.Line, key, "Slack channel names are lower case: %s; got %q", strings.ToLower(c), c)
	default:
		v.errs.add(s.Line, key, `expected a channel name like "#csoc-prod" (lower case letters, digits, - and _; quoted) or a channel id like C0123ABCD; got %q`, c)
	}
	return c
}

// slackEvents checks a list of event kinds and drops repeats; events are
// the kinds of a route's events list, which its disable list must not
// repeat (nil for the other lists).
func (v *validator) slackEvents(l list[scalar[string]], key string, events []string) []string {
	var out []string
	for j, kind := range l.Items {
		switch {
		case !kind.ok():
		case !slices.Contains(SlackEvents, kind.Value):
			v.errs.add(kind.Line, fmt.Sprintf("%s[%d]", key, j), "unknown event %q; expected one of %s", kind.Value, strings.Join(SlackEvents, ", "))
		case slices.Contains(events, kind.Value):
			v.errs.add(kind.Line, fmt.Sprintf("%s[%d]", key, j), "%s is listed under events too; keep it in one of the two", kind.Value)
		case !slices.Contains(out, kind.Value):
			out = append(out, kind.Value)
		}
	}
	return out
}
