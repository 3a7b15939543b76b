package comment

import (
	"fmt"
	"sort"
	"strings"
)

// ValuesReport is what the comment on a gitops pull request shows: the
// settings that change, grouped where they change alike, and per Argo CD
// Application its environment, rendered-object diff and policy results.
type ValuesReport struct {
	Title string
	// Groups are the changed settings, identical changes in one group.
	Groups []ValueGroup
	Apps   []AppReport
	// Unused are changed files no Application uses.
	Unused []string
	// Problems are manifests that could not be read, "file: message".
	Problems      []string
	CommandPrefix string
}

// ValueGroup is one change (the same old → new) at one or more places.
type ValueGroup struct {
	// Op is "added", "removed" or "changed".
	Op string
	// Before and After are formatted values ("" when absent).
	Before, After string
	// TypeNote calls out a change of type, like "string → number".
	TypeNote string
	// Where are "application: path" places, in order.
	Where []string
}

// AppReport is one affected Application.
type AppReport struct {
	Name, File string
	// Op is "added", "removed" or "changed".
	Op          string
	Environment string
	Prod        bool
	Cluster     string
	Account     string
	// Files are the changed files the application uses.
	Files []string
	// Changes counts its changed settings.
	Changes int
	// Rendered says whether its chart was rendered before and after;
	// Objects are then the rendered objects that change.
	Rendered bool
	Objects  []ObjectReport
	Errors   []string
	Notes    []string
	Policy   []PolicyResult
	// Defaults lists, per values file, keys set to the chart's default.
	Defaults map[string][]string
}

// ObjectReport is one rendered Kubernetes object that changes.
type ObjectReport struct {
	Kind, Namespace, Name string
	// Op is "added", "removed" or "changed".
	Op string
	// Diff is a unified diff of its YAML (Secret data redacted).
	Diff string
}

// maxWhere bounds the places listed for one group; a release bump can
// touch hundreds of paths.
const maxWhere = 30

// RenderValues returns the comment as GitHub-flavoured Markdown. Pass the
// result to Split before posting it.
func RenderValues(r ValuesReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n", oneLine(r.Title))
	if len(r.Apps) == 0 {
		b.WriteString("This pull request changes no file an Argo CD Application uses.\n")
	} else {
		writeAppTable(&b, r.Apps)
		writeGroups(&b, r.Groups)
		for i := range r.Apps {
			writeApp(&b, &r.Apps[i])
		}
	}
	if len(r.Unused) > 0 {
		b.WriteString("\n**Changed files no Application uses** (Argo CD deploys nothing from them):\n")
		for _, f := range r.Unused {
			fmt.Fprintf(&b, "- %s\n", code(f))
		}
	}
	if len(r.Problems) > 0 {
		b.WriteString("\n**Manifests csocbot could not read:**\n")
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "- %s\n", text(p))
		}
	}
	prefix := r.CommandPrefix
	if prefix == "" {
		prefix = "csocbot"
	}
	fmt.Fprintf(&b, "\n---\n\nArgo CD deploys these changes when the pull request merges. Comment %s to check again, or %s if you own a failing policy set.\n",
		code(prefix+" plan"), code(prefix+" approve_policies"))
	return b.String()
}

func writeAppTable(b *strings.Builder, apps []AppReport) {
	b.WriteString("| Application | Environment | Settings | Objects | Result |\n|:--|:--|--:|--:|:--|\n")
	for i := range apps {
		a := &apps[i]
		env := "—"
		if a.Environment != "" {
			env = text(a.Environment)
			if a.Prod {
				env = "**" + env + "** (prod)"
			}
		}
		objects := "—"
		if a.Rendered {
			objects = fmt.Sprint(len(a.Objects))
		}
		name := cell(code(a.Name))
		if a.Op != "changed" && a.Op != "" {
			name += " (" + a.Op + ")"
		}
		fmt.Fprintf(b, "| %s | %s | %d | %s | %s |\n", name, env, a.Changes, objects, appResult(a))
	}
}

func appResult(a *AppReport) string {
	var denied, warned, overridden int
	for _, r := range a.Policy {
		switch {
		case r.blocking() && r.Overridden:
			overridden++
		case r.blocking():
			denied++
		default:
			warned++
		}
	}
	switch {
	case len(a.Errors) > 0:
		return "❌ error"
	case denied > 0:
		return fmt.Sprintf("❌ %d denied", denied)
	case overridden > 0:
		return "☑️ overridden"
	case warned > 0:
		return fmt.Sprintf("⚠️ %d %s", warned, plural(warned, "warning"))
	}
	return "✅ passed"
}

