package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// The raw configuration is the file as written: each value keeps the line
// it came from, and nothing is checked beyond its YAML shape and type.
// validate.go turns it into a Config. Struct fields name their keys with
// yaml tags; decode walks the YAML node tree itself (rather than
// yaml.Unmarshal) so that it can name the key path of every problem,
// reject unknown and repeated keys, and go on after the first problem.

type rawConfig struct {
	Listen                  scalar[string]       `yaml:"listen"`
	PublicURL               scalar[string]       `yaml:"public_url"`
	DataDir                 scalar[string]       `yaml:"data_dir"`
	Log                     rawLog               `yaml:"log"`
	GitHub                  rawGitHub            `yaml:"github"`
	InsecureNoWebhookSecret scalar[bool]         `yaml:"insecure_no_webhook_secret"`
	Repositories            list[rawRepository]  `yaml:"repositories"`
	Commands                rawCommands          `yaml:"commands"`
	Store                   rawStore             `yaml:"store"`
	PlanEncryption          rawPlanEncryption    `yaml:"plan_encryption"`
	Webhook                 rawWebhook           `yaml:"webhook"`
	Workers                 scalar[int]          `yaml:"workers"`
	Plan                    rawPlan              `yaml:"plan"`
	CheckoutStrategy        scalar[string]       `yaml:"checkout_strategy"`
	Terraform               rawTerraform         `yaml:"terraform"`
	Terragrunt              rawTerragrunt        `yaml:"terragrunt"`
	Environments            list[rawEnvironment] `yaml:"environments"`
	GitOps                  rawGitOps            `yaml:"gitops"`
	Policies                list[rawPolicySet]   `yaml:"policies"`
	Sandbox                 rawSandbox           `yaml:"sandbox"`
	Credentials             rawCredentials       `yaml:"credentials"`
	Cleanup                 rawCleanup           `yaml:"cleanup"`
	Apply                   rawApply             `yaml:"apply"`
	API                     rawAPI               `yaml:"api"`
	Slack                   rawSlack             `yaml:"slack"`
}

type rawCleanup struct {
	Interval    scalar[string] `yaml:"interval"`
	MaxAge      scalar[string] `yaml:"max_age"`
	KeepRecords scalar[string] `yaml:"keep_records"`
}

type rawSandbox struct {
	Mode         scalar[string]       `yaml:"mode"`
	Writable     list[scalar[string]] `yaml:"writable"`
	Network      scalar[string]       `yaml:"network"`
	ConnectPorts list[scalar[int]]    `yaml:"connect_ports"`
}

type rawLog struct {
	Level  scalar[string] `yaml:"level"`
	Format scalar[string] `yaml:"format"`
}

type rawGitHub struct {
	position
	APIURL            scalar[string] `yaml:"api_url"`
	Token             scalar[string] `yaml:"token"`
	TokenFile         scalar[string] `yaml:"token_file"`
	TokenEnv          scalar[string] `yaml:"token_env"`
	App               rawApp         `yaml:"app"`
	WebhookSecret     scalar[string] `yaml:"webhook_secret"`
	WebhookSecretFile scalar[string] `yaml:"webhook_secret_file"`
	WebhookSecretEnv  scalar[string] `yaml:"webhook_secret_env"`
}

type rawApp struct {
	position
	AppID          scalar[int]    `yaml:"app_id"`
	InstallationID scalar[int]    `yaml:"installation_id"`
	PrivateKeyFile scalar[string] `yaml:"private_key_file"`
}

type rawRepository struct {
	position
	Name              scalar[string] `yaml:"name"`
	Kind              scalar[string] `yaml:"kind"`
	Autoplan          scalar[bool]   `yaml:"autoplan"`
	AllowForkAutoplan scalar[bool]   `yaml:"allow_fork_autoplan"`
	DraftAutoplan     scalar[bool]   `yaml:"draft_autoplan"`
	TerragruntVersion scalar[string] `yaml:"terragrunt_version"`
	ApplyMode         scalar[string] `yaml:"apply_mode"`
	Automerge         scalar[bool]   `yaml:"automerge"`
}

type rawCommands struct {
	Prefix        scalar[string] `yaml:"prefix"`
	Permissions   rawStringMap   `yaml:"permissions"`
	MaxPerComment scalar[int]    `yaml:"max_per_comment"`
}

type rawWebhook struct {
	MaxConcurrentReads scalar[int] `yaml:"max_concurrent_reads"`
}

type rawStore struct {
	Driver  scalar[string] `yaml:"driver"`
	Path    scalar[string] `yaml:"path"`
	URL     scalar[string] `yaml:"url"`
	URLFile scalar[string] `yaml:"url_file"`
	URLEnv  scalar[string] `yaml:"url_env"`
	Lease   scalar[string] `yaml:"lease"`
}

