package gatewayworker_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/services/gateway-worker/internal/handlers"
	"goweb/services/gateway-worker/internal/httpapi"
	"goweb/services/gateway-worker/internal/settings"
	"goweb/services/gateway-worker/internal/worker"
)

// There is no Docker engine or cluster here, so these tests read the
// deployment files and check what must agree with the code: the port,
// the probe paths and the settings names.

const port = 8084

func readFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkEnvName(t *testing.T, where, name string) {
	t.Helper()
	if !settings.IsEnvName(name) {
		t.Errorf("%s: environment variable %s is not one the service reads", where, name)
	}
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	var from, expose, healthcheck, user, build []string
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, "Dockerfile")))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		instr, rest, _ := strings.Cut(line, " ")
		switch strings.ToUpper(instr) {
		case "FROM":
			from = append(from, rest)
		case "EXPOSE":
			expose = append(expose, rest)
		case "HEALTHCHECK":
			healthcheck = append(healthcheck, rest)
		case "USER":
			user = append(user, rest)
		case "ENV":
			name, _, _ := strings.Cut(rest, "=")
			checkEnvName(t, "Dockerfile ENV", name)
		case "RUN":
			if strings.Contains(rest, "go build") {
				build = append(build, rest)
			}
		}
	}
	if len(from) < 2 || !strings.HasPrefix(from[0], "golang:1.26") {
		t.Errorf("want a multi-stage build from golang:1.26, got FROM %v", from)
	}
	if last := from[len(from)-1]; !strings.Contains(last, "distroless/static") && !strings.Contains(last, "alpine") {
		t.Errorf("final stage %q is not a small base", last)
	}
	if !slices.Equal(expose, []string{fmt.Sprint(port)}) {
		t.Errorf("EXPOSE %v, want %d", expose, port)
	}
	if len(user) != 1 || strings.HasPrefix(user[0], "root") || user[0] == "0" {
		t.Errorf("USER %v, want one non-root user", user)
	}
	if len(healthcheck) != 1 || !strings.Contains(healthcheck[0], "healthcheck") {
		t.Errorf("HEALTHCHECK %v, want the binary's healthcheck command", healthcheck)
	}
	if len(build) != 1 || !strings.Contains(build[0], "CGO_ENABLED=0") || !strings.Contains(build[0], "./services/gateway-worker/cmd/server") {
		t.Errorf("build step %v, want a static build of cmd/server", build)
	}
}

