package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// kubectl eds replay against the local AWS: the stack's archive found from
// its spec, the rule's ARN from its status; a window the archive cannot cover
// refused before any replay starts; a replay followed to COMPLETED, whose
// events reach the rule named again.
func TestReplayCommand(t *testing.T) {
	srv := localaws.New()
	srv.Delays = localaws.Delays{ReplayStart: 50 * time.Millisecond, ReplayRun: 100 * time.Millisecond}
	url, err := srv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	eb := eventbridge.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")},
		func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(url) })
	ctx := context.Background()
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("dev-bus")}); err != nil {
		t.Fatal(err)
	}
	rule, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("dev-orders-rule"), EventBusName: aws.String("dev-bus"),
		EventPattern: aws.String(`{"source":["orders"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eb.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String("dev-bus-archive"), RetentionDays: aws.Int32(1),
		EventSourceArn: aws.String("arn:aws:events:us-east-1:123456789012:event-bus/dev-bus")}); err != nil {
		t.Fatal(err)
	}
	srv.BackdateArchive("dev-bus-archive", 48*time.Hour)
	if _, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{EventBusName: aws.String("dev-bus"),
		Source: aws.String("orders"), DetailType: aws.String("Order Created"), Detail: aws.String(`{}`),
		Time: aws.Time(time.Now().Add(-2 * time.Hour))}}}); err != nil {
		t.Fatal(err)
	}

	stack := &v1alpha1.EventDrivenStack{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "orders"}}
	stack.Spec.NamePrefix = "dev-"
	stack.Spec.EventBus = &v1alpha1.EventBus{Name: "bus", Archive: &v1alpha1.EventArchive{RetentionDays: 1}}
	stack.Spec.Rules = []v1alpha1.Rule{{Name: "orders-rule"}}
	stack.Status.Outputs = map[string]string{"rule.orders-rule.arn": aws.ToString(rule.RuleArn)}

	tests := []struct {
		name     string
		from, to string
		want     []string
		wantErr  string
		replayed int
	}{
		{name: "--to in the future", from: "1h", to: "-1h", wantErr: "refused: --to"},
		{name: "before the archive was created", from: "3d", to: "1h", wantErr: "refused: the archive dev-bus-archive was created at"},
		{name: "beyond retention", from: "36h", to: "1h", wantErr: "refused: the archive dev-bus-archive keeps events 1 day:"},
		{name: "a window it covers", from: "150m", to: "now", replayed: 1,
			want: []string{"to rules orders-rule", "STARTING", "COMPLETED", "replay r completed in"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &replayOptions{from: tt.from, to: tt.to, rules: []string{"orders-rule"}, name: "r", poll: 10 * time.Millisecond}
			cmd := &cobra.Command{}
			cmd.SetContext(ctx)
			var out bytes.Buffer
			before := len(srv.Replays())
			err := o.run(cmd, stack, eb, &out, false)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("run: %v\n%s", err, out.String())
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("run: %v, want an error with %q", err, tt.wantErr)
			case tt.wantErr != "" && len(srv.Replays()) != before:
				t.Fatalf("a refused window started a replay")
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			n := 0
			for _, e := range srv.Events() {
				if e.ReplayName == "r" && len(e.Rules) == 1 && e.Rules[0] == "dev-orders-rule" {
					n++
				}
			}
			if n != tt.replayed {
				t.Errorf("%d events replayed to dev-orders-rule, want %d", n, tt.replayed)
			}
		})
	}
}
