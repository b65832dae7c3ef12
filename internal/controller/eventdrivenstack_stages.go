package controller

import (
	"reflect"

	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/drift"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/status"
)

// ACK's lambda controller applies a function's code or its configuration in
// one reconcile, never both (lambda-controller v1.14.1
// pkg/resource/function/hooks.go customUpdateFunction: "Only try to update
// Spec.Code or Spec.Configuration at once"), and does not come back for the
// other before its resync, 10 hours later. So an edit that changes both is
// applied in two stages, each a generation ACK reconciles: the configuration
// with the code the function runs, then, once Lambda has finished that
// update, the code.

// functionStage returns what to apply of a function's desired child now: the
// desired child itself, or its configuration stage; and, when the code must
// wait, why (nil object).
func functionStage(s *scope, key status.ChildKey, desired, existing ack.Object) (ack.Object, string) {
	want, ok := desired.(*ack.Function)
	have, _ := existing.(*ack.Function)
	if !ok || have == nil || sameCode(want, have) {
		return desired, ""
	}
	stage := configurationStage(want, have)
	if drift.NeedsApply(stage, existing) {
		return stage, ""
	}
	// The configuration is applied: the code follows once ACK reported on it
	// and Lambda has finished the update.
	if existing.GetGeneration() != s.reported[key] || !lambdaIdle(s, key, have) {
		return nil, "its new code waits for Lambda to finish the function's last change (ACK's lambda controller applies code and configuration one at a time)"
	}
	return desired, ""
}

// configurationStage is the desired function with the code (and
// architecture) the function has now.
func configurationStage(want, have *ack.Function) *ack.Function {
	stage := want.DeepCopy()
	stage.Spec.Code = have.Spec.Code.DeepCopy()
	stage.Spec.Architectures = nil
	for _, a := range have.Spec.Architectures {
		stage.Spec.Architectures = append(stage.Spec.Architectures, ptr.To(ptr.Deref(a, "")))
	}
	if _, ok := stage.GetAnnotations()[render.AnnotationRevision]; ok {
		// The stage runs the old code: another revision, whose version
		// is not the one the rollout waits for.
		stage.GetAnnotations()[render.AnnotationRevision] = render.Revision(stage)
	}
	stage.GetAnnotations()[render.AnnotationSpecHash] = render.SpecHash(stage)
	return stage
}

// sameCode says whether two functions declare the same code: what ACK's
// lambda controller compares to update it (Code.ImageURI, Code.SHA256,
// Architectures).
func sameCode(a, b *ack.Function) bool {
	ca, cb := ptr.Deref(a.Spec.Code, ack.FunctionCode{}), ptr.Deref(b.Spec.Code, ack.FunctionCode{})
	return ptr.Deref(ca.ImageURI, "") == ptr.Deref(cb.ImageURI, "") && ptr.Deref(ca.SHA256, "") == ptr.Deref(cb.SHA256, "") &&
		reflect.DeepEqual(derefs(a.Spec.Architectures), derefs(b.Spec.Architectures))
}

func derefs(ss []*string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, ptr.Deref(s, ""))
	}
	return out
}

// lambdaIdle says whether Lambda takes an update of the function now: as
// asked (reconcileProbe), else as ACK last reported it.
func lambdaIdle(s *scope, key status.ChildKey, f *ack.Function) bool {
	if idle, asked := s.idle[key]; asked {
		return idle
	}
	return ptr.Deref(f.Status.State, "") != "Pending" && ptr.Deref(f.Status.LastUpdateStatus, "") != "InProgress"
}
