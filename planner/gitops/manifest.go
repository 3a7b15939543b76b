package gitops

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// argoGroup is the API group of Argo CD's resources; a file without it
// holds no Application and is not parsed.
const argoGroup = "argoproj.io"

// document is one YAML document of a multi-document file.
type document struct {
	data []byte
	line int // 1-based line of the document's first line in the file
}

// splitDocuments splits a multi-document YAML file at lines that are
// "---" alone, as Argo CD and kubectl do.
func splitDocuments(data []byte) []document {
	var docs []document
	start, startLine, line := 0, 1, 1
	for off := 0; off < len(data); line++ {
		end := bytes.IndexByte(data[off:], '\n')
		next := len(data)
		if end >= 0 {
			next = off + end + 1
		}
		if isSeparator(data[off:next]) {
			docs = append(docs, document{data: data[start:off], line: startLine})
			start, startLine = next, line+1
		}
		off = next
	}
	return append(docs, document{data: data[start:], line: startLine})
}

func isSeparator(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("---"))
	return ok && len(bytes.TrimSpace(rest)) == 0
}

// header is what tells an Application apart from other documents.
type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

func (h header) isApplication() bool {
	return strings.HasPrefix(h.APIVersion, argoGroup+"/") && h.Kind == "Application"
}

// manifest is the part of an Argo CD Application that discovery reads.
type manifest struct {
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		Project     string      `json:"project"`
		Source      *Source     `json:"source"`
		Sources     []Source    `json:"sources"`
		Destination Destination `json:"destination"`
	} `json:"spec"`
}

// parseManifests returns the Applications of a (multi-document) YAML
// file, ignoring documents of other kinds; documents that cannot be read
// become Problems. Only the fields read from the manifest are set.
func parseManifests(file string, data []byte) ([]Application, []Problem) {
	var apps []Application
	var problems []Problem
	docs := splitDocuments(data)
	for i, doc := range docs {
		if len(bytes.TrimSpace(doc.data)) == 0 {
			continue
		}
		where := fmt.Sprintf("line %d", doc.line)
		if len(docs) > 1 {
			where = fmt.Sprintf("document %d (line %d)", i+1, doc.line)
		}
		app, ok, err := parseDocument(doc.data)
		switch {
		case err != nil:
			problems = append(problems, Problem{File: file, Message: fmt.Sprintf("%s: %v", where, err)})
		case ok:
			app.File = file
			apps = append(apps, app)
		}
	}
	return apps, problems
}

// parseDocument reads one YAML document; ok is false for a document that
// is not an Argo CD Application.
func parseDocument(data []byte) (app Application, ok bool, err error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return app, false, fmt.Errorf("not valid YAML: %w", err)
	}
	var h header
	if json.Unmarshal(js, &h) != nil || !h.isApplication() {
		// A document that is not an object (a list, a scalar) is not an
		// Application either.
		return app, false, nil
	}
	var m manifest
	if err := json.Unmarshal(js, &m); err != nil {
		return app, false, fmt.Errorf("not a valid Argo CD Application (fix the field named here): %w", err)
	}
	if m.Metadata.Name == "" {
		return app, false, errors.New("the Argo CD Application has no metadata.name; give it one")
	}
	app = Application{
		Name:        m.Metadata.Name,
		Namespace:   m.Metadata.Namespace,
		Project:     m.Spec.Project,
		Sources:     m.Spec.Sources,
		Destination: m.Spec.Destination,
	}
	// Argo CD ignores spec.source when spec.sources is set.
	if len(app.Sources) == 0 && m.Spec.Source != nil {
		app.Sources = []Source{*m.Spec.Source}
	}
	return app, true, nil
}
