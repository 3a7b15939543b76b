// Package command finds and parses the csocbot commands people write in pull
// request comments, such as "csocbot plan -u live/prod/vpc".
//
// Every argument ends up in front of terraform on a machine holding cloud
// credentials, so parsing is strict: paths must stay inside the repository
// and cannot look like terraform flags. Errors are written for the person
// who typed the command, since the server quotes them in its reply.
package command

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultPrefix starts every command unless the operator configures another.
const DefaultPrefix = "csocbot"

// Name is a command's name, the word after the prefix.
type Name string

// The commands csocbot understands.
const (
	Plan            Name = "plan"
	Apply           Name = "apply"
	Unlock          Name = "unlock"
	ApprovePolicies Name = "approve_policies"
	Help            Name = "help"
)

// Command is one valid command line from a comment.
type Command struct {
	Name Name
	// Units and Dirs are the paths given with -u/--unit and -d/--dir to
	// plan and apply, cleaned ("./live/prod/" becomes "live/prod") and
	// relative to the repository root, without duplicates. Both empty
	// means every unit the pull request affects.
	Units []string
	Dirs  []string
	// PolicySets are the sets named to approve_policies; empty means all.
	PolicySets []string
	// Line is the command's 1-based line number in the comment.
	Line int
}

// Kinds of Error, for errors.Is. Their text starts each Error's message.
var (
	ErrSyntax          = errors.New("syntax error")
	ErrMissingCommand  = errors.New("missing command")
	ErrUnknownCommand  = errors.New("unknown command")
	ErrUnknownFlag     = errors.New("unknown flag")
	ErrMissingValue    = errors.New("missing value")
	ErrPathNotAllowed  = errors.New("path not allowed")
	ErrInvalidArgument = errors.New("invalid argument")
)

// Error is a line that starts with the prefix but is not a valid command.
type Error struct {
	// Line is the 1-based line number in the comment, and Text that line.
	Line int
	Text string
	// Err says what is wrong; it wraps one of the Err… kinds above.
	Err error
	// Usage is Markdown help worth showing with the error (the command's
	// usage, or every command's), or empty when the message says it all.
	Usage string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

func (e *Error) Unwrap() error { return e.Err }

// Parse returns the commands in a comment body and an error for each line
// that starts with the prefix but is not a valid command, both in line
// order. prefix defaults to DefaultPrefix; "@prefix" is accepted as well.
//
// A command is a line that starts with the prefix as a whole word
// ("csocbotx plan" is not one), after at most three spaces. Lines inside
// fenced code blocks, quoted with ">" or indented as code are skipped:
// people quote commands when they talk about them, and Markdown shows
// those lines as quotations rather than commands.
func Parse(prefix, body string) ([]Command, []*Error) {
	prefix = strings.TrimPrefix(prefix, "@")
	if prefix == "" {
		prefix = DefaultPrefix
	}
	var (
		cmds  []Command
		errs  []*Error
		fence fence
	)
	for i, line := range strings.Split(body, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if fence.skip(line) {
			continue
		}
		rest, ok := afterPrefix(line, prefix)
		if !ok {
			continue
		}
		cmd, usage, err := parseArgs(prefix, rest)
		if err != nil {
			errs = append(errs, &Error{Line: i + 1, Text: line, Err: err, Usage: usage})
			continue
		}
		cmd.Line = i + 1
		cmds = append(cmds, cmd)
	}
	return cmds, errs
}

// afterPrefix returns what follows the prefix if line is a command line.
func afterPrefix(line, prefix string) (string, bool) {
	s, ok := trimIndent(line)
	if !ok {
		return "", false
	}
	s = strings.TrimPrefix(s, "@")
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", false
	}
	if r, _ := utf8.DecodeRuneInString(rest); rest != "" && !unicode.IsSpace(r) {
		return "", false // a longer word, such as "csocbotx"
	}
	return rest, true
}

// trimIndent removes up to three leading spaces. Deeper indentation, or a
// tab, makes the line an indented code block in Markdown, which it reports
// as not ok.
func trimIndent(line string) (string, bool) {
	for range 3 {
		if !strings.HasPrefix(line, " ") {
			break
		}
		line = line[1:]
	}
	return line, !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "\t")
}

// fence tracks Markdown fenced code blocks (``` or ~~~) line by line.
type fence struct {
	char byte // '`' or '~' while inside a block
	n    int  // length of the opening fence; 0 outside a block
}