type rawPlan struct {
	Parallelism scalar[int]    `yaml:"parallelism"`
	Timeout     scalar[string] `yaml:"timeout"`
}

type rawTerraform struct {
	Binary           scalar[string] `yaml:"binary"`
	Engine           scalar[string] `yaml:"engine"`
	TerragruntBinary scalar[string] `yaml:"terragrunt_binary"`
	CLIConfigFile    scalar[string] `yaml:"cli_config_file"`
	PluginCache      scalar[string] `yaml:"plugin_cache"`
}

type rawTerragrunt struct {
	Env               rawStringMap   `yaml:"env"`
	AllowRunCmd       scalar[bool]   `yaml:"allow_run_cmd"`
	AllowSopsDecrypt  scalar[bool]   `yaml:"allow_sops_decrypt"`
	EvaluationTimeout scalar[string] `yaml:"evaluation_timeout"`
	Version           scalar[string] `yaml:"version"`
}

type rawEnvironment struct {
	position
	Name         scalar[string]       `yaml:"name"`
	Paths        list[scalar[string]] `yaml:"paths"`
	Repositories list[scalar[string]] `yaml:"repositories"`
	Account      scalar[string]       `yaml:"account"`
	Region       scalar[string]       `yaml:"region"`
	Tags         rawStringMap         `yaml:"tags"`
	Credentials  scalar[string]       `yaml:"credentials"`
	Prod         scalar[bool]         `yaml:"prod"`
}

type rawCredentials struct {
	Default  scalar[string]             `yaml:"default"`
	Profiles list[rawCredentialProfile] `yaml:"profiles"`
}

type rawCredentialProfile struct {
	position
	Name         scalar[string]       `yaml:"name"`
	Kind         scalar[string]       `yaml:"kind"`
	PlanRoleARN  scalar[string]       `yaml:"plan_role_arn"`
	ApplyRoleARN scalar[string]       `yaml:"apply_role_arn"`
	ExternalID   scalar[string]       `yaml:"external_id"`
	Duration     scalar[string]       `yaml:"duration"`
	Region       scalar[string]       `yaml:"region"`
	EnvFile      scalar[string]       `yaml:"env_file"`
	AllowedRoles list[scalar[string]] `yaml:"allowed_roles"`
}

type rawPolicySet struct {
	position
	Name             scalar[string]       `yaml:"name"`
	Path             scalar[string]       `yaml:"path"`
	Owners           list[scalar[string]] `yaml:"owners"`
	Teams            list[scalar[string]] `yaml:"teams"`
	Approvals        scalar[int]          `yaml:"approvals"`
	AuthorMayApprove scalar[bool]         `yaml:"author_may_approve"`
	Repositories     list[scalar[string]] `yaml:"repositories"`
	Environments     list[scalar[string]] `yaml:"environments"`
}

// position is the line that names a mapping or list (its key's line, or
// its own in a list); 0 when it is absent or not a mapping or list. It
// lets validate report a missing key at its parent.
type position struct{ Line int }

func (p *position) setLine(line int) { p.Line = line }

// scalar is one value as written.
type scalar[T string | bool | int] struct {
	Value T
	// Line is where the value is, 0 when the key is absent (or null).
	Line int
	// bad says the value had the wrong type, which decode has reported.
	bad bool
}

// present says the key was written, with a valid value or not.
func (s scalar[T]) present() bool { return s.Line > 0 }

// ok says the key was written with a value of the right type.
func (s scalar[T]) ok() bool { return s.Line > 0 && !s.bad }

func (s *scalar[T]) decodeNode(d *decoder, n *yaml.Node, path string, _ int) {
	s.Line = n.Line
	want, tag := "a string", ""
	switch any(s.Value).(type) {
	case bool:
		want, tag = "true or false", "!!bool"
	case int:
		want, tag = "a whole number", "!!int"
	}
	if n.Kind == yaml.ScalarNode && (tag == "" || n.ShortTag() == tag) && n.Decode(&s.Value) == nil {
		return
	}
	s.bad = true
	d.errs.add(n.Line, path, "expected %s, got %s", want, describe(n))
}

// list is a YAML sequence.
type list[T any] struct {
	position
	Items []T
}

func (l *list[T]) decodeNode(d *decoder, n *yaml.Node, path string, at int) {
	if n.Kind != yaml.SequenceNode {
		d.errs.add(n.Line, path, "expected a list, got %s", describe(n))
		return
	}
	l.Line = at
	l.Items = make([]T, len(n.Content))
	for i, item := range n.Content {
		d.decode(item, fmt.Sprintf("%s[%d]", path, i), item.Line, reflect.ValueOf(&l.Items[i]).Elem())
	}
}

