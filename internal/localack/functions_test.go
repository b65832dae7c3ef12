package localack

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// A function's /tmp size, logging configuration and reserved concurrency, and
// a mapping's filters, are what Lambda holds after the stand-in's reconcile;
// taken out of the spec, the reserved concurrency and the filters are
// removed in Lambda, as lambda-controller removes them.
func TestFunctionSettingsAreMadeInTheLocalAWS(t *testing.T) {
	ctx := context.Background()
	srv := localaws.New()
	srv.Delays = localaws.Delays{}
	cfg := srv.StartForTest(t)
	p := NewPlayer(srv)
	lc := lambda.NewFromConfig(cfg)

	q := &ack.Queue{ObjectMeta: meta("q"), Spec: ack.QueueSpec{QueueName: ptr.To("q")}}
	reconcileOK(t, p, q)
	role := &ack.Role{ObjectMeta: meta("r"), Spec: ack.RoleSpec{Name: ptr.To("r"),
		AssumeRolePolicyDocument: ptr.To(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}}
	if _, err := p.reconcile(ctx, role, AccountID); err != nil {
		t.Fatal(err)
	}
	fn := &ack.Function{ObjectMeta: meta("f"), Spec: ack.FunctionSpec{Name: ptr.To("f"), Role: ptr.To(role.ACKStatus().ARN()),
		Runtime: ptr.To("provided.al2023"), Handler: ptr.To("bootstrap"), Code: &ack.FunctionCode{S3Bucket: ptr.To("b"), S3Key: ptr.To("k"), SHA256: ptr.To("c2hh")},
		EphemeralStorage: &ack.EphemeralStorage{Size: ptr.To[int64](2048)}, ReservedConcurrentExecutions: ptr.To[int64](5),
		LoggingConfig: &ack.LoggingConfig{LogFormat: ptr.To("JSON"), LogGroup: ptr.To("/aws/lambda/f"),
			ApplicationLogLevel: ptr.To("DEBUG"), SystemLogLevel: ptr.To("WARN")}}}
	reconcileOK(t, p, fn)
	got, err := lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("f")})
	if err != nil {
		t.Fatal(err)
	}
	if got.EphemeralStorage == nil || ptr.Deref(got.EphemeralStorage.Size, 0) != 2048 || got.LoggingConfig == nil ||
		got.LoggingConfig.LogFormat != "JSON" || got.LoggingConfig.ApplicationLogLevel != "DEBUG" || got.LoggingConfig.SystemLogLevel != "WARN" {
		t.Errorf("Lambda holds /tmp %+v, logging %+v", got.EphemeralStorage, got.LoggingConfig)
	}
	concurrency := func() *int32 {
		out, err := lc.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("f")})
		if err != nil {
			t.Fatal(err)
		}
		return out.ReservedConcurrentExecutions
	}
	if c := concurrency(); ptr.Deref(c, -1) != 5 {
		t.Errorf("reserved concurrency %v, want 5", c)
	}

	esm := &ack.EventSourceMapping{ObjectMeta: meta("m"), Spec: ack.EventSourceMappingSpec{FunctionName: ptr.To(FakeARN(fn, "us-east-1")),
		EventSourceARN: ptr.To(q.ACKStatus().ARN()), BatchSize: ptr.To[int64](5),
		FilterCriteria: &ack.FilterCriteria{Filters: []*ack.Filter{{Pattern: ptr.To(`{"body":{"status":["PAID"]}}`)}}}}}
	reconcileOK(t, p, esm)
	uuid := ptr.Deref(esm.Status.UUID, "")
	filters := func() int {
		out, err := lc.GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: aws.String(uuid)})
		if err != nil {
			t.Fatal(err)
		}
		if out.FilterCriteria == nil {
			return 0
		}
		return len(out.FilterCriteria.Filters)
	}
	if n := filters(); n != 1 {
		t.Errorf("the mapping has %d filters, want 1", n)
	}

	p.reconciled[fn.UID], fn.Generation, fn.Spec.ReservedConcurrentExecutions = 1, 2, nil
	reconcileOK(t, p, fn)
	if c := concurrency(); c != nil {
		t.Errorf("reserved concurrency %d left after it was taken out of the spec", *c)
	}
	p.reconciled[esm.UID], esm.Generation, esm.Spec.FilterCriteria = 1, 2, nil
	reconcileOK(t, p, esm)
	if n := filters(); n != 0 {
		t.Errorf("the mapping has %d filters after they were taken out of the spec", n)
	}
}
