// Package manifest prints what the operator would create for a stack, built
// by the operator's own builders (internal/render), never by a copy of them:
// the ACK children as Kubernetes manifests that apply cleanly, and the
// EventBridge bus, rules, targets and Lambda permissions as the inputs of the
// AWS API calls that create them.
//
// What the builders need from AWS (ARNs, queue URLs) comes in a
// render.Observed: predicted offline (package predict) or read from a stack's
// status.
package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// Options say how the children are printed.
type Options struct {
	// OwnerUID is the UID of the stack in the cluster. With it every child
	// carries the owner reference the operator gives it, and is exactly what
	// the operator applies. Without it (a stack that is not created yet has
	// no UID) children have no owner reference: an owner reference with a
	// wrong UID would make the garbage collector delete the child.
	OwnerUID types.UID
}

// Children returns every ACK child the operator builds for stack from obs, in
// the operator's order (what others depend on first). It fails when a child
// still waits for a value obs lacks: printing part of a stack would mislead.
func Children(stack *v1alpha1.EventDrivenStack, obs render.Observed, o Options) ([]ack.Object, error) {
	stack = stack.DeepCopy()
	stack.UID = o.OwnerUID
	res, err := render.Render(stack, obs)
	if err != nil {
		return nil, err
	}
	var waiting []string
	out := make([]ack.Object, 0, len(res.Children))
	for _, c := range res.Children {
		if c.Object == nil || len(c.Partial) > 0 {
			waiting = append(waiting, fmt.Sprintf("%s %s waits for %v", c.Kind, c.Name, slices.Concat(c.Needs, c.Partial)))
			continue
		}
		if o.OwnerUID == "" {
			c.Object.SetOwnerReferences(nil)
			// The hash annotation covers everything applied: keep it true
			// to what is printed.
			c.Object.GetAnnotations()[render.AnnotationSpecHash] = render.SpecHash(c.Object)
		}
		out = append(out, c.Object)
	}
	if len(waiting) > 0 {
		return nil, fmt.Errorf("not every child can be built: %s", strings.Join(waiting, "; "))
	}
	return out, nil
}

// Formats are the output formats of Write.
var Formats = []string{"yaml", "json"}

// Write prints objects as YAML documents, or as a JSON v1 List; both apply
// with kubectl apply (client- or server-side). Status and empty metadata are
// left out: they are not the caller's to set.
func Write(w io.Writer, objs []ack.Object, format string) error {
	items := make([]any, 0, len(objs))
	for _, obj := range objs {
		u, err := printable(obj)
		if err != nil {
			return err
		}
		items = append(items, u)
	}
	switch format {
	case "yaml", "":
		var buf bytes.Buffer
		for _, item := range items {
			b, err := yaml.Marshal(item)
			if err != nil {
				return err
			}
			buf.WriteString("---\n")
			buf.Write(b)
		}
		_, err := w.Write(buf.Bytes())
		return err
	case "json":
		list := map[string]any{"apiVersion": "v1", "kind": "List", "items": items}
		b, err := json.MarshalIndent(list, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	default:
		return fmt.Errorf("output format %q: want one of %s", format, strings.Join(Formats, ", "))
	}
}

// printable returns an object as a map without status and creationTimestamp.
func printable(obj ack.Object) (map[string]any, error) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName(), err)
	}
	delete(u, "status")
	if meta, ok := u["metadata"].(map[string]any); ok {
		delete(meta, "creationTimestamp")
	}
	return u, nil
}
