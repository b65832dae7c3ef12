package ack

import (
	"reflect"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/arns"
)

// Kind is everything the operator knows of one ACK kind it creates: one row
// of Kinds. The packages that treat children by kind (the cache, drift,
// status, the offline predictor, the ACK stand-in) read these facts instead
// of switching on the Go type, so that a new kind is its typed struct, its
// row, its builder in render and a test. Every function is set (a kind with
// nothing to say has a no-op), which TestEveryKindHasEveryFact proves.
// +kubebuilder:object:generate=false
type Kind struct {
	GVK  schema.GroupVersionKind
	New  func() Object
	List func() ObjectList

	// Controller names the ACK service controller that reconciles the kind
	// ("sqs"): for messages that say what a child waits for, and to find
	// the kind's CRD in the pinned release (<controller>-controller-<version>).
	Controller string
	// Plural is the kind's resource in its CRD ("queues").
	Plural string

	// AWSName is the name a child gives its AWS resource; "" for a kind
	// whose resource AWS identifies itself (a subscription, a mapping).
	AWSName func(Object) string
	// ARN is the ARN AWS gives a child's resource in a scope (the formats
	// are package arns'); id is what AWS generates for the kinds whose ARN
	// ends with an id (a subscription's, a mapping's UUID), which only a
	// prediction or a stand-in can make up.
	ARN func(obj Object, s arns.Scope, id string) string

	// Digest calls digest on every string of the child's spec that the
	// operator sets and never reads back (policies, definitions,
	// environment values): the operator's cache holds their digest instead
	// (drift.DigestSpec), and drift compares against it.
	Digest func(obj Object, digest func(*string))
	// Compact shares, through c, the strings and values the children of a
	// kind repeat (settings, the stack's tags), and drops what ACK reports
	// that the operator never reads: the cache's transform (internal/operator).
	Compact func(obj Object, c Compactor)

	// Assess reads what ACK reports of the kind beyond its conditions:
	// what ready means for it (docs/ack-behaviour.md has the controller
	// source of each case).
	Assess func(Object) Assessment
	// Refusals are AWS error codes, as ACK starts its condition messages
	// with them, that only a change of the spec can fix but that the kind's
	// controller retries for ever (it does not mark them terminal).
	Refusals []string

	// Latency is how long AWS takes to create or change a resource of the
	// kind in the ACK stand-in's model (internal/localack).
	Latency time.Duration
}

// Assessment is what a child's kind-specific ACK status says beyond ACK's
// conditions.
// +kubebuilder:object:generate=false
type Assessment struct {
	// Stalled: the child cannot get further without a change (a name taken
	// in AWS, a function Lambda marked Failed, an archived table).
	Stalled string
	// InProgress: AWS is still working on it although ACK may report it
	// synced (a function update in progress).
	InProgress string
	// Note: worth saying on a ready child (a subscription awaiting its
	// confirmation).
	Note string
}

// Compactor is what the operator's cache offers a kind's Compact to hold its
// children in less memory: each returns the shared copy of what it is given.
// +kubebuilder:object:generate=false
type Compactor interface {
	// Intern shares a short string many children repeat (a runtime, a
	// billing mode), and the pointer to it.
	Intern(*string) *string
	// Key shares a map key.
	Key(string) string
	// TagList and TagMap share the stack's tags, the same on each child.
	TagList([]*Tag) []*Tag
	TagMap(map[string]*string) map[string]*string
}

