package released

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/test/harness"
	"github.com/eventstack-io/eventstack-operator/test/seed"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// rolloutTimeScale is how much faster than the wall clock the suite's
// operator decides rollouts (operator.Options.RolloutClock): a canary's five
// minutes last five seconds.
const rolloutTimeScale = 60

// A canary with the released lambda-controller: the seed's order processor,
// with a rollout, goes live as version 1 behind its alias, which its queue's
// mapping and its rule's target invoke; new code is published as version 2,
// takes 10% of the traffic through the alias's weights, and is promoted after
// the interval; version 3's trial is rolled back by the function's errors
// alarm, the alias back on version 2 alone and the stack Stalled with the
// alarm's reason.
func TestRolloutWithTheReleasedLambdaController(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const fn = "event-order-processor"
	stack := withCode(t, seed.Stack(t, harness.NewNamespace(t, k8s)), "rollout-")
	for i := range stack.Spec.Functions {
		if stack.Spec.Functions[i].Name == fn {
			stack.Spec.Functions[i].Rollout = &v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutCanary, Percent: 10,
				Interval: &metav1.Duration{Duration: 5 * time.Minute}}
		}
	}
	harness.CreateStack(t, k8s, stack, 2*time.Minute)
	defer func() {
		if !t.Failed() {
			return
		}
		s := get(t, stack)
		for _, c := range s.Status.Children {
			if strings.Contains(c.Name, fn) {
				t.Logf("child %s %s %s gen=%d %s", c.Kind, c.Name, c.State, c.ObservedGeneration, c.Message)
			}
		}
		f := &ack.Function{}
		_ = k8s.Get(ctx, client.ObjectKey{Namespace: stack.Namespace, Name: stack.Name + "." + fn}, f)
		t.Logf("Function child: generation %d, annotations %v, status %+v", f.Generation, f.Annotations, f.Status)
		a := &ack.Alias{}
		_ = k8s.Get(ctx, client.ObjectKey{Namespace: stack.Namespace, Name: stack.Name + "." + fn + ".live"}, a)
		b, _ := json.Marshal(a.Spec)
		t.Logf("Alias child: generation %d, spec %s", a.Generation, b)
		for _, m := range a.ManagedFields {
			t.Logf("Alias child managed by %s (%s at %s): %s", m.Manager, m.Operation, m.Time, m.FieldsV1.GetRawString())
		}
	}()
	waitReady(t, stack, time.Minute+settle)
	c := localClients(t)
	name := stack.Spec.NamePrefix + fn
	routes := func() string {
		out, err := c.lambda.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String(name), Name: aws.String(render.AliasName)})
		if err != nil {
			return err.Error()
		}
		s := "version " + aws.ToString(out.FunctionVersion)
		if rc := out.RoutingConfig; rc != nil {
			for v, w := range rc.AdditionalVersionWeights {
				s += fmt.Sprintf(", %.0f%% to version %s", w*100, v)
			}
		}
		return s
	}
	until := func(what string, check func(s *v1alpha1.EventDrivenStack) error) {
		t.Helper()
		harness.Eventually(t, time.Minute+settle, what, func() error { return check(get(t, stack)) })
	}
	rolled := func(phase v1alpha1.RolloutPhase, live, trial string, weight int32, alias string) func(*v1alpha1.EventDrivenStack) error {
		return func(s *v1alpha1.EventDrivenStack) error {
			st := render.RolloutOf(s, fn)
			if st.Phase != phase || st.Live != live || st.Trial != trial || st.TrialWeight != weight {
				return fmt.Errorf("rollout %+v; %s", st, notReady(s))
			}
			if got := routes(); got != alias {
				return fmt.Errorf("the alias routes %s, want %s", got, alias)
			}
			return nil
		}
	}
	until("version 1 live", rolled(v1alpha1.RolloutPromoted, "1", "", 0, "version 1"))
	mappings, err := c.lambda.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{FunctionName: aws.String(name + ":" + render.AliasName)})
	if err != nil || len(mappings.EventSourceMappings) != 1 {
		t.Errorf("the order queue's mapping on the alias: %v %v", mappings, err)
	}

	publish := func(release string, interval time.Duration) {
		t.Helper()
		archive := zipOf(t, "handler of "+name+" "+release)
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			s := get(t, stack)
			for i := range s.Spec.Functions {
				if f := &s.Spec.Functions[i]; f.Name == fn {
					f.Rollout.Interval = &metav1.Duration{Duration: interval}
					f.Code.S3Key = strings.TrimSuffix(f.Code.S3Key, ".zip") + "-" + release + ".zip"
					code.put(f.Code.S3Bucket, f.Code.S3Key, archive)
					f.Code.SHA256 = zipSHA(archive)
				}
			}
			return k8s.Update(ctx, s)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	publish("v2", 5*time.Minute)
	until("version 2 takes 10%, the stack RollingOut", func(s *v1alpha1.EventDrivenStack) error {
		if err := rolled(v1alpha1.RolloutShifting, "1", "2", 10, "version 1, 10% to version 2")(s); err != nil {
			return err
		}
		if r := meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionReady); r == nil || r.Reason != v1alpha1.ReasonRollingOut {
			return fmt.Errorf("Ready during the trial: %+v", r)
		}
		return nil
	})
	until("version 2 promoted", rolled(v1alpha1.RolloutPromoted, "2", "", 0, "version 2"))
	waitReady(t, stack, settle)

	// A longer step, so that the alarm watcher reads the alarm well within it.
	publish("v3", time.Hour)
	until("version 3 takes 10%", rolled(v1alpha1.RolloutShifting, "2", "3", 10, "version 2, 10% to version 3"))
	alarm := render.RolloutAlarms(get(t, stack), fn)[0]
	cw := cloudwatch.NewFromConfig(c.cfg)
	if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String(alarm), StateValue: cwtypes.StateValueAlarm,
		StateReason: aws.String("Threshold Crossed: 5 errors")}); err != nil {
		t.Fatal(err)
	}
	until("version 3 rolled back", rolled(v1alpha1.RolloutRolledBack, "2", "3", 0, "version 2"))
	s := get(t, stack)
	if st := meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionStalled); st == nil || st.Reason != v1alpha1.ReasonRolledBack ||
		!strings.Contains(st.Message, alarm) {
		t.Errorf("Stalled: %+v", st)
	}
	if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String(alarm), StateValue: cwtypes.StateValueOk,
		StateReason: aws.String("ok")}); err != nil {
		t.Fatal(err)
	}
}
