// Package comment renders the pull-request comment for a csocbot run over
// several units and splits it into parts that fit GitHub's comment size
// limit.
//
// The comment starts with the run's plan line and a table so a reviewer
// sees at a glance what changes and which units fail or were skipped; the
// plans themselves follow in collapsed sections so that a large run does
// not bury the conversation, and the comment ends with the commands a
// reader can comment next.
package comment

import (
	"fmt"
	"slices"
	"strings"

	"github.com/csocbot/csocbot/planner/plansummary"
)

// Report is everything one comment shows.
type Report struct {
	// Title is Markdown written by csocbot, such as
	// "csocbot plan for `abc1234`". It is shown as a heading and is not
	// escaped, so it must not contain text from the pull request.
	Title string
	Units []UnitReport
	// Deleted are units the change removes from the repository; they are
	// listed, never planned (csocbot does not destroy them).
	Deleted []string
	// PolicyNotes are Markdown paragraphs written by csocbot that follow
	// the units, such as which policy sets fail and who may override them.
	// They are not escaped, so they must not contain text from the pull
	// request.
	PolicyNotes []string
	// Unconfined says terraform ran without the sandbox (sandbox.mode:
	// off), which every reader of the comment should know. Nothing is
	// said when no unit ran.
	Unconfined bool
	// CommandPrefix starts the comment commands the footer suggests;
	// "" means "csocbot", the server's default.
	CommandPrefix string
}

// Status is the outcome of planning one unit.
type Status int

const (
	// Planned units have a plan; a plan without changes is shown as
	// NoChanges.
	Planned Status = iota
	NoChanges
	Failed
	// Skipped units were not planned, typically because a dependency failed.
	Skipped
	// Blocked units were not planned because a policy checked before the
	// plan denied them.
	Blocked
)

// UnitReport is the outcome of planning one Terragrunt unit.
type UnitReport struct {
	Path        string
	Environment string
	Status      Status
	// Summary is the plan of a Planned unit.
	Summary *plansummary.Summary
	// FailedCommand and ErrorTail describe a Failed unit: the command line
	// that failed and the end of its error output. The caller bounds
	// ErrorTail, since only it knows how much of the output matters.
	FailedCommand string
	ErrorTail     string
	// SkipReason says why a Skipped unit was not planned.
	SkipReason string
	// Reasons says why the unit was selected for planning, such as the
	// files that changed.
	Reasons []string
	// Policy holds the unit's policy results; nil when no policy set
	// applies to the unit, empty when every set passed.
	Policy []PolicyResult
	// Warnings are what the reviewer should know about the unit, such as
	// syntax the site's Terragrunt release rejects. They may quote the
	// pull request (file names) and are escaped.
	Warnings []string
	// Mocked are the dependencies whose mock outputs the plan used in
	// place of real state, so that some of its values are placeholders.
	Mocked []MockedOutputs
}

// MockedOutputs are outputs of a dependency that has no state for them
// yet: the plan used the dependency's mock outputs instead.
type MockedOutputs struct {
	Dependency string   // the dependency's unit path
	Outputs    []string // the mocked output names
}

// PolicyResult is one message of a policy rule about a unit.
type PolicyResult struct {
	Set, Rule string
	// Kind is "deny", "warn" or "error" (the set could not be evaluated).
	Kind    string
	Message string
	// Overridden says the set's owners approved the pull request despite
	// its failures.
	Overridden bool
}

func (r PolicyResult) blocking() bool { return r.Kind != "warn" }

// noChanges reports whether the unit is shown as having nothing to do.
func (u *UnitReport) noChanges() bool {
	return u.Status == NoChanges || (u.Status == Planned && u.Summary != nil && u.Summary.NoChanges())
}

