package policy

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Converting the input document
//
// Rules read the input as OPA values (ast.Value). They are built straight
// from the Go values rather than through JSON text, which on big plans was
// most of the evaluation time. The conversion follows encoding/json: field
// names and omitempty from the json tags, numbers with the text
// encoding/json writes, invalid UTF-8 replaced by U+FFFD. So the document is
// exactly the JSON form INPUT.md documents. Types with their own MarshalJSON
// and the few shapes this file does not handle itself (embedded structs,
// non-string map keys, []byte) go through JSON. Sensitive values are masked
// while converting (mask.go), and each resource change's values are converted
// once and shared by plan.resource_changes and changes: OPA values are never
// modified once built, so sharing is safe.

// maxDepth bounds nesting, as encoding/json's decoder does; it also stops a
// cyclic value, which encoding/json rejects too.
const maxDepth = 10000

var (
	errTooDeep = errors.New("value nested deeper than 10000 levels (or cyclic)")

	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	numberType        = reflect.TypeFor[json.Number]()
	anyMapType        = reflect.TypeFor[map[string]any]()
	anySliceType      = reflect.TypeFor[[]any]()
)

// converter builds the input document of one evaluation.
type converter struct {
	// sensitiveVars are the plan's root variables its configuration
	// declares sensitive.
	sensitiveVars map[string]bool
	// changes holds the converted values of each plan change.
	changes map[*tfjson.Change]*changeValues

	slab    []ast.Term           // terms are allocated in slabs
	keys    map[string]*ast.Term // one term per object key
	members [][2]*ast.Term       // the stack of object members

	// forked converters convert a part of the changes list concurrently
	// with others, reading (never writing) their parent's changes map.
	forked bool
}

// fork returns a converter for a part of the changes list.
func (c *converter) fork() *converter {
	return &converter{sensitiveVars: c.sensitiveVars, changes: c.changes, keys: map[string]*ast.Term{}, forked: true}
}

// toValue converts the input to the OPA value rules see as input.
func toValue(in Input) (ast.Value, error) {
	in = in.withDefaults()
	c := newConverter(in.Plan)
	var changes *ast.Array
	return c.structValue(reflect.ValueOf(&in).Elem(), func(name string) (ast.Value, error) {
		switch name {
		case "changes":
			v, err := c.changeList(in.Changes, in.Plan)
			changes, _ = v.(*ast.Array)
			return v, err
		case "changes_by_type":
			return changesByType(in.Changes, changes), nil
		}
		return nil, nil
	}, 0)
}

// changesByType indexes the converted changes by resource type, sharing
// their values.
func changesByType(list []Change, converted *ast.Array) ast.Value {
	byType := map[string][]*ast.Term{}
	var order []string
	for i, ch := range list {
		if _, seen := byType[ch.Type]; !seen {
			order = append(order, ch.Type)
		}
		byType[ch.Type] = append(byType[ch.Type], converted.Elem(i))
	}
	obj := ast.NewObject()
	for _, t := range order {
		obj.Insert(ast.StringTerm(t), ast.ArrayTerm(byType[t]...))
	}
	return obj
}

func newConverter(plan *tfjson.Plan) *converter {
	c := &converter{
		changes:       map[*tfjson.Change]*changeValues{},
		sensitiveVars: map[string]bool{},
		keys:          map[string]*ast.Term{},
	}
	if plan != nil && plan.Config != nil && plan.Config.RootModule != nil {
		for name, v := range plan.Config.RootModule.Variables {
			c.sensitiveVars[name] = v != nil && v.Sensitive
		}
	}
	return c
}

// any converts a value of the shapes JSON decoding produces without
// reflection, and anything else through reflect.
func (c *converter) any(x any, depth int) (ast.Value, error) {
	switch x := x.(type) {
	case nil:
		return ast.InternedNullValue, nil
	case string:
		return stringValue(x), nil
	case bool:
		return ast.InternedValue(x), nil
	case float64:
		return floatValue(x, 64)
	case json.Number:
		return numberValue(x)
	case map[string]any:
		return c.object(x, nil, depth)
	case []any:
		return c.array(x, nil, depth)
	}
	return c.reflect(reflect.ValueOf(x), depth)
}

// object converts m, masking the keys sens marks (nil: none).
func (c *converter) object(m, sens map[string]any, depth int) (ast.Value, error) {
	if m == nil {
		return ast.InternedNullValue, nil
	}
	if depth > maxDepth {
		return nil, errTooDeep
	}
	start := c.begin()
	for k, x := range m {
		if !utf8.ValidString(k) {
			// Keys that become equal once repaired collide as in JSON.
			c.members = c.members[:start]
			return c.viaJSON(mask(m, sens), depth)
		}
		var v ast.Value
		var err error
		if s, ok := sens[k]; ok {
			v, err = c.masked(x, s, depth+1)
		} else {
			v, err = c.any(x, depth+1)
		}
		if err != nil {
			return nil, err
		}
		c.add(c.key(k), v)
	}
	return c.end(start), nil
}

