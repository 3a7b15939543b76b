// Package hcllimit refuses Terraform and Terragrunt source that is too
// large or too deeply nested to parse safely, before it is parsed.
//
// A pull request controls these files. HCL's parsers recurse once per
// level of nesting, and a Go program whose stack overflows dies with a
// fatal error no recover can catch: 200 KB of "(" would end the server.
// The checks here are cheap scans that never recurse, and they may count
// more nesting than the parser sees, never less.
package hcllimit

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

const (
	// MaxFileSize is the largest configuration file csocbot parses. The
	// largest file of the Gen3 corpus csocbot is tested on has 11 KB.
	MaxFileSize = 1 << 20
	// MaxDepth is the deepest nesting csocbot parses: brackets, braces,
	// parentheses, strings, template sequences and directives, and the
	// operators (!, -, ?) the parser nests. The deepest file of the Gen3
	// corpus and of csocbot's test data nests 8 levels.
	MaxDepth = 128
	// MaxNumberLen is the longest number literal csocbot parses: parsing a
	// number takes time quadratic in its digits (1.6 s for a million).
	MaxNumberLen = 256
)

// CheckConfig checks an HCL configuration file (.hcl, .tf, .tfvars).
func CheckConfig(src []byte, filename string, start hcl.Pos) hcl.Diagnostics {
	if d := checkSize(src, filename, start); d != nil {
		return d
	}
	if fastDepthOK(src) {
		return nil
	}
	toks, _ := hclsyntax.LexConfig(src, filename, start)
	return checkTokens(toks, filename)
}

// CheckTemplate checks a template: a templatefile file, or a string of an
// HCL-JSON file, which is parsed as a template.
func CheckTemplate(src []byte, filename string, start hcl.Pos) hcl.Diagnostics {
	if d := checkSize(src, filename, start); d != nil {
		return d
	}
	toks, _ := hclsyntax.LexTemplate(src, filename, start)
	return checkTokens(toks, filename)
}

// CheckJSON checks a JSON file (.tf.json, terragrunt.hcl.json, .tfvars.json).
// Its strings are templates and need CheckTemplate as well when they are
// parsed as such.
func CheckJSON(src []byte, filename string) hcl.Diagnostics {
	if d := checkSize(src, filename, hcl.InitialPos); d != nil {
		return d
	}
	depth, inString, escaped, digits := 0, false, false, 0
	for i, c := range src {
		if !inString && (c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+') {
			if digits++; digits > MaxNumberLen {
				pos := posAt(src, i)
				return numberTooLong(filename, hcl.Range{Filename: filename, Start: pos, End: pos})
			}
		} else {
			digits = 0
		}
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			if depth++; depth > MaxDepth {
				return tooDeep(filename, posAt(src, i))
			}
		case (c == ']' || c == '}') && depth > 0:
			depth--
		}
	}
	return nil
}

func checkSize(src []byte, filename string, start hcl.Pos) hcl.Diagnostics {
	if len(src) <= MaxFileSize {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "File too large",
		Detail: fmt.Sprintf("%s has %d bytes; csocbot reads configuration files of at most %d bytes (1 MiB). Split it into smaller files.",
			filename, len(src), MaxFileSize),
		Subject: &hcl.Range{Filename: filename, Start: start, End: start},
	}}
}

func tooDeep(filename string, pos hcl.Pos) hcl.Diagnostics {
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Nesting too deep",
		Detail: fmt.Sprintf("%s nests brackets, parentheses, strings or templates more than %d levels deep here; csocbot refuses it before parsing, so that no file can exhaust its stack. Flatten the expression, e.g. with locals.",
			filename, MaxDepth),
		Subject: &hcl.Range{Filename: filename, Start: pos, End: pos},
	}}
}

func numberTooLong(filename string, rng hcl.Range) hcl.Diagnostics {
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Number too long",
		Detail:   fmt.Sprintf("%s has a number longer than %d characters, the most csocbot parses. Write it as a string.", filename, MaxNumberLen),
		Subject:  rng.Ptr(),
	}}
}

// posAt is the position of byte i of src, for a file starting at
// hcl.InitialPos.
func posAt(src []byte, i int) hcl.Pos {
	pos := hcl.InitialPos
	for _, c := range src[:i] {
		if c == '\n' {
			pos.Line++
			pos.Column = 0
		}
		pos.Column++
	}
	pos.Byte = i
	return pos
}
