package terraformmodules

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/csocbot/csocbot/internal/testtools"
	"github.com/csocbot/csocbot/planner/tfconfig"
)

// modules are the module folders and the outputs each must have.
var modules = map[string][]string{
	"csocbot-roles": {"plan_role_arn", "apply_role_arn"},
	"irsa-role":     {"role_arn", "role_name"},
	"state-backend": {"bucket_name", "bucket_arn", "lock_table_name", "lock_table_arn"},
}

// TestFormatted runs terraform fmt -check over every module.
func TestFormatted(t *testing.T) {
	bin, err := exec.LookPath("terraform")
	if err != nil {
		if bin, err = exec.LookPath("tofu"); err != nil {
			t.Skip("neither terraform nor tofu is on PATH: formatting not checked")
		}
	}
	cmd := exec.Command(bin, "fmt", "-check", "-recursive", "-diff", ".")
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s fmt -check: %v; run `terraform fmt -recursive terraform-modules`:\n%s", bin, err, out)
	}
}

// TestReadByCsocbot reads every module as csocbot reads a unit's code and
// checks the resources the other tests rely on are there.
func TestReadByCsocbot(t *testing.T) {
	want := map[string][]string{
		"csocbot-roles": {"aws_iam_role.plan", "aws_iam_role.apply", "aws_iam_role_policy.plan",
			"aws_iam_role_policy_attachment.plan_read_only", "aws_iam_role_policy_attachment.apply"},
		"irsa-role": {"aws_iam_role.this", "aws_iam_policy.this", "aws_iam_role_policy_attachment.this"},
		"state-backend": {"aws_s3_bucket.state", "aws_s3_bucket_versioning.state",
			"aws_s3_bucket_server_side_encryption_configuration.state", "aws_s3_bucket_public_access_block.state",
			"aws_s3_bucket_policy.state", "aws_dynamodb_table.locks"},
	}
	for dir := range modules {
		t.Run(dir, func(t *testing.T) {
			m, err := tfconfig.Read(os.DirFS("."), dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.ModuleCalls) > 0 || len(m.Provisioners) > 0 {
				t.Errorf("%s calls modules or has provisioners; it should be self-contained", dir)
			}
			var got []string
			for _, r := range m.Resources {
				got = append(got, r.Address)
			}
			for _, a := range want[dir] {
				if !slices.Contains(got, a) {
					t.Errorf("%s has no %s (it has %v)", dir, a, got)
				}
			}
			req, err := tfconfig.ReadRequirements(os.DirFS("."), dir)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(req.Providers, tfconfig.RequiredProvider{Name: "aws", Source: "hashicorp/aws", Version: ">= 5.0"}) {
				t.Errorf("%s does not require hashicorp/aws >= 5.0: %+v", dir, req.Providers)
			}
		})
	}
}

// TestDeclarations checks versions.tf, that every variable is typed and
// described, and that every output is described and the required ones
// are there.
func TestDeclarations(t *testing.T) {
	for dir, outputs := range modules {
		t.Run(dir, func(t *testing.T) {
			mod := parse(t, dir)
			tf := mod.blocks("terraform")
			if len(tf) != 1 {
				t.Fatalf("%d terraform blocks, want 1 (in versions.tf)", len(tf))
			}
			if v := mod.literal(t, tf[0].b, "required_version"); v.AsString() != ">= 1.5" {
				t.Errorf("required_version %q, want \">= 1.5\"", v.AsString())
			}
			rp := tf[0].b.Body.Blocks
			if len(rp) != 1 || rp[0].Type != "required_providers" {
				t.Fatalf("want one required_providers block")
			}
			aws := mod.literal(t, rp[0], "aws")
			if s, v := aws.GetAttr("source").AsString(), aws.GetAttr("version").AsString(); s != "hashicorp/aws" || v != ">= 5.0" {
				t.Errorf("aws provider %s %s, want hashicorp/aws >= 5.0", s, v)
			}
			for _, v := range mod.blocks("variable") {
				name := v.b.Labels[0]
				if d := mod.literal(t, v.b, "description"); d.IsNull() || strings.TrimSpace(d.AsString()) == "" {
					t.Errorf("variable %s has no description", name)
				}
				if _, ok := v.b.Body.Attributes["type"]; !ok {
					t.Errorf("variable %s has no type", name)
				}
				for _, val := range v.b.Body.Blocks {
					if val.Type == "validation" && mod.literal(t, val, "error_message").AsString() == "" {
						t.Errorf("variable %s has a validation without error_message", name)
					}
				}
			}
			var got []string
			for _, o := range mod.blocks("output") {
				got = append(got, o.b.Labels[0])
				if d := mod.literal(t, o.b, "description"); d.IsNull() || d.AsString() == "" {
					t.Errorf("output %s has no description", o.b.Labels[0])
				}
			}
			for _, o := range outputs {
				if !slices.Contains(got, o) {
					t.Errorf("no output %s (outputs: %v)", o, got)
				}
			}
			readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(readme), `source = "`) {
				t.Errorf("%s/README.md has no example module block", dir)
			}
		})
	}
}

