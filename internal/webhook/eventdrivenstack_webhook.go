// Package webhook is the validating admission webhook of EventDrivenStack. It
// refuses, with a message naming the field, what the CRD's schema and CEL rules
// cannot check within their cost budget (see package validation).
package webhook

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
)

// +kubebuilder:webhook:path=/validate-stacks-eventstack-io-v1alpha1-eventdrivenstack,mutating=false,failurePolicy=fail,sideEffects=None,groups=stacks.eventstack.io,resources=eventdrivenstacks,verbs=create;update,versions=v1alpha1,name=veventdrivenstack.stacks.eventstack.io,admissionReviewVersions=v1

// StackValidator validates EventDrivenStacks on create and update.
type StackValidator struct{}

var _ admission.Validator[*v1alpha1.EventDrivenStack] = StackValidator{}

// Setup registers the webhook with the manager's webhook server.
func Setup(mgr ctrl.Manager) error {
	return ctrl.NewWebhookManagedBy(mgr, &v1alpha1.EventDrivenStack{}).WithValidator(StackValidator{}).Complete()
}

// ValidateCreate implements admission.Validator.
func (StackValidator) ValidateCreate(_ context.Context, obj *v1alpha1.EventDrivenStack) (admission.Warnings, error) {
	return warnings(obj), invalid(obj)
}

// warnings are what kubectl prints on an accepted stack that will not do
// what its author likely expects.
func warnings(obj *v1alpha1.EventDrivenStack) admission.Warnings {
	var out admission.Warnings
	for i, f := range obj.Spec.Functions {
		if f.Code.ImageURI == "" && f.Code.SHA256 == "" {
			out = append(out, fmt.Sprintf("spec.functions[%d].code.sha256 is not set: ACK's lambda controller deploys a new zip only when "+
				"sha256 changes, so a new zip at %s/%s would never reach function %s (kubectl eds publish sets it)",
				i, f.Code.S3Bucket, f.Code.S3Key, f.Name))
		}
	}
	return out
}

// ValidateUpdate implements admission.Validator. A stack being deleted is let
// through, so that a spec that became invalid never blocks its own deletion.
func (StackValidator) ValidateUpdate(_ context.Context, _, obj *v1alpha1.EventDrivenStack) (admission.Warnings, error) {
	if !obj.DeletionTimestamp.IsZero() {
		return nil, nil
	}
	return warnings(obj), invalid(obj)
}

// ValidateDelete implements admission.Validator.
func (StackValidator) ValidateDelete(context.Context, *v1alpha1.EventDrivenStack) (admission.Warnings, error) {
	return nil, nil
}

func invalid(obj *v1alpha1.EventDrivenStack) error {
	errs := validation.Validate(obj)
	if len(errs) == 0 {
		return nil
	}
	return apierrors.NewInvalid(v1alpha1.GroupVersion.WithKind("EventDrivenStack").GroupKind(), obj.Name, errs)
}
