package command

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseCommands(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		body   string
		want   []Command
	}{
		{"plan", "", "csocbot plan", []Command{{Name: Plan, Line: 1}}},
		{"mention", "", "@csocbot plan", []Command{{Name: Plan, Line: 1}}},
		{"apply", "", "csocbot apply -u live/prod/eks", []Command{{Name: Apply, Units: []string{"live/prod/eks"}, Line: 1}}},
		{"unlock", "", "csocbot unlock", []Command{{Name: Unlock, Line: 1}}},
		{"help", "", "csocbot help", []Command{{Name: Help, Line: 1}}},
		{"units and dirs", "", "csocbot plan -u live/prod/vpc -d live/prod",
			[]Command{{Name: Plan, Units: []string{"live/prod/vpc"}, Dirs: []string{"live/prod"}, Line: 1}}},
		{"long flags", "", "csocbot plan --unit live/prod/vpc --dir live/stage",
			[]Command{{Name: Plan, Units: []string{"live/prod/vpc"}, Dirs: []string{"live/stage"}, Line: 1}}},
		{"flags with =", "", "csocbot plan --unit=live/prod/vpc -d=live/stage",
			[]Command{{Name: Plan, Units: []string{"live/prod/vpc"}, Dirs: []string{"live/stage"}, Line: 1}}},
		{"repeated flags keep order, drop duplicates", "", "csocbot plan -u b -u a -u ./b/ -d x -d x",
			[]Command{{Name: Plan, Units: []string{"b", "a"}, Dirs: []string{"x"}, Line: 1}}},
		{"paths are cleaned", "", "csocbot plan -u ./live/prod/ -u live//prod/./vpc -d .",
			[]Command{{Name: Plan, Units: []string{"live/prod", "live/prod/vpc"}, Dirs: []string{"."}, Line: 1}}},
		{"quoted path with a space", "", `csocbot plan -u "live/my unit" -d 'live/a b'`,
			[]Command{{Name: Plan, Units: []string{"live/my unit"}, Dirs: []string{"live/a b"}, Line: 1}}},
		{"path that merely contains a dash", "", "csocbot plan -u live/us-east-1/vpc-a",
			[]Command{{Name: Plan, Units: []string{"live/us-east-1/vpc-a"}, Line: 1}}},
		{"approve every policy set", "", "csocbot approve_policies", []Command{{Name: ApprovePolicies, Line: 1}}},
		{"approve named policy sets", "", "csocbot approve_policies cost-limits tags_v2 cost-limits",
			[]Command{{Name: ApprovePolicies, PolicySets: []string{"cost-limits", "tags_v2"}, Line: 1}}},
		{"several commands", "", "Looks good.\ncsocbot plan -u a\n\ncsocbot apply -u a\r\nthanks!",
			[]Command{{Name: Plan, Units: []string{"a"}, Line: 2}, {Name: Apply, Units: []string{"a"}, Line: 4}}},
		{"CRLF line endings", "", "csocbot plan\r\ncsocbot unlock\r\n",
			[]Command{{Name: Plan, Line: 1}, {Name: Unlock, Line: 2}}},
		{"up to three spaces of indent", "", "   csocbot plan", []Command{{Name: Plan, Line: 1}}},
		{"trailing white space", "", "csocbot plan  \t", []Command{{Name: Plan, Line: 1}}},
		{"tab after the prefix", "", "csocbot\tplan", []Command{{Name: Plan, Line: 1}}},
		{"custom prefix", "atlantis", "atlantis plan\n@atlantis unlock\ncsocbot plan",
			[]Command{{Name: Plan, Line: 1}, {Name: Unlock, Line: 2}}},
		{"custom prefix given with @", "@atlantis", "atlantis plan", []Command{{Name: Plan, Line: 1}}},
		{"command after a closed fence", "", "```\ncsocbot plan -u x\n```\ncsocbot plan",
			[]Command{{Name: Plan, Line: 4}}},
		{"tilde fence", "", "~~~sh\ncsocbot apply\n~~~\ncsocbot plan", []Command{{Name: Plan, Line: 4}}},
		{"longer closing fence", "", "````\ncsocbot apply\n`````\ncsocbot plan", []Command{{Name: Plan, Line: 4}}},
		{"inline code is not a fence", "", "```inline``` code\ncsocbot plan", []Command{{Name: Plan, Line: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := Parse(tt.prefix, tt.body)
			for _, err := range errs {
				t.Errorf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) =\n%+v\nwant\n%+v", tt.body, got, tt.want)
			}
		})
	}
}