// rawStringMap is a mapping of names to string values, in file order.
type rawStringMap struct {
	Vars []rawStringPair
}

type rawStringPair struct {
	Name, Value scalar[string]
}

func (e *rawStringMap) decodeNode(d *decoder, n *yaml.Node, path string, _ int) {
	d.pairs(n, path, func(key, value *yaml.Node, keyPath string) {
		v := rawStringPair{Name: scalar[string]{Value: key.Value, Line: key.Line}}
		d.decode(value, keyPath, key.Line, reflect.ValueOf(&v.Value).Elem())
		e.Vars = append(e.Vars, v)
	})
}

// nodeDecoder is a raw value that decodes itself; decode handles
// structs, as mappings of the keys their fields' yaml tags name. at is the
// line that names the value: its key's, or its own in a list.
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node, path string, at int)
}

type decoder struct {
	errs *problems
}

// parseRaw parses data, a single YAML document. It returns nil when data
// is not YAML.
func parseRaw(data []byte, errs *problems) *rawConfig {
	raw := new(rawConfig)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		return raw // an empty file: everything is absent
	case err != nil:
		errs.yaml(err)
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		errs.add(next.Line, "", "expected a single YAML document, found a second one")
	case !errors.Is(err, io.EOF):
		errs.yaml(err)
		return nil
	}
	if len(doc.Content) == 1 && !isNull(doc.Content[0]) {
		d := decoder{errs}
		d.decode(doc.Content[0], "", doc.Content[0].Line, reflect.ValueOf(raw).Elem())
	}
	return raw
}

// decode decodes n, named at line at, into dst, which is addressable.
func (d *decoder) decode(n *yaml.Node, path string, at int, dst reflect.Value) {
	if n.Kind == yaml.AliasNode {
		d.errs.add(n.Line, path, "YAML aliases (*%s) are not supported; write the value out", n.Value)
		return
	}
	if nd, ok := dst.Addr().Interface().(nodeDecoder); ok {
		nd.decodeNode(d, n, path, at)
		return
	}
	if p, ok := dst.Addr().Interface().(interface{ setLine(int) }); ok && n.Kind == yaml.MappingNode {
		p.setLine(at)
	}
	t := dst.Type()
	fields := make(map[string]int)
	var keys []string
	for i := range t.NumField() {
		if k := t.Field(i).Tag.Get("yaml"); k != "" {
			fields[k] = i
			keys = append(keys, k)
		}
	}
	d.pairs(n, path, func(key, value *yaml.Node, keyPath string) {
		i, ok := fields[key.Value]
		if !ok {
			d.errs.add(key.Line, keyPath, "unknown key; %s", suggest(key.Value, keys, path))
			return
		}
		if !isNull(value) { // "key:" with no value is the same as no key
			d.decode(value, keyPath, key.Line, dst.Field(i))
		}
	})
}

// pairs calls f for each key and value of the mapping n, reporting keys
// that are not plain scalars or are repeated.
func (d *decoder) pairs(n *yaml.Node, path string, f func(key, value *yaml.Node, keyPath string)) {
	if n.Kind != yaml.MappingNode {
		d.errs.add(n.Line, path, "expected a mapping of keys to values, got %s", describe(n))
		return
	}
	seen := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		if key.Kind != yaml.ScalarNode {
			d.errs.add(key.Line, path, "expected a key, got %s", describe(key))
			continue
		}
		keyPath := joinPath(path, key.Value)
		if first, ok := seen[key.Value]; ok {
			d.errs.add(key.Line, keyPath, "repeated key (first at line %d)", first)
			continue
		}
		seen[key.Value] = key.Line
		f(key, value, keyPath)
	}
}

// joinPath appends key to a key path, quoting a key that would make the
// path ambiguous or span lines.
func joinPath(path, key string) string {
	if key == "" || strings.ContainsFunc(key, func(r rune) bool { return r == '.' || r == '"' || !unicode.IsGraphic(r) || unicode.IsSpace(r) }) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what n is, for "expected X, got Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if isNull(n) {
		return "nothing"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	return strconv.Quote(v)
}

// suggest says which of keys an unknown key probably meant, or lists
// them all.
func suggest(key string, keys []string, path string) string {
	best, bestDist := "", 0
	for _, k := range keys {
		d := distance(strings.ToLower(strings.ReplaceAll(key, "-", "_")), k)
		if strings.HasPrefix(k, key) || strings.HasPrefix(key, k) {
			d = min(d, 2)
		}
		if d <= max(2, len(k)/3) && (best == "" || d < bestDist) {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return "did you mean " + joinPath(path, best) + "?"
	}
	return "expected one of " + strings.Join(keys, ", ")
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
