package controllers

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/loggroups"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// kindLogGroup is the inventory kind of a workflow's CloudWatch Logs log group.
const kindLogGroup = loggroups.Kind

// reconcileLogGroups creates the log groups the stack's workflows log to
// (Step Functions refuses a logging configuration whose log group does not
// exist), keeps their retention, and deletes those of workflows that no
// longer log; their ARNs are what the state machines are rendered with. Like
// the bus, each is recorded in the inventory before it is created. Its error
// is deferred: it does not hold up the children, and is returned with theirs.
func (r *EventDrivenStackReconciler) reconcileLogGroups(ctx context.Context, s *scope) (ctrl.Result, error) {
	return ctrl.Result{}, outcome.Deferred(r.ensureLogGroups(ctx, s))
}

func (r *EventDrivenStackReconciler) ensureLogGroups(ctx context.Context, s *scope) error {
	days := render.LogGroups(s.stack) // by workflow: retention in days
	var wanted []loggroups.Want
	names := map[string]bool{}
	for _, w := range slices.Sorted(maps.Keys(days)) {
		name := render.LogGroupName(s.stack, w)
		names[name] = true
		wanted = append(wanted, loggroups.Want{Component: render.Key(render.LogGroupKind, w), Name: name, RetentionDays: days[w]})
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
	out := loggroups.Ensure(ctx, clients.Logs, wanted, stale, render.Tags(s.stack), stackInventory{r: r, s: s},
		logGroupMemos{r: r, stack: s.stack})
	for _, l := range out.Lines {
		if l.Err == nil {
			s.observed.ARNs[l.Component] = l.ARN
		}
		s.logGroupStatus = append(s.logGroupStatus, logGroupLine(l))
	}
	return out.Err
}

// logGroupLine is a log group's status line.
func logGroupLine(l loggroups.Line) v1alpha1.ChildStatus {
	st := v1alpha1.ChildStatus{Kind: kindLogGroup, Name: l.Name, Component: l.Component}
	switch {
	case l.Stale:
		st.ARN, st.State, st.Message = l.ARN, outcome.ChildState(l.Err), "being deleted (its workflow no longer logs): "+awsapi.Brief(l.Err)
	case l.Err != nil:
		st.State, st.Message = outcome.ChildState(l.Err), awsapi.Brief(l.Err)
	default:
		st.State, st.Ready, st.ARN = v1alpha1.ChildReady, true, l.ARN
		st.Message = "retention " + strconv.Itoa(int(l.RetentionDays)) + " days"
	}
	return st
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
	if name, err := loggroups.DeleteAll(ctx, clients.Logs, groups, stackInventory{r: r, s: s}); err != nil {
		return &deletingError{kind: kindLogGroup, name: name, err: err}
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

// logGroupMemos is what is remembered of one stack's log groups, as
// loggroups.Ensure reads and changes it.
type logGroupMemos struct {
	r     *EventDrivenStackReconciler
	stack *v1alpha1.EventDrivenStack
}

func (m logGroupMemos) Known(name string) (loggroups.LogGroup, bool) {
	return m.r.knownLogGroup(m.stack, name)
}
func (m logGroupMemos) Remember(lg loggroups.LogGroup) { m.r.rememberLogGroup(m.stack, lg) }
func (m logGroupMemos) Forget(name string)             { m.r.forgetLogGroup(m.stack, name) }

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