// array converts a, masking the elements sens marks (nil: none).
func (c *converter) array(a, sens []any, depth int) (ast.Value, error) {
	if a == nil {
		return ast.InternedNullValue, nil
	}
	if depth > maxDepth {
		return nil, errTooDeep
	}
	terms := make([]*ast.Term, len(a))
	for i, x := range a {
		var v ast.Value
		var err error
		if i < len(sens) {
			v, err = c.masked(x, sens[i], depth+1)
		} else {
			v, err = c.any(x, depth+1)
		}
		if err != nil {
			return nil, err
		}
		terms[i] = c.term(v)
	}
	return ast.NewArray(terms...), nil
}

// reflect converts any Go value as encoding/json would marshal it.
func (c *converter) reflect(v reflect.Value, depth int) (ast.Value, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	if !v.IsValid() {
		return ast.InternedNullValue, nil
	}
	if val, ok, err := c.masking(v, depth); ok || err != nil {
		return val, err
	}
	t := v.Type()
	switch {
	case t.Implements(jsonMarshalerType) || t.Implements(textMarshalerType):
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return ast.InternedNullValue, nil
		}
		return c.viaJSON(v.Interface(), depth)
	case v.CanAddr() && (reflect.PointerTo(t).Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType)):
		return c.viaJSON(v.Addr().Interface(), depth)
	case t == numberType:
		return numberValue(json.Number(v.String()))
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return ast.InternedNullValue, nil
		}
		return c.any(v.Interface(), depth)
	case reflect.Pointer:
		if v.IsNil() {
			return ast.InternedNullValue, nil
		}
		return c.reflect(v.Elem(), depth+1)
	case reflect.Struct:
		return c.structValue(v, nil, depth)
	case reflect.Map:
		return c.mapValue(v, depth)
	case reflect.Slice:
		if v.IsNil() {
			return ast.InternedNullValue, nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return c.viaJSON(v.Interface(), depth) // base64 text
		}
		return c.list(v, depth)
	case reflect.Array:
		return c.list(v, depth)
	case reflect.String:
		return stringValue(v.String()), nil
	case reflect.Bool:
		return ast.InternedValue(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return ast.Number(strconv.FormatInt(v.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return ast.Number(strconv.FormatUint(v.Uint(), 10)), nil
	case reflect.Float32:
		return floatValue(v.Float(), 32)
	case reflect.Float64:
		return floatValue(v.Float(), 64)
	}
	return nil, &json.UnsupportedTypeError{Type: t}
}

func (c *converter) mapValue(v reflect.Value, depth int) (ast.Value, error) {
	if v.IsNil() {
		return ast.InternedNullValue, nil
	}
	if v.Type() == anyMapType {
		return c.object(v.Interface().(map[string]any), nil, depth)
	}
	if v.Type().Key().Kind() != reflect.String {
		return c.viaJSON(v.Interface(), depth)
	}
	start := c.begin()
	for iter := v.MapRange(); iter.Next(); {
		k := iter.Key().String()
		if !utf8.ValidString(k) {
			c.members = c.members[:start]
			return c.viaJSON(v.Interface(), depth)
		}
		x, err := c.reflect(iter.Value(), depth+1)
		if err != nil {
			return nil, err
		}
		c.add(c.key(k), x)
	}
	return c.end(start), nil
}

func (c *converter) list(v reflect.Value, depth int) (ast.Value, error) {
	if v.Type() == anySliceType {
		return c.array(v.Interface().([]any), nil, depth)
	}
	terms := make([]*ast.Term, v.Len())
	for i := range terms {
		x, err := c.reflect(v.Index(i), depth+1)
		if err != nil {
			return nil, err
		}
		terms[i] = c.term(x)
	}
	return ast.NewArray(terms...), nil
}

// override gives the value of a struct field in place of its conversion,
// or nil to convert the field as usual.
type override func(name string) (ast.Value, error)

// structValue converts a struct field by field, as encoding/json would.
// Omitted empty fields are decided on the Go value, before set is asked.
func (c *converter) structValue(v reflect.Value, set override, depth int) (ast.Value, error) {
	info := structInfoOf(v.Type())
	if info.viaJSON {
		return c.viaJSON(v.Interface(), depth)
	}
	start := c.begin()
	for i := range info.fields {
		f := &info.fields[i]
		fv := v.Field(f.index)
		if f.omitEmpty && isEmpty(fv) {
			continue
		}
		var x ast.Value
		var err error
		if set != nil {
			x, err = set(f.name)
		}
		if x == nil && err == nil {
			x, err = c.reflect(fv, depth+1)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		c.add(f.key, x)
	}
	return c.end(start), nil
}

// viaJSON converts x through its JSON text, for what encoding/json
// marshals in ways of its own.
func (c *converter) viaJSON(x any, depth int) (ast.Value, error) {
	b, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	return c.any(doc, depth)
}

// slabSize is how many terms are allocated at once: the document's terms
// live and die together.
const slabSize = 256

// term returns a term holding v.
func (c *converter) term(v ast.Value) *ast.Term {
	if len(c.slab) == cap(c.slab) {
		c.slab = make([]ast.Term, 0, slabSize)
	}
	c.slab = append(c.slab, ast.Term{Value: v})
	return &c.slab[len(c.slab)-1]
}

// key returns the one term of the document for the object key k.
func (c *converter) key(k string) *ast.Term {
	t, ok := c.keys[k]
	if !ok {
		t = ast.StringTerm(k)
		c.keys[k] = t
	}
	return t
}

// Objects are built on a stack of members: an object's members are
// collected after those of the values inside it have been taken off.
func (c *converter) begin() int { return len(c.members) }

func (c *converter) add(key *ast.Term, v ast.Value) {
	c.members = append(c.members, [2]*ast.Term{key, c.term(v)})
}

func (c *converter) end(start int) ast.Value {
	obj := ast.NewObject(c.members[start:]...)
	c.members = c.members[:start]
	return obj
}

// stringValue is s as encoding/json writes it: invalid UTF-8 bytes become
// U+FFFD each.
func stringValue(s string) ast.Value {
	if !utf8.ValidString(s) {
		s = string([]rune(s))
	}
	return ast.InternedValue(s)
}

// floatValue is f with the text encoding/json gives it (ES6 number
// formatting), which JSON decoding with UseNumber keeps.
func floatValue(f float64, bits int) (ast.Value, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("json: unsupported value: %s", strconv.FormatFloat(f, 'g', -1, bits))
	}
	if bits == 64 && f == math.Trunc(f) && math.Abs(f) < 1e15 && (f != 0 || !math.Signbit(f)) {
		return ast.InternedValue(int64(f)), nil // the same text, often interned
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21 ||
		bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], f, format, -1, bits)
	if format == 'e' {
		// e-09 to e-9, as encoding/json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return ast.Number(b), nil
}

// numberValue is n as encoding/json writes it: "" is 0, anything that is
// not a JSON number an error.
func numberValue(n json.Number) (ast.Value, error) {
	s := string(n)
	if s == "" {
		s = "0"
	}
	if !isJSONNumber(s) {
		return nil, fmt.Errorf("json: invalid number literal %q", s)
	}
	if t := ast.InternedIntNumberTermFromString(s); t != nil {
		return t.Value, nil
	}
	return ast.Number(s), nil
}

// isJSONNumber reports whether s is a JSON number literal.
func isJSONNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	digits := func() int {
		i := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		n := i
		s = s[i:]
		return n
	}
	switch {
	case s == "":
		return false
	case s[0] == '0':
		s = s[1:]
	case digits() == 0:
		return false
	}
	if strings.HasPrefix(s, ".") {
		s = s[1:]
		if digits() == 0 {
			return false
		}
	}
	if s != "" && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s != "" && (s[0] == '+' || s[0] == '-') {
			s = s[1:]
		}
		if digits() == 0 {
			return false
		}
	}
	return s == ""
}

