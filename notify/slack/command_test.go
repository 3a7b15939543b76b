package slack

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func form(text string) []byte {
	return []byte(url.Values{"command": {"/csocbot"}, "text": {text}, "user_id": {"U1"}, "user_name": {"alice"}, "channel_id": {"C1"}}.Encode())
}

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		text    string
		want    Command // Name, Repo, PR, Failed
		wantErr string
	}{
		{text: "status", want: Command{Name: StatusCommand}},
		{text: "  STATUS   42 ", want: Command{Name: StatusCommand, PR: 42}},
		{text: "status #42", want: Command{Name: StatusCommand, PR: 42}},
		{text: "status org/infra#42", want: Command{Name: StatusCommand, Repo: "org/infra", PR: 42}},
		{text: "status gitops#7", want: Command{Name: StatusCommand, Repo: "gitops", PR: 7}},
		{text: "locks", want: Command{Name: LocksCommand}},
		{text: "locks org/infra", want: Command{Name: LocksCommand, Repo: "org/infra"}},
		{text: "runs", want: Command{Name: RunsCommand}},
		{text: "runs --failed", want: Command{Name: RunsCommand, Failed: true}},
		{text: "runs org/infra --failed", want: Command{Name: RunsCommand, Repo: "org/infra", Failed: true}},
		{text: "runs --failed org/gitops", want: Command{Name: RunsCommand, Repo: "org/gitops", Failed: true}},
		{text: "", wantErr: "no subcommand"},
		{text: "apply 42", wantErr: "unknown subcommand `apply`"},
		{text: "help", wantErr: "unknown subcommand"},
		{text: "status 0", wantErr: "not a pull request number"},
		{text: "status -3", wantErr: "not a pull request number"},
		{text: "status org/infra#", wantErr: "not a pull request number"},
		{text: "status a/b/c#1", wantErr: "not a repository name"},
		{text: "status 1 2", wantErr: "one pull request"},
		{text: "locks a b", wantErr: "one repository"},
		{text: "locks <!channel>", wantErr: "`&lt;!channel&gt;` is not a repository name"},
		{text: "runs --all", wantErr: "unknown option `--all`"},
		{text: "runs a b", wantErr: "one repository"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			got, err := ParseCommand(form(tc.text))
			if tc.wantErr != "" {
				if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasSuffix(err.Error(), Usage) {
					t.Fatalf("err = %v, want ErrUsage saying %q and the usage", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Text != tc.text || got.UserID != "U1" || got.UserName != "alice" || got.ChannelID != "C1" {
				t.Errorf("fields: %+v", got)
			}
			if got.Name != tc.want.Name || got.Repo != tc.want.Repo || got.PR != tc.want.PR || got.Failed != tc.want.Failed {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if _, err := ParseCommand([]byte("text=%zz")); err == nil || errors.Is(err, ErrUsage) {
		t.Errorf("a broken form: err = %v", err)
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"status", "status org/infra#42", "runs --failed org/x", "locks a", "apply", "status #", "runs -- --failed"} {
		f.Add(string(form(s)))
	}
	f.Add("text=status+%2399999999999999999999")
	f.Fuzz(func(t *testing.T, body string) {
		c, err := ParseCommand([]byte(body))
		if err != nil {
			return
		}
		switch c.Name {
		case StatusCommand, LocksCommand, RunsCommand:
		default:
			t.Fatalf("accepted subcommand %q", c.Name)
		}
		if c.PR < 0 || (c.Repo != "" && !repoName.MatchString(c.Repo)) || (c.Failed && c.Name != RunsCommand) || (c.PR != 0 && c.Name != StatusCommand) {
			t.Fatalf("bad command %+v", c)
		}
	})
}
