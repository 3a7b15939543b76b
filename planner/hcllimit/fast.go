package hcllimit

// fastDepthOK reports whether a quick scan of the bytes of an HCL file
// proves that its nesting, as checkTokens counts it, stays within
// MaxDepth. It follows comments, quoted strings with their escapes and
// interpolations, and brackets; on anything else (heredocs, block
// comments, template directives, mismatched brackets, long numbers,
// bytes outside ASCII) it
// gives up and returns false, and the lexer decides. Lexing every file
// again was a fifth of the allocations of detecting changes.
func fastDepthOK(src []byte) bool {
	type level struct {
		closer byte // ')', ']', '}', '"' (a string), '$' (an interpolation) or 0 (the file)
		ops    int
	}
	stack := []level{{}}
	depth, digits := 0, 0
	push := func(closer byte) bool {
		stack = append(stack, level{closer: closer})
		depth++
		return depth <= MaxDepth
	}
	for i := 0; i < len(src); i++ {
		c, top := src[i], &stack[len(stack)-1]
		if c >= 0x80 {
			return false // the lexer reads runes, and invalid ones swallow bytes
		}
		if c >= '0' && c <= '9' || c == '.' {
			if digits++; digits > MaxNumberLen {
				return false
			}
		} else {
			digits = 0
		}
		if top.closer == '"' {
			switch {
			case c == '\\':
				i++
			case c == '"':
				stack, depth = stack[:len(stack)-1], depth-1
			case c == '\n' || c == '%' && next(src, i) == '{':
				return false
			case c == '$' && next(src, i) == '$':
				i++ // "$${" is literal text
			case c == '$' && next(src, i) == '{':
				i++
				if !push('$') {
					return false
				}
			}
			continue
		}
		switch {
		case c == '#' || c == '/' && next(src, i) == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i-- // the newline ends items below
		case c == '/' && next(src, i) == '*', c == '<' && next(src, i) == '<':
			return false
		case c == '"':
			if !push('"') {
				return false
			}
		case c == '(' || c == '[' || c == '{':
			if !push(map[byte]byte{'(': ')', '[': ']', '{': '}'}[c]) {
				return false
			}
		case c == ')' || c == ']' || c == '}':
			if top.closer != c && (c != '}' || top.closer != '$') {
				return false
			}
			stack, depth = stack[:len(stack)-1], depth-1-top.ops
		case c == '!' || c == '-' || c == '?':
			top.ops++
			if depth++; depth > MaxDepth {
				return false
			}
		case c == ',' || c == '\n' && (top.closer == 0 || top.closer == '}'):
			depth -= top.ops
			top.ops = 0
		}
	}
	return true
}

// next is the byte after src[i], or 0.
func next(src []byte, i int) byte {
	if i+1 < len(src) {
		return src[i+1]
	}
	return 0
}
