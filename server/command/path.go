package command

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanPath checks that p names something inside the repository that
// terraform cannot mistake for a flag, and returns it cleaned. It refuses
// rather than repairs: "../x" or "/x" means the author meant something we
// must not guess at.
func cleanPath(p string) (string, error) {
	if !utf8.ValidString(p) || strings.ContainsFunc(p, invisible) {
		return "", fmt.Errorf("%w: a path contains a control or invisible character", ErrPathNotAllowed)
	}
	var reason string
	switch {
	case strings.HasPrefix(p, "-"):
		reason = "starts with `-`, so terraform would read it as a flag"
	case strings.HasPrefix(p, "/"):
		reason = "is absolute; give a path relative to the repository root"
	case strings.Contains(p, `\`):
		reason = "contains a backslash; separate directories with `/`"
	case slices.Contains(strings.Split(p, "/"), ".."):
		reason = "contains `..`; paths must stay inside the repository"
	}
	if reason == "" {
		clean := path.Clean(p)
		if !strings.HasPrefix(clean, "-") {
			return clean, nil
		}
		reason = "starts with `-` once cleaned, so terraform would read it as a flag"
	}
	return "", fmt.Errorf("%w: %s %s", ErrPathNotAllowed, code(p), reason)
}

// invisible reports control characters, which include NUL and newlines, and
// format characters such as right-to-left overrides, which make a path
// read differently from what it is.
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}
