// Command csocbot runs infrastructure change through pull requests.
//
// Usage:
//
//	csocbot detect --repo DIR --base REV --head REV [--json]
//
// Run `csocbot help` for every command.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/csocbot/csocbot/planner/sandbox"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"detect", "list the units a change between two revisions affects, in apply order", runDetect},
		{"preview", "plan the affected units for real and print the pull request comment", runPreview},
		{"serve", "run the webhook server (--check checks everything it needs and exits)", runServe},
		{"policy", "test a policy folder's Rego tests, or evaluate policies against a saved plan", runPolicy},
		{"audit", "print the audit log (audit verify checks its hash chain)", runAudit},
		{"locks", "list the units' locks, or release one (an operator's release, audited)", runLocks},
		{"version", "print csocbot's version", runVersion},
	}
}

// exitError carries an exit status without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	// csocbot is also the launcher that confines terraform to its run:
	// started as one, it never returns from here.
	sandbox.Main()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A second signal stops at once: the clean stop the first began may
	// wait for a running apply (apply.shutdown_grace).
	context.AfterFunc(ctx, stop)
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	switch {
	case len(args) == 0 || args[0] == "-h" || args[0] == "--help" || (args[0] == "help" && len(args) == 1):
		usage(stdout)
		return 0
	case args[0] == "help" && len(args) == 2:
		// csocbot help COMMAND is csocbot COMMAND -h.
		args = []string{args[1], "-h"}
	case args[0] == "help":
		fmt.Fprintf(stderr, "csocbot help: unexpected argument %q; run `csocbot help COMMAND`\n", args[2])
		return 2
	case args[0] == "--version":
		args = append([]string{"version"}, args[1:]...)
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		var ee exitError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ee):
			return ee.code
		}
		fmt.Fprintf(stderr, "csocbot %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(stderr, "csocbot: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "csocbot runs Terragrunt and Terraform changes through pull requests.")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `csocbot COMMAND -h` for a command's flags.")
}

// flagSet is a command's flags. Mistakes are reported on standard error,
// with the usage; -h and --help print the usage on standard output.
type flagSet struct {
	*flag.FlagSet
	stdout io.Writer
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name, synopsis string, stdout, stderr io.Writer) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: csocbot %s\n", synopsis)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return &flagSet{FlagSet: fs, stdout: stdout}
}

// parse parses args, which may end with at most maxArgs positional
// arguments. After -h or --help, which print the usage on standard
// output, it returns flag.ErrHelp.
func (fs *flagSet) parse(args []string, maxArgs int) error {
	usage := fs.Usage
	fs.Usage = func() {} // the flag package's call; printed below, where it belongs
	err := fs.Parse(args)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(fs.stdout)
		fs.Usage()
		return err
	case err != nil: // the flag package said what is wrong
		fs.Usage()
		return exitError{code: 2}
	case fs.NArg() > maxArgs:
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(maxArgs))
		fs.Usage()
		return exitError{code: 2}
	}
	return nil
}