func TestDockerCompose(t *testing.T) {
	t.Parallel()
	var doc struct {
		Services map[string]struct {
			Image       string   `yaml:"image"`
			Command     string   `yaml:"command"`
			Ports       []string `yaml:"ports"`
			Environment []string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(readFile(t, "docker-compose.yml"), &doc); err != nil {
		t.Fatal(err)
	}
	redis, worker := doc.Services["redis"], doc.Services["gateway-worker"]
	if redis.Image != "redis:7-alpine" || !strings.Contains(redis.Command, "--appendonly yes") {
		t.Errorf("redis service: %+v, want redis:7-alpine with AOF", redis)
	}
	if !slices.Contains(worker.Ports, fmt.Sprintf("%d:%d", port, port)) {
		t.Errorf("worker ports %v", worker.Ports)
	}
	env := map[string]string{}
	for _, kv := range worker.Environment {
		k, v, _ := strings.Cut(kv, "=")
		checkEnvName(t, "docker-compose.yml", k)
		env[k] = v
	}
	if env["REDIS_HOST"] != "redis" || env["REDIS_PORT"] != "6379" || env["APP_PORT"] != fmt.Sprint(port) {
		t.Errorf("worker environment %v, want the seed's REDIS_HOST, REDIS_PORT and APP_PORT", env)
	}
	// The admin API and dashboard work out of the box with the caller's
	// token, and a Redis already on the host's 6379 does not clash.
	if env["ADMIN_TOKEN"] != "${ADMIN_TOKEN:-}" {
		t.Errorf("worker environment %v, want ADMIN_TOKEN from the caller's shell", env)
	}
	for _, p := range redis.Ports {
		if strings.HasPrefix(p, "6379:") || !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("redis published as %q, want a loopback host port other than 6379", p)
		}
	}
}

// k8sObject has the parts of the manifests the checks need.
type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name        string            `yaml:"name"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Replicas     int `yaml:"replicas"`
		MinAvailable int `yaml:"minAvailable"`
		Selector     struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Ports []struct {
			Port       int `yaml:"port"`
			TargetPort int `yaml:"targetPort"`
		} `yaml:"ports"`
		Template struct {
			Spec struct {
				TerminationGracePeriodSeconds int         `yaml:"terminationGracePeriodSeconds"`
				Containers                    []container `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type container struct {
	Ports []struct {
		ContainerPort int `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom struct {
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	LivenessProbe  probe `yaml:"livenessProbe"`
	ReadinessProbe probe `yaml:"readinessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	VolumeMounts []mount `yaml:"volumeMounts"`
}

type mount struct {
	MountPath string `yaml:"mountPath"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port int    `yaml:"port"`
	} `yaml:"httpGet"`
}

func k8sObjects(t *testing.T) map[string]k8sObject {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "deploy/k8s/*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	objs := map[string]k8sObject{}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var o k8sObject
			if err := dec.Decode(&o); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			objs[o.Kind] = o
		}
	}
	return objs
}

func TestKubernetesManifests(t *testing.T) {
	t.Parallel()
	objs := k8sObjects(t)
	routes := httpapi.Routes()

	d := objs["Deployment"]
	if d.Spec.Replicas != 3 || d.Spec.Template.Spec.TerminationGracePeriodSeconds != 30 || len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("Deployment: %+v", d.Spec)
	}
	c := d.Spec.Template.Spec.Containers[0]
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != port {
		t.Errorf("container ports %+v", c.Ports)
	}
	for name, p := range map[string]probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if !slices.Contains(routes, p.HTTPGet.Path) || p.HTTPGet.Port != port {
			t.Errorf("%s probe %+v: path must be one of %v, port %d", name, p.HTTPGet, routes, port)
		}
	}
	if c.LivenessProbe.HTTPGet.Path != "/healthz" || c.ReadinessProbe.HTTPGet.Path != "/ready" {
		t.Error("liveness must probe /healthz and readiness /ready")
	}
	if c.Resources.Requests["cpu"] == "" || c.Resources.Limits["memory"] == "" {
		t.Errorf("resources %+v", c.Resources)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		checkEnvName(t, "Deployment", e.Name)
		env[e.Name] = e.Value
	}
	if env["APP_PORT"] != fmt.Sprint(port) {
		t.Errorf("APP_PORT %q", env["APP_PORT"])
	}
	if !slices.Contains(c.VolumeMounts, mount{filepath.Dir(env["CONFIG_FILE"])}) {
		t.Errorf("CONFIG_FILE %q is not in a mounted volume", env["CONFIG_FILE"])
	}

	if pdb := objs["PodDisruptionBudget"]; pdb.Spec.MinAvailable < 1 || pdb.Spec.Selector.MatchLabels["app"] != "gateway-worker" {
		t.Errorf("PodDisruptionBudget %+v", pdb.Spec)
	}
	svc := objs["Service"]
	a := svc.Metadata.Annotations
	if a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != fmt.Sprint(port) || !slices.Contains(routes, a["prometheus.io/path"]) {
		t.Errorf("Service annotations %v", a)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort != port {
		t.Errorf("Service ports %+v", svc.Spec.Ports)
	}
}

// The ConfigMap's file uses only keys the service reads, and loads.
func TestConfigMap(t *testing.T) {
	t.Parallel()
	text := k8sObjects(t)["ConfigMap"].Data["config.yaml"]
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range flatten("", doc) {
		if !settings.IsKey(key) {
			t.Errorf("ConfigMap config.yaml: %s is not a key the service reads", key)
		}
	}
	s, err := settings.Load(config.NewFromMap(doc))
	if err != nil {
		t.Fatalf("ConfigMap config.yaml does not load: %v", err)
	}
	var reg worker.Registry
	handlers.Register(&reg, logger.Nop(), handlers.NewCleaner(nil, s.DeadRetention, logger.Nop()))
	if _, warnings, err := s.Consume(reg.Registrations()); err != nil || len(warnings) > 0 {
		t.Errorf("ConfigMap config.yaml: topics: %v, warnings %q", err, warnings)
	}
}

func flatten(prefix string, m map[string]any) []string {
	var keys []string
	for k, v := range m {
		if prefix != "" {
			k = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			keys = append(keys, flatten(k, sub)...)
		} else {
			keys = append(keys, k)
		}
	}
	return keys
}

// Every secret the Deployment reads is one docs/service.md tells you to
// create, with the same key: kubectl create secret generic <name>
// --from-literal=<key>=... (the admin token's secret once was missing).
func TestManifestSecretsAreDocumented(t *testing.T) {
	t.Parallel()
	docs := string(readFile(t, "docs/service.md"))
	c := k8sObjects(t)["Deployment"].Spec.Template.Spec.Containers[0]
	secrets := 0
	for _, e := range c.Env {
		ref := e.ValueFrom.SecretKeyRef
		if ref == nil {
			continue
		}
		secrets++
		want := fmt.Sprintf("kubectl create secret generic %s --from-literal=%s=", ref.Name, ref.Key)
		if !strings.Contains(docs, want) {
			t.Errorf("%s reads secret %s (key %s), but docs/service.md never says %q", e.Name, ref.Name, ref.Key, want)
		}
	}
	if secrets == 0 {
		t.Error("no secretKeyRef found in the Deployment: the parse is broken")
	}
}
