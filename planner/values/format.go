package values

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// formatMax bounds Format's output in runes, so one large value (a logo, a
// config blob) cannot swamp a comment.
const formatMax = 100

// Format renders a value for a Markdown table cell: one line, strings as YAML
// shows them (quoted only when YAML would read them as something else, so
// "2026.10" and 2026.1 look different), numbers plain, maps and lists as
// compact flow YAML with sorted keys, truncated with "…" beyond 100 runes.
// "|" is escaped as `\|`, which GitHub needs even inside a code span in a table.
func Format(v any) string {
	var b strings.Builder
	writeFlow(&b, v)
	s := b.String()
	if utf8.RuneCountInString(s) > formatMax {
		r := []rune(s)
		s = string(r[:formatMax-1]) + "…"
	}
	return strings.ReplaceAll(s, "|", `\|`)
}

func writeFlow(b *strings.Builder, v any) {
	if b.Len() > 4*formatMax {
		return // already past what Format keeps
	}
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case string:
		b.WriteString(flowString(t))
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(flowString(k))
			b.WriteString(": ")
			writeFlow(b, t[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, x := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			writeFlow(b, x)
		}
		b.WriteByte(']')
	default:
		if f, ok := number(v); ok {
			b.WriteString(formatNumber(v, f))
			return
		}
		b.WriteString(flowString(fmt.Sprint(v)))
	}
}

func formatNumber(v any, f float64) string {
	switch n := v.(type) {
	case int:
		return strconv.Itoa(n)
	case int64:
		return strconv.FormatInt(n, 10)
	case uint64:
		return strconv.FormatUint(n, 10)
	}
	if math.Abs(f) < 1e21 && (f == math.Trunc(f) || math.Abs(f) >= 1e-6) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// flowString writes s plain when YAML (as Helm reads it) would read the plain
// text back as the same string inside a flow collection, else double-quoted.
func flowString(s string) string {
	if plainString(s) {
		return s
	}
	return strconv.Quote(s)
}

func plainString(s string) bool {
	if s == "" || s != strings.TrimSpace(s) {
		return false
	}
	if strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@`") && !(s[0] == '-' && len(s) > 1 && s[1] != ' ') {
		return false
	}
	if strings.ContainsAny(s, ",[]{}\n\r\t") || strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return false
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	if len(s) > 64 {
		return true // long text is never a number, bool or null
	}
	var m map[string]any
	if err := yaml.Unmarshal([]byte("v: "+s), &m); err != nil {
		return false
	}
	got, ok := m["v"].(string)
	return ok && got == s
}
