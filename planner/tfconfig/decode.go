package tfconfig

import (
	"fmt"
	"path"
	"strings"

	"github.com/csocbot/csocbot/planner/hcllimit"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
)

// fileDecls is what one file declares.
type fileDecls struct {
	vars      []string
	calls     []callDecl
	blocks    []*blockDecl
	providers []string
	roles     []AssumedRole
	required  []string
	removed   []Provisioner
}

type callDecl struct {
	ModuleCall
	hasSource bool
}

type blockDecl struct {
	Block
	kind             string // "resource", "data" or "ephemeral"
	explicitProvider bool
	provisioners     []Provisioner
}

var (
	callsSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "module", LabelNames: []string{"name"}},
	}}
	fileSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "module", LabelNames: []string{"name"}},
		{Type: "resource", LabelNames: []string{"type", "name"}},
		{Type: "data", LabelNames: []string{"type", "name"}},
		{Type: "ephemeral", LabelNames: []string{"type", "name"}},
		{Type: "provider", LabelNames: []string{"name"}},
		{Type: "terraform"},
		{Type: "check", LabelNames: []string{"name"}},
		{Type: "removed"},
	}}
	moduleSchema   = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "source"}}}
	providerSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "alias"}},
		Blocks: []hcl.BlockHeaderSchema{
			{Type: "assume_role"}, {Type: "assume_role_with_web_identity"},
			{Type: "dynamic", LabelNames: []string{"type"}},
		},
	}
	roleSchema      = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "role_arn"}}}
	dynamicSchema   = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "content"}}}
	terraformSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "required_providers"}}}
	checkSchema     = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "data", LabelNames: []string{"type", "name"}}}}
	resourceSchema  = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "provider"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "provisioner", LabelNames: []string{"type"}}},
	}
	dataSchema    = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "provider"}}}
	removedSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "from"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "provisioner", LabelNames: []string{"type"}}},
	}
)

// parseFile parses a .tf or .tf.json file, once hcllimit has checked that
// it is small and shallow enough to parse safely.
func parseFile(name string, src []byte) (*hcl.File, hcl.Diagnostics) {
	if strings.HasSuffix(name, ".json") {
		if diags := hcllimit.CheckJSON(src, name); diags.HasErrors() {
			return nil, diags
		}
		return hcljson.Parse(src, name)
	}
	if diags := hcllimit.CheckConfig(src, name, hcl.InitialPos); diags.HasErrors() {
		return nil, diags
	}
	return hclsyntax.ParseConfig(src, name, hcl.InitialPos)
}

