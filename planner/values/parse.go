// Package values reads, merges, compares and masks Helm values the way Helm
// reads them, so that a gitops pull request can be explained as the change
// of the values a chart will actually see.
package values

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"sigs.k8s.io/yaml"
)

// Limits keep a hostile or broken values file from exhausting the bot.
// Real Gen3 values files are under 40 KiB and nest about 12 levels.
const (
	maxBytes = 4 << 20
	maxDepth = 64
	maxNodes = 1 << 20
)

// Parse reads a values file exactly as Helm v4 does (loader.LoadValues):
// documents separated by "---" are merged in order, and scalars are typed by
// sigs.k8s.io/yaml, so every number is a float64 (`tag: 2026.10` is the
// number 2026.1) and yes/no/on/off are booleans. An empty file gives an empty
// map. Errors name the line to fix.
func Parse(data []byte) (map[string]any, error) {
	if len(data) > maxBytes {
		return nil, fmt.Errorf("values file is %d bytes, more than the %d-byte limit: split it into smaller value files", len(data), maxBytes)
	}
	docs, err := documents(data)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, d := range docs {
		m := map[string]any{}
		if err := yaml.Unmarshal(d.text, &m); err != nil {
			return nil, newSyntaxError(err, d.line)
		}
		out = loader.MergeMaps(out, m)
	}
	if err := new(shape).check(out); err != nil {
		return nil, err
	}
	return out, nil
}

type document struct {
	text []byte
	line int // line of the document's first line in the file, from 1
}

// documents splits data like k8s.io/apimachinery's YAMLReader, which Helm
// uses: a line starting with "---" ends a non-empty document and may only be
// followed by a comment. Unlike YAMLReader it remembers
// where each document starts, so errors can name the file's line.
func documents(data []byte) ([]document, error) {
	var docs []document
	var buf []byte
	start, lineNo := 0, 0
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		lineNo++
		if rest, ok := bytes.CutPrefix(line, []byte("---")); ok {
			trimmed := strings.TrimSpace(string(rest))
			if trimmed != "" && trimmed[0] != '#' {
				return nil, &ParseError{Line: lineNo,
					Msg: fmt.Sprintf("line %d: %q after the document separator \"---\" is not allowed (Helm rejects it): move it to the next line", lineNo, trimmed)}
			}
			if len(buf) > 0 {
				docs = append(docs, document{text: buf, line: start})
				buf = nil
				continue
			}
			// YAMLReader keeps a separator that opens a document: YAML
			// reads "--- # x" as a document start and "---#x" as text.
		}
		if len(buf) == 0 {
			start = lineNo
		}
		buf = append(buf, line...)
		buf = append(buf, '\n')
	}
	if len(buf) > 0 {
		docs = append(docs, document{text: buf, line: start})
	}
	return docs, nil
}

var yamlLine = regexp.MustCompile(`^(?:error converting YAML to JSON: )?yaml: line (\d+): `)

// ParseError is YAML that Parse cannot read. Line, counted from 1 in the
// whole file, is where to look (a check annotation can point at it).
type ParseError struct {
	Line int
	Msg  string // says what is wrong and what to do
	Err  error  // the YAML library's error, nil for a bad separator
}

func (e *ParseError) Error() string { return e.Msg }
func (e *ParseError) Unwrap() error { return e.Err }

// newSyntaxError turns a YAML error about a document into one about the
// file: the library counts lines from the start of the document.
func newSyntaxError(err error, docLine int) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		line := docLine + n - 1
		return &ParseError{Line: line, Err: err,
			Msg: fmt.Sprintf("invalid YAML at line %d: %s: fix the indentation or quoting there", line, msg[len(m[0]):])}
	}
	if strings.Contains(msg, "cannot unmarshal") {
		return &ParseError{Line: docLine, Err: err,
			Msg: fmt.Sprintf("the YAML document starting at line %d is not a mapping: values must be `key: value` pairs at the top level", docLine)}
	}
	return &ParseError{Line: docLine, Err: err,
		Msg: fmt.Sprintf("invalid YAML in the document starting at line %d: %s", docLine, strings.TrimPrefix(msg, "error converting YAML to JSON: "))}
}

// shape enforces maxDepth and maxNodes on parsed values (YAML anchors can
// make a small file expand into a large tree).
type shape struct {
	path  []seg // stack of the entry being checked, rendered only on error
	nodes int
}

func (s *shape) check(v any) error {
	s.nodes++
	if s.nodes > maxNodes {
		return fmt.Errorf("values have more than %d entries once YAML anchors are expanded: reduce the file or its anchors", maxNodes)
	}
	switch t := v.(type) {
	case map[string]any:
		if len(s.path) >= maxDepth {
			return fmt.Errorf("values nest deeper than %d levels at %s: flatten that structure", maxDepth, renderPath(s.path))
		}
		for k, x := range t {
			s.path = append(s.path, keySeg(k))
			if err := s.check(x); err != nil {
				return err
			}
			s.path = s.path[:len(s.path)-1]
		}
	case []any:
		if len(s.path) >= maxDepth {
			return fmt.Errorf("values nest deeper than %d levels at %s: flatten that structure", maxDepth, renderPath(s.path))
		}
		for i, x := range t {
			s.path = append(s.path, indexSeg(i))
			if err := s.check(x); err != nil {
				return err
			}
			s.path = s.path[:len(s.path)-1]
		}
	}
	return nil
}
