package command

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// split breaks a command line into arguments the way a POSIX shell would,
// without expansions: arguments are separated by white space; single quotes
// keep everything up to the next single quote; double quotes keep
// everything up to the next unescaped double quote, where \" and \\ stand
// for " and \ (any other backslash is kept); outside quotes, a backslash
// keeps the next character as it is. Quotes that are never closed, or a
// backslash ending the line, are errors because guessing what was meant
// could plan the wrong thing.
func split(s string) ([]string, error) {
	var (
		args  []string
		arg   strings.Builder
		inArg bool // distinguishes an empty quoted argument from none
	)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			if inArg {
				args = append(args, arg.String())
				arg.Reset()
				inArg = false
			}
			i += size
		case r == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("%w: a single quote (') is never closed", ErrSyntax)
			}
			arg.WriteString(s[i+1 : i+1+end])
			inArg = true
			i += end + 2
		case r == '"':
			n, err := doubleQuoted(&arg, s[i+1:])
			if err != nil {
				return nil, err
			}
			inArg = true
			i += 1 + n
		case r == '\\':
			if i+1 == len(s) {
				return nil, fmt.Errorf("%w: the line ends with a backslash (\\)", ErrSyntax)
			}
			_, n := utf8.DecodeRuneInString(s[i+1:])
			arg.WriteString(s[i+1 : i+1+n])
			inArg = true
			i += 1 + n
		default:
			arg.WriteString(s[i : i+size])
			inArg = true
			i += size
		}
	}
	if inArg {
		args = append(args, arg.String())
	}
	return args, nil
}

// doubleQuoted copies the inside of a double-quoted string, s starting just
// after the opening quote, to arg and returns how much of s it consumed,
// closing quote included.
func doubleQuoted(arg *strings.Builder, s string) (int, error) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i + 1, nil
		case c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
			arg.WriteByte(s[i+1])
			i++
		default:
			arg.WriteByte(c)
		}
	}
	return 0, fmt.Errorf("%w: a double quote (\") is never closed", ErrSyntax)
}