// TestCsocbotRolesTrust checks that both roles trust csocbot's role only,
// for sts:AssumeRole and sts:TagSession, and require every session tag
// csocbot sends and no other.
func TestCsocbotRolesTrust(t *testing.T) {
	keys := sessionTagKeys(t)
	mod := parse(t, "csocbot-roles")
	for _, role := range []string{"plan", "apply"} {
		r := mod.block(t, "resource", "aws_iam_role", role)
		if got := mod.text(r.b.Body.Attributes["assume_role_policy"].Expr); got != "data.aws_iam_policy_document.trust.json" {
			t.Errorf("aws_iam_role.%s trusts %s, want data.aws_iam_policy_document.trust.json", role, got)
		}
	}
	trust := mod.block(t, "data", "aws_iam_policy_document", "trust")
	statements := children(trust.b, "statement")
	if len(statements) != 1 || len(children(trust.b, "dynamic")) != 0 {
		t.Fatalf("the trust policy should have exactly one statement")
	}
	s := statements[0]
	if e := mod.literal(t, s, "effect").AsString(); e != "Allow" {
		t.Errorf("trust effect %s", e)
	}
	if got := strings.Join(mod.strings(t, s, "actions"), ","); got != "sts:AssumeRole,sts:TagSession" {
		t.Errorf("trust actions %s, want sts:AssumeRole,sts:TagSession", got)
	}
	ps := children(s, "principals")
	if len(ps) != 1 || mod.literal(t, ps[0], "type").AsString() != "AWS" || mod.text(ps[0].Body.Attributes["identifiers"].Expr) != "[var.csocbot_role_arn]" {
		t.Errorf("the trust policy must name exactly one principal, AWS [var.csocbot_role_arn]")
	}
	conds := map[string]cond{}
	for _, c := range children(s, "condition") {
		cd := cond{mod.literal(t, c, "test").AsString(), mod.strings(t, c, "values")}
		conds[mod.literal(t, c, "variable").AsString()] = cd
	}
	for _, k := range keys {
		c, ok := conds["aws:RequestTag/"+k]
		if !ok || c.test != "Null" || !slices.Equal(c.values, []string{"false"}) {
			t.Errorf("the trust policy does not require session tag %q (want a Null aws:RequestTag/%s [\"false\"] condition, got %+v)", k, k, c)
		}
	}
	c := conds["aws:TagKeys"]
	if c.test != "ForAllValues:StringEquals" || !sameSet(c.values, keys) {
		t.Errorf("aws:TagKeys condition %+v, want ForAllValues:StringEquals of exactly %v", c, keys)
	}
	for v := range conds {
		if k, ok := strings.CutPrefix(v, "aws:RequestTag/"); ok && !slices.Contains(keys, k) {
			t.Errorf("the trust policy requires tag %q, which csocbot does not send", k)
		}
	}
}

// TestPlanRoleCannotApply checks that the plan role is read-only plus
// state, and denies assuming the apply role.
func TestPlanRoleCannotApply(t *testing.T) {
	mod := parse(t, "csocbot-roles")
	att := mod.block(t, "resource", "aws_iam_role_policy_attachment", "plan_read_only")
	if got := mod.text(att.b.Body.Attributes["policy_arn"].Expr); !strings.HasSuffix(got, `:iam::aws:policy/ReadOnlyAccess"`) {
		t.Errorf("plan role attaches %s, want ReadOnlyAccess", got)
	}
	pol := mod.block(t, "resource", "aws_iam_role_policy", "plan")
	if got := mod.text(pol.b.Body.Attributes["policy"].Expr); got != "data.aws_iam_policy_document.plan.json" {
		t.Errorf("plan role policy %s", got)
	}
	doc := mod.block(t, "data", "aws_iam_policy_document", "plan")
	denied := false
	for _, s := range children(doc.b, "statement") {
		effect := mod.literal(t, s, "effect").AsString()
		if effect == "Deny" && slices.Equal(mod.strings(t, s, "actions"), []string{"sts:AssumeRole"}) &&
			mod.text(s.Body.Attributes["resources"].Expr) == "[aws_iam_role.apply.arn]" {
			denied = true
		}
		if effect == "Allow" && slices.ContainsFunc(mod.strings(t, s, "actions"), func(a string) bool { return strings.HasPrefix(a, "sts:") || strings.Contains(a, "*") }) {
			t.Errorf("plan statement %s allows %v", mod.literal(t, s, "sid").AsString(), mod.strings(t, s, "actions"))
		}
	}
	if !denied {
		t.Error("the plan role's policy has no Deny of sts:AssumeRole on aws_iam_role.apply.arn")
	}
}

