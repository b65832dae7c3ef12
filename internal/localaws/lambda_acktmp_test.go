package localaws

// TEMPORARY: runs the released lambda-controller against the server. Deleted
// before handing back.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"
)

func TestTmpACKLambdaController(t *testing.T) {
	bin := os.ExpandEnv("$HOME/.cache/eventstack-operator/ack-controllers/lambda-controller-v1.14.1/controller")
	if _, err := os.Stat(bin); err != nil {
		t.Skip(err)
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: os.ExpandEnv("$HOME/.cache/eventstack-operator/envtest/k8s-v1.37.2-etcd-v3.6.16"),
		CRDDirectoryPaths:     []string{"/work/shared/ack-crds/lambda-controller-v1.14.1", "/work/shared/ack-crds/common"},
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Stop()
	k8s, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["c"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["u"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["x"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u"}
	kc.CurrentContext = "x"
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, kubeconfig); err != nil {
		t.Fatal(err)
	}

	e := newLambdaEnv(t, Delays{FunctionCreate: 1500 * time.Millisecond, FunctionUpdate: 1500 * time.Millisecond,
		MappingCreate: time.Second, MappingUpdate: time.Second})
	zipA := makeZip(t, map[string]string{"bootstrap": "a"})
	zipB := makeZip(t, map[string]string{"bootstrap": "b"})
	e.srv.SetCodeSource(func(bucket, key, version string) ([]byte, error) {
		switch key {
		case "a.zip":
			return zipA, nil
		case "b.zip":
			return zipB, nil
		}
		return nil, fmt.Errorf("NoSuchKey")
	})
	e.srv.RequireFunctions(true)
	role := e.role(t, "fn-role")
	queue := e.queue(t, "jobs")

	logf, _ := os.Create(filepath.Join(dir, "lambda.log"))
	cmd := exec.Command(bin, "--aws-region", "us-east-1", "--aws-endpoint-url", e.srv.URL(), "--aws-identity-endpoint-url", e.srv.URL(),
		"--allow-unsafe-aws-endpoint-urls", "--metrics-addr", "0", "--healthz-addr", "127.0.0.1:0", "--log-level", "debug",
		"--enable-development-logging", "--reconcile-resources", "Function,EventSourceMapping")
	cmd.Env = []string{"KUBECONFIG=" + kubeconfig, "AWS_EC2_METADATA_DISABLED=true", "AWS_ACCESS_KEY_ID=AKIDLOCALACK",
		"AWS_SECRET_ACCESS_KEY=local", "HOME=" + os.Getenv("HOME"), "PATH=" + os.Getenv("PATH")}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() || os.Getenv("ACKTMP_LOG") != "" {
			b, _ := os.ReadFile(filepath.Join(dir, "lambda.log"))
			lines := strings.Split(string(b), "\n")
			if len(lines) > 300 {
				lines = lines[len(lines)-300:]
			}
			t.Log(strings.Join(lines, "\n"))
		}
	}()

	ctx := context.Background()
	apply := func(doc string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatal(err)
		}
		if err := k8s.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	get := func(gvk schema.GroupVersionKind, name string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(gvk)
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: "default", Name: name}, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	synced := func(u *unstructured.Unstructured) string {
		conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
		out := []string{}
		for _, c := range conds {
			m := c.(map[string]any)
			out = append(out, fmt.Sprintf("%v=%v(%v)", m["type"], m["status"], m["message"]))
		}
		return strings.Join(out, "; ")
	}
	fnGVK := schema.GroupVersionKind{Group: "lambda.services.k8s.aws", Version: "v1alpha1", Kind: "Function"}
	esmGVK := schema.GroupVersionKind{Group: "lambda.services.k8s.aws", Version: "v1alpha1", Kind: "EventSourceMapping"}
	waitFor := func(what string, d time.Duration, f func() error) {
		t.Helper()
		deadline := time.Now().Add(d)
		for {
			err := f()
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v", what, err)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}

	shaA := sha256b64(zipA)
	apply(fmt.Sprintf(`
apiVersion: lambda.services.k8s.aws/v1alpha1
kind: Function
metadata: {name: fn, namespace: default}
spec:
  name: fn
  role: %s
  runtime: provided.al2023
  handler: bootstrap
  packageType: Zip
  architectures: [arm64]
  memorySize: 256
  timeout: 10
  code: {s3Bucket: code, s3Key: a.zip, sha256: %q}
  environment: {variables: {A1: b}}
  tags: {team: orders}
`, role, shaA))
	waitFor("function synced", 60*time.Second, func() error {
		u := get(fnGVK, "fn")
		st, _, _ := unstructured.NestedString(u.Object, "status", "state")
		if !strings.Contains(synced(u), "ACK.ResourceSynced=True") || st != "Active" {
			return fmt.Errorf("state %s, %s", st, synced(u))
		}
		return nil
	})
	f, _ := e.srv.Function("fn")
	t.Logf("function: %+v", f)

	// Update memory.
	u := get(fnGVK, "fn")
	_ = unstructured.SetNestedField(u.Object, int64(512), "spec", "memorySize")
	if err := k8s.Update(ctx, u); err != nil {
		t.Fatal(err)
	}
	waitFor("memory applied", 60*time.Second, func() error {
		f, _ := e.srv.Function("fn")
		if f.MemorySize != 512 {
			return fmt.Errorf("memory %d", f.MemorySize)
		}
		return nil
	})
	// New code.
	u = get(fnGVK, "fn")
	_ = unstructured.SetNestedField(u.Object, "b.zip", "spec", "code", "s3Key")
	_ = unstructured.SetNestedField(u.Object, sha256b64(zipB), "spec", "code", "sha256")
	if err := k8s.Update(ctx, u); err != nil {
		t.Fatal(err)
	}
	waitFor("code applied", 90*time.Second, func() error {
		f, _ := e.srv.Function("fn")
		if f.CodeSha256 != sha256b64(zipB) {
			return fmt.Errorf("sha %s", f.CodeSha256)
		}
		return nil
	})

	apply(fmt.Sprintf(`
apiVersion: lambda.services.k8s.aws/v1alpha1
kind: EventSourceMapping
metadata: {name: esm, namespace: default}
spec:
  functionName: arn:aws:lambda:us-east-1:123456789012:function:fn
  eventSourceARN: %s
  batchSize: 10
  maximumBatchingWindowInSeconds: 0
  functionResponseTypes: [ReportBatchItemFailures]
  enabled: true
`, queue))
	waitFor("mapping synced", 60*time.Second, func() error {
		u := get(esmGVK, "esm")
		st, _, _ := unstructured.NestedString(u.Object, "status", "state")
		if !strings.Contains(synced(u), "ACK.ResourceSynced=True") || st == "" {
			return fmt.Errorf("state %s, %s", st, synced(u))
		}
		return nil
	})
	u = get(esmGVK, "esm")
	uuid, _, _ := unstructured.NestedString(u.Object, "status", "uuid")
	t.Logf("mapping %s: %v", uuid, u.Object["status"])
	u = get(esmGVK, "esm")
	_ = unstructured.SetNestedField(u.Object, int64(5), "spec", "batchSize")
	if err := k8s.Update(ctx, u); err != nil {
		t.Fatal(err)
	}
	waitFor("batch applied", 60*time.Second, func() error {
		m, _ := e.srv.Mapping(uuid)
		if m.BatchSize != 5 {
			return fmt.Errorf("batch %d state %s", m.BatchSize, m.State)
		}
		return nil
	})

	// Delete both.
	if err := k8s.Delete(ctx, get(esmGVK, "esm")); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Delete(ctx, get(fnGVK, "fn")); err != nil {
		t.Fatal(err)
	}
	waitFor("deleted", 90*time.Second, func() error {
		for _, r := range e.srv.Resources() {
			if strings.Contains(r, ":lambda:") {
				return fmt.Errorf("left %s", r)
			}
		}
		return nil
	})
	t.Logf("calls: %v", e.srv.CallsByClient())
}
