package controller

import (
	"context"
	"strconv"
	"time"

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
	var wanted []loggroups.Want
	names := map[string]bool{}
	for _, lg := range render.LogGroups(s.stack) {
		names[lg.Name] = true
		wanted = append(wanted, loggroups.Want{Component: lg.Component(), Name: lg.Name, RetentionDays: lg.RetentionDays})
	}
	var stale []v1alpha1.AWSResource
	for _, e := range inventory(s.stack, kindLogGroup) {
		switch {
		case names[e.Name]:
		case functionKeepsLogGroup(s.stack, e.Name):
			// Its retention was taken out of the spec: the group is the
			// function's as Lambda would have made it, logs and all; the
			// stack no longer manages it.
			stackInventory{r: r, s: s}.Forget(kindLogGroup, e.Name)
			logGroupMemos{r: r, stack: s.stack}.Forget(e.Name)
		default:
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

// functionKeepsLogGroup reports whether a log group is that of a function the
// stack still has (Lambda's /aws/lambda/<function>).
func functionKeepsLogGroup(stack *v1alpha1.EventDrivenStack, group string) bool {
	for _, f := range stack.Spec.Functions {
		if render.FunctionLogGroupName(stack, f.Name) == group {
			return true
		}
	}
	return false
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

// logGroupMemos is what is remembered of one stack's log groups, as
// loggroups.Ensure reads and changes it: trusted within one resync interval
// of its read (the operator is their only writer).
type logGroupMemos struct {
	r     *EventDrivenStackReconciler
	stack *v1alpha1.EventDrivenStack
}

func (m logGroupMemos) Known(name string) (loggroups.LogGroup, bool) {
	e := m.r.memos.of(m.stack)
	e.mu.Lock()
	defer e.mu.Unlock()
	lg, ok := e.logGroups[name]
	if !ok || m.r.ResyncInterval <= 0 {
		return loggroups.LogGroup{}, false
	}
	return lg.group, time.Since(lg.readAt) < m.r.ResyncInterval
}

func (m logGroupMemos) Remember(lg loggroups.LogGroup) {
	e := m.r.memos.of(m.stack)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.logGroups[lg.Name] = logGroupMemo{group: lg, readAt: time.Now()}
}

func (m logGroupMemos) Forget(name string) {
	e := m.r.memos.of(m.stack)
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.logGroups, name)
}