func TestParseIgnores(t *testing.T) {
	for _, body := range []string{
		"",
		"LGTM",
		"please csocbot plan",
		"csocbotx plan",
		"csocbot-plan",
		"csocbot: plan",
		"Csocbot plan",
		"CSOCBOT plan",
		"@@csocbot plan",
		"`csocbot plan`",
		"> csocbot plan",
		">csocbot plan",
		"   > csocbot apply",
		"> > csocbot apply",
		"- csocbot plan",
		"    csocbot plan",
		"\tcsocbot plan",
		"```\ncsocbot plan\n```",
		"```sh\ncsocbot apply -u live/prod\n```",
		"   ```\ncsocbot plan\n   ```",
		"~~~\ncsocbot plan\n~~~",
		"````\n```\ncsocbot plan\n````",
		"```\ncsocbot plan\n~~~\ncsocbot apply",
		"```\nunterminated fence runs to the end\ncsocbot apply",
	} {
		t.Run(body, func(t *testing.T) {
			cmds, errs := Parse("", body)
			if len(cmds) != 0 || len(errs) != 0 {
				t.Errorf("Parse(%q) = %+v, %v; want nothing", body, cmds, errs)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		line      int
		kind      error
		message   string // must appear in the error
		usage     string // must appear in Usage; "" means Usage is empty
		forbidden string // must not appear in the error
	}{
		{"missing command", "csocbot", 1, ErrMissingCommand, "missing command after `csocbot`", "csocbot approve_policies", ""},
		{"missing command with mention", "@csocbot   ", 1, ErrMissingCommand, "missing command", "csocbot plan", ""},
		{"typo", "csocbot pln", 1, ErrUnknownCommand, "unknown command `pln`; did you mean `plan`?", "csocbot unlock", ""},
		{"wrong case", "csocbot Plan", 1, ErrUnknownCommand, "did you mean `plan`?", "csocbot plan", ""},
		{"transposed letters", "csocbot aplpy -u x", 1, ErrUnknownCommand, "did you mean `apply`?", "csocbot apply", ""},
		{"approve", "csocbot approve", 1, ErrUnknownCommand, "did you mean `approve_policies`?", "csocbot help", ""},
		{"hyphen for underscore", "csocbot approve-policies", 1, ErrUnknownCommand, "did you mean `approve_policies`?", "csocbot help", ""},
		{"nothing close", "csocbot destroy", 1, ErrUnknownCommand, "unknown command `destroy`", "csocbot plan", "did you mean"},
		{"prose", "csocbot is great", 1, ErrUnknownCommand, "unknown command `is`", "csocbot plan", "did you mean"},
		{"unknown flag", "csocbot plan -x", 1, ErrUnknownFlag, "unknown flag `-x`: `plan` accepts only `-u`/`--unit` and `-d`/`--dir`", "csocbot plan -u live/prod/vpc", ""},
		{"terraform flag", "csocbot plan -var=foo=bar", 1, ErrUnknownFlag, "unknown flag `-var`", "csocbot plan", "foo=bar"},
		{"terraform -chdir", "csocbot apply -chdir=/etc", 1, ErrUnknownFlag, "unknown flag `-chdir`", "csocbot apply", ""},
		{"terraform -target", "csocbot apply -target aws_instance.x", 1, ErrUnknownFlag, "unknown flag `-target`", "csocbot apply", ""},
		{"flag on approve_policies", "csocbot approve_policies -u x", 1, ErrUnknownFlag, "`approve_policies` takes only policy set names", "csocbot approve_policies", ""},
		{"double dash", "csocbot plan -- -u x", 1, ErrInvalidArgument, "invalid argument `--`", "csocbot plan", ""},
		{"double dash as a value", "csocbot plan -u --", 1, ErrInvalidArgument, "invalid argument `--`", "csocbot plan", ""},
		{"quoted double dash", `csocbot plan "--"`, 1, ErrInvalidArgument, "invalid argument `--`", "csocbot plan", ""},
		{"positional path", "csocbot plan live/prod", 1, ErrInvalidArgument, "`plan` takes paths only after `-u` or `-d`", "csocbot plan", ""},
		{"argument to unlock", "csocbot unlock now", 1, ErrInvalidArgument, "`unlock` takes no arguments", "csocbot unlock", ""},
		{"argument to help", "csocbot help plan", 1, ErrInvalidArgument, "`help` takes no arguments", "csocbot help", ""},
		{"bad policy set name", "csocbot approve_policies 'a;b'", 1, ErrInvalidArgument, "invalid argument `a;b`", "csocbot approve_policies", ""},
		{"missing value at end", "csocbot plan -u", 1, ErrMissingValue, "`-u` needs a path, as in `-u live/prod/vpc`", "csocbot plan", ""},
		{"missing value before a flag", "csocbot plan -d -u live", 1, ErrMissingValue, "`-d` needs a path", "csocbot plan", ""},
		{"missing value before a long flag", "csocbot plan --unit --dir=live", 1, ErrMissingValue, "`--unit` needs a path", "csocbot plan", ""},
		{"empty inline value", "csocbot plan --unit=", 1, ErrMissingValue, "`--unit` needs a path", "csocbot plan", ""},
		{"empty quoted value", `csocbot plan -u ""`, 1, ErrMissingValue, "`-u` needs a path", "csocbot plan", ""},
		{"absolute path", "csocbot plan -u /etc/passwd", 1, ErrPathNotAllowed, "`/etc/passwd` is absolute", "", ""},
		{"double-slash path", "csocbot plan -d //etc", 1, ErrPathNotAllowed, "is absolute", "", ""},
		{"parent directory", "csocbot plan -u ../other", 1, ErrPathNotAllowed, "`../other` contains `..`", "", ""},
		{"parent inside the path", "csocbot plan -u live/../../etc", 1, ErrPathNotAllowed, "contains `..`", "", ""},
		{"parent that stays inside", "csocbot plan -u live/../live/prod", 1, ErrPathNotAllowed, "contains `..`", "", ""},
		{"trailing parent", "csocbot plan -d live/..", 1, ErrPathNotAllowed, "contains `..`", "", ""},
		{"dash path", "csocbot plan -u -chdir=/tmp", 1, ErrPathNotAllowed, "`-chdir=/tmp` starts with `-`", "", ""},
		{"-var as a path", "csocbot apply -u=-var=x", 1, ErrPathNotAllowed, "`-var=x` starts with `-`", "", ""},
		{"dash after cleaning", "csocbot plan -u ./-chdir", 1, ErrPathNotAllowed, "starts with `-` once cleaned", "", ""},
		{"backslash", `csocbot plan -u 'live\prod'`, 1, ErrPathNotAllowed, "contains a backslash", "", ""},
		{"NUL", "csocbot plan -u 'a\x00b'", 1, ErrPathNotAllowed, "control or invisible character", "", "\x00"},
		{"escaped newline char", "csocbot plan -u 'a\rb'", 1, ErrPathNotAllowed, "control or invisible character", "", ""},
		{"right-to-left override", "csocbot plan -u 'live/\u202eorp'", 1, ErrPathNotAllowed, "control or invisible character", "", ""},
		{"invalid UTF-8", "csocbot plan -u '\xff'", 1, ErrPathNotAllowed, "control or invisible character", "", ""},
		{"unterminated single quote", "csocbot plan -u 'live/prod", 1, ErrSyntax, "single quote (') is never closed", "", ""},
		{"unterminated double quote", `csocbot plan -u "live/prod`, 1, ErrSyntax, `double quote (") is never closed`, "", ""},
		{"trailing backslash", `csocbot plan -u live\`, 1, ErrSyntax, "ends with a backslash", "", ""},
		{"line number", "first\nsecond\n\ncsocbot pln", 4, ErrUnknownCommand, "line 4: unknown command", "csocbot plan", ""},
		{"backticks in an echoed value", "csocbot pl`an", 1, ErrUnknownCommand, "unknown command ``pl`an``", "csocbot plan", ""},
		{"long value is shortened", "csocbot " + strings.Repeat("x", 500), 1, ErrUnknownCommand, "x…`", "csocbot plan", strings.Repeat("x", 61)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmds, errs := Parse("", tt.body)
			if len(cmds) != 0 || len(errs) != 1 {
				t.Fatalf("Parse(%q) = %+v, %v; want one error", tt.body, cmds, errs)
			}
			e := errs[0]
			if e.Line != tt.line || !errors.Is(e, tt.kind) {
				t.Errorf("error %q on line %d, want a %q error on line %d", e, e.Line, tt.kind, tt.line)
			}
			if !strings.Contains(e.Error(), tt.message) {
				t.Errorf("error %q does not say %q", e, tt.message)
			}
			if tt.forbidden != "" && strings.Contains(e.Error(), tt.forbidden) {
				t.Errorf("error %q contains %q", e, tt.forbidden)
			}
			if e.Text != strings.Split(tt.body, "\n")[tt.line-1] {
				t.Errorf("Text = %q, want line %d of the body", e.Text, tt.line)
			}
			if tt.usage == "" && e.Usage != "" {
				t.Errorf("Usage = %q, want none", e.Usage)
			}
			if !strings.Contains(e.Usage, tt.usage) {
				t.Errorf("Usage = %q, want it to contain %q", e.Usage, tt.usage)
			}
		})
	}
}

// TestParseMixed checks that one bad line does not hide the good ones, so
// the server can answer every line.
func TestParseMixed(t *testing.T) {
	body := "csocbot plan -u a\ncsocbot pln\n> csocbot apply\ncsocbot apply -u /x\ncsocbot unlock"
	cmds, errs := Parse("", body)
	want := []Command{{Name: Plan, Units: []string{"a"}, Line: 1}, {Name: Unlock, Line: 5}}
	if !reflect.DeepEqual(cmds, want) {
		t.Errorf("commands = %+v, want %+v", cmds, want)
	}
	var lines []int
	for _, e := range errs {
		lines = append(lines, e.Line)
	}
	if !reflect.DeepEqual(lines, []int{2, 4}) {
		t.Errorf("errors on lines %v, want [2 4]: %v", lines, errs)
	}
}

func TestUsage(t *testing.T) {
	for _, prefix := range []string{"", "csocbot", "@csocbot", "atlantis"} {
		t.Run(prefix, func(t *testing.T) {
			want := strings.TrimPrefix(prefix, "@")
			if want == "" {
				want = DefaultPrefix
			}
			u := Usage(prefix)
			for _, name := range order {
				if !strings.Contains(u, "`"+want+" "+string(name)) {
					t.Errorf("Usage does not show %s %s", want, name)
				}
				if specs[name].example != "" && !strings.Contains(u, "Example: `"+want+" "+string(name)+" "+specs[name].example+"`") {
					t.Errorf("Usage has no example for %s", name)
				}
			}
			// Every example must parse, and the help text itself must not
			// be read as commands when someone quotes it back.
			for _, name := range order {
				example := strings.TrimSpace(want + " " + string(name) + " " + specs[name].example)
				if _, errs := Parse(prefix, example); len(errs) != 0 {
					t.Errorf("example %q does not parse: %v", example, errs)
				}
			}
			if cmds, errs := Parse(prefix, u); len(cmds) != 0 || len(errs) != 0 {
				t.Errorf("Parse(Usage) = %+v, %v; want nothing", cmds, errs)
			}
		})
	}
	if len(specs) != len(order) {
		t.Errorf("specs has %d commands, order %d", len(specs), len(order))
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		word string
		want Name
	}{
		{"pln", Plan},
		{"plna", Plan},
		{"PLAN", Plan},
		{"lan", Plan},
		{"aply", Apply},
		{"appyl", Apply},
		{"app", Apply},
		{"unlok", Unlock},
		{"unlcok", Unlock},
		{"approve", ApprovePolicies},
		{"approvepolicies", ApprovePolicies},
		{"hlep", Help},
		{"hel", Help},
		{"destroy", ""},
		{"p", ""},
		{"pl", ""},
		{"ap", ""},
		{"", ""},
		{strings.Repeat("plan", 1000), ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.word); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plan", "`plan`"},
		{"", "``"},
		{"a`b", "``a`b``"},
		{"`x`", "`` `x` ``"},
		{"a``b", "```a``b```"},
		{"@someone", "`@someone`"},
		{"a\x00b", "`\"a\\x00b\"`"},
		{strings.Repeat("é", 70), "`" + strings.Repeat("é", 60) + "…`"},
	}
	for _, tt := range tests {
		if got := code(tt.in); got != tt.want {
			t.Errorf("code(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
