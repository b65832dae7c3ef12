// Package localcluster starts a local control plane (envtest: a real kube-apiserver
// and etcd) with this project's CRD and the real ACK CRDs of the pinned
// releases installed. It is shared by the integration tests and by the
// run-local path, so both run against the same thing.
package localcluster

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/ack"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// ACKRelease is a pinned ACK service-controller release and the CRD files of
// it that the operator uses.
type ACKRelease struct {
	Controller string
	Version    string
	CRDs       []string
	// CRDOnly: the operator is proven against this release's CRDs only; its
	// controller's source is not given here (../shared/ack-controllers), so
	// the released-controllers tier and run-local --ack=released do not run
	// it and the ACK stand-in plays its kinds.
	CRDOnly bool
}

// ackVersions are the pinned releases of the ACK service controllers, by
// controller (ack.Kind.Controller): the one fact of a release that the kinds
// table does not hold.
var ackVersions = map[string]string{
	"sqs":        "v1.6.1",
	"sns":        "v1.6.0",
	"dynamodb":   "v1.9.2",
	"lambda":     "v1.14.1",
	"sfn":        "v1.4.2",
	"iam":        "v1.8.1",
	"cloudwatch": "v1.8.1",
}

// crdOnly are the controllers whose source is not given here (see
// ACKRelease.CRDOnly).
var crdOnly = map[string]bool{"cloudwatch": true}

// ACKReleases are the pinned ACK releases whose CRDs the operator's children
// must satisfy: one per controller of ack.Kinds, in the table's order, with
// the CRD file of each of its kinds (group_plural.yaml, as ACK names them).
var ACKReleases = func() []ACKRelease {
	var out []ACKRelease
	at := map[string]int{}
	for _, k := range ack.Kinds {
		i, ok := at[k.Controller]
		if !ok {
			i, at[k.Controller] = len(out), len(out)
			out = append(out, ACKRelease{Controller: k.Controller + "-controller", Version: ackVersions[k.Controller], CRDOnly: crdOnly[k.Controller]})
		}
		out[i].CRDs = append(out[i].CRDs, k.GVK.Group+"_"+k.Plural+".yaml")
	}
	return out
}()

// SeedPath is the seed stack sample: every name and setting of the seed.
func SeedPath() string {
	return filepath.Join(RepoRoot(), "config", "samples", "stacks_v1alpha1_eventdrivenstack.yaml")
}

// RepoRoot is the repository's top folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// OwnCRDDir is the folder of this project's generated CRD.
func OwnCRDDir() string { return filepath.Join(RepoRoot(), "config", "crd", "bases") }

// ACKCRDFiles returns the paths of the pinned ACK CRD files: from
// $ACK_CRDS_DIR, else ../shared/ack-crds beside the checkout, else downloaded
// from the pinned release tags into the user cache (needs internet).
func ACKCRDFiles() ([]string, error) {
	dirs := []string{}
	if d := os.Getenv("ACK_CRDS_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	dirs = append(dirs, filepath.Join(RepoRoot(), "..", "shared", "ack-crds"))
	for _, dir := range dirs {
		if files, ok := findCRDs(dir); ok {
			return files, nil
		}
	}
	if d := os.Getenv("ACK_CRDS_DIR"); d != "" {
		return nil, fmt.Errorf("ACK_CRDS_DIR=%s does not hold the pinned ACK CRDs (<controller>-<version>/<file>)", d)
	}
	return downloadCRDs()
}

func findCRDs(dir string) ([]string, bool) {
	var files []string
	for _, rel := range ACKReleases {
		for _, crd := range rel.CRDs {
			p := filepath.Join(dir, rel.Controller+"-"+rel.Version, crd)
			if _, err := os.Stat(p); err != nil {
				return nil, false
			}
			files = append(files, p)
		}
	}
	return files, true
}

func downloadCRDs() ([]string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cache, "eventstack-operator", "ack-crds")
	if files, ok := findCRDs(dir); ok {
		return files, nil
	}
	httpClient := &http.Client{Timeout: 30 * time.Second}
	for _, rel := range ACKReleases {
		for _, crd := range rel.CRDs {
			url := fmt.Sprintf("https://raw.githubusercontent.com/aws-controllers-k8s/%s/%s/config/crd/bases/%s", rel.Controller, rel.Version, crd)
			if err := download(httpClient, url, filepath.Join(dir, rel.Controller+"-"+rel.Version, crd)); err != nil {
				return nil, fmt.Errorf("the ACK CRDs are not in $ACK_CRDS_DIR or ../shared/ack-crds, and downloading them failed: %w", err)
			}
		}
	}
	files, _ := findCRDs(dir)
	return files, nil
}

func download(c *http.Client, url, dest string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	tmp := dest + ".part"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dest)
}

// BinaryAssets returns the folder holding kube-apiserver, etcd and kubectl:
// $KUBEBUILDER_ASSETS, else what hack/envtest-assets.sh prints (a cached
// build, or a fresh one).
func BinaryAssets() (string, error) {
	if d := os.Getenv("KUBEBUILDER_ASSETS"); d != "" {
		return d, nil
	}
	cmd := exec.Command("bash", filepath.Join(RepoRoot(), "hack", "envtest-assets.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("hack/envtest-assets.sh: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// New returns an envtest environment with this project's CRD and the ACK
// CRDs to install. Start it with Start.
func New() (*envtest.Environment, error) {
	assets, err := BinaryAssets()
	if err != nil {
		return nil, err
	}
	ackCRDs, err := ACKCRDFiles()
	if err != nil {
		return nil, err
	}
	return &envtest.Environment{
		BinaryAssetsDirectory: assets,
		// CRDDirectoryPaths is not recursive: name our folder and each ACK file.
		CRDDirectoryPaths:     append([]string{OwnCRDDir()}, ackCRDs...),
		ErrorIfCRDPathMissing: true,
		WebhookInstallOptions: envtest.WebhookInstallOptions{
			Paths: []string{filepath.Join(RepoRoot(), "config", "webhook")},
		},
	}, nil
}

// Start starts env and returns its rest config.
func Start(env *envtest.Environment) (*rest.Config, error) {
	cfg, err := env.Start()
	if err != nil {
		return nil, err
	}
	// The operator and the tests talk to a local server: no client-side throttling.
	cfg.QPS, cfg.Burst = -1, -1
	return cfg, nil
}
