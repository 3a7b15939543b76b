// Package comment renders the pull-request comment for a csocbot run over
// several units and splits it into parts that fit GitHub's comment size
// limit.
//
// The comment starts with a table so a reviewer sees at a glance which
// units change, fail or were skipped; the plans themselves follow in
// collapsed sections so that a large run does not bury the conversation.
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
}

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
	// The environment column is shown only when the server maps units to
	// environments; an empty column would only take room.
	withEnv := slices.ContainsFunc(r.Units, func(u UnitReport) bool { return u.Environment != "" })
	if withEnv {
		b.WriteString("| Unit | Environment | + | ~ | - | ± | Status |\n")
		b.WriteString("|:-----|:------------|--:|--:|--:|--:|:-------|\n")
	} else {
		b.WriteString("| Unit | + | ~ | - | ± | Status |\n")
		b.WriteString("|:-----|--:|--:|--:|--:|:-------|\n")
	}
	for i := range r.Units {
		writeRow(&b, &r.Units[i], withEnv)
	}
	for i := range r.Units {
		b.WriteString("\n")
		writeUnit(&b, &r.Units[i])
	}
	writeDeleted(&b, r.Deleted)
	return b.String()
}

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

func writeRow(b *strings.Builder, u *UnitReport, withEnv bool) {
	nums := "| | |"
	if s := u.Summary; s != nil && (u.Status == Planned || u.Status == NoChanges) {
		nums = fmt.Sprintf("%d | %d | %d | %d", s.Create, s.Update, s.Delete, s.Replace)
	} else if u.Status == NoChanges {
		nums = "0 | 0 | 0 | 0"
	}
	icon, word := status(u)
	env := ""
	if withEnv {
		env = " " + text(u.Environment) + " |"
	}
	fmt.Fprintf(b, "| %s |%s %s | %s %s |\n", cell(code(u.Path)), env, nums, icon, word)
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
	var parts []string
	for _, c := range []struct {
		n    int
		verb string
	}{
		{s.Import, "import"},
		{s.Create, "add"},
		{s.Update, "change"},
		{s.Replace, "replace"},
		{s.Delete, "destroy"},
		{s.Move, "move"},
		{s.Forget, "forget"},
		{s.Read, "read during apply"},
	} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", c.n, c.verb))
		}
	}
	if len(parts) == 0 {
		return "output changes only"
	}
	return strings.Join(parts, ", ")
}
