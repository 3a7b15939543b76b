package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"sync"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Masking the plan
//
// Every value Terraform marks as sensitive reaches rules as Sensitive: in
// every change of the plan (resource changes, drift, deferred changes,
// output changes), in planned values and prior state, and root variables
// declared sensitive. Rules see the plan as the reviewers do, so a rule that
// quotes a value in its message cannot put a secret in a pull request
// comment. Values are masked while the document is converted, by type, so
// the plan itself is neither modified nor copied.

var sensitiveValue ast.Value = ast.String(Sensitive)

// mask returns v with every part that sens marks true replaced by Sensitive.
// sens mirrors the shape of v (objects and arrays) with true at sensitive
// leaves, or is true when the whole of v is sensitive. Null values stay null:
// masking them would hide nothing and would break "is it set" checks. Only the
// containers on a masked path are copied.
func mask(v, sens any) any {
	switch s := sens.(type) {
	case bool:
		if s && v != nil {
			return Sensitive
		}
		return v
	case map[string]any:
		obj, ok := v.(map[string]any)
		if !ok || obj == nil || len(s) == 0 {
			return v
		}
		cp := make(map[string]any, len(obj))
		for k, x := range obj {
			if ks, ok := s[k]; ok {
				cp[k] = mask(x, ks)
			} else {
				cp[k] = x
			}
		}
		return cp
	case []any:
		arr, ok := v.([]any)
		if !ok || arr == nil || len(s) == 0 {
			return v
		}
		cp := make([]any, len(arr))
		for i, x := range arr {
			if i < len(s) {
				cp[i] = mask(x, s[i])
			} else {
				cp[i] = x
			}
		}
		return cp
	}
	return v
}

// masked converts mask(v, sens) without building it.
func (c *converter) masked(v, sens any, depth int) (ast.Value, error) {
	switch s := sens.(type) {
	case bool:
		if s && v != nil {
			return sensitiveValue, nil
		}
	case map[string]any:
		if obj, ok := v.(map[string]any); ok && len(s) > 0 {
			return c.object(obj, s, depth)
		}
	case []any:
		if arr, ok := v.([]any); ok && len(s) > 0 {
			return c.array(arr, s, depth)
		}
	}
	return c.any(v, depth)
}

// masking converts the plan types that carry sensitive values; ok is false
// for any other value.
func (c *converter) masking(v reflect.Value, depth int) (val ast.Value, ok bool, err error) {
	if k := v.Kind(); k != reflect.Pointer && k != reflect.Map {
		return nil, false, nil // the types below are pointers and a map
	}
	switch x := v.Interface().(type) {
	case *tfjson.Change:
		val, err = c.change(x, depth)
	case *tfjson.StateResource:
		val, err = c.stateResource(x, depth)
	case *tfjson.StateOutput:
		val, err = c.stateOutput(x, depth)
	case map[string]*tfjson.PlanVariable:
		val, err = c.variables(x, depth)
	case *tfjson.ConfigVariable:
		val, err = c.configVariable(x, depth)
	default:
		return nil, false, nil
	}
	return val, true, err
}

// changeValues are the converted, masked values of a plan change.
type changeValues struct {
	before, after, afterUnknown ast.Value
}

func (cv *changeValues) field(name string) (ast.Value, error) {
	switch name {
	case "before":
		return cv.before, nil
	case "after":
		return cv.after, nil
	case "after_unknown":
		return cv.afterUnknown, nil
	}
	return nil, nil
}

// changeValues converts the values of ch once per document.
func (c *converter) changeValues(ch *tfjson.Change, depth int) (*changeValues, error) {
	if cv, ok := c.changes[ch]; ok {
		return cv, nil
	}
	if c.forked {
		// The map is the parent's, read by every part: not written.
		return c.convertChange(ch, depth)
	}
	cv, err := c.convertChange(ch, depth)
	if err != nil {
		return nil, err
	}
	c.changes[ch] = cv
	return cv, nil
}