// decodeFile parses a .tf or .tf.json file and decodes its declarations,
// only its module blocks when callsOnly is set.
func decodeFile(name string, src []byte, callsOnly bool) (*fileDecls, hcl.Diagnostics) {
	f, diags := parseFile(name, src)
	if diags.HasErrors() || f == nil {
		return nil, diags
	}
	schema := fileSchema
	if callsOnly {
		schema = callsSchema
	}
	content, _, diags := f.Body.PartialContent(schema)
	if diags.HasErrors() {
		return nil, diags
	}
	out := &fileDecls{}
	for _, b := range content.Blocks {
		switch b.Type {
		case "variable":
			out.vars = append(out.vars, b.Labels[0])
		case "module":
			c, d := decodeModule(name, b)
			diags = append(diags, d...)
			out.calls = append(out.calls, c)
		case "resource", "data", "ephemeral":
			blk, d := decodeResource(name, b.Type, b)
			diags = append(diags, d...)
			out.blocks = append(out.blocks, blk)
		case "provider":
			provider, roles := decodeProvider(name, b)
			out.providers = append(out.providers, provider)
			out.roles = append(out.roles, roles...)
		case "terraform":
			req, d := decodeTerraform(b)
			diags = append(diags, d...)
			out.required = append(out.required, req...)
		case "check":
			inner, _, d := b.Body.PartialContent(checkSchema)
			diags = append(diags, d...)
			for _, db := range inner.Blocks {
				blk, d := decodeResource(name, "data", db)
				diags = append(diags, d...)
				out.blocks = append(out.blocks, blk)
			}
		case "removed":
			p, d := decodeRemoved(name, b)
			diags = append(diags, d...)
			out.removed = append(out.removed, p...)
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return out, diags
}

func decodeModule(file string, b *hcl.Block) (callDecl, hcl.Diagnostics) {
	c := callDecl{ModuleCall: ModuleCall{Name: b.Labels[0], File: file, Line: b.DefRange.Start.Line}}
	var source hcl.Expression
	var diags hcl.Diagnostics
	if body, ok := b.Body.(*hclsyntax.Body); ok {
		// The common case, without the copies PartialContent makes: a
		// repository scan decodes every module block.
		if a, ok := body.Attributes["source"]; ok {
			source = a.Expr
		}
	} else {
		var content *hcl.BodyContent
		content, _, diags = b.Body.PartialContent(moduleSchema)
		if a, ok := content.Attributes["source"]; ok {
			source = a.Expr
		}
	}
	if source == nil {
		return c, diags
	}
	c.hasSource = true
	c.Source = literalString(source)
	if strings.HasPrefix(c.Source, "./") || strings.HasPrefix(c.Source, "../") {
		dir := path.Join(path.Dir(file), c.Source)
		if dir != ".." && !strings.HasPrefix(dir, "../") {
			c.Dir = dir
		}
	}
	return c, diags
}

// emptyContext evaluates literals. Not nil: JSON strings are then
// templates, as Terraform reads them, rather than returned verbatim.
var emptyContext = &hcl.EvalContext{}

// literalString is the value of an expression that is a literal string,
// or "".
func literalString(expr hcl.Expression) string {
	if t, ok := expr.(*hclsyntax.TemplateExpr); ok && len(t.Parts) == 1 {
		// A quoted string without interpolation: its value is there.
		if l, ok := t.Parts[0].(*hclsyntax.LiteralValueExpr); ok && l.Val.Type() == cty.String && l.Val.IsKnown() && !l.Val.IsNull() && !l.Val.IsMarked() {
			return l.Val.AsString()
		}
	}
	v, diags := expr.Value(emptyContext)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

func decodeResource(file, kind string, b *hcl.Block) (*blockDecl, hcl.Diagnostics) {
	typ, name := b.Labels[0], b.Labels[1]
	addr := typ + "." + name
	if kind != "resource" {
		addr = kind + "." + addr
	}
	blk := &blockDecl{
		Block: Block{Type: typ, Name: name, Address: addr, File: file, Line: b.DefRange.Start.Line},
		kind:  kind,
	}
	blk.Provider, _, _ = strings.Cut(typ, "_")
	schema := dataSchema
	if kind == "resource" {
		schema = resourceSchema
	}
	content, _, diags := b.Body.PartialContent(schema)
	if a, ok := content.Attributes["provider"]; ok {
		ref, d := traversal(a.Expr)
		diags = append(diags, d...)
		if !d.HasErrors() {
			blk.Provider, blk.explicitProvider = ref, true
		}
	}
	for _, p := range content.Blocks {
		blk.provisioners = append(blk.provisioners, Provisioner{Resource: addr, Type: p.Labels[0], File: file, Line: p.DefRange.Start.Line})
	}
	return blk, diags
}

// decodeProvider returns a provider block's configuration address and the
// roles its assume_role and assume_role_with_web_identity blocks assume,
// written as blocks or made by dynamic blocks.
func decodeProvider(file string, b *hcl.Block) (string, []AssumedRole) {
	name := b.Labels[0]
	content, _, _ := b.Body.PartialContent(providerSchema)
	if a, ok := content.Attributes["alias"]; ok {
		if alias := literalString(a.Expr); alias != "" {
			name += "." + alias
		}
	}
	var roles []AssumedRole
	for _, rb := range content.Blocks {
		typ, body := rb.Type, rb.Body
		if typ == "dynamic" {
			typ = rb.Labels[0]
			if typ != "assume_role" && typ != "assume_role_with_web_identity" {
				continue
			}
			dyn, _, _ := rb.Body.PartialContent(dynamicSchema)
			if len(dyn.Blocks) == 0 {
				continue
			}
			body = dyn.Blocks[0].Body
		}
		r := AssumedRole{Provider: name, Block: typ, File: file, Line: rb.DefRange.Start.Line}
		attrs, _, _ := body.PartialContent(roleSchema)
		a, ok := attrs.Attributes["role_arn"]
		if !ok {
			continue // the provider assumes no role
		}
		v, diags := a.Expr.Value(emptyContext)
		switch {
		case diags.HasErrors() || !v.IsWhollyKnown():
			r.Unknown = true
		case v.IsNull() || v.Type() != cty.String || v.AsString() == "":
			continue // no role, or a value terraform rejects
		default:
			r.RoleARN = v.AsString()
		}
		roles = append(roles, r)
	}
	return name, roles
}

func decodeTerraform(b *hcl.Block) ([]string, hcl.Diagnostics) {
	content, _, diags := b.Body.PartialContent(terraformSchema)
	var out []string
	for _, rp := range content.Blocks {
		attrs, d := rp.Body.JustAttributes()
		diags = append(diags, d...)
		for name := range attrs {
			out = append(out, name)
		}
	}
	return out, diags
}

func decodeRemoved(file string, b *hcl.Block) ([]Provisioner, hcl.Diagnostics) {
	content, _, diags := b.Body.PartialContent(removedSchema)
	if len(content.Blocks) == 0 {
		return nil, diags
	}
	from := ""
	if a, ok := content.Attributes["from"]; ok {
		ref, d := traversal(a.Expr)
		diags = append(diags, d...)
		from = ref
	}
	var out []Provisioner
	for _, p := range content.Blocks {
		out = append(out, Provisioner{Resource: from, Type: p.Labels[0], File: file, Line: p.DefRange.Start.Line})
	}
	return out, diags
}

// traversal renders a reference such as aws.west or
// module.a.aws_instance.x, written as a bare reference or, as JSON and
// Terraform's deprecated quoted references have it, a string holding one.
func traversal(expr hcl.Expression) (string, hcl.Diagnostics) {
	t, diags := hcl.AbsTraversalForExpr(expr)
	if diags.HasErrors() {
		s := literalString(expr)
		if s == "" {
			return "", diags
		}
		var d hcl.Diagnostics
		if t, d = hclsyntax.ParseTraversalAbs([]byte(s), expr.Range().Filename, expr.Range().Start); d.HasErrors() {
			return "", diags
		}
		diags = nil
	}
	var sb strings.Builder
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			sb.WriteString(s.Name)
		case hcl.TraverseAttr:
			sb.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			switch {
			case !s.Key.IsKnown() || s.Key.IsNull():
				sb.WriteString("[?]")
			case s.Key.Type() == cty.String:
				fmt.Fprintf(&sb, "[%q]", s.Key.AsString())
			case s.Key.Type() == cty.Number:
				sb.WriteString("[" + s.Key.AsBigFloat().Text('f', -1) + "]")
			default:
				sb.WriteString("[?]")
			}
		}
	}
	return sb.String(), diags
}
