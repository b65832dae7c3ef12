package controller

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// setAlarms: states read now replace the last ones, a reconcile that read
// none keeps them; Alarming is True naming each alarm in ALARM and since
// when, False when none is, absent for a stack without alarms; Ready is
// never touched.
func TestSetAlarms(t *testing.T) {
	since := &metav1.Time{Time: time.Date(2026, 12, 7, 8, 30, 0, 0, time.UTC)}
	ok := v1alpha1.AlarmState{Name: "q-messages-visible", Component: "queue/q", State: "OK", Since: since}
	firing := ok
	firing.State = "ALARM"
	tests := []struct {
		name        string
		last, read  []v1alpha1.AlarmState
		readNow     bool
		noAlarms    bool
		wantStatus  metav1.ConditionStatus // "" for no condition
		wantMessage string
		wantStates  int
	}{
		{name: "all OK", read: []v1alpha1.AlarmState{ok}, readNow: true, wantStatus: metav1.ConditionFalse, wantMessage: "no alarm of 1 in ALARM", wantStates: 1},
		{name: "one in ALARM", read: []v1alpha1.AlarmState{firing}, readNow: true, wantStatus: metav1.ConditionTrue,
			wantMessage: "1 of 1 alarms in ALARM: q-messages-visible (queue/q since 2026-12-07T08:30:00Z)", wantStates: 1},
		{name: "not read: the last states stay", last: []v1alpha1.AlarmState{firing}, wantStatus: metav1.ConditionTrue,
			wantMessage: "1 of 1 alarms in ALARM", wantStates: 1},
		{name: "alarms all disabled: no list, no condition", last: []v1alpha1.AlarmState{firing}, noAlarms: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := statusStack()
			stack.Spec.Alarms = nil
			if tt.noAlarms {
				stack.Spec.Alarms = &v1alpha1.Alarms{Disable: []v1alpha1.AlarmFamily{v1alpha1.AlarmDeadLetterQueues, v1alpha1.AlarmRules}}
			}
			stack.Status.Alarms = tt.last
			stack.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSucceeded}}
			setAlarms(stack, tt.read, tt.readNow)
			c := meta.FindStatusCondition(stack.Status.Conditions, v1alpha1.ConditionAlarming)
			switch {
			case tt.wantStatus == "" && c != nil:
				t.Errorf("Alarming %+v, want none", c)
			case tt.wantStatus != "" && (c == nil || c.Status != tt.wantStatus || !strings.HasPrefix(c.Message, tt.wantMessage)):
				t.Errorf("Alarming %+v, want %s %q…", c, tt.wantStatus, tt.wantMessage)
			}
			if len(stack.Status.Alarms) != tt.wantStates {
				t.Errorf("%d alarm states, want %d", len(stack.Status.Alarms), tt.wantStates)
			}
			if !meta.IsStatusConditionTrue(stack.Status.Conditions, v1alpha1.ConditionReady) {
				t.Error("an alarm touched Ready")
			}
		})
	}
}
