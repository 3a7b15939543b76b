package helmrender

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"
)

// Templates come from pull requests and run in the server's process, so
// the functions that can build a large value from a small template are
// bounded: one template could otherwise ask for gigabytes
// ({{ repeat 1000000000 "x" }}, a printf width, a string doubled in a
// loop) before the time limit ends the render.
const (
	// maxTemplateString bounds a string one of these functions returns.
	maxTemplateString = 8 << 20
	// maxTemplateList bounds a list until, untilStep or seq returns.
	maxTemplateList = 100_000
)

// errTooLarge is wrapped by the errors of the bounded functions.
var errTooLarge = fmt.Errorf("the template asks for a value larger than csocbot renders (%d bytes or %d items)", maxTemplateString, maxTemplateList)

func checkLen(fn string, n int) error {
	if n > maxTemplateString {
		return fmt.Errorf("%s: %w", fn, errTooLarge)
	}
	return nil
}

// printfWidth finds the widths and precisions of a format string.
var printfWidth = regexp.MustCompile(`%[-+# 0]*([0-9]+)?(?:\.([0-9]+))?`)

// boundedFuncs override Helm's (sprig's and text/template's) functions of
// the same names with the same results, or an error past the bounds.
var boundedFuncs = template.FuncMap{
	"repeat": func(count int, s string) (string, error) {
		if count > 0 && len(s) > 0 && count > maxTemplateString/len(s) {
			return "", fmt.Errorf("repeat: %w", errTooLarge)
		}
		return strings.Repeat(s, max(count, 0)), nil
	},
	"indent": func(spaces int, v string) (string, error) {
		return indent(spaces, v, "")
	},
	"nindent": func(spaces int, v string) (string, error) {
		return indent(spaces, v, "\n")
	},
	"printf": func(format string, args ...any) (string, error) {
		for _, m := range printfWidth.FindAllStringSubmatch(format, -1) {
			for _, n := range m[1:] {
				if w, err := strconv.Atoi(n); n != "" && (err != nil || w > maxTemplateString) {
					return "", fmt.Errorf("printf: %w", errTooLarge)
				}
			}
		}
		out := fmt.Sprintf(format, args...)
		return out, checkLen("printf", len(out))
	},
	"print": func(args ...any) (string, error) {
		out := fmt.Sprint(args...)
		return out, checkLen("print", len(out))
	},
	"println": func(args ...any) (string, error) {
		out := fmt.Sprintln(args...)
		return out, checkLen("println", len(out))
	},
	"cat": func(args ...any) (string, error) {
		var parts []string
		for _, a := range args {
			if a != nil {
				parts = append(parts, fmt.Sprint(a))
			}
		}
		out := strings.Join(parts, " ")
		return out, checkLen("cat", len(out))
	},
	"replace": func(old, new, src string) (string, error) {
		if n := strings.Count(src, old); len(new) > len(old) && n > 0 && len(src)+n*(len(new)-len(old)) > maxTemplateString {
			return "", fmt.Errorf("replace: %w", errTooLarge)
		}
		return strings.ReplaceAll(src, old, new), nil
	},
	"until": func(count int) ([]int, error) {
		return untilStep(0, count, 1)
	},
	"untilStep": untilStep,
}

func indent(spaces int, v, prefix string) (string, error) {
	if spaces < 0 {
		spaces = 0
	}
	lines := strings.Count(v, "\n") + 1
	if spaces > maxTemplateString || lines*spaces+len(v) > maxTemplateString {
		return "", fmt.Errorf("indent: %w", errTooLarge)
	}
	pad := strings.Repeat(" ", spaces)
	return prefix + pad + strings.ReplaceAll(v, "\n", "\n"+pad), nil
}

// untilStep is sprig's, bounded.
func untilStep(start, stop, step int) ([]int, error) {
	out := []int{}
	if step == 0 {
		return out, nil
	}
	for i := start; step > 0 && i < stop || step < 0 && i > stop; i += step {
		if len(out) == maxTemplateList {
			return nil, fmt.Errorf("untilStep: %w", errTooLarge)
		}
		out = append(out, i)
	}
	return out, nil
}

// TemplateFuncs are the functions csocbot gives every chart template it
// renders in its own process, on top of Helm's: fixed stand-ins for the
// random and generating functions, and bounded versions of those that
// could build huge values. A copy; the caller may add to it.
func TemplateFuncs() template.FuncMap {
	out := template.FuncMap{}
	for k, v := range templateFuncs {
		out[k] = v
	}
	for k, v := range boundedFuncs {
		out[k] = v
	}
	return out
}
