// Package codeowners reads GitHub CODEOWNERS files and answers who owns a
// path, as GitHub does: the last rule whose pattern matches wins, patterns
// are gitignore-style (without negation or character ranges), and owners
// are @user or @org/team; e-mail owners are read and ignored, since
// csocbot knows reviewers by their logins only.
package codeowners

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
)

// Locations are where GitHub looks for the file, in order; the first
// found is used.
var Locations = []string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"}

// MaxSize is the largest file GitHub reads; a larger one owns nothing.
const MaxSize = 3 << 20

// Owner is a user's login or a team as org/slug, without the @.
type Owner string

// Team returns the organisation and slug of a team owner.
func (o Owner) Team() (org, slug string, ok bool) { return strings.Cut(string(o), "/") }

// String is the owner as CODEOWNERS writes it, @login or @org/slug.
func (o Owner) String() string { return "@" + string(o) }

// Rule is one line of the file: a pattern and its owners (none means the
// matching paths have no owner).
type Rule struct {
	Line    int
	Pattern string
	Owners  []Owner
	match   pattern
}

// File is a parsed CODEOWNERS file.
type File struct {
	// Path is where the file was found; "" when it was parsed from bytes.
	Path  string
	Rules []Rule
	// Errors are the lines GitHub would reject; they own nothing.
	Errors []LineError
}

// LineError is a line that is not a valid rule.
type LineError struct {
	Line int
	Err  string
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Err) }

var (
	loginRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	teamRE  = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
)

// Parse reads a CODEOWNERS file. Lines GitHub would reject are left out
// and listed in Errors.
func Parse(data []byte) *File {
	f := &File{}
	if len(data) > MaxSize {
		f.Errors = append(f.Errors, LineError{Line: 0, Err: fmt.Sprintf("the file is larger than GitHub's limit of %d bytes, so it owns nothing", MaxSize)})
		return f
	}
	for i, line := range strings.Split(string(data), "\n") {
		r, err := parseLine(strings.TrimSpace(strings.TrimSuffix(line, "\r")))
		switch {
		case err != nil:
			f.Errors = append(f.Errors, LineError{Line: i + 1, Err: err.Error()})
		case r != nil:
			r.Line = i + 1
			f.Rules = append(f.Rules, *r)
		}
	}
	return f
}

// parseLine reads one trimmed line: nil for a blank line or a comment.
func parseLine(line string) (*Rule, error) {
	if line == "" || line[0] == '#' {
		return nil, nil
	}
	fields := splitFields(line)
	pat := fields[0]
	switch {
	case pat[0] == '!':
		return nil, fmt.Errorf("pattern %q: GitHub does not support negation (!)", pat)
	case strings.ContainsAny(pat, "[]"):
		return nil, fmt.Errorf("pattern %q: GitHub does not support character ranges ([ ])", pat)
	}
	m, err := compile(pat)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pat, err)
	}
	r := &Rule{Pattern: pat, match: m}
	for _, o := range fields[1:] {
		switch {
		case o[0] == '#':
			return r, nil // the rest of the line is a comment
		case strings.HasPrefix(o, "@") && (loginRE.MatchString(o[1:]) || teamRE.MatchString(o[1:])):
			r.Owners = append(r.Owners, Owner(o[1:]))
		case emailRE.MatchString(o):
			// An owner by e-mail address: csocbot cannot tell who that is.
		default:
			return nil, fmt.Errorf("owner %q is not @user, @org/team or an e-mail address", o)
		}
	}
	return r, nil
}

// splitFields splits a line at unescaped blanks; a backslash escapes a
// blank in a pattern.
func splitFields(line string) []string {
	var fields []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line):
			cur.WriteByte(c)
			cur.WriteByte(line[i+1])
			i++
		case c == ' ' || c == '\t':
			if cur.Len() > 0 {
				fields = append(fields, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		fields = append(fields, cur.String())
	}
	return fields
}

// Match returns the rule that decides who owns path (slash-separated,
// relative to the repository's root): the last that matches. It returns
// nil when none does.
func (f *File) Match(path string) *Rule {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := len(f.Rules) - 1; i >= 0; i-- {
		if f.Rules[i].match.matches(segs) {
			return &f.Rules[i]
		}
	}
	return nil
}

// Owners returns who owns path: nil when no rule matches, or the rule
// that does names no owner csocbot can ask.
func (f *File) Owners(path string) []Owner {
	if r := f.Match(path); r != nil {
		return r.Owners
	}
	return nil
}

// Load reads the file from the first of Locations in fsys, such as a
// snapshot of the base branch; it returns nil when there is none.
func Load(fsys fs.FS) (*File, error) {
	for _, loc := range Locations {
		data, err := fs.ReadFile(fsys, loc)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", loc, err)
		}
		f := Parse(data)
		f.Path = loc
		return f, nil
	}
	return nil, nil
}