func (c *converter) convertChange(ch *tfjson.Change, depth int) (*changeValues, error) {
	cv := &changeValues{}
	var err error
	if cv.before, err = c.masked(ch.Before, ch.BeforeSensitive, depth+1); err != nil {
		return nil, fmt.Errorf("before: %w", err)
	}
	// Most changes of a big plan are no-ops, whose values are equal.
	if equalJSON(ch.After, ch.Before) && equalJSON(ch.AfterSensitive, ch.BeforeSensitive) {
		cv.after = cv.before
	} else if cv.after, err = c.masked(ch.After, ch.AfterSensitive, depth+1); err != nil {
		return nil, fmt.Errorf("after: %w", err)
	}
	if cv.afterUnknown, err = c.any(ch.AfterUnknown, depth+1); err != nil {
		return nil, fmt.Errorf("after_unknown: %w", err)
	}
	return cv, nil
}

func (c *converter) change(ch *tfjson.Change, depth int) (ast.Value, error) {
	if ch == nil {
		return ast.InternedNullValue, nil
	}
	cv, err := c.changeValues(ch, depth)
	if err != nil {
		return nil, err
	}
	return c.structValue(reflect.ValueOf(ch).Elem(), cv.field, depth)
}

// minPart is the fewest changes worth converting on a goroutine of their
// own.
const minPart = 64

