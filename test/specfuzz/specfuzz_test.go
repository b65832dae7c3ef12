// Package specfuzz sends random EventDrivenStack specs through validation, the
// child builders and the API server: none may panic, and each is either refused
// by the API server with every cause naming a field under spec, or builds
// children that the real ACK CRDs accept with strict field validation. The
// specs include the languages inside a spec (grammars_test.go): Step
// Functions definitions, EventBridge patterns, SNS filter policies, Lambda
// image URIs and role ARNs, half of them in a namespace mapped to an AWS
// account, where a function's role must be of that account.
package specfuzz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/cli/predict"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/internal/operator"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/tenancy"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

var k8s client.Client

func TestMain(m *testing.M) {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	env, err := localcluster.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg, err := localcluster.Start(env)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer func() { _ = env.Stop() }()
		w := env.WebhookInstallOptions
		// The operator serves the webhook; it reconciles nothing here (the
		// stacks are dry runs, and its selector selects none).
		mgr, err := operator.New(cfg, operator.Options{MetricsAddr: "0", ProbeAddr: "0", DisableAWS: true,
			Webhook: true, WebhookHost: w.LocalServingHost, WebhookPort: w.LocalServingPort, WebhookCertDir: w.LocalServingCertDir,
			WatchLabelSelector: "specfuzz.eventstack.io/none=none"})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { _ = mgr.Start(ctx) }()
		scheme, _ := operator.Scheme()
		if k8s, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// specs is how many random specs the test sends.
const specs = 1000

// mappedNamespace is mapped to mappedAccount (ACK's owner-account-id
// annotation and role map), the account predict builds the children in.
const (
	mappedNamespace = "specfuzz-mapped"
	mappedAccount   = "123456789012"
)

func TestRandomSpecs(t *testing.T) {
	ctx := context.Background()
	mapNamespace(ctx, t)
	all := append(append([]mutator(nil), mutators...), grammarMutators...)
	rng := rand.New(rand.NewPCG(20261126, 1))
	refused, accepted, children, distinct := 0, 0, 0, 0
	// judged holds the children an ACK CRD already accepted (judgedKey):
	// most children of a spec are the seed's, unchanged by its mutations,
	// and are sent to the API server once.
	judged := map[string]bool{}
	// verdicts counts, per mutator, the specs it was applied to that were
	// refused [0] and accepted [1].
	verdicts := map[string]*[2]int{}
	tally := func(applied []string, accepted bool) {
		for _, name := range applied {
			if verdicts[name] == nil {
				verdicts[name] = &[2]int{}
			}
			if accepted {
				verdicts[name][1]++
			} else {
				verdicts[name][0]++
			}
		}
	}
	for i := 0; i < specs; i++ {
		namespace := pick(rng, []string{"default", mappedNamespace})
		stack := seed.Stack(t, namespace)
		// One name for every spec: the creates are dry runs, so the names
		// never clash, and the children of two specs that differ in a
		// part that does not reach them are the same objects (judged).
		stack.Name = "fuzz"
		// Every other spec mutates only the languages inside the spec: with
		// the other mutations (most of which the spec's checks refuse) too,
		// few specs holding a generated definition, pattern or policy would
		// be admitted, and the invariants on admitted specs would rarely
		// see one.
		pool := all
		if i%2 == 1 {
			pool = grammarMutators
		}
		mutations := 1 + rng.IntN(4)
		applied := make([]string, 0, mutations)
		for j := 0; j < mutations; j++ {
			m := pool[rng.IntN(len(pool))]
			m.apply(rng, &stack.Spec)
			applied = append(applied, m.name)
		}
		label := fmt.Sprintf("spec %d in %s (%s)", i, namespace, strings.Join(applied, ", "))

		goErrs := noPanic(t, label, func() any { return validation.Validate(stack) })
		goErrList, _ := goErrs.(field.ErrorList)
		for _, e := range goErrList {
			if !underSpec(e.Field) {
				t.Errorf("%s: Validate reports %q, not a field under spec: %v", label, e.Field, e)
			}
		}
		err := waitForWebhook(func() error { return k8s.Create(ctx, stack.DeepCopy(), client.DryRunAll) })
		if err != nil {
			if !apierrors.IsInvalid(err) && !apierrors.IsBadRequest(err) {
				t.Errorf("%s: refused, but not as invalid: %v", label, err)
			} else if fields := refusedFields(err); len(fields) == 0 {
				t.Errorf("%s: refused without naming a field: %v", label, err)
			} else {
				for _, f := range fields {
					if !underSpec(f) {
						t.Errorf("%s: refused at %q, not a field under spec: %v", label, f, err)
					}
				}
			}
			refused++
			tally(applied, false)
			// The builders must not panic on it either.
			noPanic(t, label, func() any { r, _ := render.Render(stack, render.Observed{}); return r })
			continue
		}
		accepted++
		tally(applied, true)
		if len(goErrList) > 0 {
			t.Errorf("%s: the API server accepted what Validate refuses: %v", label, goErrList.ToAggregate())
			continue
		}
		// No function may take a role of another account than the stack's,
		// where admission knows it (Lambda: "Cross-account pass role is not
		// allowed.").
		if account := stackAccount(stack); account != "" {
			for j, f := range stack.Spec.Functions {
				if parts := strings.Split(f.RoleARN, ":"); len(parts) > 4 && parts[4] != account {
					t.Errorf("%s: admitted spec.functions[%d].roleARN %s, of another account than the stack's, %s", label, j, f.RoleARN, account)
				}
			}
		}
		// Accepted: build every child as it will be once ACK reported,
		// and the real ACK CRDs must accept each with strict validation.
		stack.UID = "00000000-0000-4000-8000-000000000000"
		p, perr := predict.New(stack.Spec.Region, mappedAccount)
		if perr != nil {
			t.Fatalf("%s: %v", label, perr)
		}
		var res *render.Result
		noPanic(t, label, func() any {
			obs, err := predict.Resolve(stack, p)
			if err != nil {
				t.Errorf("%s: accepted, but it does not build: %v", label, err)
				return nil
			}
			res, err = render.Render(stack, obs)
			if err != nil {
				t.Errorf("%s: accepted, but it does not build: %v", label, err)
			}
			return nil
		})
		if res == nil {
			continue
		}
		for _, c := range res.Children {
			if c.Object == nil {
				t.Errorf("%s: %s %s still waits for %v with every ARN predicted", label, c.Kind, c.Name, c.Needs)
				continue
			}
			obj := c.Object.DeepCopyObject().(client.Object)
			key := judgedKey(obj)
			if judged[key] {
				children++
				continue
			}
			//nolint:staticcheck // Patch with client.Apply is the SSA call that takes field validation.
			if err := k8s.Patch(ctx, obj, client.Apply, client.FieldOwner(render.FieldManager), client.ForceOwnership,
				client.FieldValidation("Strict"), client.DryRunAll); err != nil {
				t.Errorf("%s: %s %s refused by its ACK CRD: %v", label, c.Kind, c.Name, err)
				continue
			}
			judged[key] = true
			children++
			distinct++
		}
	}
	t.Logf("%d random specs: %d refused at admission with a field named, %d accepted, whose %d children the ACK CRDs accepted (%d distinct ones applied)",
		specs, refused, accepted, children, distinct)
	if refused == 0 || accepted == 0 {
		t.Errorf("the generator is lopsided: %d refused, %d accepted", refused, accepted)
	}
	// Each language's generator must yield specs on both sides, or one of
	// the invariants holds vacuously for it.
	var lines []string
	for _, m := range grammarMutators {
		v := verdicts[m.name]
		if v == nil {
			v = &[2]int{}
		}
		lines = append(lines, fmt.Sprintf("%s %d/%d", m.name, v[0], v[1]))
		if v[0] == 0 || v[1] == 0 {
			t.Errorf("the %s generator is lopsided: %d specs refused, %d accepted", m.name, v[0], v[1])
		}
	}
	t.Logf("the languages' generators, specs refused/accepted: %s", strings.Join(lines, ", "))
	// So must the FIFO and key mutators: their accepted specs are the ones
	// whose .fifo names and SQS/SNS attributes reach the real CRDs.
	lines = nil
	for _, name := range []string{"fifo queue", "queue key", "fifo topic"} {
		v := verdicts[name]
		if v == nil {
			v = &[2]int{}
		}
		lines = append(lines, fmt.Sprintf("%s %d/%d", name, v[0], v[1]))
		if v[0] == 0 || v[1] == 0 {
			t.Errorf("the %s mutator is lopsided: %d specs refused, %d accepted", name, v[0], v[1])
		}
	}
	t.Logf("the FIFO and key mutators, specs refused/accepted: %s", strings.Join(lines, ", "))
}

// judgedKey is a child as its CRD judges it: its kind and JSON.
func judgedKey(obj client.Object) string {
	b, err := json.Marshal(obj)
	if err != nil {
		return fmt.Sprintf("unmarshalable %T %p", obj, obj) // never judged twice
	}
	return fmt.Sprintf("%T %s", obj, b)
}

// mapNamespace creates mappedNamespace, annotated with its account, and
// ACK's role map that maps the account, as a platform admin would.
func mapNamespace(ctx context.Context, t *testing.T) {
	t.Helper()
	for _, obj := range []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: tenancy.DefaultACKSystemNamespace}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: tenancy.DefaultACKSystemNamespace, Name: tenancy.RoleAccountMap},
			Data: map[string]string{mappedAccount: "arn:aws:iam::" + mappedAccount + ":role/ack"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: mappedNamespace,
			Annotations: map[string]string{tenancy.AnnotationOwnerAccountID: mappedAccount}}},
	} {
		if err := k8s.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
}

