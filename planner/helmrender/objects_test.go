package helmrender

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseObjects(t *testing.T) {
	rendered := map[string]string{
		"app/templates/NOTES.txt": "kind: ConfigMap\nmetadata:\n  name: notes\n",
		"app/templates/multi.yaml": `---
# only a comment
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
data:
  password: c2VjcmV0
stringData:
  token: plain-token
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
---
- just
- a list
---
plain scalar
---
apiVersion: apps/v1
kind: Deployment
metadata:
  namespace: other
  name: web
spec:
  replicas: 2
  template: {spec: {containers: [{name: web, image: "nginx:1"}]}}
`,
		"app/templates/dup.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: twice\ndata: {a: '1'}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: twice\ndata: {a: '2'}\n",
	}
	objs, err := parseObjects(rendered, "rel-ns", nil)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Kind+"/"+o.Namespace+"/"+o.Name)
	}
	want := "ClusterRole//reader ConfigMap/rel-ns/twice Deployment/other/web Secret/rel-ns/creds"
	if got := strings.Join(keys, " "); got != want {
		t.Fatalf("objects = %s\nwant      %s", got, want)
	}
	secret := objs[3].YAML
	for _, s := range []string{"c2VjcmV0", "plain-token"} {
		if strings.Contains(secret, s) {
			t.Errorf("Secret value %q not redacted:\n%s", s, secret)
		}
	}
	for _, s := range []string{"password: " + redacted, "token: " + redacted} {
		if !strings.Contains(secret, s) {
			t.Errorf("Secret lacks %q:\n%s", s, secret)
		}
	}
	// Canonical: keys sorted, flow style expanded.
	wantDeploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: other\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - image: nginx:1\n        name: web\n"
	if objs[2].YAML != wantDeploy {
		t.Errorf("Deployment YAML =\n%s\nwant\n%s", objs[2].YAML, wantDeploy)
	}
	if twice := objs[1].YAML; !strings.Contains(twice, "a: \"1\"") || !strings.Contains(twice, "---\n") || !strings.Contains(twice, "a: \"2\"") {
		t.Errorf("duplicate object = %s", twice)
	}
}

func TestDiffObjects(t *testing.T) {
	obj := func(kind, ns, name, yaml string) Object {
		return Object{Kind: kind, Namespace: ns, Name: name, APIVersion: "v1", YAML: yaml}
	}
	before := []Object{
		obj("ConfigMap", "a", "same", "x: 1\n"),
		obj("ConfigMap", "a", "gone", "x: 1\n"),
		obj("Service", "a", "web", "port: 80\n"),
	}
	after := []Object{
		obj("Service", "a", "web", "port: 8080\n"),
		obj("ConfigMap", "a", "same", "x: 1\n"),
		obj("ConfigMap", "", "new", "x: 2\n"),
	}
	got := DiffObjects(before, after)
	want := []struct{ op, key, line string }{
		{OpAdded, "ConfigMap//new", "+x: 2"},
		{OpRemoved, "ConfigMap/a/gone", "-x: 1"},
		{OpChanged, "Service/a/web", "+port: 8080"},
	}
	if len(got) != len(want) {
		t.Fatalf("changes = %+v", got)
	}
	for i, w := range want {
		g := got[i]
		if g.Op != w.op || g.Kind+"/"+g.Namespace+"/"+g.Name != w.key || !strings.Contains(g.Diff, w.line) {
			t.Errorf("change %d = %+v, want %s %s with %q", i, g, w.op, w.key, w.line)
		}
	}
	if !strings.Contains(got[2].Diff, "-port: 80\n") || !strings.HasPrefix(got[2].Diff, "--- Service/a/web\n+++ Service/a/web\n") {
		t.Errorf("diff = %q", got[2].Diff)
	}
	if len(DiffObjects(before, before)) != 0 {
		t.Error("changes between identical renders")
	}
}

func FuzzParseObjects(f *testing.F) {
	f.Add("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  k: dg==\n")
	f.Add("---\n---\nkind: ConfigMap\nmetadata: {name: [x]}\n")
	f.Add("kind: [a]\nmetadata: 3\n---\n- 1\n")
	f.Add("kind: Secret\ndata: null\nstringData: [1, 2]\n")
	f.Fuzz(func(t *testing.T, doc string) {
		objs, err := parseObjects(map[string]string{"t/templates/x.yaml": doc}, "ns", nil)
		if err != nil {
			return
		}
		for _, o := range objs {
			if o.Kind == "" {
				t.Errorf("object without kind: %+v", o)
			}
		}
		_ = DiffObjects(objs, nil)
	})
}

// TestDiffDocs checks diffDocs against DiffObjects of whole parses, with
// the documents parsed through one cache (shared between the sides and
// with a render in another namespace) and through none.
func TestDiffDocs(t *testing.T) {
	cm := func(name, val string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  k: " + val + "\n"
	}
	base := map[string]string{
		"t/templates/a.yaml": cm("same", "1") + "---\n" + cm("changed", "1") + "---\n" + cm("removed", "1"),
		"t/templates/b.yaml": cm("twice", "1") + "---\n" + cm("twice-same", "1"),
		"t/templates/c.yaml": cm("twice", "x") + "---\n" + cm("twice-same", "y") + "---\nkind: Secret\napiVersion: v1\nmetadata: {name: s}\ndata: {p: cGFzcw==}\n",
	}
	head := map[string]string{
		"t/templates/a.yaml": cm("same", "1") + "---\n" + cm("changed", "2") + "---\n" + cm("added", "1"),
		"t/templates/b.yaml": cm("twice", "2") + "---\n" + cm("twice-same", "1"),
		"t/templates/c.yaml": cm("twice", "x") + "---\n" + cm("twice-same", "y") + "---\nkind: Secret\napiVersion: v1\nmetadata: {name: s}\ndata: {p: b3RoZXI=}\n",
	}
	bo, err := parseObjects(base, "ns", nil)
	if err != nil {
		t.Fatal(err)
	}
	ho, err := parseObjects(head, "ns", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := DiffObjects(bo, ho)
	if len(want) != 4 {
		t.Fatalf("%d changes, want changed, removed, added and twice: %+v", len(want), want)
	}
	for name, cache := range map[string]*docCache{"cache": {maxBytes: docCacheBytes}, "no cache": nil} {
		t.Run(name, func(t *testing.T) {
			// The cache holds documents, whatever the release namespace.
			other, err := parseDocs(head, "other", cache)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range other {
				if o.obj.Namespace != "other" {
					t.Fatalf("%+v in namespace %q, want other", o.obj, o.obj.Namespace)
				}
			}
			bd, err := parseDocs(base, "ns", cache)
			if err != nil {
				t.Fatal(err)
			}
			hd, err := parseDocs(head, "ns", cache)
			if err != nil {
				t.Fatal(err)
			}
			got, errs := diffDocs(bd, hd)
			if errs[0] != nil || errs[1] != nil {
				t.Fatal(errs)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("diffDocs = %+v\nwant %+v", got, want)
			}
		})
	}
}
