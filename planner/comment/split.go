package comment

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxCommentLength is the most characters GitHub accepts in the body of one
// issue or pull-request comment.
const MaxCommentLength = 65536

// minLimit is the smallest limit Split accepts: it must leave room for the
// "Part i of n" lines and some content.
const minLimit = 100

// Split cuts markdown into comments of at most limit characters (Unicode
// code points), so that a long plan is posted as several comments rather
// than rejected. Markdown that fits is returned unchanged as the only part.
//
// Otherwise each part is headed "Part i of n" and parts are cut between
// lines. A part never ends inside a code block or <details> element: Split
// closes them at the end of the part and reopens them at the start of the
// next, the <summary> marked "(continued)", so every comment renders on its
// own and text from a plan cannot escape its code block. (Only when limit
// leaves no room even for reopening them does a part start without them.)
// A line too long for a part is hard-wrapped. Split panics if limit is
// under 100.
func Split(markdown string, limit int) []string {
	if limit < minLimit {
		panic(fmt.Sprintf("comment.Split: limit %d is below the minimum of %d", limit, minLimit))
	}
	if utf8.RuneCountInString(markdown) <= limit {
		return []string{markdown}
	}
	lines := strings.Split(strings.TrimSuffix(markdown, "\n"), "\n")
	// The headers' length depends on the number of parts, which depends on
	// the room the headers leave: retry until the digit count settles.
	n := 2
	for {
		bodies := pack(lines, limit-headerLength(n))
		if digits(len(bodies)) <= digits(n) {
			return label(bodies)
		}
		n = len(bodies)
	}
}

func header(i, n int) string { return fmt.Sprintf("**Part %d of %d**\n\n", i, n) }
func footer(i, n int) string { return fmt.Sprintf("\n\n*Continued in part %d of %d.*", i+1, n) }

// headerLength bounds the length of the header and footer of any part
// when there are n parts.
func headerLength(n int) int {
	return utf8.RuneCountInString(header(n, n) + footer(n, n))
}

func digits(n int) int { return len(fmt.Sprint(n)) }

func label(bodies []string) []string {
	n := len(bodies)
	parts := make([]string, n)
	for i, body := range bodies {
		parts[i] = header(i+1, n) + body
		if i+1 < n {
			parts[i] += footer(i+1, n)
		}
	}
	return parts
}

// packer fills parts of at most budget characters with lines, keeping
// track of the code block and <details> elements open at the end of the
// current part.
type packer struct {
	budget int
	bodies []string
	cur    []string
	length int // characters in cur, including the newlines joining them
	// fresh is set while cur holds nothing but the lines reopening what
	// the previous part left open.
	fresh bool
	open  blocks
}

func pack(lines []string, budget int) []string {
	p := &packer{budget: budget, fresh: true}
	for _, line := range lines {
		p.add(line)
	}
	p.finish()
	return p.bodies
}

func (p *packer) add(line string) {
	for {
		if p.fits(line) {
			p.append(line)
			p.fresh = false
			return
		}
		if !p.fresh {
			p.finish()
			p.start(p.open)
			continue
		}
		if k := p.wrapWidth(line); k > 0 {
			at := runeOffset(line, k)
			p.append(line[:at])
			p.fresh = false
			line = line[at:]
			continue
		}
		// Reopening what was open leaves no room for content: give the
		// structure up rather than exceed the budget.
		p.start(blocks{})
	}
}

// fits reports whether line, and whatever is needed to close the blocks
// open after it, fits in the current part.
func (p *packer) fits(line string) bool {
	return p.lengthWith(line) <= p.budget
}

func (p *packer) lengthWith(line string) int {
	n := p.length + utf8.RuneCountInString(line) + closingLength(p.open.after(line))
	if len(p.cur) > 0 {
		n++
	}
	return n
}

// wrapWidth returns how many characters of line fit in the current part,
// or 0 if none do.
func (p *packer) wrapWidth(line string) int {
	k := utf8.RuneCountInString(line) - 1
	for k > 0 {
		over := p.lengthWith(line[:runeOffset(line, k)]) - p.budget
		if over <= 0 {
			return k
		}
		// Shortening the head may also shorten what closes it, such as a
		// fence of backticks, so do not shrink by the whole overshoot.
		k = max(k-over, k/2)
	}
	return 0
}

