package helm

import (
	"bytes"
	"context"
	"errors"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/planner/gitops"
)

const (
	chartDir      = "csocbot"
	exampleDir    = "../gitops-example"
	configPath    = "/etc/csocbot/config/config.yaml"
	secretsFolder = "/etc/csocbot/secrets/"
	// postgresURLFile is where the chart mounts the database URL.
	postgresURLFile = "/etc/csocbot/postgres/url"
)

// object is one rendered Kubernetes object.
type object struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	doc []byte
}

type objects []object

// render renders the chart as `helm template csocbot --namespace csocbot`
// with values (YAML) over the chart's defaults.
func render(t *testing.T, values string) (objects, error) {
	t.Helper()
	chrt, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	vals := map[string]any{}
	if err := yaml.Unmarshal([]byte(values), &vals); err != nil {
		t.Fatalf("values: %v", err)
	}
	opts := common.ReleaseOptions{Name: "csocbot", Namespace: "csocbot", Revision: 1, IsInstall: true}
	top, err := util.ToRenderValues(chrt, vals, opts, common.DefaultCapabilities)
	if err != nil {
		t.Fatalf("values: %v", err)
	}
	out, err := engine.Engine{}.Render(chrt, top)
	if err != nil {
		return nil, err
	}
	var objs objects
	for _, name := range slices.Sorted(maps.Keys(out)) {
		if path.Ext(name) != ".yaml" {
			continue
		}
		for doc := range strings.SplitSeq(out[name], "\n---") {
			var o object
			if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
				t.Fatalf("%s does not parse: %v\n%s", name, err, doc)
			}
			if o.Kind == "" {
				continue
			}
			o.doc = []byte(doc)
			objs = append(objs, o)
		}
	}
	return objs, nil
}

func (objs objects) kinds() []string {
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.Kind)
	}
	slices.Sort(kinds)
	return kinds
}

// get decodes the one object of kind into v, strictly when v is a typed
// Kubernetes object, so a misspelt field fails the test; other types (for
// custom resources) name only the fields a test reads.
func (objs objects) get(t *testing.T, kind string, v any) object {
	t.Helper()
	for _, o := range objs {
		if o.Kind != kind {
			continue
		}
		if v != nil {
			decode := yaml.Unmarshal
			if _, typed := v.(metav1.Object); typed {
				decode = yaml.UnmarshalStrict
			}
			if err := decode(o.doc, v); err != nil {
				t.Fatalf("%s %s: %v\n%s", kind, o.Metadata.Name, err, o.doc)
			}
		}
		return o
	}
	t.Fatalf("no %s rendered; got %v", kind, objs.kinds())
	return object{}
}