// TestIrsaRoleCompatible checks that irsa-role takes every variable of
// gen3-terraform's irsa_role (the repository's copy, and the shared
// corpus's when present), optional where it was optional, and trusts EC2
// only when asked.
func TestIrsaRoleCompatible(t *testing.T) {
	dirs := []string{filepath.Join("..", "testdata", "gen3-terraform-irsa")}
	if shared := testtools.SharedPath(t, "corpus", "gen3", "uc-cdis", "gen3-terraform", "tf_files", "aws", "irsa_role"); exists(shared) {
		dirs = append(dirs, shared)
	}
	mod := parse(t, "irsa-role")
	ours := map[string]*hclsyntax.Block{}
	for _, v := range mod.blocks("variable") {
		ours[v.b.Labels[0]] = v.b
	}
	for _, dir := range dirs {
		read, err := tfconfig.Read(os.DirFS(dir), ".")
		if err != nil {
			t.Fatal(err)
		}
		if len(read.Variables) < 10 {
			t.Fatalf("read only %d variables from %s", len(read.Variables), dir)
		}
		for _, v := range parse(t, dir).blocks("variable") {
			name := v.b.Labels[0]
			o, ok := ours[name]
			if !ok {
				t.Errorf("irsa-role has no variable %s, which gen3-terraform's irsa_role takes (%s)", name, dir)
				continue
			}
			_, gen3Optional := v.b.Body.Attributes["default"]
			_, optional := o.Body.Attributes["default"]
			if gen3Optional && !optional {
				t.Errorf("variable %s is optional in gen3-terraform but required here", name)
			}
		}
	}
	ec2 := ours["trust_ec2_instances"]
	if ec2 == nil || !mod.literal(t, ec2, "default").RawEquals(cty.False) {
		t.Fatal("irsa-role needs a variable trust_ec2_instances, default false")
	}
	trust := mod.block(t, "data", "aws_iam_policy_document", "trust")
	for _, s := range children(trust.b, "statement") {
		if strings.Contains(mod.text(s), "ec2.amazonaws.com") {
			t.Error("a static statement of the trust policy names ec2.amazonaws.com")
		}
	}
	for _, d := range children(trust.b, "dynamic") {
		if strings.Contains(mod.text(d), "ec2.amazonaws.com") && !strings.HasPrefix(mod.text(d.Body.Attributes["for_each"].Expr), "var.trust_ec2_instances ?") {
			t.Error("the EC2 statement of the trust policy is not gated by var.trust_ec2_instances")
		}
	}
	if got := mod.text(mod.block(t, "resource", "aws_iam_role", "this").b.Body.Attributes["assume_role_policy"].Expr); got != "local.assume_policy" {
		t.Errorf("assume_role_policy %s", got)
	}
}