func (p *packer) append(line string) {
	if len(p.cur) > 0 {
		p.length++
	}
	p.cur = append(p.cur, line)
	p.length += utf8.RuneCountInString(line)
	p.open = p.open.after(line)
}

// finish closes the open blocks and ends the current part.
func (p *packer) finish() {
	if p.fresh {
		return
	}
	p.bodies = append(p.bodies, strings.Join(append(p.cur, p.open.closing()...), "\n"))
}

// start begins a part that reopens open.
func (p *packer) start(open blocks) {
	p.cur, p.length, p.open, p.fresh = nil, 0, blocks{}, true
	for _, line := range open.reopening() {
		p.append(line)
	}
}

func closingLength(b blocks) int {
	n := 0
	for _, line := range b.closing() {
		n += 1 + utf8.RuneCountInString(line)
	}
	return n
}

func runeOffset(s string, k int) int {
	for i := range s {
		if k == 0 {
			return i
		}
		k--
	}
	return len(s)
}

// blocks are the Markdown blocks open at some line: <details> elements,
// outermost first, and possibly a code block inside the innermost one.
type blocks struct {
	details []string // the lines that opened them
	fence   string   // the line that opened the code block, if any
	marker  string   // the fence characters of that line
}

// after returns the blocks open after line.
func (b blocks) after(line string) blocks {
	if b.fence != "" {
		if closesFence(line, b.marker) {
			b.fence, b.marker = "", ""
		}
		return b
	}
	if marker, ok := opensFence(line); ok {
		b.fence, b.marker = line, marker
		return b
	}
	tag := strings.ToLower(strings.TrimSpace(line))
	switch {
	case opensDetails(tag):
		b.details = append(b.details[:len(b.details):len(b.details)], line)
	case tag == "</details>" && len(b.details) > 0:
		b.details = b.details[:len(b.details)-1]
	}
	return b
}

// opensDetails reports whether a trimmed, lower-case line starts with a
// <details> tag.
func opensDetails(line string) bool {
	rest, ok := strings.CutPrefix(line, "<details")
	return ok && (rest == "" || strings.ContainsAny(rest[:1], "> \t"))
}

// closing returns the lines that close b.
func (b blocks) closing() []string {
	var lines []string
	if b.fence != "" {
		lines = append(lines, b.marker)
	}
	for range b.details {
		lines = append(lines, "", "</details>")
	}
	return lines
}

const continued = " (continued)</summary>"

// reopening returns the lines that reopen b at the start of a part.
func (b blocks) reopening() []string {
	var lines []string
	for _, d := range b.details {
		if !strings.Contains(d, continued) {
			d = strings.Replace(d, "</summary>", continued, 1)
		}
		lines = append(lines, d, "")
	}
	if b.fence != "" {
		lines = append(lines, b.fence)
	}
	return lines
}

// opensFence reports whether line opens a fenced code block, as defined by
// CommonMark: up to three spaces, then at least three backticks or tildes,
// and for backticks an info string without backticks. It returns the
// fence characters.
func opensFence(line string) (string, bool) {
	rest := strings.TrimLeft(line, " ")
	if len(line)-len(rest) > 3 || len(rest) < 3 || (rest[0] != '`' && rest[0] != '~') {
		return "", false
	}
	marker := rest[:len(rest)-len(strings.TrimLeft(rest, rest[:1]))]
	if len(marker) < 3 || (marker[0] == '`' && strings.Contains(rest[len(marker):], "`")) {
		return "", false
	}
	return marker, true
}

// closesFence reports whether line closes a code block opened by marker:
// up to three spaces, then at least as many of the same fence characters,
// then only spaces or tabs.
func closesFence(line, marker string) bool {
	rest := strings.TrimLeft(line, " ")
	if len(line)-len(rest) > 3 {
		return false
	}
	run := strings.TrimLeft(rest, marker[:1])
	return len(rest)-len(run) >= len(marker) && strings.Trim(run, " \t") == ""
}
