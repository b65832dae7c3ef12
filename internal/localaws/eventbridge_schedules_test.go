package localaws

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// A scheduled rule of the default bus runs its targets when it is due, once,
// with a Scheduled Event naming the rule; a disabled one does not; an
// expression EventBridge would refuse is refused.
func TestScheduledRulesRun(t *testing.T) {
	e := newDeliveryEnv(t)
	cx := ctx(t)
	_, queueArn := e.queue(t, "ticks", nil)
	for name, state := range map[string]ebtypes.RuleState{"every-5": ebtypes.RuleStateEnabled, "off": ebtypes.RuleStateDisabled} {
		must(e.eb.PutRule(cx, &eventbridge.PutRuleInput{Name: aws.String(name), ScheduleExpression: aws.String("rate(5 minutes)"), State: state}))(t)
		must(e.eb.PutTargets(cx, &eventbridge.PutTargetsInput{Rule: aws.String(name), Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(queueArn)}}}))(t)
	}
	if _, err := e.eb.PutRule(cx, &eventbridge.PutRuleInput{Name: aws.String("bad"), ScheduleExpression: aws.String("rate(1 minutes)")}); err == nil {
		t.Error("rate(1 minutes) was accepted")
	}
	now := time.Now()
	if ran := e.srv.RunSchedules(now); len(ran) != 0 {
		t.Errorf("ran %v before they were due", ran)
	}
	if ran := e.srv.RunSchedules(now.Add(5*time.Minute + time.Second)); !slices.Equal(ran, []string{"every-5"}) {
		t.Errorf("ran %v, want every-5", ran)
	}
	if ran := e.srv.RunSchedules(now.Add(5*time.Minute + 2*time.Second)); len(ran) != 0 {
		t.Errorf("ran %v again within the interval", ran)
	}
	d := deliveriesDone(t, e.srv, 1)
	if len(d) != 1 || d[0].Rule != "every-5" || d[0].Outcome != "delivered" {
		t.Fatalf("deliveries %+v", d)
	}
	var event struct {
		Source     string   `json:"source"`
		DetailType string   `json:"detail-type"`
		Resources  []string `json:"resources"`
		Detail     any      `json:"detail"`
	}
	if err := json.Unmarshal([]byte(d[0].Input), &event); err != nil {
		t.Fatal(err)
	}
	if event.Source != "aws.events" || event.DetailType != "Scheduled Event" ||
		!slices.Equal(event.Resources, []string{"arn:aws:events:us-east-1:123456789012:rule/every-5"}) {
		t.Errorf("the scheduled event: %s", d[0].Input)
	}
	if ran := e.srv.RunSchedules(now.Add(10*time.Minute + time.Second)); !slices.Equal(ran, []string{"every-5"}) {
		t.Errorf("the second run: %v", ran)
	}
}
