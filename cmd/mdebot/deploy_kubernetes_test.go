package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/bot/socket"
)

// k8sObjects reads every YAML file of deploy/kubernetes and indexes the objects by kind (the
// kustomization by its file name), checking that kustomization.yaml lists exactly those files.
func k8sObjects(t *testing.T) map[string]map[string]any {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "deploy", "kubernetes")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no YAML in %s: %v", dir, err)
	}
	objs := map[string]map[string]any{}
	var listed, present []string
	for _, f := range files {
		for _, doc := range yamlDocs(t, f) {
			kind, _ := doc["kind"].(string)
			if kind == "" {
				t.Errorf("%s: a document without kind", filepath.Base(f))
			}
			if _, dup := objs[kind]; dup {
				t.Errorf("%s: a second %s", filepath.Base(f), kind)
			}
			objs[kind] = doc
			if kind == "Kustomization" {
				for _, r := range doc["resources"].([]any) {
					listed = append(listed, r.(string))
				}
			} else {
				present = append(present, filepath.Base(f))
			}
		}
	}
	slices.Sort(listed)
	slices.Sort(present)
	if !slices.Equal(listed, present) {
		t.Errorf("kustomization.yaml lists %v, the folder has %v", listed, present)
	}
	return objs
}

func TestKubernetesBase(t *testing.T) {
	t.Parallel()
	objs := k8sObjects(t)
	for _, kind := range []string{"Kustomization", "Deployment", "PodDisruptionBudget", "Secret", "ConfigMap", "Service", "NetworkPolicy", "ServiceAccount"} {
		if objs[kind] == nil {
			t.Fatalf("deploy/kubernetes has no %s", kind)
		}
	}
	dep := objs["Deployment"]
	if r := dig(dep, "spec", "replicas"); r != 2 {
		t.Errorf("replicas = %v, want 2", r)
	}
	podLabels := stringMap(dig(dep, "spec", "template", "metadata", "labels"))
	if !selects(dig(dep, "spec", "selector", "matchLabels"), podLabels) {
		t.Error("the Deployment's selector does not match its pods")
	}
	for kind, sel := range map[string]any{
		"PodDisruptionBudget": dig(objs["PodDisruptionBudget"], "spec", "selector", "matchLabels"),
		"Service":             dig(objs["Service"], "spec", "selector"),
		"NetworkPolicy":       dig(objs["NetworkPolicy"], "spec", "podSelector", "matchLabels"),
	} {
		if !selects(sel, podLabels) {
			t.Errorf("the %s does not select the bot's pods", kind)
		}
	}
	if min := dig(objs["PodDisruptionBudget"], "spec", "minAvailable"); min != 1 {
		t.Errorf("PodDisruptionBudget minAvailable = %v, want 1 of the 2 replicas", min)
	}
	checkPodSecurity(t, dig(dep, "spec", "template", "spec"))
	checkProbesAndPorts(t, objs)
	checkK8sEnvironment(t, objs)
	checkNetworkPolicy(t, objs["NetworkPolicy"])
}

// selects reports whether a non-empty label selector matches labels.
func selects(selector any, labels map[string]string) bool {
	sel := stringMap(selector)
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// The pod cannot run as root, escalate, write its root filesystem or keep capabilities.
func checkPodSecurity(t *testing.T, pod any) {
	t.Helper()
	c := dig(pod, "containers", 0)
	nonRoot := dig(pod, "securityContext", "runAsNonRoot") == true || dig(c, "securityContext", "runAsNonRoot") == true
	uid := dig(c, "securityContext", "runAsUser")
	if uid == nil {
		uid = dig(pod, "securityContext", "runAsUser")
	}
	if !nonRoot || uid == nil || uid == 0 {
		t.Errorf("the pod may run as root: runAsNonRoot %v, runAsUser %v", nonRoot, uid)
	}
	for field, want := range map[string]any{"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true} {
		if got := dig(c, "securityContext", field); got != want {
			t.Errorf("container securityContext.%s = %v, want %v", field, got, want)
		}
	}
	if drop := fmt.Sprint(dig(c, "securityContext", "capabilities", "drop")); drop != "[ALL]" {
		t.Errorf("capabilities.drop = %s, want [ALL]", drop)
	}
	for _, kind := range []string{"requests", "limits"} {
		r := stringMap(dig(c, "resources", kind))
		if r["cpu"] == "" || r["memory"] == "" {
			t.Errorf("resources.%s = %v, want cpu and memory", kind, r)
		}
	}
}

// The probes ask the paths the bot's health handler really serves, on the port the ConfigMap's
// MDEBOT_HTTP_ADDR listens on; liveness is /healthz and readiness /readyz.
func checkProbesAndPorts(t *testing.T, objs map[string]map[string]any) {
	t.Helper()
	c := dig(objs["Deployment"], "spec", "template", "spec", "containers", 0)
	_, port, err := net.SplitHostPort(stringMap(objs["ConfigMap"]["data"])["MDEBOT_HTTP_ADDR"])
	if err != nil {
		t.Fatalf("ConfigMap MDEBOT_HTTP_ADDR: %v", err)
	}
	ports := map[string]string{}
	for _, p := range dig(c, "ports").([]any) {
		ports[toString(dig(p, "name"))] = toString(dig(p, "containerPort"))
	}
	srv := httptest.NewServer(socket.HealthHandler(socket.NewHealth(nil), nil, nil))
	defer srv.Close()
	for probe, want := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"} {
		path := toString(dig(c, probe, "httpGet", "path"))
		if path != want {
			t.Errorf("%s asks %q, want %q", probe, path, want)
		}
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
			t.Errorf("%s: the bot does not serve GET %s (%d)", probe, path, resp.StatusCode)
		}
		p := toString(dig(c, probe, "httpGet", "port"))
		if named, ok := ports[p]; ok {
			p = named
		}
		if p != port {
			t.Errorf("%s probes port %s, the bot listens on %s (MDEBOT_HTTP_ADDR)", probe, p, port)
		}
	}
	svc := objs["Service"]
	ann := stringMap(dig(svc, "metadata", "annotations"))
	if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/port"] != port || ann["prometheus.io/path"] != "/metrics" {
		t.Errorf("Service scrape annotations = %v, want scrape true, port %s, path /metrics", ann, port)
	}
	if tp := toString(dig(svc, "spec", "ports", 0, "targetPort")); tp != port && ports[tp] != port {
		t.Errorf("Service targetPort %s is not the bot's port %s", tp, port)
	}
}

