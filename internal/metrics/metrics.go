// Package metrics holds the operator's Prometheus metrics, beyond
// controller-runtime's own (which it serves with them): stacks by condition,
// AWS API calls by service, operation and outcome, and reconcile duration.
package metrics

import (
	"context"
	"errors"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Stack states, the values of the state label of eventstack_stacks.
const (
	StateReady       = "Ready"
	StateProgressing = "Progressing"
	StateStalled     = "Stalled"
)

var (
	// Stacks counts the stacks by state.
	Stacks = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "eventstack_stacks",
		Help: "EventDrivenStacks by state: Ready, Progressing (Reconciling) or Stalled.",
	}, []string{"state"})

	// AWSCalls counts the operator's own AWS API calls (EventBridge, Lambda).
	AWSCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "eventstack_aws_api_calls_total",
		Help: "AWS API calls the operator made, by service, operation and outcome (success or the error code), after the SDK's retries.",
	}, []string{"service", "operation", "outcome"})

	// ReconcileDuration is how long reconciles of a stack take, by result.
	ReconcileDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "eventstack_reconcile_duration_seconds",
		Help:    "Duration of one reconcile of an EventDrivenStack, by result (success, error, stalled).",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"result"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(Stacks, AWSCalls, ReconcileDuration)
}

// stacks remembers each stack's state, so that the gauge counts each once.
var stacks = struct {
	sync.Mutex
	state map[string]string
}{state: map[string]string{}}

// RecordStack sets the state of a stack (namespace/name).
func RecordStack(key, state string) {
	stacks.Lock()
	defer stacks.Unlock()
	if old, ok := stacks.state[key]; ok {
		if old == state {
			return
		}
		Stacks.WithLabelValues(old).Dec()
	}
	stacks.state[key] = state
	Stacks.WithLabelValues(state).Inc()
}

// ForgetStack removes a deleted stack from the count.
func ForgetStack(key string) {
	stacks.Lock()
	defer stacks.Unlock()
	if old, ok := stacks.state[key]; ok {
		Stacks.WithLabelValues(old).Dec()
		delete(stacks.state, key)
	}
}

// ObserveReconcile records how long a reconcile took.
func ObserveReconcile(start time.Time, result string) {
	ReconcileDuration.WithLabelValues(result).Observe(time.Since(start).Seconds())
}

// CountAWSCalls is an AWS SDK option that counts every operation once, after
// its retries, with its outcome. Add it to aws.Config.APIOptions.
func CountAWSCalls(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("eventstackCallMetrics",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			outcome := "success"
			if err != nil {
				outcome = "error"
				var apiErr smithy.APIError
				if errors.As(err, &apiErr) {
					outcome = apiErr.ErrorCode()
				}
			}
			AWSCalls.WithLabelValues(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), outcome).Inc()
			return out, md, err
		}), middleware.After)
}
