package values

import (
	"cmp"
	"strconv"
	"strings"
)

// seg is one step of a path: a map key, a list index, or a list item chosen
// by a name-like field ([name=fence]).
type seg struct {
	kind  segKind
	key   string // map key, or the selector's value
	field string // selector field: name, key or id
	index int
}

type segKind uint8

const (
	segKey segKind = iota
	segIndex
	segSelect
)

func keySeg(k string) seg               { return seg{kind: segKey, key: k} }
func indexSeg(i int) seg                { return seg{kind: segIndex, index: i} }
func selectSeg(field, value string) seg { return seg{kind: segSelect, field: field, key: value} }

// appendSeg returns path+s without sharing path's backing array, so sibling
// paths built from one parent never overwrite each other.
func appendSeg(path []seg, s seg) []seg {
	out := make([]seg, len(path)+1)
	copy(out, path)
	out[len(path)] = s
	return out
}

// renderPath writes a path as `a.b["c.d"][name=fence][3]`.
func renderPath(path []seg) string {
	var b strings.Builder
	for i, s := range path {
		switch s.kind {
		case segKey:
			if plainKey(s.key) {
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(s.key)
			} else {
				b.WriteByte('[')
				b.WriteString(strconv.Quote(s.key))
				b.WriteByte(']')
			}
		case segIndex:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		case segSelect:
			b.WriteByte('[')
			b.WriteString(s.field)
			b.WriteByte('=')
			if plainSelector(s.key) {
				b.WriteString(s.key)
			} else {
				b.WriteString(strconv.Quote(s.key))
			}
			b.WriteByte(']')
		}
	}
	return b.String()
}

// plainKey reports whether a key can be written after a dot.
func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// plainSelector reports whether a selector value can be written unquoted
// between "=" and "]".
func plainSelector(v string) bool {
	if v == "" || v[0] == '"' {
		return false
	}
	for _, r := range v {
		if r <= ' ' || r == ']' || r == '[' || r == '=' || r == '"' || r == 0x7f {
			return false
		}
	}
	return true
}

// parsePath reads a path written by renderPath. Mask uses it to find the
// keys above a change; ok is false for text renderPath cannot produce.
func parsePath(p string) (path []seg, ok bool) {
	for i := 0; i < len(p); {
		switch {
		case p[i] == '[':
			s, n, ok := parseBracket(p[i:])
			if !ok {
				return nil, false
			}
			path = append(path, s)
			i += n
		case i == 0 && p[0] != '.' || i > 0 && p[i] == '.':
			if i > 0 {
				i++
			}
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			if !plainKey(p[i:j]) {
				return nil, false
			}
			path = append(path, keySeg(p[i:j]))
			i = j
		default:
			return nil, false
		}
	}
	return path, true
}

// parseBracket reads `["key"]`, `[3]` or `[field=value]` at the start of p
// and returns the segment and the bytes it used.
func parseBracket(p string) (seg, int, bool) {
	rest := p[1:]
	if strings.HasPrefix(rest, `"`) {
		q, err := strconv.QuotedPrefix(rest)
		if err != nil || !strings.HasPrefix(rest[len(q):], "]") {
			return seg{}, 0, false
		}
		k, err := strconv.Unquote(q)
		if err != nil {
			return seg{}, 0, false
		}
		return keySeg(k), 1 + len(q) + 1, true
	}
	if field, after, ok := strings.Cut(rest, "="); ok && (field == "name" || field == "key" || field == "id") {
		if strings.HasPrefix(after, `"`) {
			q, err := strconv.QuotedPrefix(after)
			if err != nil || !strings.HasPrefix(after[len(q):], "]") {
				return seg{}, 0, false
			}
			v, err := strconv.Unquote(q)
			if err != nil {
				return seg{}, 0, false
			}
			return selectSeg(field, v), 1 + len(field) + 1 + len(q) + 1, true
		}
		v, _, ok := strings.Cut(after, "]")
		if !ok || !plainSelector(v) {
			return seg{}, 0, false
		}
		return selectSeg(field, v), 1 + len(field) + 1 + len(v) + 1, true
	}
	digits, _, ok := strings.Cut(rest, "]")
	if !ok || digits == "" || strings.TrimLeft(digits, "0123456789") != "" || len(digits) > 9 {
		return seg{}, 0, false
	}
	n, _ := strconv.Atoi(digits)
	return indexSeg(n), 1 + len(digits) + 1, true
}

// comparePaths orders paths segment by segment, list indexes numerically.
func comparePaths(a, b []seg) int {
	for i := range min(len(a), len(b)) {
		x, y := a[i], b[i]
		if c := cmp.Compare(x.kind, y.kind); c != 0 {
			return c
		}
		var c int
		switch x.kind {
		case segIndex:
			c = cmp.Compare(x.index, y.index)
		case segSelect:
			c = cmp.Or(cmp.Compare(x.field, y.field), cmp.Compare(x.key, y.key))
		default:
			c = cmp.Compare(x.key, y.key)
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}