// Kinds lists every ACK kind this operator creates, in the order children are
// reported (what others depend on first).
var Kinds = []Kind{
	describe(IAMGroupVersion.WithKind("Role"), &RoleList{}, facts[*Role]{
		Controller: "iam", Plural: "roles",
		AWSName: func(o *Role) string { return ptr.Deref(o.Spec.Name, "") },
		ARN:     func(o *Role, s arns.Scope, _ string) string { return s.Role(ptr.Deref(o.Spec.Name, "")) },
		Digest:  digestRole, Compact: compactRole, Assess: assessNothing[*Role],
		Latency: 3 * time.Second,
	}),
	describe(DynamoDBGroupVersion.WithKind("Table"), &TableList{}, facts[*Table]{
		Controller: "dynamodb", Plural: "tables",
		AWSName: func(o *Table) string { return ptr.Deref(o.Spec.TableName, "") },
		ARN:     func(o *Table, s arns.Scope, _ string) string { return s.Table(ptr.Deref(o.Spec.TableName, "")) },
		Digest:  digestNothing[*Table], Compact: compactTable, Assess: assessTable,
		Latency: 10 * time.Second,
	}),
	describe(SQSGroupVersion.WithKind("Queue"), &QueueList{}, facts[*Queue]{
		Controller: "sqs", Plural: "queues",
		AWSName: func(o *Queue) string { return ptr.Deref(o.Spec.QueueName, "") },
		ARN:     func(o *Queue, s arns.Scope, _ string) string { return s.Queue(ptr.Deref(o.Spec.QueueName, "")) },
		Digest:  digestQueue, Compact: compactQueue, Assess: assessNothing[*Queue],
		Latency: time.Second,
	}),
	describe(SNSGroupVersion.WithKind("Topic"), &TopicList{}, facts[*Topic]{
		Controller: "sns", Plural: "topics",
		AWSName: func(o *Topic) string { return ptr.Deref(o.Spec.Name, "") },
		ARN:     func(o *Topic, s arns.Scope, _ string) string { return s.Topic(ptr.Deref(o.Spec.Name, "")) },
		Digest:  digestTopic, Compact: compactTopic, Assess: assessNothing[*Topic],
		Latency: time.Second,
	}),
	describe(SNSGroupVersion.WithKind("Subscription"), &SubscriptionList{}, facts[*Subscription]{
		Controller: "sns", Plural: "subscriptions",
		AWSName: func(*Subscription) string { return "" },
		ARN: func(o *Subscription, _ arns.Scope, id string) string {
			return arns.Subscription(ptr.Deref(o.Spec.TopicARN, ""), id)
		},
		Digest: digestSubscription, Compact: compactSubscription, Assess: assessSubscription,
		Latency: time.Second,
	}),
	describe(LambdaGroupVersion.WithKind("Function"), &FunctionList{}, facts[*Function]{
		Controller: "lambda", Plural: "functions",
		AWSName: func(o *Function) string { return ptr.Deref(o.Spec.Name, "") },
		ARN:     func(o *Function, s arns.Scope, _ string) string { return s.Function(ptr.Deref(o.Spec.Name, "")) },
		Digest:  digestFunction, Compact: compactFunction, Assess: assessFunction, Refusals: lambdaRefusals,
		Latency: 5 * time.Second,
	}),
	describe(LambdaGroupVersion.WithKind("EventSourceMapping"), &EventSourceMappingList{}, facts[*EventSourceMapping]{
		Controller: "lambda", Plural: "eventsourcemappings",
		AWSName: func(*EventSourceMapping) string { return "" },
		ARN:     func(_ *EventSourceMapping, s arns.Scope, id string) string { return s.EventSourceMapping(id) },
		Digest:  digestNothing[*EventSourceMapping], Compact: compactEventSourceMapping, Assess: assessEventSourceMapping,
		Refusals: lambdaRefusals,
		Latency:  5 * time.Second,
	}),
	describe(LambdaGroupVersion.WithKind("Version"), &VersionList{}, facts[*Version]{
		Controller: "lambda", Plural: "versions",
		// Lambda numbers a version: the ARN ends with the number (id).
		AWSName: func(*Version) string { return "" },
		ARN:     versionARN,
		Digest:  digestNothing[*Version], Compact: compactVersion, Assess: assessVersion, Refusals: lambdaRefusals,
		Latency: time.Second,
	}),
	describe(LambdaGroupVersion.WithKind("Alias"), &AliasList{}, facts[*Alias]{
		Controller: "lambda", Plural: "aliases",
		AWSName: func(o *Alias) string { return ptr.Deref(o.Spec.Name, "") },
		ARN:     aliasARN,
		Digest:  digestNothing[*Alias], Compact: compactAlias, Assess: assessNothing[*Alias], Refusals: lambdaRefusals,
		Latency: time.Second,
	}),
	describe(SFNGroupVersion.WithKind("StateMachine"), &StateMachineList{}, facts[*StateMachine]{
		Controller: "sfn", Plural: "statemachines",
		AWSName: func(o *StateMachine) string { return ptr.Deref(o.Spec.Name, "") },
		ARN: func(o *StateMachine, s arns.Scope, _ string) string {
			return s.StateMachine(ptr.Deref(o.Spec.Name, ""))
		},
		Digest: digestStateMachine, Compact: compactStateMachine, Assess: assessNothing[*StateMachine], Refusals: sfnRefusals,
		Latency: time.Second,
	}),
	describe(CloudWatchGroupVersion.WithKind("MetricAlarm"), &MetricAlarmList{}, facts[*MetricAlarm]{
		Controller: "cloudwatch", Plural: "metricalarms",
		AWSName: func(o *MetricAlarm) string { return ptr.Deref(o.Spec.Name, "") },
		ARN:     func(o *MetricAlarm, s arns.Scope, _ string) string { return s.Alarm(ptr.Deref(o.Spec.Name, "")) },
		// Its state (OK, ALARM) is not in ACK's status: the operator reads
		// it from CloudWatch (internal/probe), and it never makes the
		// child unready.
		Digest: digestMetricAlarm, Compact: compactMetricAlarm, Assess: assessNothing[*MetricAlarm],
		Latency: time.Second,
	}),
}