// The Deployment takes its environment from the ConfigMap and the Secret; between them they hold
// every required variable and REDIS_URL (two replicas must share a Redis), only variables the
// code reads, secrets only in the Secret, and values LoadConfig accepts.
func checkK8sEnvironment(t *testing.T, objs map[string]map[string]any) {
	t.Helper()
	c := dig(objs["Deployment"], "spec", "template", "spec", "containers", 0)
	refs := map[string]bool{}
	for _, from := range dig(c, "envFrom").([]any) {
		for _, kind := range []string{"configMapRef", "secretRef"} {
			if name := toString(dig(from, kind, "name")); name != "" {
				refs[kind+"/"+name] = true
			}
		}
	}
	cmName := toString(dig(objs["ConfigMap"], "metadata", "name"))
	secName := toString(dig(objs["Secret"], "metadata", "name"))
	if !refs["configMapRef/"+cmName] || !refs["secretRef/"+secName] {
		t.Errorf("envFrom %v does not take both the ConfigMap %s and the Secret %s", refs, cmName, secName)
	}
	cm := stringMap(objs["ConfigMap"]["data"])
	sec := stringMap(objs["Secret"]["stringData"])
	all := map[string]string{}
	for k, v := range cm {
		all[k] = v
	}
	for k, v := range sec {
		if _, dup := all[k]; dup {
			t.Errorf("%s is in both the ConfigMap and the Secret", k)
		}
		all[k] = v
	}
	if m := missing(append(requiredVars(t), "REDIS_URL"), all); len(m) > 0 {
		t.Errorf("neither the ConfigMap nor the Secret provides %v", m)
	}
	if u := unknown(all, configVarNames()); len(u) > 0 {
		t.Errorf("the ConfigMap or Secret sets %v, which the code does not read", u)
	}
	for _, s := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "REDIS_URL"} {
		if _, ok := cm[s]; ok {
			t.Errorf("the secret %s is in the ConfigMap", s)
		}
	}
	loadWith(t, "the Kubernetes ConfigMap and Secret", all)
}

// Egress is limited to DNS, HTTPS and Redis.
func checkNetworkPolicy(t *testing.T, np map[string]any) {
	t.Helper()
	if types := fmt.Sprint(dig(np, "spec", "policyTypes")); !strings.Contains(types, "Egress") {
		t.Fatalf("policyTypes %s does not restrict egress", types)
	}
	var allowed []string
	for _, rule := range dig(np, "spec", "egress").([]any) {
		ports, _ := dig(rule, "ports").([]any)
		if len(ports) == 0 {
			t.Errorf("an egress rule allows every port: %v", rule)
		}
		for _, p := range ports {
			allowed = append(allowed, fmt.Sprintf("%v/%v", dig(p, "protocol"), dig(p, "port")))
		}
	}
	slices.Sort(allowed)
	want := []string{"TCP/26379", "TCP/443", "TCP/53", "TCP/6379", "TCP/6380", "UDP/53"}
	if !slices.Equal(allowed, want) {
		t.Errorf("egress allows %v, want exactly %v", allowed, want)
	}
	if _, err := os.Stat(filepath.Join(repoRoot(t), "deploy", "kubernetes", "README.md")); err != nil {
		t.Errorf("deploy/kubernetes has no README (the note on Redis): %v", err)
	}
}