// Render returns the comment as GitHub-flavoured Markdown. Pass the result
// to Split before posting it.
func Render(r Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n", oneLine(r.Title))
	if len(r.Units) == 0 {
		b.WriteString("No units were selected for planning.\n")
		writeDeleted(&b, r.Deleted)
		return b.String()
	}
	writeTotals(&b, r.Units)
	// The environment column is shown only when the server maps units to
	// environments; an empty column would only take room.
	cols := columns{
		env:    slices.ContainsFunc(r.Units, func(u UnitReport) bool { return u.Environment != "" }),
		policy: slices.ContainsFunc(r.Units, func(u UnitReport) bool { return u.Policy != nil }),
	}
	head, align := "| Unit |", "|:-----|"
	if cols.env {
		head, align = head+" Environment |", align+":------------|"
	}
	head, align = head+" + | ~ | - | ± | Status |", align+"--:|--:|--:|--:|:-------|"
	if cols.policy {
		head, align = head+" Policy |", align+":-------|"
	}
	b.WriteString(head + "\n" + align + "\n")
	for i := range r.Units {
		writeRow(&b, &r.Units[i], cols)
	}
	writeLegend(&b, r.Units)
	for i := range r.Units {
		b.WriteString("\n")
		writeUnit(&b, &r.Units[i])
		writeMocked(&b, r.Units[i].Mocked)
		writePolicy(&b, r.Units[i].Policy)
		writeWarnings(&b, r.Units[i].Warnings)
	}
	writeDeleted(&b, r.Deleted)
	for _, n := range r.PolicyNotes {
		b.WriteString("\n" + strings.TrimRight(n, "\n") + "\n")
	}
	writeUnconfined(&b, r.Unconfined)
	writeNextSteps(&b, r.CommandPrefix)
	return b.String()
}

// writeTotals writes the plan line of the whole run, which reviewers look
// for first, and which units it leaves out for want of a plan.
func writeTotals(b *strings.Builder, units []UnitReport) {
	var total plansummary.Summary
	planned := 0
	var left []string
	leftOut := map[string]int{}
	for i := range units {
		u := &units[i]
		if s := u.Summary; s != nil && (u.Status == Planned || u.Status == NoChanges) {
			total.Create += s.Create
			total.Update += s.Update
			total.Delete += s.Delete
			total.Replace += s.Replace
			total.Import += s.Import
			total.Move += s.Move
			total.Forget += s.Forget
			total.Read += s.Read
		}
		if u.Status == NoChanges || u.Status == Planned && u.Summary != nil {
			planned++
			continue
		}
		word := "without a plan summary"
		if u.Status != Planned {
			_, word = status(u)
		}
		if leftOut[word] == 0 {
			left = append(left, word)
		}
		leftOut[word]++
	}
	fmt.Fprintf(b, "**Plan: %s** across %d %s.", planLine(&total), planned, plural(planned, "unit"))
	for i, word := range left {
		left[i] = fmt.Sprintf("%d %s", leftOut[word], word)
	}
	if len(left) > 0 {
		fmt.Fprintf(b, " Not counted: %s.", strings.Join(left, ", "))
	}
	b.WriteString("\n\n")
}

// writeLegend explains the table's symbols, which are Terraform's but
// not obvious: ± in particular is not one of Terraform's plan markers.
func writeLegend(b *strings.Builder, units []UnitReport) {
	b.WriteString("\n<sub>`+` to add · `~` to change in place · `-` to destroy · `±` to replace (destroy and re-create; not counted under `+` or `-`)")
	if slices.ContainsFunc(units, func(u UnitReport) bool { return len(u.Mocked) > 0 }) {
		b.WriteString(" · 🎭 the plan uses mock outputs of a dependency")
	}
	b.WriteString("</sub>\n")
}

// writeMocked says which of a unit's values are a dependency's mock
// outputs: a plan built on placeholders can look right and be wrong.
func writeMocked(b *strings.Builder, mocked []MockedOutputs) {
	for _, m := range mocked {
		names := make([]string, len(m.Outputs))
		for i, o := range m.Outputs {
			names[i] = code(o)
		}
		dep := code(m.Dependency)
		fmt.Fprintf(b, "\n🎭 **Mock values** from %s (%s): its state has no value for them yet, so the plan used its mock outputs; the real values are known only after %s is applied.\n",
			dep, strings.Join(names, ", "), dep)
	}
}

