package publish

import (
	"bytes"
	"fmt"

	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// patchOp is one JSON 6902 operation.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// Patch returns a kustomize JSON 6902 patch (YAML) that gives each published
// function of the stack its new code, for an overlay that leaves the base
// stack file alone. Each function's code is replaced whole (so that an
// s3ObjectVersion of the old key goes), after a test of the function's name
// at its index, which makes kustomize fail rather than patch the wrong
// function if the base's list changes order. The header comment says how an
// overlay's kustomization.yaml refers to it.
func Patch(stack *v1alpha1.EventDrivenStack, results []Result) ([]byte, error) {
	var ops []patchOp
	for _, r := range results {
		if !r.Published() {
			continue
		}
		at := fmt.Sprintf("/spec/functions/%d", r.Index)
		ops = append(ops,
			patchOp{Op: "test", Path: at + "/name", Value: r.Function},
			patchOp{Op: "replace", Path: at + "/code", Value: v1alpha1.FunctionCode{S3Bucket: r.Code.S3Bucket, S3Key: r.Code.S3Key, SHA256: r.Code.SHA256}},
		)
	}
	if ops == nil {
		ops = []patchOp{} // an empty patch, which kustomize accepts
	}
	body, err := yaml.Marshal(ops)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `# Lambda code of EventDrivenStack %s, written by kubectl eds publish.
# In the overlay's kustomization.yaml:
#   patches:
#     - path: <this file>
#       target: {group: %s, version: %s, kind: EventDrivenStack, name: %s}
`, stack.Name, v1alpha1.GroupVersion.Group, v1alpha1.GroupVersion.Version, stack.Name)
	b.Write(body)
	return b.Bytes(), nil
}
