package helmrender

import (
	"context"
	"maps"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestTemplateFuncs renders a template calling each replaced function.
func TestTemplateFuncs(t *testing.T) {
	tests := []struct {
		name, template, want, wantErr string
	}{
		{name: "genCA", template: `{{ $ca := genCA "gen3" 365 }}{{ $ca.Cert }}|{{ $ca.Key }}`, want: Generated + "|" + Generated},
		{name: "genCAWithKey", template: `{{ (genCAWithKey "gen3" 365 (genPrivateKey "rsa")).Key }}`, want: Generated},
		{name: "genCAWithKey bad key", template: `{{ (genCAWithKey "gen3" 365 "nope").Key }}`, wantErr: "no PEM data"},
		{name: "genPrivateKey", template: `{{ genPrivateKey "ecdsa" }}`, want: Generated},
		{name: "genPrivateKey unknown", template: `{{ genPrivateKey "rot13" }}`, want: "Unknown type rot13"},
		{name: "genSelfSignedCert", template: `{{ (genSelfSignedCert "x" (list "10.0.0.1") (list "a.example.com") 30).Cert }}`, want: Generated},
		{name: "genSelfSignedCert bad ip", template: `{{ (genSelfSignedCert "x" (list "ten") nil 30).Cert }}`, wantErr: "error parsing ip: ten"},
		{name: "genSelfSignedCertWithKey", template: `{{ (genSelfSignedCertWithKey "x" nil nil 30 (genPrivateKey "")).Cert }}`, want: Generated},
		{name: "genSignedCert", template: `{{ $ca := genCA "gen3" 365 }}{{ (genSignedCert "host" nil (list "b") 365 $ca).Key | b64enc | b64dec }}`, want: Generated},
		{name: "genSignedCert bad CA", template: `{{ (genSignedCert "host" nil nil 365 "ca").Key }}`, wantErr: "not the result of genCA"},
		{name: "genSignedCertWithKey", template: `{{ (genSignedCertWithKey "host" nil nil 365 (genCA "ca" 1) (genPrivateKey "ed25519")).Cert }}`, want: Generated},
		{name: "genSignedCert arity", template: `{{ genSignedCert "host" nil nil 365 }}`, wantErr: "wrong number of args"},
		{name: "randAlpha", template: `{{ randAlpha 12 }}`, want: "generatedgen"},
		{name: "randAlphaNum", template: `{{ randAlphaNum 6 | lower }}`, want: "genera"},
		{name: "randAscii", template: `{{ randAscii 3 }}`, want: "gen"},
		{name: "randNumeric", template: `{{ randNumeric 4 | atoi }}`, want: "0"},
		{name: "randBytes", template: `{{ randBytes 3 }}`, want: "AAAA"},
		{name: "randInt", template: `{{ randInt 5 10 }}`, want: "5"},
		{name: "randInt empty range", template: `{{ randInt 5 5 }}`, wantErr: "invalid argument"},
		{name: "uuidv4", template: `{{ uuidv4 }}`, want: "00000000-0000-4000-8000-000000000000"},
		{name: "now", template: `{{ now | date "2006-01-02" }}`, want: "2000-01-01"},
		{name: "bcrypt", template: `{{ bcrypt "pw" }}`, want: Generated},
		{name: "htpasswd", template: `{{ htpasswd "user" "pw" }}`, want: "user:" + Generated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: funcs\ndata:\n  out: |-\n    " + tt.template + "\n"
			m, err := renderMap(t, chartFS(map[string]string{"charts/app/templates/cm.yaml": tpl}), "charts/app", nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var cm struct{ Data map[string]string }
			if err := yaml.Unmarshal([]byte(m.Objects[0].YAML), &cm); err != nil {
				t.Fatal(err)
			}
			if got := cm.Data["out"]; got != tt.want {
				t.Errorf("rendered %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRenderGen3Deterministic renders the gen3 chart, which makes a CA, a
// certificate, keys and passwords, twice: the templates' output is the
// same to the byte.
func TestRenderGen3Deterministic(t *testing.T) {
	r, _ := gen3Renderer()
	ctx := context.Background()
	var outs []map[string]string
	for range 2 {
		run := r.NewRun()
		p, err := run.prepare(ctx, gen3Source, gen3Values(t), gen3Release)
		if err != nil {
			t.Fatal(err)
		}
		out, err := run.templates(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	if !reflect.DeepEqual(outs[0], outs[1]) {
		for name := range maps.Keys(outs[0]) {
			if outs[0][name] != outs[1][name] {
				t.Errorf("%s differs between renders", name)
			}
		}
	}
	tls := outs[0]["gen3/charts/revproxy/templates/tls.yaml"]
	if !strings.Contains(tls, "tls.crt") {
		t.Errorf("revproxy TLS secret not rendered:\n%s", tls)
	}
}