// nextSteps are the comment commands the footer suggests, after the
// prefix. Commands join the list as they are enabled.
var nextSteps = []struct{ command, does string }{
	{"plan -u UNIT", "to plan one unit again"},
	{"plan -d DIR", "to plan the units under a folder"},
	{"plan", "to plan every affected unit again"},
	{"help", "for every command"},
}

// writeNextSteps ends the comment with what the reader can do about it.
func writeNextSteps(b *strings.Builder, prefix string) {
	if prefix == "" {
		prefix = "csocbot"
	}
	b.WriteString("\n---\n\n**Next steps** (comment on this pull request):\n")
	for _, s := range nextSteps {
		fmt.Fprintf(b, "- %s %s\n", code(prefix+" "+s.command), s.does)
	}
}

// writeUnconfined warns that the plans ran outside the sandbox.
func writeUnconfined(b *strings.Builder, unconfined bool) {
	if unconfined {
		b.WriteString("\n> ⚠️ These plans ran **unconfined** (`sandbox.mode: off`): the pull request's code could read this bot's secrets and other runs' files.\n")
	}
}

// columns are the optional columns of the summary table, shown only when
// some unit has a value for them: an empty column would only take room.
type columns struct{ env, policy bool }

// writeDeleted lists the units the change removes.
func writeDeleted(b *strings.Builder, deleted []string) {
	if len(deleted) == 0 {
		return
	}
	b.WriteString("\n**Removed from the repository** (not planned: csocbot does not destroy removed units; destroy them before deleting their configuration):\n\n")
	for _, d := range deleted {
		fmt.Fprintf(b, "- %s\n", code(d))
	}
}

func writeRow(b *strings.Builder, u *UnitReport, cols columns) {
	nums := "| | |"
	if s := u.Summary; s != nil && (u.Status == Planned || u.Status == NoChanges) {
		nums = fmt.Sprintf("%d | %d | %d | %d", s.Create, s.Update, s.Delete, s.Replace)
	} else if u.Status == NoChanges {
		nums = "0 | 0 | 0 | 0"
	}
	icon, word := status(u)
	if len(u.Mocked) > 0 {
		word += " 🎭"
	}
	env, pol := "", ""
	if cols.env {
		env = " " + text(u.Environment) + " |"
	}
	if cols.policy {
		pol = " " + policyCell(u.Policy) + " |"
	}
	fmt.Fprintf(b, "| %s |%s %s | %s %s |%s\n", cell(code(u.Path)), env, nums, icon, word, pol)
}

