package terragrunt

import (
	"math"
	"regexp"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// unmeteredFunctions evaluate their arguments themselves (try, can), whose
// expressions instrument already meters.
var unmeteredFunctions = map[string]bool{"try": true, "can": true}

// meteredFunction wraps f so that it refuses arguments that would make it
// build more than the limits allow before it runs (a function cannot be
// stopped once it runs), and checks and charges what it returns.
//
// The wrapper accepts unknown, marked and dynamically typed arguments and
// passes them on: f itself decides what to return for them, with its own
// refinements of unknown results.
func meteredFunction(name string, f function.Function, m *meter) function.Function {
	params := f.Params()
	for i := range params {
		params[i] = passThrough(params[i])
	}
	var varParam *function.Parameter
	if vp := f.VarParam(); vp != nil {
		p := passThrough(*vp)
		varParam = &p
	}
	return function.New(&function.Spec{
		Params:   params,
		VarParam: varParam,
		Type:     f.ReturnTypeForValues,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if err := m.check(); err != nil {
				return cty.NilVal, err
			}
			if err := checkArgs(name, args); err != nil {
				return cty.NilVal, err
			}
			v, err := f.Call(args)
			if err != nil {
				return v, err
			}
			if err := checkResult(v); err != nil {
				return cty.NilVal, err
			}
			return v, m.charge(v)
		},
	})
}

func passThrough(p function.Parameter) function.Parameter {
	p.AllowUnknown, p.AllowMarked, p.AllowDynamicType = true, true, true
	return p
}

// checkArgs refuses arguments too large to pass to any function and those
// that would make function name build too much.
func checkArgs(name string, args []cty.Value) error {
	plain := make([]cty.Value, len(args))
	for i, a := range args {
		a, _ = a.Unmark()
		if !a.IsKnown() || a.IsNull() {
			// Functions return unknown results for unknown arguments
			// without building anything.
			return nil
		}
		if a.Type() == cty.String && len(a.AsString()) > maxStringLen {
			return limitErrorf("an argument is a string of %d bytes, more than the %d allowed", len(a.AsString()), maxStringLen)
		}
		plain[i] = a
	}
	if check := argChecks[name]; check != nil {
		return check(plain)
	}
	return nil
}

// checkResult refuses a result over the limits on strings and collections.
func checkResult(v cty.Value) error {
	v, _ = v.Unmark()
	switch t := v.Type(); {
	case !v.IsKnown() || v.IsNull():
	case t == cty.String && len(v.AsString()) > maxStringLen:
		return limitErrorf("the result is a string of %d bytes, more than the %d allowed", len(v.AsString()), maxStringLen)
	case (t.IsCollectionType() || t.IsTupleType()) && v.LengthInt() > maxElements:
		return limitErrorf("the result has %d elements, more than the %d allowed", v.LengthInt(), maxElements)
	}
	return nil
}

// argChecks estimate, before the call, what the functions that can build
// far more than their arguments hold would build (range needs no check:
// it refuses to make more than 1024 numbers). Their arguments are
// known, unmarked and not null; their elements may be unknown.
var argChecks = map[string]func(args []cty.Value) error{
	"setproduct": checkSetProduct,
	"concat":     checkConcat,
	"flatten":    checkFlatten,
	"join":       checkJoin,
	"split":      checkSplit,
	"indent":     checkIndent,
	"replace":    checkReplace,
	"format":     checkFormat,
	"formatlist": checkFormatList,
	"jsonencode": checkEncode,
	"yamlencode": checkEncode,
	"yamldecode": checkYAMLDecode,
	"bcrypt":     checkBcrypt,
}

func tooManyElements(n float64) error {
	if n > maxElements {
		return limitErrorf("it would build %.0f elements, more than the %d allowed", n, maxElements)
	}
	return nil
}

func tooLong(n float64) error {
	if n > maxStringLen {
		return limitErrorf("it would build a string of %.0f bytes, more than the %d allowed", n, maxStringLen)
	}
	return nil
}

func number(v cty.Value) float64 {
	if v, _ = v.Unmark(); v.Type() != cty.Number || !v.IsKnown() || v.IsNull() {
		return 0
	}
	f, _ := v.AsBigFloat().Float64()
	return f
}

// length is the number of elements of a collection, 0 for other values.
func length(v cty.Value) float64 {
	if t := v.Type(); t.IsCollectionType() || t.IsTupleType() || t.IsObjectType() {
		return float64(v.LengthInt())
	}
	return 0
}

func checkSetProduct(args []cty.Value) error {
	n := 1.0
	for _, a := range args {
		n *= length(a)
	}
	if len(args) == 0 {
		n = 0
	}
	return tooManyElements(n)
}

func checkConcat(args []cty.Value) error {
	n := 0.0
	for _, a := range args {
		n += length(a)
	}
	return tooManyElements(n)
}

func checkFlatten(args []cty.Value) error {
	n := 0
	if !countLeaves(args[0], &n) {
		return limitErrorf("it would build more than %d elements, the most allowed", maxElements)
	}
	return nil
}

// countLeaves adds to n what flatten would make of v; false once n is
// over maxElements.
func countLeaves(v cty.Value, n *int) bool {
	t := v.Type()
	if !(t.IsListType() || t.IsSetType() || t.IsTupleType()) || !v.IsKnown() || v.IsNull() {
		*n++
		return *n <= maxElements
	}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e, _ = e.Unmark(); !countLeaves(e, n) {
			return false
		}
	}
	return true
}

func checkJoin(args []cty.Value) error {
	sep := float64(len(args[0].AsString()))
	total := 0.0
	for _, l := range args[1:] {
		if !l.CanIterateElements() {
			continue
		}
		for it := l.ElementIterator(); it.Next(); {
			_, e := it.Element()
			total += sep
			if e, _ = e.Unmark(); e.Type() == cty.String && e.IsKnown() && !e.IsNull() {
				total += float64(len(e.AsString()))
			}
		}
	}
	return tooLong(total)
}