// config parses the rendered config.yaml as `csocbot serve` would, with
// every secret file present.
func (objs objects) config(t *testing.T) (*config.Config, []byte, error) {
	t.Helper()
	var cm corev1.ConfigMap
	objs.get(t, "ConfigMap", &cm)
	data := []byte(cm.Data["config.yaml"])
	readFile := func(name string) ([]byte, error) {
		if strings.HasPrefix(name, secretsFolder) || name == postgresURLFile {
			return fakeSecret(name), nil
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	noEnv := func(string) (string, bool) { return "", false }
	c, err := config.Parse(data, configPath, noEnv, readFile)
	return c, data, err
}

// fakeSecret is what the secret file name holds in these tests: csocbot
// checks a Slack token's shape.
func fakeSecret(name string) []byte {
	if strings.HasPrefix(path.Base(name), "slack-token") {
		return []byte("xoxb-not-a-real-token")
	}
	return []byte("not-a-real-secret")
}

func deployment(t *testing.T, objs objects) appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	objs.get(t, "Deployment", &d)
	return d
}

func TestChart(t *testing.T) {
	tests := []struct {
		name    string
		values  string
		wantErr string
		check   func(t *testing.T, objs objects)
	}{
		{
			name: "defaults",
			check: func(t *testing.T, objs objects) {
				want := []string{"ConfigMap", "Deployment", "NetworkPolicy", "PersistentVolumeClaim", "Service", "ServiceAccount"}
				if got := objs.kinds(); !slices.Equal(got, want) {
					t.Errorf("kinds = %v, want %v", got, want)
				}
				d := deployment(t, objs)
				if *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
					t.Errorf("replicas %d, strategy %q; want 1 replica recreated (one process owns the SQLite store)", *d.Spec.Replicas, d.Spec.Strategy.Type)
				}
				checkSecure(t, d)
				if c := volume(t, d, "data"); c.PersistentVolumeClaim == nil || c.PersistentVolumeClaim.ClaimName != "csocbot" {
					t.Errorf("data volume = %+v, want the PersistentVolumeClaim csocbot", c)
				}
				if s := volume(t, d, "secrets"); s.Secret == nil || s.Secret.SecretName != "csocbot" {
					t.Errorf("secrets volume = %+v, want the Secret csocbot", s)
				}
				if _, ok := objs.get(t, "ServiceAccount", nil).Metadata.Annotations["eks.amazonaws.com/role-arn"]; ok {
					t.Error("the service account has an IRSA role though none was set")
				}
				c, data, err := objs.config(t)
				if err != nil {
					t.Fatalf("csocbot refuses the default config.yaml: %v\n%s", err, data)
				}
				if c.Store.Driver != "sqlite" || c.Store.Path != "/var/lib/csocbot/csocbot.db" || c.Listen != ":8080" {
					t.Errorf("store %+v, listen %q; want SQLite on the data volume, :8080", c.Store, c.Listen)
				}
				var np networkingv1.NetworkPolicy
				objs.get(t, "NetworkPolicy", &np)
				var ports []string
				for _, p := range np.Spec.Egress[0].Ports {
					ports = append(ports, p.Port.String()+"/"+string(*p.Protocol))
				}
				if want := []string{"22/TCP", "53/TCP", "443/TCP", "53/UDP"}; !slices.Equal(ports, want) {
					t.Errorf("egress ports = %v, want %v", ports, want)
				}
				if ex := np.Spec.Egress[0].To[0].IPBlock.Except; !slices.Contains(ex, "169.254.169.254/32") {
					t.Errorf("egress allows the instance metadata service: except = %v", ex)
				}
			},
		},
		{
			name: "IRSA and ExternalSecret",
			values: `
serviceAccount: {roleArn: "arn:aws:iam::123456789012:role/csocbot"}
secrets:
  externalSecret:
    enabled: true
    secretStoreRef: {name: aws-secrets-manager}
    remoteKey: csoc/csocbot
    keys: [github-token, webhook-secret, slack-token]
config:
  slack: {token_file: /etc/csocbot/secrets/slack-token, default_channel: "#csoc"}
`,
			check: func(t *testing.T, objs objects) {
				sa := objs.get(t, "ServiceAccount", nil)
				if got := sa.Metadata.Annotations["eks.amazonaws.com/role-arn"]; got != "arn:aws:iam::123456789012:role/csocbot" {
					t.Errorf("IRSA annotation = %q", got)
				}
				var es struct {
					APIVersion string `json:"apiVersion"`
					Spec       struct {
						SecretStoreRef struct{ Kind, Name string } `json:"secretStoreRef"`
						Target         struct{ Name string }       `json:"target"`
						Data           []struct {
							SecretKey string `json:"secretKey"`
							RemoteRef struct{ Key, Property string }
						} `json:"data"`
					} `json:"spec"`
				}
				objs.get(t, "ExternalSecret", &es)
				if es.APIVersion != "external-secrets.io/v1" || es.Spec.SecretStoreRef.Kind != "ClusterSecretStore" || es.Spec.SecretStoreRef.Name != "aws-secrets-manager" || es.Spec.Target.Name != "csocbot" {
					t.Errorf("ExternalSecret = %+v", es)
				}
				if len(es.Spec.Data) != 3 || es.Spec.Data[2].SecretKey != "slack-token" || es.Spec.Data[2].RemoteRef.Key != "csoc/csocbot" || es.Spec.Data[2].RemoteRef.Property != "slack-token" {
					t.Errorf("ExternalSecret data = %+v", es.Spec.Data)
				}
				d := deployment(t, objs)
				if d.Spec.Template.Spec.ServiceAccountName != "csocbot" {
					t.Errorf("serviceAccountName = %q", d.Spec.Template.Spec.ServiceAccountName)
				}
				if s := volume(t, d, "secrets"); s.Secret == nil || s.Secret.SecretName != es.Spec.Target.Name {
					t.Errorf("secrets volume = %+v, want the ExternalSecret's target", s)
				}
				if c, data, err := objs.config(t); err != nil || c.Slack == nil {
					t.Errorf("csocbot refuses config.yaml (%v) or has no Slack:\n%s", err, data)
				}
			},
		},
		{
			name:   "ServiceMonitor",
			values: `serviceMonitor: {enabled: true, labels: {release: prometheus}}`,
			check: func(t *testing.T, objs objects) {
				var sm struct {
					APIVersion string `json:"apiVersion"`
					Metadata   struct{ Labels map[string]string }
					Spec       struct {
						Selector  struct{ MatchLabels map[string]string } `json:"selector"`
						Endpoints []struct{ Port, Path, Interval string } `json:"endpoints"`
					} `json:"spec"`
				}
				objs.get(t, "ServiceMonitor", &sm)
				if sm.APIVersion != "monitoring.coreos.com/v1" || sm.Metadata.Labels["release"] != "prometheus" {
					t.Errorf("ServiceMonitor = %+v", sm)
				}
				if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "http" || sm.Spec.Endpoints[0].Path != "/metrics" {
					t.Errorf("endpoints = %+v, want port http, path /metrics", sm.Spec.Endpoints)
				}
				var svc corev1.Service
				objs.get(t, "Service", &svc)
				for k, v := range sm.Spec.Selector.MatchLabels {
					if svc.Labels[k] != v {
						t.Errorf("the ServiceMonitor selects %s=%s, which the Service lacks", k, v)
					}
				}
			},
		},
		{
			name: "two replicas with PostgreSQL",
			values: `
replicaCount: 2
postgres: {enabled: true, existingSecret: csocbot-db, key: url}
`,
			check: func(t *testing.T, objs objects) {
				if slices.Contains(objs.kinds(), "PersistentVolumeClaim") {
					t.Error("a PersistentVolumeClaim is rendered for several replicas")
				}
				d := deployment(t, objs)
				if *d.Spec.Replicas != 2 || d.Spec.Strategy.Type != "" {
					t.Errorf("replicas %d, strategy %q; want 2, rolling", *d.Spec.Replicas, d.Spec.Strategy.Type)
				}
				if v := volume(t, d, "data"); v.EmptyDir == nil {
					t.Errorf("data volume = %+v, want an emptyDir", v)
				}
				pg := volume(t, d, "postgres")
				if pg.Secret == nil || pg.Secret.SecretName != "csocbot-db" || len(pg.Secret.Items) != 1 || pg.Secret.Items[0].Key != "url" {
					t.Errorf("postgres volume = %+v, want key url of Secret csocbot-db", pg)
				}
				var cm corev1.ConfigMap
				objs.get(t, "ConfigMap", &cm)
				var cfg struct{ Store map[string]string }
				if err := yaml.Unmarshal([]byte(cm.Data["config.yaml"]), &cfg); err != nil {
					t.Fatal(err)
				}
				if cfg.Store["driver"] != "postgres" || cfg.Store["url_file"] != postgresURLFile {
					t.Errorf("store = %v", cfg.Store)
				}
				if c, data, err := objs.config(t); err != nil || c.Store.Driver != "postgres" || !c.Store.Shared() {
					t.Errorf("csocbot reads the store as %+v (%v) from:\n%s", c, err, data)
				}
				var np networkingv1.NetworkPolicy
				objs.get(t, "NetworkPolicy", &np)
				if !slices.ContainsFunc(np.Spec.Egress[0].Ports, func(p networkingv1.NetworkPolicyPort) bool { return p.Port.IntValue() == 5432 }) {
					t.Error("egress does not allow PostgreSQL's port")
				}
			},
		},
		{
			name:    "inline token refused",
			values:  `config: {github: {token: ghp_abcdefghijklmnopqrstuvwxyz0123456789}}`,
			wantErr: "config.github.token holds a secret inline",
		},
		{
			name:    "token-looking value refused anywhere",
			values:  `podAnnotations: {note: "xoxb-1234567890-abcdefghij"}`,
			wantErr: "podAnnotations.note looks like a secret",
		},
		{
			name:    "PostgreSQL password in values refused",
			values:  `config: {store: {url_file: "postgres://csocbot:hunter2@db:5432/csocbot"}}`,
			wantErr: "config.store.url_file looks like a secret",
		},
		{
			name:    "two replicas without PostgreSQL refused",
			values:  `replicaCount: 2`,
			wantErr: "replicaCount 2 needs the PostgreSQL store",
		},
		{
			name:    "ExternalSecret without its store refused",
			values:  `secrets: {externalSecret: {enabled: true}}`,
			wantErr: "secrets.externalSecret needs remoteKey",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := render(t, tt.values)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, objs)
		})
	}
}