// stackAccount is the stack's account where admission knows it:
// spec.adoption.accountID, else its namespace's; "" where it is unknown.
func stackAccount(stack *v1alpha1.EventDrivenStack) string {
	switch {
	case stack.Spec.Adoption != nil && stack.Spec.Adoption.AccountID != "":
		return stack.Spec.Adoption.AccountID
	case stack.Namespace == mappedNamespace:
		return mappedAccount
	}
	return ""
}

// refusedFields are the fields an API server's refusal names, one per
// cause. The note the API server adds when schema errors kept it from
// running the CEL rules ("some validation rules were not checked because
// the object was invalid"), which names no field, is not a cause of the
// refusal and is left out.
func refusedFields(err error) []string {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		return nil
	}
	var out []string
	for _, c := range status.Status().Details.Causes {
		if strings.Contains(c.Message, "some validation rules were not checked") {
			continue
		}
		out = append(out, c.Field)
	}
	return out
}

// underSpec reports whether a field path is a field of the spec.
func underSpec(path string) bool {
	return strings.HasPrefix(path, "spec.")
}

// waitForWebhook retries a call while the webhook server is still starting.
func waitForWebhook(call func() error) error {
	var err error
	for i := 0; i < 50; i++ {
		if err = call(); err == nil || !strings.Contains(err.Error(), "failed calling webhook") {
			return err
		}
		sleep()
	}
	return err
}

