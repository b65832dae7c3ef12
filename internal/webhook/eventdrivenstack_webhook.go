// Package webhook is the validating admission webhook of EventDrivenStack. It
// refuses, with a message naming the field, what the CRD's schema and CEL rules
// cannot check within their cost budget (see package validation).
package webhook

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/tenancy"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
)

// +kubebuilder:webhook:path=/validate-stacks-eventstack-io-v1alpha1-eventdrivenstack,mutating=false,failurePolicy=fail,sideEffects=None,groups=stacks.eventstack.io,resources=eventdrivenstacks,verbs=create;update,versions=v1alpha1,name=veventdrivenstack.stacks.eventstack.io,admissionReviewVersions=v1

// StackValidator validates EventDrivenStacks on create and update.
type StackValidator struct {
	// Tenancy, when set, also refuses what the platform's guardrails forbid,
	// an unmapped namespace where one is required, and AWS names another
	// stack owns.
	Tenancy *tenancy.Guard
}

var _ admission.Validator[*v1alpha1.EventDrivenStack] = StackValidator{}

// Setup registers the webhook with the manager's webhook server.
func Setup(mgr ctrl.Manager, guard *tenancy.Guard) error {
	return ctrl.NewWebhookManagedBy(mgr, &v1alpha1.EventDrivenStack{}).WithValidator(StackValidator{Tenancy: guard}).Complete()
}

// ValidateCreate implements admission.Validator.
func (v StackValidator) ValidateCreate(ctx context.Context, obj *v1alpha1.EventDrivenStack) (admission.Warnings, error) {
	return warnings(obj), v.invalid(ctx, obj)
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
	if obj.Spec.DeletionPolicy == v1alpha1.DeletionPolicyRetain {
		return out
	}
	for i, t := range obj.Spec.Tables {
		if t.DeletionProtection {
			out = append(out, fmt.Sprintf("spec.tables[%d].deletionProtection: DynamoDB refuses to delete table %s while it is protected, so "+
				"deleting this stack (deletionPolicy Delete) leaves its Table object waiting with ACK's error until protection is off: "+
				"set deletionProtection false and apply before deleting the stack, or set deletionPolicy Retain to keep the table", i, t.Name))
		}
	}
	return out
}

// ValidateUpdate implements admission.Validator. A stack being deleted is let
// through, so that a spec that became invalid never blocks its own deletion.
func (v StackValidator) ValidateUpdate(ctx context.Context, old, obj *v1alpha1.EventDrivenStack) (admission.Warnings, error) {
	if !obj.DeletionTimestamp.IsZero() {
		return nil, nil
	}
	if errs := validation.Update(old, obj); len(errs) > 0 {
		return warnings(obj), apierrors.NewInvalid(v1alpha1.GroupVersion.WithKind("EventDrivenStack").GroupKind(), obj.Name, errs)
	}
	return warnings(obj), v.invalid(ctx, obj)
}

// ValidateDelete implements admission.Validator.
func (StackValidator) ValidateDelete(context.Context, *v1alpha1.EventDrivenStack) (admission.Warnings, error) {
	return nil, nil
}

func (v StackValidator) invalid(ctx context.Context, obj *v1alpha1.EventDrivenStack) error {
	errs := validation.Validate(obj)
	if v.Tenancy != nil && len(errs) == 0 {
		verdict, err := v.Tenancy.Check(ctx, obj)
		if err != nil {
			return apierrors.NewInternalError(err)
		}
		errs = append(errs, verdict.Forbidden...)
		if verdict.AccountErr != nil {
			errs = append(errs, field.Forbidden(field.NewPath("metadata", "namespace"), verdict.AccountErr.Error()))
		}
		for _, c := range verdict.Conflicts {
			errs = append(errs, field.Forbidden(tenancy.FieldPath(c.Name.Field), c.Error()))
		}
		// Roles of another account than the namespace's, which Validate cannot see.
		errs = append(errs, validation.CrossAccountRoles(obj, verdict.Account.ID)...)
	}
	if len(errs) == 0 {
		return nil
	}
	return apierrors.NewInvalid(v1alpha1.GroupVersion.WithKind("EventDrivenStack").GroupKind(), obj.Name, errs)
}
