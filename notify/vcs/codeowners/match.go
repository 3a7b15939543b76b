package codeowners

import (
	"errors"
	"strings"
)

// pattern is a compiled CODEOWNERS pattern: a sequence of path segment
// matchers.
type pattern struct {
	toks []token
	// below: a path below a matched one matches too (the pattern named a
	// directory), unless the pattern ends in a lone * or **.
	below bool
	never bool // "/", which matches nothing
}

type tokenKind int

const (
	glob      tokenKind = iota // one segment, with * ? and \ escapes
	anyDirs                    // ** before the end: zero or more segments
	oneOrMore                  // ** at the end, or a trailing slash: one or more
)

type token struct {
	kind tokenKind
	glob string
}

// compile turns a gitignore-style pattern into segment matchers, as
// GitHub reads them: a leading / or a / inside anchors the pattern at the
// root, otherwise a one-segment pattern matches at any depth; a trailing /
// matches only what is below a directory.
func compile(pat string) (pattern, error) {
	if strings.Contains(pat, "***") {
		return pattern{}, errors.New("three asterisks in a row mean nothing")
	}
	anchored := strings.HasPrefix(pat, "/")
	pat = strings.TrimPrefix(pat, "/")
	if pat == "" {
		return pattern{never: true}, nil
	}
	dir := strings.HasSuffix(pat, "/")
	pat = strings.TrimSuffix(pat, "/")
	segs := strings.Split(pat, "/")
	for _, s := range segs {
		if s == "" {
			return pattern{}, errors.New("empty path segment (//)")
		}
	}
	if !anchored && len(segs) == 1 && segs[0] != "**" {
		segs = append([]string{"**"}, segs...)
	}
	if dir {
		segs = append(segs, "**")
	}
	p := pattern{toks: make([]token, len(segs))}
	for i, s := range segs {
		switch {
		case s == "**" && i == len(segs)-1:
			p.toks[i] = token{kind: oneOrMore}
		case s == "**":
			p.toks[i] = token{kind: anyDirs}
		default:
			p.toks[i] = token{kind: glob, glob: s}
		}
	}
	last := segs[len(segs)-1]
	p.below = last != "*" && last != "**"
	return p, nil
}

// matches reports whether the path's segments match: reach[j] says the
// tokens so far can consume the first j segments, which keeps any number
// of ** linear in the path's length.
func (p pattern) matches(path []string) bool {
	if p.never {
		return false
	}
	n := len(path)
	reach := make([]bool, n+1)
	reach[0] = true
	next := make([]bool, n+1)
	for _, t := range p.toks {
		clear(next)
		seen := false
		for j := 0; j <= n; j++ {
			switch t.kind {
			case anyDirs:
				seen = seen || reach[j]
				next[j] = seen
			case oneOrMore:
				next[j] = seen
				seen = seen || reach[j]
			case glob:
				if j < n && reach[j] && matchSegment(t.glob, path[j]) {
					next[j+1] = true
				}
			}
		}
		reach, next = next, reach
	}
	if reach[n] {
		return true
	}
	if p.below {
		for j := 1; j < n; j++ {
			if reach[j] {
				return true
			}
		}
	}
	return false
}

// matchSegment matches one path segment against a glob: * is any run of
// characters, ? one character, and \ makes the next one literal.
func matchSegment(glob, name string) bool {
	g, s := []rune(glob), []rune(name)
	gi, si := 0, 0
	star, mark := -1, 0 // the last * seen and where its run began in s
	for si < len(s) {
		if gi < len(g) {
			switch c := g[gi]; {
			case c == '*':
				star, mark = gi, si
				gi++
				continue
			case c == '?':
				gi++
				si++
				continue
			case c == '\\' && gi+1 < len(g):
				if g[gi+1] == s[si] {
					gi += 2
					si++
					continue
				}
			case c == s[si]:
				gi++
				si++
				continue
			}
		}
		if star < 0 {
			return false
		}
		// Let the last * take one more character and try again.
		mark++
		gi, si = star+1, mark
	}
	for gi < len(g) && g[gi] == '*' {
		gi++
	}
	return gi == len(g)
}
