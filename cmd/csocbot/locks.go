package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/user"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/csocbot/csocbot/server"
	"github.com/csocbot/csocbot/store"
)

func runLocks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "Usage: csocbot locks list --config FILE [--repo R] [--json]")
		fmt.Fprintln(w, "       csocbot locks release --config FILE --repo R --unit U [--workspace W]")
		fmt.Fprintln(w, "\nRun `csocbot locks list -h` or `csocbot locks release -h` for their flags.")
	}
	return runGroup(ctx, "locks", usage, []subcommand{{"list", runLocksList}, {"release", runLocksRelease}}, args, stdout, stderr)
}

// runLocksList prints the locks held.
func runLocksList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("locks list", "locks list --config FILE [--repo R] [--json]", stdout, stderr)
	cfgPath := fs.String("config", "", "the server's configuration file (required)")
	repo := fs.String("repo", "", "only the locks of this repository, owner/name")
	asJSON := fs.Bool("json", false, "print the locks as a JSON array, as GET /api/locks does")
	withNote(fs, "Lists the units' locks pull requests hold, by repository, unit and workspace.\n\n"+storeNote)
	if err := fs.parse(args, 0); err != nil {
		return err
	}
	if err := requireConfig(fs, *cfgPath); err != nil {
		return err
	}
	st, err := openStore(ctx, *cfgPath, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	locks, err := st.Locks(ctx, *repo)
	if err != nil {
		return err
	}
	if *asJSON {
		if locks == nil {
			locks = []store.Lock{} // [] in JSON, not null
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(locks)
	}
	if len(locks) == 0 {
		fmt.Fprintln(stdout, "no locks held")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REPOSITORY\tUNIT\tWORKSPACE\tPULL REQUEST\tHOLDER\tHEAD\tSINCE (UTC)")
	for _, l := range locks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cell(l.Repo), cell(l.Unit), cell(l.Workspace), "#"+strconv.Itoa(l.PR),
			cell(l.Holder), cell(short(l.HeadSHA, 7)), l.Acquired.UTC().Format(time.DateTime))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, count(len(locks), "lock", "locks"))
	return nil
}

// runLocksRelease releases a lock whoever holds it, and records the
// release in the audit log under the operator's name.
func runLocksRelease(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("locks release", "locks release --config FILE --repo R --unit U [--workspace W]", stdout, stderr)
	cfgPath := fs.String("config", "", "the server's configuration file (required)")
	repo := fs.String("repo", "", "the repository, owner/name (required)")
	unit := fs.String("unit", "", "the unit's path in the repository (required)")
	workspace := fs.String("workspace", "", "the workspace; the default one when not given")
	withNote(fs, "Releases a unit's lock whoever holds it; the audit log records the release\nunder your user name. The pull request that held it plans the unit again to\ntake it back.\n\n"+storeNote)
	if err := fs.parse(args, 0); err != nil {
		return err
	}
	if err := requireConfig(fs, *cfgPath); err != nil {
		return err
	}
	if *repo == "" || *unit == "" {
		fmt.Fprintln(stderr, "--repo and --unit are required: the lock to release (`csocbot locks list` lists them)")
		fs.Usage()
		return exitError{code: 2}
	}
	st, err := openStore(ctx, *cfgPath, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	l, ok, err := st.ForceUnlock(ctx, *repo, *unit, *workspace)
	if err != nil {
		return err
	}
	name := *unit
	if *workspace != "" {
		name += " (workspace " + *workspace + ")"
	}
	if !ok {
		return fmt.Errorf("nobody holds the lock of %s in %s; `csocbot locks list --config %s` lists the locks held", name, *repo, *cfgPath)
	}
	if _, err := st.AppendAudit(ctx, server.ReleaseAudit(operator(), l, "released with csocbot locks release")); err != nil {
		return fmt.Errorf("released the lock of %s in %s (held by #%d), but could not record it in the audit log: %w", name, *repo, l.PR, err)
	}
	fmt.Fprintf(stdout, "released the lock of %s in %s, held by #%d (%s)\n", name, *repo, l.PR, l.Holder)
	return nil
}

// operator names who runs the command, for the audit log: the user's
// login name, or "operator" when it cannot be known.
func operator() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "operator"
}