// KindOf returns the row of an ACK object's kind, found by its Go type (a
// typed object read from the API server has no kind in its TypeMeta); nil for
// a type this operator does not create.
func KindOf(obj Object) *Kind { return byType[reflect.TypeOf(obj)] }

// KindNamed returns the row of an ACK kind by its name ("Queue"); nil for a
// kind this operator does not create (EventBus, Rule, LogGroup: the
// operator's own).
func KindNamed(kind string) *Kind { return byName[kind] }

var byType, byName = func() (map[reflect.Type]*Kind, map[string]*Kind) {
	types, names := map[reflect.Type]*Kind{}, map[string]*Kind{}
	for i := range Kinds {
		k := &Kinds[i]
		types[reflect.TypeOf(k.New())] = k
		names[k.GVK.Kind] = k
	}
	return types, names
}()

// facts are a Kind's facts on its own Go type, so that a row needs no type
// assertion.
type facts[P Object] struct {
	Controller, Plural string
	AWSName            func(P) string
	ARN                func(P, arns.Scope, string) string
	Digest             func(P, func(*string))
	Compact            func(P, Compactor)
	Assess             func(P) Assessment
	Refusals           []string
	Latency            time.Duration
}

// describe makes a row of Kinds from a kind's facts on its own type; a fact
// left nil stays nil, for the table test to name.
func describe[T any, P interface {
	*T
	Object
}, L any, LP interface {
	*L
	ObjectList
}](gvk schema.GroupVersionKind, _ LP, f facts[P]) Kind {
	k := Kind{
		GVK:        gvk,
		New:        func() Object { return P(new(T)) },
		List:       func() ObjectList { return LP(new(L)) },
		Controller: f.Controller, Plural: f.Plural, Refusals: f.Refusals, Latency: f.Latency,
	}
	if f.AWSName != nil {
		k.AWSName = func(o Object) string { return f.AWSName(o.(P)) }
	}
	if f.ARN != nil {
		k.ARN = func(o Object, s arns.Scope, id string) string { return f.ARN(o.(P), s, id) }
	}
	if f.Digest != nil {
		k.Digest = func(o Object, digest func(*string)) { f.Digest(o.(P), digest) }
	}
	if f.Compact != nil {
		k.Compact = func(o Object, c Compactor) { f.Compact(o.(P), c) }
	}
	if f.Assess != nil {
		k.Assess = func(o Object) Assessment { return f.Assess(o.(P)) }
	}
	return k
}

// digestNothing is the Digest of a kind whose spec holds no long string.
func digestNothing[P Object](P, func(*string)) {}

// assessNothing is the Assess of a kind whose ACK conditions say it all.
func assessNothing[P Object](P) Assessment { return Assessment{} }