// isEmpty is encoding/json's test for omitempty.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// structInfo is how a struct type is converted: its JSON fields, or
// through JSON for what this file does not reproduce.
type structInfo struct {
	fields  []jsonField
	viaJSON bool
}

type jsonField struct {
	index     int
	name      string
	key       *ast.Term // shared by every object of the type
	omitEmpty bool
}

var structInfos sync.Map // reflect.Type → *structInfo

func structInfoOf(t reflect.Type) *structInfo {
	if info, ok := structInfos.Load(t); ok {
		return info.(*structInfo)
	}
	info := newStructInfo(t)
	structInfos.Store(t, info)
	return info
}

// newStructInfo reads the json tags of t. Embedded fields, the string and
// omitzero options, unusual names and duplicate names leave the struct to
// encoding/json.
func newStructInfo(t reflect.Type) *structInfo {
	info := &structInfo{}
	seen := map[string]bool{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous {
			return &structInfo{viaJSON: true}
		}
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if !validTagName(name) {
			return &structInfo{viaJSON: true}
		}
		if name == "" {
			name = sf.Name
		}
		f := jsonField{index: i, name: name, key: ast.StringTerm(name)}
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "omitempty":
				f.omitEmpty = true
			case "string", "omitzero":
				return &structInfo{viaJSON: true}
			}
		}
		if seen[name] {
			return &structInfo{viaJSON: true}
		}
		seen[name] = true
		info.fields = append(info.fields, f)
	}
	return info
}

// validTagName reports whether encoding/json accepts name as a field name.
func validTagName(name string) bool {
	for _, r := range name {
		if !strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", r) && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}
