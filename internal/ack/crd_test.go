package ack_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/cli/predict"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/internal/operator"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

var k8s client.Client

func TestMain(m *testing.M) {
	env, err := localcluster.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// No operator runs here, so no webhook is registered.
	env.WebhookInstallOptions = envtest.WebhookInstallOptions{}
	cfg, err := localcluster.Start(env)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	scheme, err := operator.Scheme()
	if err == nil {
		k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	}
	code := 1
	if err == nil {
		code = m.Run()
	} else {
		fmt.Fprintln(os.Stderr, err)
	}
	_ = env.Stop()
	os.Exit(code)
}

// kitchenSink is a stack that uses every field the builders turn into a child
// field: every ACK kind, both code kinds, sort keys, provisioned capacity,
// subscriptions of both kinds, every use, tags, adoption and retain.
func kitchenSink() *v1alpha1.EventDrivenStack {
	def := `{"StartAt":"A","States":{
	  "A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"${function:zip-fn}"},"Next":"B"},
	  "B":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"${table:things}","Item":{}},"Next":"C"},
	  "C":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"${queue:work}","MessageBody":"x"},"Next":"D"},
	  "D":{"Type":"Task","Resource":"${function:image-fn}","End":true}}}`
	return &v1alpha1.EventDrivenStack{
		ObjectMeta: metav1.ObjectMeta{Name: "sink", Namespace: "default", UID: "0b9d7c1e-0000-4000-8000-000000000001"},
		Spec: v1alpha1.EventDrivenStackSpec{
			Region: "eu-west-1", NamePrefix: "dev-", DeletionPolicy: v1alpha1.DeletionPolicyRetain,
			Adoption: &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: localack.AccountID},
			Tags:     map[string]string{"team": "payments"},
			Queues: []v1alpha1.Queue{
				{Name: "work", VisibilityTimeoutSeconds: ptr.To[int32](60), MessageRetentionSeconds: ptr.To[int32](3600),
					DeadLetter: &v1alpha1.DeadLetter{Queue: "work-dlq", MaxReceiveCount: 5}},
				{Name: "work-dlq"},
			},
			Topics: []v1alpha1.Topic{{Name: "news", DisplayName: "News", Subscriptions: []v1alpha1.Subscription{
				{Protocol: "sqs", Queue: "work", RawMessageDelivery: true, FilterPolicy: &apiextensionsv1.JSON{Raw: []byte(`{"kind":["a"]}`)}},
				{Protocol: "https", Endpoint: "https://hooks.example.com/news"},
			}}},
			Tables: []v1alpha1.Table{{Name: "things", PartitionKey: v1alpha1.Key{Name: "pk", Type: "S"}, SortKey: &v1alpha1.Key{Name: "sk", Type: "N"},
				BillingMode: v1alpha1.BillingProvisioned, ProvisionedThroughput: &v1alpha1.ProvisionedThroughput{ReadCapacityUnits: 5, WriteCapacityUnits: 5}}},
			Functions: []v1alpha1.Function{
				{Name: "zip-fn", Code: v1alpha1.FunctionCode{S3Bucket: "b", S3Key: "k.zip", S3ObjectVersion: "3", SHA256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}, Runtime: "provided.al2023",
					Handler: "bootstrap", Architecture: "x86_64", MemoryMB: ptr.To[int32](512), TimeoutSeconds: ptr.To[int32](60), Tracing: "Active",
					Environment: map[string]string{"MODE": "strict"},
					Uses: &v1alpha1.FunctionUses{
						Tables: []v1alpha1.TableUse{{Name: "things", Access: v1alpha1.TableRead}},
						Topics: []v1alpha1.TopicUse{{Name: "news"}},
						Queues: []v1alpha1.QueueUse{{Name: "work-dlq", Access: v1alpha1.QueueSend}},
					},
					Consumes:        []v1alpha1.QueueConsumer{{Queue: "work", BatchSize: ptr.To[int64](5), MaximumBatchingWindowSeconds: ptr.To[int64](2)}},
					DeadLetterQueue: "work-dlq",
					// Its Version and its live alias, shifting 10% to a trial.
					Rollout: &v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutCanary, Percent: 10, Interval: &metav1.Duration{Duration: 5 * time.Minute}}},
				{Name: "image-fn", Code: v1alpha1.FunctionCode{ImageURI: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fn:1"},
					RoleARN: "arn:aws:iam::123456789012:role/given"},
			},
			Workflows: []v1alpha1.Workflow{
				{Name: "flow", Type: "EXPRESS", Definition: def, TimeoutSeconds: ptr.To[int32](60), Tracing: true,
					Logging: &v1alpha1.WorkflowLogging{Level: "ALL", IncludeExecutionData: true, RetentionDays: 7}},
				{Name: "given-role", Definition: def, RoleARN: "arn:aws:iam::123456789012:role/sfn"},
			},
		},
		Status: v1alpha1.EventDrivenStackStatus{Rollouts: []v1alpha1.RolloutStatus{
			{Function: "zip-fn", Phase: v1alpha1.RolloutShifting, Live: "1", Trial: "2", TrialWeight: 10, Step: 1, Steps: 2}}},
	}
}

