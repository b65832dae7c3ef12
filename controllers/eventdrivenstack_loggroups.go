package controllers

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/loggroups"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// kindLogGroup is the inventory kind of a workflow's CloudWatch Logs log group.
const kindLogGroup = "LogGroup"

// reconcileLogGroups creates the log groups the stack's workflows log to
// (Step Functions refuses a logging configuration whose log group does not
// exist), keeps their retention, and deletes those of workflows that no
// longer log; their ARNs are what the state machines are rendered with. Like
// the bus, each is recorded in the inventory before it is created. Its error
// does not hold up the children: it is returned after them.
func (r *EventDrivenStackReconciler) reconcileLogGroups(ctx context.Context, s *scope) error {
	s.logGroupsErr = r.ensureLogGroups(ctx, s)
	return nil
}

// reconcileDeferredErrors returns the errors of the operator's own AWS calls
// that were put off so that the children could be applied first.
func (r *EventDrivenStackReconciler) reconcileDeferredErrors(_ context.Context, s *scope) error {
	return s.logGroupsErr
}

func (r *EventDrivenStackReconciler) ensureLogGroups(ctx context.Context, s *scope) error {
	wanted := render.LogGroups(s.stack) // by workflow: retention in days
	names := map[string]bool{}
	for w := range wanted {
		names[render.LogGroupName(s.stack, w)] = true
	}
	var stale []v1alpha1.AWSResource
	for _, e := range inventory(s.stack, kindLogGroup) {
		if !names[e.Name] {
			stale = append(stale, e)
		}
	}
	if (len(wanted) == 0 && len(stale) == 0) || r.AWS == nil {
		return nil // without AWS access the state machine waits for its log group
	}
	clients, err := r.clients(ctx, s)
	if err != nil {
		return err
	}
	var errs []error
	for _, w := range slices.Sorted(maps.Keys(wanted)) {
		name := render.LogGroupName(s.stack, w)
		st := v1alpha1.ChildStatus{Kind: kindLogGroup, Name: name, Component: string(render.LogGroupKind) + "/" + w}
		lg, err := r.ensureLogGroup(ctx, s, clients.Logs, name, wanted[w])
		if err != nil {
			errs = append(errs, err)
			st.State, st.Message = outcome.ChildState(err), awsapi.Brief(err)
		} else {
			st.State, st.Ready, st.ARN = v1alpha1.ChildReady, true, lg.ARN
			st.Message = "retention " + strconv.Itoa(int(lg.RetentionDays)) + " days"
			s.observed.ARNs[render.Key(render.LogGroupKind, w)] = lg.ARN
		}
		s.logGroupStatus = append(s.logGroupStatus, st)
	}
	for _, e := range stale {
		if err := loggroups.Delete(ctx, clients.Logs, e.Name); err != nil {
			errs = append(errs, err)
			s.logGroupStatus = append(s.logGroupStatus, v1alpha1.ChildStatus{Kind: kindLogGroup, Name: e.Name, ARN: e.ARN,
				State: outcome.ChildState(err), Message: "being deleted (its workflow no longer logs): " + awsapi.Brief(err)})
			continue
		}
		forgetInventory(s.stack, kindLogGroup, e.Name)
		r.forgetLogGroup(s.stack, e.Name)
	}
	return outcome.First(errs)
}

// ensureLogGroup returns a log group as it is once created with its
// retention: from what was read within the resync interval (the operator is
// its only writer), else read from CloudWatch Logs, and created or changed
// where it differs.
func (r *EventDrivenStackReconciler) ensureLogGroup(ctx context.Context, s *scope, logs awsapi.Logs, name string, days int32) (loggroups.LogGroup, error) {
	if lg, ok := r.knownLogGroup(s.stack, name); ok && lg.RetentionDays == days {
		return lg, nil
	}
	have, err := loggroups.Describe(ctx, logs, name)
	if err != nil {
		r.forgetLogGroup(s.stack, name)
		return have, err
	}
	if !have.Exists {
		if err := r.recordIntent(ctx, s, v1alpha1.AWSResource{Kind: kindLogGroup, Name: name}); err != nil {
			return have, err
		}
	}
	lg, err := loggroups.Ensure(ctx, logs, have, days, render.Tags(s.stack))
	if err != nil {
		if _, refused := outcome.IsTerminal(err); refused && !have.Exists {
			forgetInventory(s.stack, kindLogGroup, name) // nothing was created
		}
		r.forgetLogGroup(s.stack, name)
		return lg, err
	}
	recordInventory(s.stack, v1alpha1.AWSResource{Kind: kindLogGroup, Name: name, ARN: lg.ARN})
	r.rememberLogGroup(s.stack, lg)
	return lg, nil
}

// deleteLogGroups deletes the log groups the inventory lists, for a stack
// being deleted.
func (r *EventDrivenStackReconciler) deleteLogGroups(ctx context.Context, s *scope) error {
	groups := inventory(s.stack, kindLogGroup)
	if len(groups) == 0 {
		return nil
	}
	if r.AWS == nil {
		return errNoAWS
	}
	clients, err := r.clients(ctx, s)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if err := loggroups.Delete(ctx, clients.Logs, g.Name); err != nil {
			return &deletingError{kind: kindLogGroup, name: g.Name, err: err}
		}
		forgetInventory(s.stack, kindLogGroup, g.Name)
	}
	return nil
}

// logGroupMemo is a log group as the operator last read or made it.
type logGroupMemo struct {
	group  loggroups.LogGroup
	readAt time.Time
}

func logGroupKey(stack *v1alpha1.EventDrivenStack, name string) string {
	return string(stack.UID) + "/" + name
}

func (r *EventDrivenStackReconciler) knownLogGroup(stack *v1alpha1.EventDrivenStack, name string) (loggroups.LogGroup, bool) {
	v, ok := r.logGroups.Load(logGroupKey(stack, name))
	if !ok || r.ResyncInterval <= 0 {
		return loggroups.LogGroup{}, false
	}
	m := v.(logGroupMemo)
	return m.group, time.Since(m.readAt) < r.ResyncInterval
}

func (r *EventDrivenStackReconciler) rememberLogGroup(stack *v1alpha1.EventDrivenStack, lg loggroups.LogGroup) {
	r.logGroups.Store(logGroupKey(stack, lg.Name), logGroupMemo{group: lg, readAt: time.Now()})
}

func (r *EventDrivenStackReconciler) forgetLogGroup(stack *v1alpha1.EventDrivenStack, name string) {
	r.logGroups.Delete(logGroupKey(stack, name))
}

// forgetLogGroups drops what is remembered of a stack's log groups.
func (r *EventDrivenStackReconciler) forgetLogGroups(uid types.UID) {
	r.logGroups.Range(func(k, _ any) bool {
		if key, _ := k.(string); strings.HasPrefix(key, string(uid)+"/") {
			r.logGroups.Delete(k)
		}
		return true
	})
}
