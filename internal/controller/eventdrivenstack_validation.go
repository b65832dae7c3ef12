package controller

import (
	"context"
	"errors"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
)

// reconcileValidation runs the webhook's checks again, so that a stack that
// reached the API server without the webhook, or before the platform's rules
// changed, is stalled, not half-built: the spec's own checks, the platform's
// guardrails, its namespace's account, and the names other stacks own.
func (r *EventDrivenStackReconciler) reconcileValidation(ctx context.Context, s *scope) (ctrl.Result, error) {
	if errs := validation.Validate(s.stack); len(errs) > 0 {
		return ctrl.Result{}, outcome.Terminal(v1alpha1.ReasonInvalidSpec, errs.ToAggregate())
	}
	if r.Tenancy == nil {
		return ctrl.Result{}, nil
	}
	v, err := r.Tenancy.Check(ctx, s.stack)
	if err != nil {
		return ctrl.Result{}, err
	}
	switch {
	case len(v.Forbidden) > 0:
		return ctrl.Result{}, outcome.Terminal(v1alpha1.ReasonForbidden, v.Forbidden.ToAggregate())
	case v.AccountErr != nil:
		return ctrl.Result{}, outcome.Terminal(v1alpha1.ReasonAccountNotMapped, v.AccountErr)
	case len(v.Conflicts) > 0:
		// Never adopted, shared or counted as ready: nothing is built.
		errs := make([]error, len(v.Conflicts))
		for i, c := range v.Conflicts {
			errs[i] = c
		}
		return ctrl.Result{}, outcome.Terminal(v1alpha1.ReasonNameOwnedByAnotherStack, errors.Join(errs...))
	}
	s.account, s.accountKnown = v.Account, true
	return ctrl.Result{}, nil
}