// skip reports whether line opens, closes or is inside a fenced block.
func (f *fence) skip(line string) bool {
	s, ok := trimIndent(line)
	if !ok {
		return f.n > 0
	}
	c, run := byte(0), 0
	if s != "" && (s[0] == '`' || s[0] == '~') {
		c = s[0]
		for run < len(s) && s[run] == c {
			run++
		}
	}
	if f.n == 0 {
		// An info string with a backtick means inline code, not a fence.
		if run < 3 || (c == '`' && strings.Contains(s[run:], "`")) {
			return false
		}
		f.char, f.n = c, run
		return true
	}
	if c == f.char && run >= f.n && strings.TrimSpace(s[run:]) == "" {
		f.n = 0
	}
	return true
}

// parseArgs parses what follows the prefix on a command line. On error it
// also returns the usage to show with it.
func parseArgs(prefix, rest string) (Command, string, error) {
	args, err := split(rest)
	if err != nil {
		return Command{}, "", err
	}
	if len(args) == 0 {
		return Command{}, Usage(prefix), fmt.Errorf("%w after %s", ErrMissingCommand, code(prefix))
	}
	name, args := Name(args[0]), args[1:]
	if _, ok := specs[name]; !ok {
		if s := suggest(string(name)); s != "" {
			return Command{}, Usage(prefix), fmt.Errorf("%w %s; did you mean %s?", ErrUnknownCommand, code(string(name)), code(string(s)))
		}
		return Command{}, Usage(prefix), fmt.Errorf("%w %s", ErrUnknownCommand, code(string(name)))
	}
	cmd := Command{Name: name}
	usage := commandUsage(prefix, name)
	if slices.Contains(args, "--") {
		return Command{}, usage, fmt.Errorf("%w %s: csocbot does not accept it", ErrInvalidArgument, code("--"))
	}
	switch name {
	case Plan, Apply:
		err = parsePaths(&cmd, args)
	case ApprovePolicies:
		cmd.PolicySets, err = parsePolicySets(args)
	default:
		if len(args) > 0 {
			err = fmt.Errorf("%w %s: %s takes no arguments", ErrInvalidArgument, code(args[0]), code(string(name)))
		}
	}
	if err != nil {
		if errors.Is(err, ErrPathNotAllowed) {
			usage = "" // the reason is the whole story
		}
		return Command{}, usage, err
	}
	return cmd, "", nil
}

// parsePaths reads the -u/--unit and -d/--dir flags of plan and apply.
func parsePaths(cmd *Command, args []string) error {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") {
			return fmt.Errorf("%w %s: %s takes paths only after %s or %s",
				ErrInvalidArgument, code(arg), code(string(cmd.Name)), code("-u"), code("-d"))
		}
		flag, value, inline := strings.Cut(arg, "=")
		dst := pathFlag(cmd, flag)
		if dst == nil {
			return fmt.Errorf("%w %s: %s accepts only %s/%s and %s/%s",
				ErrUnknownFlag, code(flag), code(string(cmd.Name)), code("-u"), code("--unit"), code("-d"), code("--dir"))
		}
		if !inline && i+1 < len(args) && !isPathFlag(args[i+1]) {
			i++
			value = args[i]
		}
		if value == "" {
			return fmt.Errorf("%w: %s needs a path, as in %s", ErrMissingValue, code(flag), code(flag+" live/prod/vpc"))
		}
		p, err := cleanPath(value)
		if err != nil {
			return err
		}
		if !slices.Contains(*dst, p) {
			*dst = append(*dst, p)
		}
	}
	return nil
}

// pathFlag returns the list a path flag adds to, or nil for other flags.
func pathFlag(cmd *Command, flag string) *[]string {
	switch flag {
	case "-u", "--unit":
		return &cmd.Units
	case "-d", "--dir":
		return &cmd.Dirs
	}
	return nil
}

// isPathFlag reports whether arg is one of csocbot's own path flags, so that
// "-u -d live" reads as a -u missing its value rather than a path "-d".
func isPathFlag(arg string) bool {
	flag, _, _ := strings.Cut(arg, "=")
	return pathFlag(&Command{}, flag) != nil
}

// policySetName is what a policy set may be called: the names come from the
// operator's configuration, and anything else is a typo or an attack.
var policySetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func parsePolicySets(args []string) ([]string, error) {
	var sets []string
	for _, arg := range args {
		if strings.HasPrefix(arg, "-") {
			flag, _, _ := strings.Cut(arg, "=")
			return nil, fmt.Errorf("%w %s: %s takes only policy set names", ErrUnknownFlag, code(flag), code(string(ApprovePolicies)))
		}
		if !policySetName.MatchString(arg) {
			return nil, fmt.Errorf("%w %s: a policy set name has only letters, digits, %s, %s and %s",
				ErrInvalidArgument, code(arg), code("."), code("_"), code("-"))
		}
		if !slices.Contains(sets, arg) {
			sets = append(sets, arg)
		}
	}
	return sets, nil
}