func noPanic(t *testing.T, label string, f func() any) (out any) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: panic: %v", label, r)
		}
	}()
	return f()
}

type mutator struct {
	name  string
	apply func(*rand.Rand, *v1alpha1.EventDrivenStackSpec)
}

// name picks from a pool that mixes valid component names, names of the
// seed's components and invalid ones (uppercase, too long, double dash, empty).
func name(r *rand.Rand) string {
	pool := []string{"order-queue", "order-dlq", "event-driven-orders", "event-order-processor", "event-notifications",
		"event-driven-workflow", "x", "new-thing", "a1-b2", "Bad_Name", "double--dash", "-lead", strings.Repeat("n", 70), ""}
	return pool[r.IntN(len(pool))]
}

func number(r *rand.Rand) int32 {
	pool := []int32{-1, 0, 1, 3, 30, 59, 60, 127, 128, 256, 900, 901, 1000, 1001, 10240, 10241, 43200, 43201, 1209600, 1209601}
	return pool[r.IntN(len(pool))]
}

var patterns = []string{
	`{"source":["orders"]}`, `{"source":"orders"}`, `{"detail":{"price":[{"numeric":[">",0,"<=",5]}]}}`,
	`{"detail":{"price":[{"numeric":[">",5,"<",1]}]}}`, `{"source":[{"prefix":"ord"}]}`, `{"source":[{"contains":"x"}]}`,
	`{"$or":[{"source":["a"]},{"detail-type":["b"]}]}`, `{"source":[]}`, `{"a":{"b":{"c":[true,null,1]}}}`,
	`{"source":[{"anything-but":["a",1]}]}`, `{"ip":[{"cidr":"10.0.0.0/33"}]}`, `{"ip":[{"cidr":"10.0.0.0/8"}]}`,
}

var definitions = []string{
	`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${function:event-order-processor}","End":true}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${function:no-such-function}","End":true}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Parameters":{"TopicArn":"${topic:event-notifications}","Message":"m"},"End":true}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"${queue:order-queue.url}","MessageBody":"m"},"End":true}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}`, `not json`, `{"StartAt":"A"}`,
	`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${table:event-driven-orders.url}","End":true}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${function:event-order-processor","End":true}}}`,
}