// checkSecure checks the pod runs the way the sandbox expects: non-root,
// no privilege escalation (no_new_privs, which Landlock needs), no
// capabilities, a read-only root with writable data and tmp, and probes.
func checkSecure(t *testing.T, d appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	switch {
	case pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot || pod.SecurityContext.RunAsUser == nil || *pod.SecurityContext.RunAsUser == 0:
		t.Errorf("pod security context %+v: want a non-root user", pod.SecurityContext)
	case sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Errorf("container security context %+v: want allowPrivilegeEscalation false", sc)
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Error("the root file system is writable")
	case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0:
		t.Errorf("capabilities = %+v, want all dropped", sc.Capabilities)
	case sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
		t.Errorf("seccomp profile = %+v, want RuntimeDefault", sc.SeccompProfile)
	case sc.Privileged != nil && *sc.Privileged:
		t.Error("the container is privileged")
	}
	mounts := map[string]bool{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.ReadOnly
	}
	for dir, readOnly := range map[string]bool{"/var/lib/csocbot": false, "/tmp": false, "/etc/csocbot/config": true, "/etc/csocbot/secrets": true} {
		if ro, ok := mounts[dir]; !ok || ro != readOnly {
			t.Errorf("%s: mounted %v, read-only %v; want mounted, read-only %v", dir, ok, ro, readOnly)
		}
	}
	if !slices.Equal(c.Args, []string{"serve", "--config", configPath}) {
		t.Errorf("args = %v", c.Args)
	}
	for name, p := range map[string]*corev1.Probe{"/healthz": c.LivenessProbe, "/readyz": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != name || p.HTTPGet.Port.String() != "http" {
			t.Errorf("probe %s = %+v", name, p)
		}
	}
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != 8080 || c.Ports[0].Name != "http" {
		t.Errorf("ports = %+v, want http 8080", c.Ports)
	}
	if pod.TerminationGracePeriodSeconds == nil || *pod.TerminationGracePeriodSeconds <= 600 {
		t.Error("terminationGracePeriodSeconds must exceed apply.shutdown_grace (10m)")
	}
}

