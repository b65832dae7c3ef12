package controller

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/alarmwatch"
	"github.com/eventstack-io/eventstack-operator/internal/probe"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/status"
)

// readAlarms gives the state of the stack's alarms that ACK created (cloudwatch-
// controller reports none) to the scope: the alarm watcher's last reading,
// registering them with it so that it wakes the stack when one changes
// state — no AWS call and no requeue here. A reconciler without a watcher
// (driven by hand in tests) reads no alarm state. A missing read keeps the
// states last written: an alarm never fails a reconcile.
func (p *prober) readAlarms(ctx context.Context) {
	s := p.s
	key := client.ObjectKeyFromObject(s.stack)
	var names []string
	watches := map[string]string{}
	for _, a := range render.Alarms(s.stack) {
		watches[render.AlarmAWSName(s.stack, a.Name)] = a.Watches
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
		if p.r.Alarms != nil {
			p.r.Alarms.Forget(key)
		}
		return
	}
	if err := p.ensureClients(ctx); err != nil {
		return
	}
	states := p.alarmStates(key, names)
	if len(states) == 0 {
		return // none read yet: the watcher wakes the stack when it has
	}
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
}

// alarmStates are the alarms' states as the watcher last read them.
func (p *prober) alarmStates(key types.NamespacedName, names []string) map[string]probe.AlarmState {
	if p.r.Alarms == nil {
		return nil
	}
	acct := alarmwatch.Account{Region: p.s.stack.Spec.Region, RoleARN: p.s.account.RoleARN}
	p.r.Alarms.Watch(key, acct, p.clients.Alarms, names)
	return p.r.Alarms.States(acct, names)
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