// policyCell sums up a unit's policy results for the summary table.
func policyCell(results []PolicyResult) string {
	if results == nil {
		return ""
	}
	var failed, overridden, warned int
	for _, r := range results {
		switch {
		case r.blocking() && r.Overridden:
			overridden++
		case r.blocking():
			failed++
		default:
			warned++
		}
	}
	var parts []string
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("❌ %d failed", failed))
	}
	if overridden > 0 {
		parts = append(parts, fmt.Sprintf("☑️ %d overridden", overridden))
	}
	if warned > 0 {
		parts = append(parts, fmt.Sprintf("⚠️ %d %s", warned, plural(warned, "warning")))
	}
	if len(parts) == 0 {
		return "✅ passed"
	}
	return strings.Join(parts, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// writePolicy lists a unit's policy results outside its collapsed plan:
// they are what reviewers and approvers act on.
func writePolicy(b *strings.Builder, results []PolicyResult) {
	if len(results) == 0 {
		return
	}
	b.WriteString("\n| Policy set | Rule | Result | Message |\n|:--|:--|:--|:--|\n")
	for _, r := range results {
		result := "⚠️ warning"
		switch {
		case r.blocking() && r.Overridden:
			result = "☑️ " + r.Kind + ", overridden"
		case r.Kind == "error":
			result = "❌ error"
		case r.blocking():
			result = "❌ denied"
		}
		rule := "—"
		if r.Rule != "" {
			rule = cell(code(r.Rule))
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", cell(code(r.Set)), rule, result, text(r.Message))
	}
}

// status is the icon and short word that show a unit's outcome.
func status(u *UnitReport) (icon, word string) {
	switch {
	case u.noChanges():
		return "✅", "no changes"
	case u.Status == Planned:
		return "📝", "changes"
	case u.Status == Failed:
		return "❌", "failed"
	case u.Status == Skipped:
		return "⏭️", "skipped"
	case u.Status == Blocked:
		return "🚫", "blocked by policy"
	}
	return "❔", "unknown"
}

func writeUnit(b *strings.Builder, u *UnitReport) {
	icon, word := status(u)
	name := code(u.Path)
	heading := icon + " <code>" + htmlText(u.Path) + "</code>"
	if u.Environment != "" {
		name += " (" + text(u.Environment) + ")"
		heading += " (" + htmlText(u.Environment) + ")"
	}
	switch {
	case u.noChanges():
		fmt.Fprintf(b, "%s %s: no changes.\n", icon, name)
	case u.Status == Skipped:
		fmt.Fprintf(b, "%s %s skipped: %s.\n", icon, name, text(u.SkipReason))
	case u.Status == Blocked:
		fmt.Fprintf(b, "%s %s was not planned: a policy checked before the plan denies it, so terraform did not run any of its code.\n", icon, name)
	case u.Status == Failed:
		// Failures stay open: they are what the reviewer must act on.
		fmt.Fprintf(b, "<details open><summary>%s: failed</summary>\n\n", heading)
		writeReasons(b, u.Reasons)
		if u.FailedCommand != "" {
			fmt.Fprintf(b, "Command: %s\n\n", code(u.FailedCommand))
		}
		if tail := plainOutput(u.ErrorTail); tail != "" {
			b.WriteString(fenced("", tail) + "\n")
		}
		b.WriteString("</details>\n")
	case u.Status == Planned && u.Summary != nil:
		fmt.Fprintf(b, "<details><summary>%s: %s</summary>\n\n", heading, counts(u.Summary))
		writeReasons(b, u.Reasons)
		b.WriteString(fenced("diff", planDiff(u.Summary)) + "\n")
		b.WriteString("</details>\n")
	default:
		fmt.Fprintf(b, "%s %s: %s, but no plan summary is available.\n", icon, name, word)
	}
}

func writeWarnings(b *strings.Builder, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(b, "\n⚠️ %s\n", text(w))
	}
}

func writeReasons(b *strings.Builder, reasons []string) {
	if len(reasons) == 0 {
		return
	}
	escaped := make([]string, len(reasons))
	for i, r := range reasons {
		escaped[i] = text(r)
	}
	fmt.Fprintf(b, "Selected because: %s.\n\n", strings.Join(escaped, "; "))
}

// counts phrases the summary's counts like Terraform's plan line, leaving
// out zeros.
func counts(s *plansummary.Summary) string {
	if c := phrase(s, false); c != "" {
		return c
	}
	return "output changes only"
}

// planLine phrases the counts like Terraform's "Plan:" line, which always
// shows what is added, changed and destroyed, zeros included.
func planLine(s *plansummary.Summary) string { return phrase(s, true) }

func phrase(s *plansummary.Summary, withZeros bool) string {
	var parts []string
	for _, c := range []struct {
		n      int
		verb   string
		always bool
	}{
		{s.Import, "import", false},
		{s.Create, "add", true},
		{s.Update, "change", true},
		{s.Replace, "replace", false},
		{s.Delete, "destroy", true},
		{s.Move, "move", false},
		{s.Forget, "forget", false},
		{s.Read, "read during apply", false},
	} {
		if c.n > 0 || withZeros && c.always {
			parts = append(parts, fmt.Sprintf("%d to %s", c.n, c.verb))
		}
	}
	return strings.Join(parts, ", ")
}
