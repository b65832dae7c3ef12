package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
)

// The seed's 19 default alarms are created (by the ACK stand-in, in the
// local CloudWatch), their state reaches status.alarms, and an alarm in
// ALARM sets the condition Alarming, naming it and since when, while the
// stack stays Ready; back to OK, Alarming is False again.
func TestAlarmStateReachesStatus(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seedStack(t, ns)
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)
	if n := len(fake.Alarms()); n < 19 {
		t.Fatalf("%d alarms in the local CloudWatch, want the seed's 19", n)
	}
	eventually(t, waitFor, "the alarms' states in status", func() error {
		st := getStack(t, ns, stack.Name).Status
		if len(st.Alarms) != 19 {
			return fmt.Errorf("%d alarms in status", len(st.Alarms))
		}
		for _, a := range st.Alarms {
			if a.State != "INSUFFICIENT_DATA" || a.Since == nil || a.Component == "" {
				return fmt.Errorf("alarm %+v", a)
			}
		}
		return nil
	})

	cw := cloudwatch.NewFromConfig(aws.Config{Region: fake.Region, BaseEndpoint: aws.String(fake.URL()), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	setState := func(state cwtypes.StateValue) {
		t.Helper()
		if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("order-dlq-messages-visible"),
			StateValue: state, StateReason: aws.String("test: " + string(state))}); err != nil {
			t.Fatal(err)
		}
	}
	setState(cwtypes.StateValueAlarm)
	eventually(t, waitFor, "Alarming True, Ready True", func() error {
		_, _ = localack.PlayACK(ctx, k8s, fake, ns, nil)
		s := getStack(t, ns, stack.Name)
		alarming := meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionAlarming)
		if alarming == nil || alarming.Status != "True" || !strings.Contains(alarming.Message, "order-dlq-messages-visible (queue/order-dlq since ") {
			return fmt.Errorf("Alarming %+v", alarming)
		}
		if !meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady) {
			return fmt.Errorf("an alarm turned Ready false: %+v", meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionReady))
		}
		for _, a := range s.Status.Alarms {
			if a.Name == "order-dlq-messages-visible" && (a.State != "ALARM" || a.Reason != "test: ALARM") {
				return fmt.Errorf("alarm %+v", a)
			}
		}
		return nil
	})
	setState(cwtypes.StateValueOk)
	eventually(t, waitFor, "Alarming False", func() error {
		alarming := meta.FindStatusCondition(getStack(t, ns, stack.Name).Status.Conditions, v1alpha1.ConditionAlarming)
		if alarming == nil || alarming.Status != "False" {
			return fmt.Errorf("Alarming %+v", alarming)
		}
		return nil
	})
}
