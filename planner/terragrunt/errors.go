package terragrunt

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Error is an evaluation failure. Each line names file:line:col and says
// what is wrong.
type Error struct {
	Diagnostics hcl.Diagnostics
}

func (e *Error) Error() string {
	var b strings.Builder
	for i, d := range e.Diagnostics {
		if i > 0 {
			b.WriteString("\n")
		}
		if d.Subject != nil {
			fmt.Fprintf(&b, "%s:%d:%d: ", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		b.WriteString(d.Summary)
		if d.Detail != "" {
			b.WriteString(": ")
			b.WriteString(d.Detail)
		}
	}
	return b.String()
}

func diagError(diags hcl.Diagnostics) error {
	diags = limitDiagnostics(diags)
	var errs hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs = append(errs, d)
		}
	}
	return &Error{Diagnostics: errs}
}

// errorAt is an Error at one place.
func errorAt(rng hcl.Range, summary, format string, args ...any) error {
	return &Error{Diagnostics: hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  rng.Ptr(),
	}}}
}
