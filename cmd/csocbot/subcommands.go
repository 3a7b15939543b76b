package main

import (
	"context"
	"fmt"
	"io"
)

// subcommand is one command of a group such as `policy` or `locks`.
type subcommand struct {
	name string
	run  func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// runGroup runs the subcommand args name, or prints the group's usage:
// on standard output when asked for (-h, --help, help), on standard error
// with exit status 2 for a missing or unknown subcommand.
func runGroup(ctx context.Context, group string, usage func(io.Writer), subs []subcommand, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return exitError{code: 2}
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(ctx, args[1:], stdout, stderr)
		}
	}
	switch args[0] {
	case "-h", "--help", "help":
		if len(args) > 1 {
			fmt.Fprintf(stderr, "unexpected argument %q\n", args[1])
			usage(stderr)
			return exitError{code: 2}
		}
		usage(stdout)
		return nil
	}
	fmt.Fprintf(stderr, "unknown %s command %q\n", group, args[0])
	usage(stderr)
	return exitError{code: 2}
}
