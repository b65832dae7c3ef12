package controller

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/probe"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/status"
)

// alarmsAgain is how often a stack's alarm states are read when the
// reconciler has no progress interval: the states change without any
// Kubernetes event, so only a requeue brings them.
const alarmsAgain = 10 * time.Second

// readAlarms reads the state of the stack's alarms that ACK created from
// CloudWatch (cloudwatch-controller reports none) into the scope, and asks to
// be called again within one status interval, so that a state reaches the
// status within it; reconciles in between read nothing. A failed read keeps
// the states last written: an alarm is never what makes a reconcile fail.
func (p *prober) readAlarms(ctx context.Context) ctrl.Result {
	s := p.s
	var names []string
	watches := map[string]string{}
	for _, a := range render.Alarms(s.stack) {
		name := render.AlarmAWSName(s.stack, a.Name)
		watches[name] = a.Watches
	}
	for _, c := range s.rendered.Children {
		if c.Kind != "MetricAlarm" || c.Object == nil {
			continue
		}
		existing := s.existing[status.ChildKey{Kind: c.Kind, Name: c.Name}]
		if existing == nil || existing.ACKStatus().ARN() == "" {
			continue
		}
		names = append(names, render.AlarmAWSName(s.stack, strings.TrimPrefix(c.Component, string(render.AlarmKind)+"/")))
	}
	if len(names) == 0 {
		return ctrl.Result{}
	}
	again := p.r.ProgressInterval
	if again <= 0 {
		again = alarmsAgain
	}
	// A step that asks for a requeue replaces the resync (finish): keep it.
	resync := p.r.resync(s.stack)
	p.memo.mu.Lock()
	due := time.Until(p.memo.alarmsAt.Add(again))
	p.memo.mu.Unlock()
	if due > 0 {
		return soonest(ctrl.Result{RequeueAfter: due}, resync)
	}
	if err := p.ensureClients(ctx); err != nil {
		return soonest(ctrl.Result{RequeueAfter: again}, resync)
	}
	states, err := probe.Alarms(ctx, p.clients.Alarms, names)
	if err != nil {
		log.FromContext(ctx).Info("alarm states not read; the last ones stay", "error", err.Error())
		return soonest(ctrl.Result{RequeueAfter: again}, resync)
	}
	p.memo.mu.Lock()
	p.memo.alarmsAt = time.Now()
	p.memo.mu.Unlock()
	sort.Strings(names)
	s.alarms = make([]v1alpha1.AlarmState, 0, len(names))
	for _, n := range names {
		a := v1alpha1.AlarmState{Name: n, Component: watches[n]}
		if st, ok := states[n]; ok {
			a.State, a.Reason = st.State, st.Reason
			if st.Since != nil {
				a.Since = &metav1.Time{Time: st.Since.Truncate(time.Second)}
			}
		}
		s.alarms = append(s.alarms, a)
	}
	return soonest(ctrl.Result{RequeueAfter: again}, resync)
}

// setAlarms writes the alarm states read in this reconcile (else keeps the
// last ones) and the condition Alarming: True, naming the alarms in ALARM
// and since when, while any is; False otherwise. Ready is not touched: a
// stack whose work fails is still the infrastructure its spec declares.
func setAlarms(stack *v1alpha1.EventDrivenStack, read []v1alpha1.AlarmState, readNow bool) {
	st := &stack.Status
	if readNow {
		st.Alarms = read
	}
	if len(render.Alarms(stack)) == 0 {
		st.Alarms = nil
	}
	var firing []string
	for _, a := range st.Alarms {
		if a.State == "ALARM" {
			since := ""
			if a.Since != nil {
				since = " since " + a.Since.UTC().Format(time.RFC3339)
			}
			firing = append(firing, a.Name+" ("+a.Component+since+")")
		}
	}
	if len(st.Alarms) == 0 {
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionAlarming)
		return
	}
	c := metav1.Condition{Type: v1alpha1.ConditionAlarming, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonNoAlarm,
		Message: fmt.Sprintf("no alarm of %d in ALARM", len(st.Alarms)), ObservedGeneration: stack.Generation}
	if len(firing) > 0 {
		c.Status, c.Reason = metav1.ConditionTrue, v1alpha1.ReasonAlarmsFiring
		c.Message = fmt.Sprintf("%d of %d alarms in ALARM: %s", len(firing), len(st.Alarms), strings.Join(firing, ", "))
	}
	meta.SetStatusCondition(&st.Conditions, c)
}
