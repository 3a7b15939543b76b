package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/store"
)

// storeNote ends the help of the commands that read the server's store.
const storeNote = `It opens the store the configuration names (store.path, or store.url_file for
PostgreSQL) directly, so run it where the server keeps its store, with the
server's environment (the configuration's secrets must resolve). With either
store this works beside a running server.`

// withNote makes fs's usage end with note.
func withNote(fs *flagSet, note string) {
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprintln(fs.Output(), "\n"+note)
	}
}

// openStore opens the store of the server configuration at cfgPath, for
// the operators' commands. Unlike serve, it refuses to create a store: a
// missing one means the wrong configuration or machine.
func openStore(ctx context.Context, cfgPath string, stderr io.Writer) (store.Store, error) {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "%s is not valid:\n%v\n", cfgPath, err)
		return nil, exitError{code: 1}
	}
	if cfg.Store.Driver == config.StoreSQLite {
		if _, err := os.Stat(cfg.Store.Path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("there is no store at %s (store.path of %s); run this where the server keeps its store, with the server's configuration", cfg.Store.Path, cfgPath)
		}
	}
	// A newer csocbot migrates the store's schema, and says so.
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	st, _, err := openConfiguredStore(ctx, cfg, log)
	return st, err
}

// requireConfig reports a missing --config.
func requireConfig(fs *flagSet, cfgPath string) error {
	if cfgPath != "" {
		return nil
	}
	fmt.Fprintln(fs.Output(), "--config is required: the server's configuration file, which names its store")
	fs.Usage()
	return exitError{code: 2}
}

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "verify" {
		return runAuditVerify(ctx, args[1:], stdout, stderr)
	}
	fs := newFlagSet("audit", "audit --config FILE [--repo R] [--pr N] [--unit U] [--since T] [--json]\n       csocbot audit verify --config FILE [--head SEQ:HASH]", stdout, stderr)
	cfgPath := fs.String("config", "", "the server's configuration file (required)")
	repo := fs.String("repo", "", "only entries of this repository, owner/name")
	pr := fs.Int("pr", 0, "only entries of this pull request")
	unit := fs.String("unit", "", "only entries of this unit, its path in the repository")
	since := fs.String("since", "", "only entries recorded since then: a time like 2026-12-01T00:00:00Z, or a duration like 24h (that long ago)")
	asJSON := fs.Bool("json", false, "print the entries as a JSON array, as GET /api/audit does")
	withNote(fs, "Prints the audit log's entries that match, oldest first. `csocbot audit verify`\nchecks the log's hash chain.\n\n"+storeNote)
	if err := fs.parse(args, 0); err != nil {
		return err
	}
	if err := requireConfig(fs, *cfgPath); err != nil {
		return err
	}
	f := store.AuditFilter{Repo: *repo, PR: *pr, Unit: *unit}
	if *pr < 0 {
		fmt.Fprintf(stderr, "--pr is a pull request number, not %d\n", *pr)
		fs.Usage()
		return exitError{code: 2}
	}
	if *since != "" {
		t, err := parseSince(*since, time.Now())
		if err != nil {
			fmt.Fprintln(stderr, err)
			fs.Usage()
			return exitError{code: 2}
		}
		f.Since = t
	}
	st, err := openStore(ctx, *cfgPath, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	entries, err := st.Audit(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		if entries == nil {
			entries = []store.AuditEntry{} // [] in JSON, not null
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	if len(entries) == 0 {
		fmt.Fprintln(stdout, "no audit entries match")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME (UTC)\tACTOR\tACTION\tPULL REQUEST\tHEAD\tUNIT\tPLAN SHA256\tROLE\tOUTCOME\tDETAIL")
	for _, e := range entries {
		pull := e.Repo
		if e.PR != 0 {
			pull += "#" + strconv.Itoa(e.PR)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time.UTC().Format(time.DateTime),
			cell(e.Actor), cell(e.Action), cell(pull), cell(short(e.HeadSHA, 7)), cell(e.Unit), cell(short(e.PlanSHA256, 12)),
			cell(shortRole(e.RoleARN)), cell(e.Outcome), cell(e.Detail))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, count(len(entries), "entry", "entries"))
	return nil
}

// parseSince reads --since: a time in RFC 3339 form, or a duration before
// now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since: expected a time like 2026-12-01T00:00:00Z or a duration like 24h; got %q", s)
}

// cell makes s one table cell: on one line, "-" when empty.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Join(strings.Fields(s), " ")
}

// short keeps the first n characters of a hash, enough to tell it apart.
func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// shortRole drops what every AWS role ARN starts with:
// arn:aws:iam::123456789012:role/csocbot-apply is
// 123456789012:role/csocbot-apply.
func shortRole(arn string) string {
	if _, rest, ok := strings.Cut(arn, ":iam::"); ok && strings.HasPrefix(arn, "arn:") {
		return rest
	}
	return arn
}

// runAuditVerify checks the audit log's hash chain, and with --head that
// a head the server logged earlier is still in it.
func runAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit verify", "audit verify --config FILE [--head SEQ:HASH]", stdout, stderr)
	cfgPath := fs.String("config", "", "the server's configuration file (required)")
	head := fs.String("head", "", "a head the server logged earlier (\"audit chain head\" seq=SEQ hash=HASH), as SEQ:HASH: check that the log still holds that entry unchanged, which shows its last entries were not deleted")
	withNote(fs, "Checks the audit log's hash chain: that no entry was edited, deleted or\ninserted, and prints its head (the last entry's number and hash). The server\nlogs the head hourly; compare an earlier one with --head, since deleting the\nlast entries leaves a valid chain.\n\n"+storeNote)
	if err := fs.parse(args, 0); err != nil {
		return err
	}
	if err := requireConfig(fs, *cfgPath); err != nil {
		return err
	}
	var wantSeq int64
	var wantHash string
	if *head != "" {
		seq, hash, ok := strings.Cut(*head, ":")
		n, err := strconv.ParseInt(seq, 10, 64)
		if !ok || err != nil || n < 1 || hash == "" {
			fmt.Fprintf(stderr, "--head: expected SEQ:HASH, an entry's number and hash as the server logged them (seq=12 hash=ab12… is 12:ab12…); got %q\n", *head)
			fs.Usage()
			return exitError{code: 2}
		}
		wantSeq, wantHash = n, hash
	}
	st, err := openStore(ctx, *cfgPath, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	var (
		v         store.AuditVerifier
		foundHash string
	)
	err = st.AuditChain(ctx, func(e store.AuditEntry) error {
		if err := v.Add(e); err != nil {
			return err
		}
		if e.Seq == wantSeq {
			foundHash = e.Hash
		}
		return nil
	})
	if err != nil {
		fmt.Fprintf(stderr, "csocbot audit verify: %v\n", err)
		return exitError{code: 1}
	}
	seq, hash := v.Head()
	if wantSeq != 0 {
		switch {
		case seq < wantSeq:
			fmt.Fprintf(stderr, "csocbot audit verify: the audit log ends at entry %d, but the server logged entry %d as its head earlier: the entries after %d were deleted\n", seq, wantSeq, seq)
			return exitError{code: 1}
		case foundHash != wantHash:
			fmt.Fprintf(stderr, "csocbot audit verify: entry %d has the hash %s, not %s as the server logged earlier: the log was rewritten from entry %d or before\n", wantSeq, foundHash, wantHash, wantSeq)
			return exitError{code: 1}
		}
	}
	if seq == 0 {
		fmt.Fprintln(stdout, "audit log verified: 0 entries (it is empty)")
		return nil
	}
	fmt.Fprintf(stdout, "audit log verified: %s, head %d %s\n", count(int(seq), "entry", "entries"), seq, hash)
	if wantSeq != 0 {
		fmt.Fprintf(stdout, "entry %d is the one the server logged as its head\n", wantSeq)
	}
	return nil
}
