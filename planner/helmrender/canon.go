package helmrender

import (
	"encoding/json"
	"math"
	"strings"
	"unicode/utf8"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// canonicalYAML is sigs.k8s.io/yaml.Marshal of a tree decoded by
// sigs.k8s.io/yaml.Unmarshal, without its JSON round trip: Marshal writes
// the tree as JSON, reads that back with go-yaml (which types each number
// as it reads it) and writes it with go-yaml. Here the tree is converted to
// what go-yaml would have read, and written. A tree holding anything the
// conversion is not sure of (a string that is not UTF-8, which JSON would
// rewrite, or a character go-yaml refuses to read) goes through Marshal.
func canonicalYAML(v any) ([]byte, error) {
	conv, ok := asReadFromJSON(v)
	if !ok {
		return yaml.Marshal(v)
	}
	return yamlv2.Marshal(conv)
}

// asReadFromJSON converts v as writing it to JSON and reading that with
// go-yaml would; ok is false for what it does not convert exactly.
func asReadFromJSON(v any) (any, bool) {
	switch v := v.(type) {
	case nil, bool:
		return v, true
	case string:
		return v, readableString(v)
	case float64:
		return jsonNumber(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			c, ok := asReadFromJSON(e)
			if !ok {
				return nil, false
			}
			out[i] = c
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			c, ok := asReadFromJSON(e)
			if !ok || !readableString(k) {
				return nil, false
			}
			out[k] = c
		}
		return out, true
	}
	return nil, false
}

// readableString reports whether s is UTF-8 that JSON writes as it is or
// escapes, and that go-yaml reads back: JSON leaves DEL, the C1 controls,
// U+FEFF and U+FFFE/U+FFFF unescaped, and go-yaml refuses them.
func readableString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x7f {
			return readableRunes(s[i:])
		}
	}
	return true
}

func readableRunes(s string) bool {
	for _, r := range s {
		switch {
		case r == utf8.RuneError, r == 0x7f, r >= 0x80 && r <= 0x9f && r != 0x85, r == 0xfeff, r == 0xfffe, r == 0xffff:
			return false
		}
	}
	return true
}

// maxExactInt bounds the integral floats written as plain integers: JSON
// writes them without exponent or fraction, which go-yaml reads as an int.
const maxExactInt = 1 << 53

// jsonNumber is f written as JSON and read by go-yaml.
func jsonNumber(f float64) (any, bool) {
	if f == math.Trunc(f) && math.Abs(f) <= maxExactInt {
		return int(f), true
	}
	text, err := json.Marshal(f)
	if err != nil {
		return nil, false
	}
	var out any
	if err := yamlv2.Unmarshal(text, &out); err != nil {
		return nil, false
	}
	return out, true
}

// toYAML is Helm's toYaml template function (sigs.k8s.io/yaml.Marshal,
// the final newline cut, "" on error) through canonicalYAML: charts call
// it on large parts of their values in every render.
func toYAML(v any) string {
	data, err := canonicalYAML(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}