func checkSplit(args []cty.Value) error {
	sep, s := args[0].AsString(), args[1].AsString()
	if sep == "" {
		return tooManyElements(float64(len(s)))
	}
	return tooManyElements(float64(strings.Count(s, sep) + 1))
}

func checkIndent(args []cty.Value) error {
	s := args[1].AsString()
	return tooLong(float64(len(s)) + number(args[0])*float64(strings.Count(s, "\n")+1))
}

// checkReplace bounds replace(str, substr, replacement): each match of
// substr (a regular expression when written /…/, whose replacement may
// repeat the whole string through $ references) adds the replacement.
func checkReplace(args []cty.Value) error {
	s, sub, repl := args[0].AsString(), args[1].AsString(), args[2].AsString()
	var matches, each float64
	if len(sub) > 1 && strings.HasPrefix(sub, "/") && strings.HasSuffix(sub, "/") {
		re, err := regexp.Compile(sub[1 : len(sub)-1])
		if err != nil {
			return nil // replace reports it
		}
		matches = float64(len(re.FindAllStringIndex(s, -1)))
		each = float64(len(repl) + strings.Count(repl, "$")*len(s))
	} else {
		matches = float64(strings.Count(s, sub))
		each = float64(len(repl))
	}
	return tooLong(float64(len(s)) + matches*each)
}

// formatCost estimates the length of what format makes of one format
// string with arguments of the given sizes: its literal text, each verb's
// width and precision, and the arguments, each once or, when the format
// picks arguments by index ("%[1]s"), once per verb.
func formatCost(f string, argSizes []float64) float64 {
	verbs, widths := 0.0, 0.0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		if i+1 < len(f) && f[i+1] == '%' {
			i++
			continue
		}
		verbs++
		n := 0.0
		for i++; i < len(f) && strings.IndexByte("+-# 0123456789.[]", f[i]) >= 0; i++ {
			if c := f[i]; c >= '0' && c <= '9' {
				n = min(n*10+float64(c-'0'), math.MaxInt32)
			} else {
				widths, n = widths+n, 0
			}
		}
		widths += n
	}
	args, largest := 0.0, 0.0
	for _, s := range argSizes {
		args += s
		largest = max(largest, s)
	}
	if strings.Contains(f, "[") {
		args = verbs * largest
	}
	return float64(len(f)) + widths + args
}

// valueSize is sizeOf for an estimate: how much text a value prints as.
func valueSize(v cty.Value) float64 {
	n, _ := sizeOf(v, maxBudget, 0)
	return float64(n)
}

func checkFormat(args []cty.Value) error {
	sizes := make([]float64, len(args)-1)
	for i, a := range args[1:] {
		sizes[i] = valueSize(a)
	}
	return tooLong(formatCost(args[0].AsString(), sizes))
}

// checkFormatList bounds formatlist, which formats once per element of
// its list arguments.
func checkFormatList(args []cty.Value) error {
	n := 1.0
	sizes := make([]float64, len(args)-1)
	for i, a := range args[1:] {
		if !a.Type().IsListType() && !a.Type().IsTupleType() {
			sizes[i] = valueSize(a)
			continue
		}
		n = max(n, length(a))
		for it := a.ElementIterator(); it.Next(); {
			_, e := it.Element()
			sizes[i] = max(sizes[i], valueSize(e))
		}
	}
	if err := tooManyElements(n); err != nil {
		return err
	}
	each := formatCost(args[0].AsString(), sizes)
	if err := tooLong(each); err != nil {
		return err
	}
	if n*each > maxBudget {
		return limitErrorf("it would build %.0f bytes of strings, more than the %d MiB allowed for one unit", n*each, maxBudget>>20)
	}
	return nil
}

func checkEncode(args []cty.Value) error {
	n, err := sizeOf(args[0], 2*maxStringLen, 0)
	if err != nil {
		return err
	}
	return tooLong(float64(n) / 2)
}

// maxYAMLDepth bounds yamldecode's nesting: decoding takes time quadratic
// in it (3.7 s at 20000 levels).
const maxYAMLDepth = 1000

func checkYAMLDecode(args []cty.Value) error {
	if d := yamlFlowDepth(args[0].AsString()); d > maxYAMLDepth {
		return limitErrorf("the YAML nests brackets more than %d levels deep", maxYAMLDepth)
	}
	return nil
}

// yamlFlowDepth is an upper bound of how deeply a YAML document nests
// flow collections ([…] and {…}). Inside quoted scalars and comments a
// bracket that opens counts and one that closes does not, so a quote or
// comment it misreads can only make the bound larger. Block nesting needs
// a line of indentation per level, which the size limit bounds.
func yamlFlowDepth(s string) int {
	depth, deepest := 0, 0
	var quote byte // '"', '\'' or '#' (a comment) while in one
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case quote == '"' && c == '\\':
			i++
		case quote == '#' && c == '\n', quote != '#' && quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\'' || c == '#') && (i == 0 || strings.IndexByte(" \t\r\n[{,:?-", s[i-1]) >= 0):
			quote = c
		case quote == 0 && (c == ']' || c == '}') && depth > 0:
			depth--
		}
	}
	return deepest
}

// maxBcryptCost bounds bcrypt's cost: each step doubles its time, and 31
// would take days.
const maxBcryptCost = 14

func checkBcrypt(args []cty.Value) error {
	if len(args) > 1 && number(args[1]) > maxBcryptCost {
		return limitErrorf("a cost above %d takes too long to compute", maxBcryptCost)
	}
	return nil
}
