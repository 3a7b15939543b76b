package comment

import (
	"strconv"
	"strings"

	"github.com/csocbot/csocbot/planner/plansummary"
)

// markers start each resource line of the diff. GitHub's diff highlighting
// colours lines by their first character only: "+" green, "-" red, anything
// else plain. So creations read green and deletions red, and replacements
// follow Terraform's "-/+" (destroy first) and "+/-" (create first).
var markers = map[plansummary.Action]string{
	plansummary.ActionCreate:  "+  ",
	plansummary.ActionUpdate:  "~  ",
	plansummary.ActionDelete:  "-  ",
	plansummary.ActionReplace: "-/+",
	plansummary.ActionRead:    "<= ",
	plansummary.ActionImport:  "   ",
	plansummary.ActionMove:    "   ",
	plansummary.ActionForget:  "   ",
}

// planDiff renders a plan as the body of a diff code block: one line per
// resource, followed by its changed values as a red old line and a green
// new line, then the output changes.
func planDiff(s *plansummary.Summary) string {
	var b strings.Builder
	for i := range s.Resources {
		if i > 0 {
			b.WriteString("\n")
		}
		writeResource(&b, &s.Resources[i])
	}
	if len(s.Outputs) > 0 {
		if len(s.Resources) > 0 {
			b.WriteString("\n")
		}
		b.WriteString("Changes to outputs:\n")
		for _, o := range s.Outputs {
			if len(o.Attributes) == 0 {
				writeLine(&b, markers[o.Action]+" "+o.Name)
			}
			writeAttributes(&b, "   ", o.Attributes)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func writeResource(b *strings.Builder, r *plansummary.Resource) {
	marker := markers[r.Action]
	var notes []string
	switch {
	case r.CreateBeforeDestroy:
		marker = "+/-"
		notes = append(notes, "create before destroy")
	case r.Action == plansummary.ActionRead:
		notes = append(notes, "read during apply")
	case r.Action == plansummary.ActionForget:
		notes = append(notes, "removed from state, not destroyed")
	}
	if r.PreviousAddress != "" {
		notes = append(notes, "moved from "+r.PreviousAddress)
	}
	if r.Imported {
		if r.ImportID != "" {
			notes = append(notes, "import id "+strconv.Quote(r.ImportID))
		} else {
			notes = append(notes, "import")
		}
	}
	if r.Reason != "" {
		notes = append(notes, r.Reason)
	}
	line := marker + " " + r.Address
	if len(notes) > 0 {
		line += "  # " + strings.Join(notes, "; ")
	}
	writeLine(b, line)
	if r.Action != plansummary.ActionRead {
		// A data source read has no old value; its new one is mostly
		// unknown until apply, so its values would only be noise.
		writeAttributes(b, "      ", r.Attributes)
	}
}

func writeAttributes(b *strings.Builder, indent string, attrs []plansummary.Attribute) {
	for _, a := range attrs {
		suffix := ""
		if a.ForcesReplacement {
			suffix = "  # forces replacement"
		}
		if a.Before != "" {
			writeLine(b, "-"+indent+a.Path+" = "+a.Before+suffix)
		}
		if a.After != "" {
			writeLine(b, "+"+indent+a.Path+" = "+a.After+suffix)
		}
	}
}

// writeLine writes one diff line. Addresses and IDs come from the plan
// unescaped, so the line is flattened: an embedded newline could otherwise
// forge a line with a misleading "+" or "-".
func writeLine(b *strings.Builder, line string) {
	b.WriteString(oneLine(line))
	b.WriteString("\n")
}
