package tfrun

import (
	"cmp"
	"slices"
	"strings"
)

// secretMask is the text that replaces a secret in output.
const secretMask = "***"

// newMasker returns a replacer that masks every non-empty secret, or nil
// when there is none. Longer secrets go first, so that one containing
// another is masked whole.
func newMasker(secrets []string) *strings.Replacer {
	var sorted []string
	for _, s := range secrets {
		if s != "" && !slices.Contains(sorted, s) {
			sorted = append(sorted, s)
		}
	}
	if len(sorted) == 0 {
		return nil
	}
	slices.SortFunc(sorted, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	pairs := make([]string, 0, 2*len(sorted))
	for _, s := range sorted {
		pairs = append(pairs, s, secretMask)
	}
	return strings.NewReplacer(pairs...)
}

// mask masks the Runner's secrets in s.
func (r *Runner) mask(s string) string {
	if r.masker == nil {
		return s
	}
	return r.masker.Replace(s)
}

// maskedError masks the Runner's secrets in an error's message and
// unwraps to the error, so errors.Is and errors.As still see it.
type maskedError struct {
	err  error
	mask func(string) string
}

func (e *maskedError) Error() string { return e.mask(e.err.Error()) }
func (e *maskedError) Unwrap() error { return e.err }

// newError is the *Error of a failed command, with the Runner's secrets
// masked in its output and message.
func (r *Runner) newError(binary, command, stdout, stderr string, err error) *Error {
	if r.masker != nil {
		err = &maskedError{err: err, mask: r.mask}
	}
	return &Error{
		Binary:  binary,
		Command: command,
		Dir:     r.name,
		Stdout:  r.mask(stdout),
		Stderr:  r.mask(stderr),
		Err:     err,
	}
}