// changeList converts the changes list, sharing the plan's converted values
// where a change has them: Changes(plan) pairs the non-nil resource changes
// in order. A long list is split among the CPUs, each part converted by a
// converter of its own: on big plans conversion is most of an evaluation.
func (c *converter) changeList(list []Change, plan *tfjson.Plan) (ast.Value, error) {
	srcs := make([]*tfjson.Change, len(list))
	if plan != nil {
		rcs := plan.ResourceChanges
		for i := range list {
			for len(rcs) > 0 && rcs[0] == nil {
				rcs = rcs[1:]
			}
			if len(rcs) > 0 {
				srcs[i], rcs = rcs[0].Change, rcs[1:]
			}
		}
	}
	terms := make([]*ast.Term, len(list))
	convert := func(w *converter, lo, hi int) error {
		for i := lo; i < hi; i++ {
			v, err := w.changeEntry(&list[i], srcs[i])
			if err != nil {
				return fmt.Errorf("%d: %w", i, err)
			}
			terms[i] = w.term(v)
		}
		return nil
	}
	parts := min(runtime.GOMAXPROCS(0), len(list)/minPart)
	if parts <= 1 {
		if err := convert(c, 0, len(list)); err != nil {
			return nil, err
		}
		return ast.NewArray(terms...), nil
	}
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*len(list)/parts, (p+1)*len(list)/parts
		w := c.fork()
		wg.Go(func() { errs[p] = convert(w, lo, hi) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return ast.NewArray(terms...), nil
}

// changeEntry converts ch, taking the values of src that ch holds, and
// the value of before for an equal after.
func (c *converter) changeEntry(ch *Change, src *tfjson.Change) (ast.Value, error) {
	const depth = 2 // input.changes[i]
	var cv *changeValues
	if src != nil {
		var err error
		if cv, err = c.changeValues(src, depth); err != nil {
			return nil, err
		}
	}
	var before ast.Value
	return c.structValue(reflect.ValueOf(ch).Elem(), func(name string) (ast.Value, error) {
		switch {
		case name == "before" && cv != nil && isMasked(ch.Before, src.Before, src.BeforeSensitive):
			before = cv.before
			return before, nil
		case name == "before":
			var err error
			before, err = c.any(ch.Before, depth+1)
			return before, err
		case name == "after" && cv != nil && isMasked(ch.After, src.After, src.AfterSensitive):
			return cv.after, nil
		case name == "after" && before != nil && equalJSON(ch.After, ch.Before):
			return before, nil
		case name == "after_unknown" && cv != nil && same(ch.AfterUnknown, src.AfterUnknown):
			return cv.afterUnknown, nil
		}
		return nil, nil
	}, depth)
}

// isMasked reports whether v is mask(orig, sens). mask shares every part it
// does not replace, so identities are compared and only the masked paths
// are walked. False may only mean that v was built otherwise.
func isMasked(v, orig, sens any) bool {
	switch s := sens.(type) {
	case bool:
		if s && orig != nil {
			return v == any(Sensitive)
		}
	case map[string]any:
		if obj, ok := orig.(map[string]any); ok && obj != nil && len(s) > 0 {
			got, ok := v.(map[string]any)
			if !ok || got == nil || len(got) != len(obj) {
				return false
			}
			for k, x := range obj {
				y, ok := got[k]
				if !ok {
					return false
				}
				if ks, masked := s[k]; masked && !isMasked(y, x, ks) || !masked && !same(y, x) {
					return false
				}
			}
			return true
		}
	case []any:
		if arr, ok := orig.([]any); ok && arr != nil && len(s) > 0 {
			got, ok := v.([]any)
			if !ok || got == nil || len(got) != len(arr) {
				return false
			}
			for i, x := range arr {
				if i < len(s) && !isMasked(got[i], x, s[i]) || i >= len(s) && !same(got[i], x) {
					return false
				}
			}
			return true
		}
	}
	return same(v, orig)
}

// same reports whether a and b are the same map or slice, or equal scalars.
func same(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	case []any:
		y, ok := b.([]any)
		return ok && len(x) == len(y) && (x == nil) == (y == nil) && (len(x) == 0 || &x[0] == &y[0])
	case nil, string, bool, float64, json.Number:
		return a == b
	}
	return false
}

// equalJSON reports whether a and b are equal values of the shapes JSON
// decoding produces, numbers equal only with the same text. Other shapes
// are never equal.
func equalJSON(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) || (x == nil) != (y == nil) {
			return false
		}
		for k, xv := range x {
			if yv, ok := y[k]; !ok || !equalJSON(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) || (x == nil) != (y == nil) {
			return false
		}
		for i := range x {
			if !equalJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case nil, string, bool, json.Number:
		return a == b
	}
	return false
}

// stateResource converts r with its values masked by its sensitive_values.
func (c *converter) stateResource(r *tfjson.StateResource, depth int) (ast.Value, error) {
	if r == nil {
		return ast.InternedNullValue, nil
	}
	var set override
	if len(r.SensitiveValues) > 0 {
		var sens any
		if err := json.Unmarshal(r.SensitiveValues, &sens); err != nil {
			sens = true // unreadable sensitivity: hide every value rather than guess
		}
		set = func(name string) (ast.Value, error) {
			if name != "values" {
				return nil, nil
			}
			if whole, _ := sens.(bool); whole {
				return c.allSensitive(r.AttributeValues), nil
			}
			return c.masked(map[string]any(r.AttributeValues), sens, depth+1)
		}
	}
	return c.structValue(reflect.ValueOf(r).Elem(), set, depth)
}

// allSensitive is values with every attribute Sensitive.
func (c *converter) allSensitive(values map[string]any) ast.Value {
	start := c.begin()
	for k := range values {
		c.add(c.key(k), sensitiveValue)
	}
	return c.end(start)
}

func (c *converter) stateOutput(o *tfjson.StateOutput, depth int) (ast.Value, error) {
	if o == nil {
		return ast.InternedNullValue, nil
	}
	if o.Sensitive && o.Value != nil {
		masked := *o
		masked.Value = Sensitive
		o = &masked
	}
	return c.viaJSON(o, depth) // StateOutput has its own MarshalJSON
}

// configVariable converts a variable declared in the configuration, the
// default of a sensitive one masked.
func (c *converter) configVariable(v *tfjson.ConfigVariable, depth int) (ast.Value, error) {
	if v == nil {
		return ast.InternedNullValue, nil
	}
	cp := *v
	if cp.Sensitive && cp.Default != nil {
		cp.Default = Sensitive
	}
	return c.structValue(reflect.ValueOf(&cp).Elem(), nil, depth)
}

// variables converts the plan's root variables, those declared sensitive
// masked.
func (c *converter) variables(vars map[string]*tfjson.PlanVariable, depth int) (ast.Value, error) {
	if vars == nil {
		return ast.InternedNullValue, nil
	}
	masked := make(map[string]*tfjson.PlanVariable, len(vars))
	for name, v := range vars {
		if v != nil && c.sensitiveVars[name] && v.Value != nil {
			v = &tfjson.PlanVariable{Value: Sensitive}
		}
		masked[name] = v
	}
	return c.mapValue(reflect.ValueOf(masked), depth)
}
