package command

import (
	"fmt"
	"strings"
)

// spec documents one command for Usage and error replies.
type spec struct {
	args    string // synopsis after the name
	about   string
	example string // arguments of an example, after the name
}

var specs = map[Name]spec{
	Plan: {
		args:    "[-u UNIT]… [-d DIR]…",
		about:   "Plans the units this pull request affects, or only the units named with `-u`/`--unit` and those under the directories named with `-d`/`--dir`.",
		example: "-u live/prod/vpc -d live/prod",
	},
	Apply: {
		args:    "[-u UNIT]… [-d DIR]…",
		about:   "Applies the plans of this pull request, or only those of the units chosen as for `plan`.",
		example: "-u live/prod/eks",
	},
	Unlock: {
		about: "Releases the locks this pull request holds and discards its plans.",
	},
	ApprovePolicies: {
		args:    "[SET]…",
		about:   "Approves the failing policy sets named, or all of them.",
		example: "cost-limits",
	},
	Help: {
		about: "Shows this help.",
	},
}

// order is the order Usage lists the commands in, and the order suggest
// prefers when two are equally close.
var order = []Name{Plan, Apply, Unlock, ApprovePolicies, Help}

// Usage returns Markdown help for every command, with examples, for replies
// to "help" and to lines that are not commands at all.
func Usage(prefix string) string {
	prefix = strings.TrimPrefix(prefix, "@")
	if prefix == "" {
		prefix = DefaultPrefix
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Write one command per line in a pull request comment:\n\n")
	for _, name := range order {
		b.WriteString(commandUsage(prefix, name))
		b.WriteString("\n")
	}
	b.WriteString("\nPaths are relative to the repository root. Lines in code blocks or quoted with `>` are not commands.\n")
	return b.String()
}

// commandUsage is one command's entry in Usage, a Markdown list item.
func commandUsage(prefix string, name Name) string {
	s := specs[name]
	synopsis := strings.TrimSpace(prefix + " " + string(name) + " " + s.args)
	item := fmt.Sprintf("- %s: %s", code(synopsis), s.about)
	if s.example != "" {
		item += " Example: " + code(prefix+" "+string(name)+" "+s.example)
	}
	return item
}