// TestStateBackend checks the bucket is versioned, encrypted, private and
// TLS-only, and the lock table is what the s3 backend expects.
func TestStateBackend(t *testing.T) {
	mod := parse(t, "state-backend")
	v := mod.block(t, "resource", "aws_s3_bucket_versioning", "state")
	if s := mod.literal(t, children(v.b, "versioning_configuration")[0], "status").AsString(); s != "Enabled" {
		t.Errorf("versioning %s", s)
	}
	enc := mod.block(t, "resource", "aws_s3_bucket_server_side_encryption_configuration", "state")
	def := children(children(enc.b, "rule")[0], "apply_server_side_encryption_by_default")
	if len(def) != 1 || mod.text(def[0].Body.Attributes["sse_algorithm"].Expr) != "var.sse_algorithm" {
		t.Error("bucket encryption does not use var.sse_algorithm")
	}
	for _, v := range mod.blocks("variable") {
		if v.b.Labels[0] == "sse_algorithm" && !strings.Contains(mod.text(v.b), `contains(["aws:kms", "AES256"], var.sse_algorithm)`) {
			t.Error("sse_algorithm is not validated to aws:kms or AES256")
		}
	}
	pab := mod.block(t, "resource", "aws_s3_bucket_public_access_block", "state")
	for _, a := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
		if !mod.literal(t, pab.b, a).RawEquals(cty.True) {
			t.Errorf("public access block %s is not true", a)
		}
	}
	doc := mod.block(t, "data", "aws_iam_policy_document", "state")
	tls := false
	for _, s := range children(doc.b, "statement") {
		for _, c := range children(s, "condition") {
			if mod.literal(t, c, "variable").AsString() == "aws:SecureTransport" && mod.literal(t, s, "effect").AsString() == "Deny" &&
				slices.Equal(mod.strings(t, c, "values"), []string{"false"}) {
				tls = true
			}
		}
	}
	if !tls {
		t.Error("the bucket policy does not deny requests without TLS")
	}
	table := mod.block(t, "resource", "aws_dynamodb_table", "locks")
	if mod.literal(t, table.b, "hash_key").AsString() != "LockID" || mod.literal(t, table.b, "billing_mode").AsString() != "PAY_PER_REQUEST" {
		t.Error("the lock table must have hash_key LockID and billing_mode PAY_PER_REQUEST")
	}
	if pitr := children(table.b, "point_in_time_recovery"); len(pitr) != 1 || !mod.literal(t, pitr[0], "enabled").RawEquals(cty.True) {
		t.Error("the lock table has no point-in-time recovery")
	}
}

// sessionTagKeys are the keys of the session tags csocbot sends, read from
// the tag("key", …) calls of sessionTags in server/credentials, so that a
// new tag there fails this test until the trust policy requires it.
func sessionTagKeys(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "server", "credentials", "assumerole.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "sessionTags" {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if id, isIdent := callee(call); ok && isIdent && id == "tag" && len(call.Args) == 2 {
				if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					k, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					keys = append(keys, k)
				}
			}
			return true
		})
	}
	if len(keys) == 0 {
		t.Fatal("found no tag(\"key\", …) calls in sessionTags of server/credentials/assumerole.go; update this test to how csocbot tags sessions")
	}
	return keys
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func callee(call *ast.CallExpr) (string, bool) {
	if call == nil {
		return "", false
	}
	id, ok := call.Fun.(*ast.Ident)
	if !ok {
		return "", false
	}
	return id.Name, true
}

type cond struct {
	test   string
	values []string
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// module is the parsed .tf files of one folder.
type module struct {
	dir   string
	files []file
}

type file struct {
	name string
	src  []byte
	body *hclsyntax.Body
}

// located is a top-level block and the file it is in.
type located struct {
	f *file
	b *hclsyntax.Block
}

func parse(t *testing.T, dir string) *module {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no .tf files in %s: %v", dir, err)
	}
	m := &module{dir: dir}
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		m.files = append(m.files, file{name: name, src: src, body: f.Body.(*hclsyntax.Body)})
	}
	return m
}

func (m *module) blocks(typ string) []located {
	var out []located
	for i := range m.files {
		for _, b := range m.files[i].body.Blocks {
			if b.Type == typ {
				out = append(out, located{&m.files[i], b})
			}
		}
	}
	return out
}

func (m *module) block(t *testing.T, typ string, labels ...string) located {
	t.Helper()
	for _, b := range m.blocks(typ) {
		if slices.Equal(b.b.Labels, labels) {
			return b
		}
	}
	t.Fatalf("%s has no %s %q block", m.dir, typ, labels)
	return located{}
}

func children(b *hclsyntax.Block, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, c := range b.Body.Blocks {
		if c.Type == typ {
			out = append(out, c)
		}
	}
	return out
}

// literal is the value of b's attribute name, which must be a literal
// (no references); null when b has no such attribute.
func (m *module) literal(t *testing.T, b *hclsyntax.Block, name string) cty.Value {
	t.Helper()
	a, ok := b.Body.Attributes[name]
	if !ok {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		t.Fatalf("%s: %s is not a literal: %s", a.SrcRange, name, diags)
	}
	return v
}

// strings is a literal list of strings.
func (m *module) strings(t *testing.T, b *hclsyntax.Block, name string) []string {
	t.Helper()
	v := m.literal(t, b, name)
	if v.IsNull() {
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		out = append(out, e.AsString())
	}
	return out
}

// text is the source of a block or an expression.
func (m *module) text(n hclsyntax.Node) string {
	r := n.Range()
	for _, f := range m.files {
		if f.name == r.Filename {
			return string(f.src[r.Start.Byte:r.End.Byte])
		}
	}
	return ""
}
