package render

import (
	"testing"

	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
)

// A revision moves with what Lambda versions (code, configuration) and only
// with it.
func TestRevision(t *testing.T) {
	base := func() *ack.Function {
		return &ack.Function{Spec: ack.FunctionSpec{
			Name: ptr.To("dev-orders"), Runtime: ptr.To("provided.al2023"), Handler: ptr.To("bootstrap"), MemorySize: ptr.To[int64](128),
			Code:        &ack.FunctionCode{S3Bucket: ptr.To("artifacts"), S3Key: ptr.To("orders/1.zip"), SHA256: ptr.To("aaaa")},
			Environment: &ack.Environment{Variables: map[string]*string{"TABLE": ptr.To("orders")}},
			Tags:        map[string]*string{"team": ptr.To("a")},
		}}
	}
	rev := Revision(base())
	if len(rev) != revisionLength {
		t.Fatalf("revision %q", rev)
	}
	for name, edit := range map[string]func(*ack.Function){
		"tags":                 func(f *ack.Function) { f.Spec.Tags["team"] = ptr.To("b") },
		"reserved concurrency": func(f *ack.Function) { f.Spec.ReservedConcurrentExecutions = ptr.To[int64](5) },
		"the zip's S3 key":     func(f *ack.Function) { f.Spec.Code.S3Key = ptr.To("orders/2.zip") },
	} {
		f := base()
		edit(f)
		if got := Revision(f); got != rev {
			t.Errorf("%s changed the revision", name)
		}
	}
	for name, edit := range map[string]func(*ack.Function){
		"the code":        func(f *ack.Function) { f.Spec.Code.SHA256 = ptr.To("bbbb") },
		"the memory":      func(f *ack.Function) { f.Spec.MemorySize = ptr.To[int64](256) },
		"an environment":  func(f *ack.Function) { f.Spec.Environment.Variables["TABLE"] = ptr.To("orders-2") },
		"the handler":     func(f *ack.Function) { f.Spec.Handler = ptr.To("main") },
		"an image":        func(f *ack.Function) { f.Spec.Code = &ack.FunctionCode{ImageURI: ptr.To("repo@sha256:1")} },
		"tracing enabled": func(f *ack.Function) { f.Spec.TracingConfig = &ack.TracingConfig{Mode: ptr.To("Active")} },
	} {
		f := base()
		edit(f)
		if got := Revision(f); got == rev {
			t.Errorf("%s left the revision as it was", name)
		}
	}
}
