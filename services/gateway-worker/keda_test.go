package gatewayworker_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"gopkg.in/yaml.v3"

	"goweb/pkg/config"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/handlers"
	"goweb/services/gateway-worker/internal/settings"
	"goweb/services/gateway-worker/internal/worker"
)

// kedaObject has the parts of the KEDA manifests the checks need.
type kedaObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Resources []string `yaml:"resources"` // the Kustomization
	Spec      struct {
		ScaleTargetRef struct {
			Kind string `yaml:"kind"`
			Name string `yaml:"name"`
		} `yaml:"scaleTargetRef"`
		MinReplicaCount int `yaml:"minReplicaCount"`
		MaxReplicaCount int `yaml:"maxReplicaCount"`
		Triggers        []struct {
			Type              string            `yaml:"type"`
			Metadata          map[string]string `yaml:"metadata"`
			AuthenticationRef struct {
				Name string `yaml:"name"`
			} `yaml:"authenticationRef"`
		} `yaml:"triggers"`
		SecretTargetRef []secretRef `yaml:"secretTargetRef"`
	} `yaml:"spec"`
}

type secretRef struct {
	Parameter string `yaml:"parameter"`
	Name      string `yaml:"name"`
	Key       string `yaml:"key"`
}

func kedaObjects(t *testing.T) (map[string]kedaObject, []string) {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "deploy/k8s/keda")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no KEDA manifests: %v", err)
	}
	objs := map[string]kedaObject{}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
		b, _ := os.ReadFile(f)
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var o kedaObject
			if err := dec.Decode(&o); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			objs[o.Kind] = o
		}
	}
	return objs, names
}

// The ScaledObject scales the base's Deployment on the pending lists of
// the topics the ConfigMap makes it consume, with the keys the library
// uses, reading Redis's address and password where the worker does.
func TestKEDAScaledObject(t *testing.T) {
	t.Parallel()
	objs, files := kedaObjects(t)
	base := k8sObjects(t)
	so, auth := objs["ScaledObject"], objs["TriggerAuthentication"]

	deployment := base["Deployment"]
	if so.Spec.ScaleTargetRef.Name != deployment.Metadata.Name || !slices.Contains([]string{"", "Deployment"}, so.Spec.ScaleTargetRef.Kind) {
		t.Errorf("scaleTargetRef %+v, want the Deployment %q", so.Spec.ScaleTargetRef, deployment.Metadata.Name)
	}
	if pdb := base["PodDisruptionBudget"]; so.Spec.MinReplicaCount <= pdb.Spec.MinAvailable || so.Spec.MaxReplicaCount < so.Spec.MinReplicaCount {
		t.Errorf("replicas %d to %d: the minimum must exceed the PodDisruptionBudget's minAvailable %d, or no node drains",
			so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount, pdb.Spec.MinAvailable)
	}

	var doc map[string]any
	if err := yaml.Unmarshal([]byte(base["ConfigMap"].Data["config.yaml"]), &doc); err != nil {
		t.Fatal(err)
	}
	s, err := settings.Load(config.NewFromMap(doc))
	if err != nil {
		t.Fatal(err)
	}
	var regs []worker.Registration
	for _, topic := range handlers.Predefined() {
		regs = append(regs, worker.Registration{Topic: topic})
	}
	topics, _, err := s.Consume(regs)
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, topic := range topics {
		want = append(want, redis.PendingKey(topic.Name))
	}
	env := map[string]bool{}
	for _, e := range deployment.Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = true
	}
	for i, tr := range so.Spec.Triggers {
		got = append(got, tr.Metadata["listName"])
		if tr.Type != "redis" || tr.AuthenticationRef.Name != auth.Metadata.Name {
			t.Errorf("trigger %d: type %q, authenticationRef %q; want redis and %q", i, tr.Type, tr.AuthenticationRef.Name, auth.Metadata.Name)
		}
		for _, k := range []string{"hostFromEnv", "portFromEnv"} {
			if name := tr.Metadata[k]; !env[name] {
				t.Errorf("trigger %d: %s %q is not set in the Deployment's container", i, k, name)
			}
		}
		for _, k := range []string{"listLength", "activationListLength"} {
			if n, err := strconv.Atoi(tr.Metadata[k]); err != nil || n < 1 {
				t.Errorf("trigger %d: %s %q, want a positive integer", i, k, tr.Metadata[k])
			}
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("listNames %v, want the pending lists of the ConfigMap's topics %v", got, want)
	}

	if want := []secretRef{passwordSecret(t)}; !slices.Equal(auth.Spec.SecretTargetRef, want) {
		t.Errorf("TriggerAuthentication %+v, want the worker's REDIS_PASSWORD secret %+v", auth.Spec.SecretTargetRef, want)
	}
	// The kustomization applies every manifest of the directory.
	res := objs["Kustomization"].Resources
	files = slices.DeleteFunc(files, func(f string) bool { return f == "kustomization.yaml" })
	slices.Sort(res)
	if !slices.Equal(res, files) {
		t.Errorf("kustomization resources %v, want %v", res, files)
	}
}

// passwordSecret is where the Deployment reads REDIS_PASSWORD from, as a
// KEDA password parameter.
func passwordSecret(t *testing.T) secretRef {
	t.Helper()
	var d struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Env []struct {
							Name      string `yaml:"name"`
							ValueFrom struct {
								SecretKeyRef struct {
									Name string `yaml:"name"`
									Key  string `yaml:"key"`
								} `yaml:"secretKeyRef"`
							} `yaml:"valueFrom"`
						} `yaml:"env"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(readFile(t, "deploy/k8s/deployment.yaml"), &d); err != nil {
		t.Fatal(err)
	}
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "REDIS_PASSWORD" {
			return secretRef{Parameter: "password", Name: e.ValueFrom.SecretKeyRef.Name, Key: e.ValueFrom.SecretKeyRef.Key}
		}
	}
	t.Fatal("the Deployment does not read REDIS_PASSWORD from a secret")
	return secretRef{}
}