// kmsKeys are KMS key references of every form admission takes, and some
// it refuses.
var kmsKeys = []string{"", "1234abcd-12ab-34cd-56ef-1234567890ab", "mrk-1234abcd12ab34cd56ef1234567890ab", "alias/orders", "alias/aws/sqs",
	"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:us-east-1:123456789012:alias/orders",
	"arn:aws-cn:kms:cn-north-1:123456789012:alias/orders", "orders-key", "alias/has space"}

var mutators = []mutator{
	{"memory", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Functions) == 0 {
			return
		}
		s.Functions[r.IntN(len(s.Functions))].MemoryMB = ptr.To(number(r))
	}},
	{"timeout", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Functions) == 0 {
			return
		}
		s.Functions[r.IntN(len(s.Functions))].TimeoutSeconds = ptr.To(number(r))
	}},
	{"visibility", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Queues) == 0 {
			return
		}
		s.Queues[r.IntN(len(s.Queues))].VisibilityTimeoutSeconds = ptr.To(number(r))
	}},
	{"retention", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Queues) == 0 {
			return
		}
		s.Queues[r.IntN(len(s.Queues))].MessageRetentionSeconds = ptr.To(number(r))
	}},
	{"dead letter", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Queues) == 0 {
			return
		}
		q := &s.Queues[r.IntN(len(s.Queues))]
		q.DeadLetter = &v1alpha1.DeadLetter{Queue: name(r), MaxReceiveCount: number(r)}
	}},
	{"add queue", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		s.Queues = append(s.Queues, v1alpha1.Queue{Name: name(r)})
	}},
	// FIFO and encryption: a new queue, FIFO or not, with some of the FIFO
	// attributes, a delay and long polling, perhaps a topic's subscriber
	// or another queue's dead-letter queue (a seed queue made FIFO would
	// always be refused: its dead-letter queue and its function's stay
	// standard); a KMS key of any form, good or not, on any queue or topic;
	// a topic made FIFO.
	{"fifo queue", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		q := v1alpha1.Queue{Name: name(r), Fifo: r.IntN(4) > 0, ContentBasedDeduplication: r.IntN(2) == 0,
			DeduplicationScope:            pick(r, []string{"", "queue", "messageGroup"}),
			FifoThroughputLimit:           pick(r, []string{"", "perQueue", "perMessageGroupId"}),
			DelaySeconds:                  ptr.To(pick(r, []int32{-1, 0, 5, 900, 901})),
			ReceiveMessageWaitTimeSeconds: ptr.To(pick(r, []int32{0, 20, 21})),
		}
		s.Queues = append(s.Queues, q)
		switch {
		case r.IntN(3) == 0 && len(s.Topics) > 0:
			s.Topics[0].Subscriptions = append(s.Topics[0].Subscriptions, v1alpha1.Subscription{Protocol: "sqs", Queue: q.Name})
		case r.IntN(2) == 0:
			s.Queues = append(s.Queues, v1alpha1.Queue{Name: name(r), Fifo: r.IntN(2) == 0,
				DeadLetter: &v1alpha1.DeadLetter{Queue: q.Name, MaxReceiveCount: 3}})
		}
	}},
	{"queue key", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Queues) == 0 {
			return
		}
		q := &s.Queues[r.IntN(len(s.Queues))]
		q.KMSMasterKeyID = pick(r, kmsKeys)
		if r.IntN(2) == 0 {
			q.SQSManagedSSEEnabled = ptr.To(r.IntN(2) == 0)
		}
		if r.IntN(2) == 0 {
			q.KMSDataKeyReusePeriodSeconds = ptr.To(number(r) * 100)
		}
	}},
	{"fifo topic", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Topics) == 0 {
			return
		}
		t := &s.Topics[r.IntN(len(s.Topics))]
		t.Fifo, t.ContentBasedDeduplication = r.IntN(2) == 0, r.IntN(2) == 0
		t.KMSMasterKeyID = pick(r, kmsKeys)
	}},
	{"rename table", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Tables) == 0 {
			return
		}
		s.Tables[r.IntN(len(s.Tables))].Name = name(r)
	}},
	{"sort key", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Tables) == 0 {
			return
		}
		s.Tables[r.IntN(len(s.Tables))].SortKey = &v1alpha1.Key{Name: "sk", Type: v1alpha1.KeyType([]string{"S", "N", "B", "X"}[r.IntN(4)])}
	}},
	{"provisioned", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Tables) == 0 {
			return
		}
		t := &s.Tables[r.IntN(len(s.Tables))]
		t.BillingMode = v1alpha1.BillingProvisioned
		if r.IntN(2) == 0 {
			t.ProvisionedThroughput = &v1alpha1.ProvisionedThroughput{ReadCapacityUnits: int64(number(r)), WriteCapacityUnits: 5}
		}
	}},
	{"uses", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Functions) == 0 {
			return
		}
		f := &s.Functions[r.IntN(len(s.Functions))]
		if f.Uses == nil {
			f.Uses = &v1alpha1.FunctionUses{}
		}
		f.Uses.Queues = append(f.Uses.Queues, v1alpha1.QueueUse{Name: name(r), Access: v1alpha1.QueueAccess([]string{"Send", "Receive"}[r.IntN(2)])})
	}},
	{"environment", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		keys := []string{"MODE", "AWS_REGION", "ORDERS_TABLE", "_HANDLER", "DEBUG"}
		s.Functions[r.IntN(len(s.Functions))].Environment = map[string]string{keys[r.IntN(len(keys))]: "v"}
	}},
	{"image code", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Functions) == 0 {
			return
		}
		f := &s.Functions[r.IntN(len(s.Functions))]
		f.Code = v1alpha1.FunctionCode{ImageURI: "123456789012.dkr.ecr.us-east-1.amazonaws.com/f:1"}
		if r.IntN(2) == 0 {
			f.Code.S3Bucket = "b"
		}
	}},
	{"pattern", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Rules) == 0 {
			return
		}
		s.Rules[r.IntN(len(s.Rules))].EventPattern = &apiextensionsv1.JSON{Raw: []byte(patterns[r.IntN(len(patterns))])}
	}},
	{"target", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		t := v1alpha1.RuleTarget{}
		switch r.IntN(5) {
		case 0:
			t.Function = name(r)
		case 1:
			t.Workflow = name(r)
		case 2:
			t.Queue = name(r)
		case 3:
			t.Topic = name(r)
		}
		if len(s.Rules) == 0 {
			return
		}
		rule := &s.Rules[r.IntN(len(s.Rules))]
		rule.Targets = append(rule.Targets, t)
	}},
	{"definition", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		s.Workflows[0].Definition = definitions[r.IntN(len(definitions))]
	}},
	{"subscription", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		sub := v1alpha1.Subscription{Protocol: v1alpha1.SubscriptionProtocol([]string{"sqs", "https", "email", "lambda"}[r.IntN(4)])}
		if r.IntN(2) == 0 {
			sub.Queue = name(r)
		} else {
			sub.Endpoint = "https://example.com/hook"
		}
		if len(s.Topics) == 0 {
			return
		}
		s.Topics[0].Subscriptions = append(s.Topics[0].Subscriptions, sub)
	}},
	{"prefix", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		s.NamePrefix = []string{"dev-", "prod-x-", "UPPER-", strings.Repeat("p", 17), "a"}[r.IntN(5)]
	}},
	{"region", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		s.Region = []string{"eu-west-1", "cn-north-1", "us-gov-west-1", "mars-1", "US-EAST-1"}[r.IntN(5)]
	}},
	{"output", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		s.Outputs["Random"] = []string{"${queue:order-queue.arn}", "${table:nope}", "${eventBus:custom-event-bus.arn}", "plain", "${topic:event-notifications.url}"}[r.IntN(5)]
	}},
	{"retry", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Rules) == 0 {
			return
		}
		s.Rules[r.IntN(len(s.Rules))].Retry = &v1alpha1.RetryPolicy{MaximumRetryAttempts: ptr.To(number(r)), MaximumEventAgeSeconds: ptr.To(number(r))}
	}},
	{"drop a component", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		switch r.IntN(3) {
		case 0:
			if len(s.Queues) > 0 {
				i := r.IntN(len(s.Queues))
				s.Queues = append(s.Queues[:i:i], s.Queues[i+1:]...)
			}
		case 1:
			if len(s.Tables) > 0 {
				i := r.IntN(len(s.Tables))
				s.Tables = append(s.Tables[:i:i], s.Tables[i+1:]...)
			}
		default:
			s.Topics = nil
		}
	}},
	{"tags", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		s.Tags = map[string]string{"team": "payments", "cost-center": fmt.Sprint(r.IntN(1000))}
	}},
	{"adoption", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		s.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: []string{"123456789012", "12345"}[r.IntN(2)]}
	}},
}

func sleep() { time.Sleep(100 * time.Millisecond) }