// converge renders a stack as ACK would see it once every child reported its
// ARN and URL: render, record the ARNs of what could be built, render again.
func converge(t *testing.T, stack *v1alpha1.EventDrivenStack) *render.Result {
	t.Helper()
	obs := render.Observed{ARNs: map[string]string{}, URLs: map[string]string{}, MappingUUIDs: render.NoExistingMappings(stack)}
	for _, lg := range render.LogGroups(stack) {
		obs.ARNs[lg.Component()] = "arn:aws:logs:us-east-1:123456789012:log-group:" + lg.Name + ":*"
	}
	obs.Children, obs.Deployed = map[string]ack.Object{}, map[string]string{}
	for round := 0; round < 10; round++ {
		res, err := render.Render(stack, obs)
		if err != nil {
			t.Fatal(err)
		}
		waiting := 0
		for _, c := range res.Children {
			if c.Object == nil || len(c.Partial) > 0 {
				waiting++
			}
			if c.Object != nil {
				obs.ARNs[c.Component] = localack.FakeARN(c.Object, stack.Spec.Region)
				if q, ok := c.Object.(*ack.Queue); ok {
					obs.URLs[c.Component] = localack.FakeQueueURL(q, stack.Spec.Region)
				}
				if f, ok := c.Object.(*ack.Function); ok && f.Annotations[render.AnnotationRevision] != "" {
					// Lambda runs it: its revision's version is published.
					deployed := f.DeepCopy()
					deployed.Status.CodeSHA256 = ptr.To("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
					obs.Children[c.Component], obs.Deployed[c.Component] = deployed, f.Annotations[render.AnnotationRevision]
				}
			}
		}
		if waiting == 0 {
			return res
		}
	}
	t.Fatal("the stack did not converge in 10 rounds")
	return nil
}

// Every child the builders make, using every field they set, is accepted by
// the real ACK CRDs of the pinned releases with strict field validation: a
// field, or a type, that the CRD lacks would fail.
func TestChildrenSatisfyTheRealACKCRDs(t *testing.T) {
	kinds := applyStrictly(t, converge(t, kitchenSink()))
	for _, k := range ack.Kinds {
		if kinds[k.GVK.Kind] == 0 {
			t.Errorf("the kitchen-sink stack has no %s child: the test would not prove its struct", k.GVK.Kind)
		}
	}
	t.Logf("children applied with strict validation: %v", kinds)
}

// Every child of the building blocks sample (config/samples), which uses each
// block of the API beyond the seed, is accepted by the real ACK CRDs with
// strict field validation.
func TestBuildingBlocksSampleSatisfiesTheRealACKCRDs(t *testing.T) {
	stack := seed.BuildingBlocks(t, "default")
	stack.UID = "0b9d7c1e-0000-4000-8000-000000000004" // the children's owner reference needs one
	// Its ARNs and URLs as kubectl eds render predicts them: the bus's rules
	// and the tables' streams are none of converge's children.
	obs, err := predict.ResolveIn(stack, localack.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := render.Render(stack, obs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("children applied with strict validation: %v", applyStrictly(t, res))
}

// applyStrictly dry-runs the server-side apply of every child with strict
// field validation, failing the test for each one its ACK CRD refuses; it
// returns how many children of each kind it applied.
func applyStrictly(t *testing.T, res *render.Result) map[string]int {
	t.Helper()
	kinds := map[string]int{}
	for _, c := range res.Children {
		obj := c.Object.DeepCopyObject().(client.Object)
		//nolint:staticcheck // Patch with client.Apply is the one SSA call that takes a field validation option.
		err := k8s.Patch(context.Background(), obj, client.Apply, client.FieldOwner(render.FieldManager), client.ForceOwnership,
			client.FieldValidation("Strict"), client.DryRunAll)
		if err != nil {
			t.Errorf("%s %s refused by its ACK CRD: %v", c.Kind, c.Name, err)
		}
		kinds[c.Kind]++
	}
	return kinds
}

// The API server does refuse what a CRD lacks, so the test above can fail:
// server-side apply cannot build a typed patch from a field or type the schema
// lacks, and a create with strict validation refuses an unknown field that the
// default validation would silently drop.
func TestUnknownFieldsAndWrongTypesAreRefused(t *testing.T) {
	ctx := context.Background()
	cases := map[string]map[string]any{
		"unknown field": {"apiVersion": "sqs.services.k8s.aws/v1alpha1", "kind": "Queue",
			"metadata": map[string]any{"name": "strict-1", "namespace": "default"},
			"spec":     map[string]any{"queueName": "q", "visibilityTimeoutSeconds": "30"}},
		"wrong type": {"apiVersion": "lambda.services.k8s.aws/v1alpha1", "kind": "Function",
			"metadata": map[string]any{"name": "strict-2", "namespace": "default"},
			"spec":     map[string]any{"name": "f", "code": map[string]any{"s3Bucket": "b"}, "memorySize": "256"}},
		"the state machine type under its API name": {"apiVersion": "sfn.services.k8s.aws/v1alpha1", "kind": "StateMachine",
			"metadata": map[string]any{"name": "strict-3", "namespace": "default"},
			"spec":     map[string]any{"name": "s", "definition": "{}", "roleARN": "arn:aws:iam::1:role/r", "type": "STANDARD"}},
	}
	for name, obj := range cases {
		t.Run("apply/"+name, func(t *testing.T) {
			u := &unstructured.Unstructured{Object: obj}
			//nolint:staticcheck // see above
			err := k8s.Patch(ctx, u, client.Apply, client.FieldOwner("strict-test"), client.FieldValidation("Strict"), client.DryRunAll)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), "failed to create typed patch object") || !strings.Contains(err.Error(), ".spec.") {
				t.Fatalf("refused for another reason: %v", err)
			}
		})
	}
	u := &unstructured.Unstructured{Object: cases["unknown field"]}
	err := k8s.Create(ctx, u.DeepCopy(), client.FieldValidation("Strict"), client.DryRunAll)
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), `unknown field "spec.visibilityTimeoutSeconds"`) {
		t.Errorf("strict create: %v", err)
	}
	if err := k8s.Create(ctx, u.DeepCopy(), client.FieldValidation("Ignore"), client.DryRunAll); err != nil {
		t.Errorf("without strict validation the unknown field is dropped silently, but: %v", err)
	}
}
