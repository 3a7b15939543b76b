package hcllimit

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// closers maps each token that opens a nesting level to the one that
// closes it.
var closers = map[hclsyntax.TokenType]hclsyntax.TokenType{
	hclsyntax.TokenOBrace:          hclsyntax.TokenCBrace,
	hclsyntax.TokenOBrack:          hclsyntax.TokenCBrack,
	hclsyntax.TokenOParen:          hclsyntax.TokenCParen,
	hclsyntax.TokenOQuote:          hclsyntax.TokenCQuote,
	hclsyntax.TokenOHeredoc:        hclsyntax.TokenCHeredoc,
	hclsyntax.TokenTemplateInterp:  hclsyntax.TokenTemplateSeqEnd,
	hclsyntax.TokenTemplateControl: hclsyntax.TokenTemplateSeqEnd,
}

// level is one open nesting level and the operators nested in it so far.
type level struct {
	closer hclsyntax.TokenType
	ops    int
}

// checkTokens counts nesting over the lexer's tokens. The parser also
// recurses for each prefix operator (!x, -x) and each "?" of a chain of
// conditionals, within one item of the enclosing level: those count too,
// until a comma or, where newlines end items, a newline.
func checkTokens(toks hclsyntax.Tokens, filename string) hcl.Diagnostics {
	stack := []level{{closer: hclsyntax.TokenEOF}}
	depth := 0      // open levels (beyond the file itself), operators and directives
	directives := 0 // open %{if} and %{for}
	for i, tok := range toks {
		top := &stack[len(stack)-1]
		switch {
		case closers[tok.Type] != 0:
			stack = append(stack, level{closer: closers[tok.Type]})
			depth++
		case tok.Type == top.closer && len(stack) > 1:
			// A mismatched closer is a syntax error; not counting it
			// down keeps the count an upper bound.
			depth -= 1 + top.ops
			stack = stack[:len(stack)-1]
		case tok.Type == hclsyntax.TokenBang || tok.Type == hclsyntax.TokenMinus || tok.Type == hclsyntax.TokenQuestion:
			top.ops++
			depth++
		case tok.Type == hclsyntax.TokenComma || tok.Type == hclsyntax.TokenNewline && endsItems(top.closer):
			depth -= top.ops
			top.ops = 0
		case tok.Type == hclsyntax.TokenNumberLit && len(tok.Bytes) > MaxNumberLen:
			return numberTooLong(filename, tok.Range)
		case tok.Type == hclsyntax.TokenIdent && i > 0 && toks[i-1].Type == hclsyntax.TokenTemplateControl:
			switch string(tok.Bytes) {
			case "if", "for":
				directives++
				depth++
			case "endif", "endfor":
				if directives > 0 {
					directives--
					depth--
				}
			}
		}
		if depth > MaxDepth {
			return tooDeep(filename, tok.Range.Start)
		}
	}
	return nil
}

// endsItems reports whether a newline ends an item inside a level: in a
// body or an object, not inside brackets, parentheses or templates.
func endsItems(closer hclsyntax.TokenType) bool {
	return closer == hclsyntax.TokenEOF || closer == hclsyntax.TokenCBrace
}