func volume(t *testing.T, d appsv1.Deployment, name string) corev1.Volume {
	t.Helper()
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no volume %s", name)
	return corev1.Volume{}
}

// TestLint checks what `helm lint` checks, with the Helm SDK: the chart's
// metadata, rendering the defaults in strict mode (a template reading a
// value the defaults lack fails), and that every object has an apiVersion,
// a kind and valid names and labels. (Helm's own pkg/chart/v2/lint needs
// a module this one does not require yet.)
func TestLint(t *testing.T) {
	// Helm's own linter, as `helm lint` runs it.
	linted := lint.RunAll(chartDir, nil, "test-namespace")
	for _, m := range linted.Messages {
		if m.Severity >= support.WarningSev {
			t.Errorf("helm lint: %s", m)
		}
	}
	chrt, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := chrt.Validate(); err != nil {
		t.Errorf("Chart.yaml: %v", err)
	}
	if chrt.Metadata.Name != path.Base(chartDir) {
		t.Errorf("chart name %q differs from its folder %q", chrt.Metadata.Name, chartDir)
	}
	for _, name := range []string{"Chart.yaml", "values.yaml", "templates/NOTES.txt", "templates/_helpers.tpl"} {
		if _, err := os.Stat(path.Join(chartDir, name)); err != nil {
			t.Error(err)
		}
	}
	opts := common.ReleaseOptions{Name: "test-release", Namespace: "test-namespace", Revision: 1, IsInstall: true}
	top, err := util.ToRenderValues(chrt, nil, opts, common.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Engine{Strict: true, LintMode: true}.Render(chrt, top)
	if err != nil {
		t.Fatalf("strict render: %v", err)
	}
	for name, content := range out {
		switch path.Ext(name) {
		case ".yaml":
		case ".txt", ".tpl":
			continue
		default:
			t.Errorf("%s: templates should end in .yaml, .tpl or .txt", name)
		}
		for doc := range strings.SplitSeq(content, "\n---") {
			var o struct {
				metav1.TypeMeta `json:",inline"`
				Metadata        metav1.ObjectMeta `json:"metadata"`
			}
			if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if strings.TrimSpace(doc) == "" {
				continue
			}
			if o.APIVersion == "" || o.Kind == "" {
				t.Errorf("%s: an object without apiVersion or kind:\n%s", name, doc)
			}
			for _, msg := range validation.IsDNS1123Subdomain(o.Metadata.Name) {
				t.Errorf("%s: %s name %q: %s", name, o.Kind, o.Metadata.Name, msg)
			}
			for k, v := range o.Metadata.Labels {
				for _, msg := range append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...) {
					t.Errorf("%s: label %s=%s: %s", name, k, v, msg)
				}
			}
		}
	}
}

