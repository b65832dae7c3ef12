package controller

import (
	"testing"

	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/status"
)

// An edit of a function's code and configuration together is applied in
// two stages (ACK's lambda controller applies one per reconcile): the
// configuration with the code the function runs, then the code once ACK
// reported on the first stage and Lambda is idle.
func TestFunctionStages(t *testing.T) {
	const shaA, shaB = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="
	// fn is a function as rendered; gen > 0 makes it the child on the API
	// server, as applied then, at that generation.
	fn := func(sha string, memory int64, gen int64) *ack.Function {
		f := &ack.Function{Spec: ack.FunctionSpec{Name: ptr.To("orders"), MemorySize: ptr.To(memory), Architectures: []*string{ptr.To("arm64")},
			Code: &ack.FunctionCode{S3Bucket: ptr.To("b"), S3Key: ptr.To("k/" + sha[:4]), SHA256: ptr.To(sha)}}}
		f.SetAnnotations(map[string]string{})
		f.GetAnnotations()[render.AnnotationSpecHash] = render.SpecHash(f)
		if gen > 0 {
			f.SetGeneration(gen)
			f.Status.State, f.Status.LastUpdateStatus = ptr.To("Active"), ptr.To("Successful")
		}
		return f
	}
	key := status.ChildKey{Kind: "Function", Name: "s.orders"}
	scopeWith := func(reported int64, idle *bool) *scope {
		s := &scope{reported: map[status.ChildKey]int64{key: reported}, idle: map[status.ChildKey]bool{}}
		if idle != nil {
			s.idle[key] = *idle
		}
		return s
	}
	busy, free := false, true
	for _, tc := range []struct {
		name              string
		s                 *scope
		desired, existing *ack.Function
		want              string // "desired", "stage", "wait"
	}{
		{"configuration alone", scopeWith(4, nil), fn(shaA, 512, 0), fn(shaA, 256, 4), "desired"},
		{"code alone, Lambda idle", scopeWith(4, &free), fn(shaB, 256, 0), fn(shaA, 256, 4), "desired"},
		{"code alone, Lambda busy", scopeWith(4, &busy), fn(shaB, 256, 0), fn(shaA, 256, 4), "wait"},
		{"code and configuration: the configuration first", scopeWith(4, &free), fn(shaB, 512, 0), fn(shaA, 256, 4), "stage"},
		{"configuration applied, ACK has not reported on it", scopeWith(4, &free), fn(shaB, 512, 0), fn(shaA, 512, 5), "wait"},
		{"configuration applied and reported, Lambda idle: the code", scopeWith(5, &free), fn(shaB, 512, 0), fn(shaA, 512, 5), "desired"},
		{"not created yet", scopeWith(0, nil), fn(shaB, 512, 0), nil, "desired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var existing ack.Object
			if tc.existing != nil {
				existing = tc.existing
			}
			obj, why := functionStage(tc.s, key, tc.desired, existing)
			switch tc.want {
			case "desired":
				if obj != ack.Object(tc.desired) {
					t.Fatalf("applies %v (%q), want the desired function", obj, why)
				}
			case "wait":
				if obj != nil || why == "" {
					t.Fatalf("applies %v (%q), want it to wait, saying why", obj, why)
				}
			case "stage":
				f, ok := obj.(*ack.Function)
				if !ok || *f.Spec.Code.SHA256 != shaA || *f.Spec.MemorySize != 512 ||
					f.GetAnnotations()[render.AnnotationSpecHash] == tc.desired.GetAnnotations()[render.AnnotationSpecHash] {
					t.Fatalf("applies %+v, want the new configuration with the running code (and its own spec hash)", obj)
				}
			}
		})
	}
}
