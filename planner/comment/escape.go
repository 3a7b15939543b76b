package comment

import (
	"html"
	"regexp"
	"strings"
)

// Everything a pull request author controls (unit paths, resource names,
// values, error output) goes through one of these helpers before it is
// placed in the comment, so that it cannot end a code block or a <details>
// element early, inject HTML or Markdown, or forge table cells.

// oneLine flattens s to a single line without control characters, so that
// it cannot start a new Markdown block.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// markdownSpecial holds the ASCII punctuation that can start Markdown or
// HTML syntax inside a line of text.
const markdownSpecial = "\\`*_[]<>&|~#!"

// text escapes s for use as plain text in a Markdown paragraph, list item
// or table cell.
func text(s string) string {
	var b strings.Builder
	for _, r := range oneLine(s) {
		if strings.ContainsRune(markdownSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// htmlText escapes s for use inside an HTML element such as <summary>,
// where Markdown is not interpreted.
func htmlText(s string) string {
	return html.EscapeString(oneLine(s))
}

// code renders s as a Markdown code span, delimited by a backtick run
// longer than any inside s.
func code(s string) string {
	s = oneLine(s)
	if s == "" {
		return ""
	}
	delim := strings.Repeat("`", longestRun(s, '`')+1)
	if s[0] == '`' || s[0] == ' ' || s[len(s)-1] == '`' || s[len(s)-1] == ' ' {
		// A code span strips one space from each end; the padding is
		// what gets stripped.
		s = " " + s + " "
	}
	return delim + s + delim
}

// cell escapes a code span for a table cell: GitHub splits cells on "|"
// even inside code spans unless it is escaped.
func cell(codeSpan string) string {
	return strings.ReplaceAll(codeSpan, "|", `\|`)
}

// fenced wraps body in a code block whose fence is longer than any backtick
// run in body, so no line of body can close it.
func fenced(info, body string) string {
	fence := strings.Repeat("`", max(3, longestRun(body, '`')+1))
	return fence + info + "\n" + body + "\n" + fence + "\n"
}

func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] != c {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	return longest
}

// terminalEscape matches ANSI escape sequences (colours, cursor movement)
// that tools print to terminals.
var terminalEscape = regexp.MustCompile(`\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])`)

// plainOutput cleans captured command output for display: terminal escapes
// are removed and other control characters, which would render as noise,
// become spaces.
func plainOutput(s string) string {
	s = terminalEscape.ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = oneLine(l)
	}
	return strings.Join(lines, "\n")
}