// TestGitopsExample checks that csocbot's own gitops support finds the
// example Application with its sources, and that the chart renders with
// the example's values into a configuration csocbot accepts.
func TestGitopsExample(t *testing.T) {
	fsys := os.DirFS(exampleDir)
	apps, problems, err := gitops.Discover(context.Background(), fsys, gitops.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("problems: %+v", problems)
	}
	if len(apps) != 1 {
		t.Fatalf("found %d applications, want 1: %+v", len(apps), apps)
	}
	app := apps[0]
	if app.Name != "csocbot" || app.Dir != "csoc/csocbot.csoc.example.org" || app.Cluster != "csoc" || app.Destination.Namespace != "csocbot" {
		t.Errorf("application = %+v", app)
	}
	if len(app.Sources) != 2 {
		t.Fatalf("sources = %+v", app.Sources)
	}
	chartSrc, valuesSrc := app.Sources[0], app.Sources[1]
	if chartSrc.RepoURL != "https://github.com/csocbot/csocbot" || chartSrc.Path != "deploy/helm/csocbot" || chartSrc.TargetRevision == "" || chartSrc.Helm == nil || chartSrc.Helm.ReleaseName != "csocbot" {
		t.Errorf("chart source = %+v", chartSrc)
	}
	if valuesSrc.Ref != "values" || !valuesSrc.Self {
		t.Errorf("values source = %+v, want this repository as ref values", valuesSrc)
	}
	vfs := app.ValueFiles()
	if len(vfs) != 1 || vfs[0].Repo != "self" || vfs[0].Path != "csoc/csocbot.csoc.example.org/values/values.yaml" {
		t.Fatalf("value files = %+v", vfs)
	}
	values, err := fs.ReadFile(fsys, vfs[0].Path)
	if err != nil {
		t.Fatal(err)
	}

	objs, err := render(t, string(values))
	if err != nil {
		t.Fatalf("the chart does not render with the example's values: %v", err)
	}
	objs.get(t, "ExternalSecret", nil)
	checkSecure(t, deployment(t, objs))
	// The policy library is a folder of the image, not of this machine.
	var cm corev1.ConfigMap
	objs.get(t, "ConfigMap", &cm)
	cfg := map[string]any{}
	if err := yaml.Unmarshal([]byte(cm.Data["config.yaml"]), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg["policies"] == nil {
		t.Error("the example configures no policies")
	}
	delete(cfg, "policies")
	data, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := config.Parse(data, configPath, func(string) (string, bool) { return "", false }, func(name string) ([]byte, error) {
		if strings.HasPrefix(name, secretsFolder) {
			return fakeSecret(name), nil
		}
		return nil, errors.ErrUnsupported
	}); err != nil {
		t.Errorf("csocbot refuses the example's config.yaml: %v\n%s", err, bytes.TrimSpace(data))
	}
}
