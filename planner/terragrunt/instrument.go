package terragrunt

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// meterFunctionName names the function instrument inserts. It has a space,
// so no configuration can call it.
const meterFunctionName = "csocbot meter"

// instrument makes the parts of a syntax tree that repeat or combine
// values report each value they produce to the evaluation's meter: the
// collection, key, value and condition of for expressions (evaluated once
// per element), the parts of templates, the elements of tuples and the values
// of objects. Nothing else in HCL loops or concatenates without calling a
// function, and functions are metered by meteredFunction. Each such
// expression is wrapped in a call of the meter function, which returns
// its argument unchanged; literals, which cost nothing, are left alone.
//
// The tree is changed in place, once, before it is shared.
func instrument(node hclsyntax.Node) {
	hclsyntax.VisitAll(node, func(n hclsyntax.Node) hcl.Diagnostics {
		switch e := n.(type) {
		case *hclsyntax.ForExpr:
			// A failing collection ends the loop before its first
			// element, where a failing element would not.
			e.CollExpr = metered(e.CollExpr)
			e.KeyExpr = metered(e.KeyExpr)
			e.ValExpr = metered(e.ValExpr)
			e.CondExpr = metered(e.CondExpr)
		case *hclsyntax.TemplateExpr:
			for i := range e.Parts {
				e.Parts[i] = meteredPart(e.Parts[i])
			}
		case *hclsyntax.TupleConsExpr:
			for i := range e.Exprs {
				e.Exprs[i] = meteredPart(e.Exprs[i])
			}
		case *hclsyntax.ObjectConsExpr:
			for i := range e.Items {
				e.Items[i].ValueExpr = meteredPart(e.Items[i].ValueExpr)
			}
		}
		return nil
	})
}

// meteredPart is metered for a part of a template, tuple or object: a
// value built by an expression that charges what it builds (a function
// call, a for expression, a template, a tuple or an object) is not
// charged again. A for expression's parts are always metered: each
// evaluation is also a check of the time.
func meteredPart(expr hclsyntax.Expression) hclsyntax.Expression {
	switch e := expr.(type) {
	case *hclsyntax.TemplateExpr, *hclsyntax.ForExpr, *hclsyntax.TupleConsExpr, *hclsyntax.ObjectConsExpr:
		return expr
	case *hclsyntax.FunctionCallExpr:
		if !unmeteredFunctions[e.Name] {
			return expr
		}
	}
	return metered(expr)
}

// metered wraps expr in a call of the meter function.
func metered(expr hclsyntax.Expression) hclsyntax.Expression {
	switch expr.(type) {
	case nil, *hclsyntax.LiteralValueExpr:
		return expr
	}
	rng := expr.Range()
	return &hclsyntax.FunctionCallExpr{
		Name: meterFunctionName, Args: []hclsyntax.Expression{expr},
		NameRange: rng, OpenParenRange: rng, CloseParenRange: rng,
	}
}

// meterFunction is the function instrument's calls call: it charges its
// argument to m and returns it.
func meterFunction(m *meter) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{
			Name: "value", Type: cty.DynamicPseudoType,
			AllowNull: true, AllowUnknown: true, AllowDynamicType: true, AllowMarked: true,
		}},
		Type: func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if err := m.charge(args[0]); err != nil {
				return cty.NilVal, err
			}
			return args[0], nil
		},
	})
}