// writeGroups writes the changed settings, one line per distinct change.
func writeGroups(b *strings.Builder, groups []ValueGroup) {
	if len(groups) == 0 {
		return
	}
	b.WriteString("\n#### Changed settings\n\n| Change | Where |\n|:--|:--|\n")
	for _, g := range groups {
		var change string
		switch g.Op {
		case "added":
			change = "added " + cell(code(g.After))
		case "removed":
			change = "removed (was " + cell(code(g.Before)) + ")"
		default:
			change = cell(code(g.Before)) + " → " + cell(code(g.After))
		}
		if g.TypeNote != "" {
			change += " ⚠️ " + text(g.TypeNote)
		}
		where := make([]string, 0, min(len(g.Where), maxWhere))
		for i, w := range g.Where {
			if i == maxWhere {
				where = append(where, fmt.Sprintf("and %d more", len(g.Where)-maxWhere))
				break
			}
			where = append(where, cell(code(w)))
		}
		fmt.Fprintf(b, "| %s | %s |\n", change, strings.Join(where, "<br>"))
	}
}

func writeApp(b *strings.Builder, a *AppReport) {
	fmt.Fprintf(b, "\n#### %s\n\n", code(a.Name))
	var facts []string
	if a.Environment != "" {
		facts = append(facts, "environment "+code(a.Environment))
	}
	if a.Cluster != "" {
		facts = append(facts, "cluster "+code(a.Cluster))
	}
	if a.Account != "" {
		facts = append(facts, "account "+code(a.Account))
	}
	facts = append(facts, "manifest "+code(a.File))
	b.WriteString(strings.Join(facts, " · ") + "\n")
	if len(a.Files) > 0 {
		parts := make([]string, len(a.Files))
		for i, f := range a.Files {
			parts[i] = code(f)
		}
		fmt.Fprintf(b, "\nChanged files it uses: %s\n", strings.Join(parts, ", "))
	}
	for _, e := range a.Errors {
		fmt.Fprintf(b, "\n> ❌ %s\n", text(e))
	}
	for _, n := range a.Notes {
		fmt.Fprintf(b, "\n> ℹ️ %s\n", text(n))
	}
	if a.Rendered {
		writeObjects(b, a.Objects)
	}
	writePolicy(b, a.Policy)
	writeDefaults(b, a.Defaults)
}

func writeObjects(b *strings.Builder, objects []ObjectReport) {
	if len(objects) == 0 {
		b.WriteString("\nThe rendered manifests do not change.\n")
		return
	}
	counts := map[string]int{}
	for _, o := range objects {
		counts[o.Op]++
	}
	fmt.Fprintf(b, "\n<details><summary>Rendered objects: %d changed, %d added, %d removed</summary>\n\n",
		counts["changed"], counts["added"], counts["removed"])
	for _, o := range objects {
		id := o.Kind + " " + o.Name
		if o.Namespace != "" {
			id = o.Kind + " " + o.Namespace + "/" + o.Name
		}
		fmt.Fprintf(b, "**%s** %s\n\n", text(o.Op), code(id))
		if o.Diff != "" {
			b.WriteString(fenced("diff", plainOutput(o.Diff)))
			b.WriteString("\n")
		}
	}
	b.WriteString("</details>\n")
}

// writeDefaults is information for whoever wants shorter values files,
// never a failure.
func writeDefaults(b *strings.Builder, defaults map[string][]string) {
	if len(defaults) == 0 {
		return
	}
	files := make([]string, 0, len(defaults))
	n := 0
	for f, paths := range defaults {
		files = append(files, f)
		n += len(paths)
	}
	sort.Strings(files)
	fmt.Fprintf(b, "\n<details><summary>%d %s equal the chart's defaults (safe to delete)</summary>\n\n", n, plural(n, "key"))
	for _, f := range files {
		fmt.Fprintf(b, "- %s:", code(f))
		for i, p := range defaults[f] {
			if i == maxWhere {
				fmt.Fprintf(b, " and %d more", len(defaults[f])-maxWhere)
				break
			}
			b.WriteString(" " + code(p))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n</details>\n")
}
