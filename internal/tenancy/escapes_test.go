package tenancy

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

// The attacks of issue 18 (docs/multi-tenancy.md, "Attacks tried"), each
// against the rule that stops it. Every case runs the strict policy in a
// namespace mapped to account 111111111111 that the platform gave its code
// and data buckets and its roles.

const account = "111111111111"

// tenant is a strict namespace with the platform's usual annotations, and
// the extra ones given.
func tenant(name string, extra map[string]string) *corev1.Namespace {
	ann := map[string]string{
		AnnotationOwnerAccountID:     account,
		AnnotationAllowedCodeBuckets: "eventstack-artifacts",
		AnnotationAllowedDataBuckets: "{namespace}-data",
		AnnotationAllowedRoleARNs:    "arn:aws:iam::" + account + ":role/{namespace}--*",
	}
	for k, v := range extra {
		if v == "-" {
			delete(ann, k)
			continue
		}
		ann[k] = v
	}
	return namespace(name, ann, nil)
}

// stackIn is the seed stack in a namespace with a namePrefix.
func stackIn(t *testing.T, ns, prefix string) *v1alpha1.EventDrivenStack {
	s := seed.Stack(t, ns)
	s.Spec.NamePrefix = prefix
	return s
}

// refusal finds the error at a field holding a message; "" wants none at all.
func refusal(t *testing.T, errs field.ErrorList, at, msg string) {
	t.Helper()
	if at == "" {
		if len(errs) != 0 {
			t.Fatalf("refused: %v", errs)
		}
		return
	}
	for _, e := range errs {
		if e.Field == at && strings.Contains(e.Error(), msg) {
			return
		}
	}
	t.Fatalf("errors %v, want one at %s with %q", errs, at, msg)
}

// No namespace takes a name, by its namePrefix or otherwise, under another
// namespace's prefix: with the strict pattern whether that namespace exists
// or not; with other prefixes, among the namespaces that exist, the longest
// prefix winning.
func TestPrefixFreeNames(t *testing.T) {
	legacy := Strict()
	legacy.NamePrefix = "{namespace}-"
	cases := []struct {
		name      string
		policy    Policy
		ns        *corev1.Namespace
		others    []*corev1.Namespace
		prefix    string
		stackName string
		at, inMsg string
	}{
		{"a namespace's own names, at the limit", Strict(), tenant("team", nil), nil, "team--a-", "", "", ""},
		{"names under a namespace that does not exist yet", Strict(), tenant("team", nil), nil, "team-a--",
			"", "spec.namePrefix", `namePrefix team-a-- falls under the name prefix "team-a--" of namespace team-a`},
		{"a namespace the platform exempted from prefixes", Strict(), tenant("team", map[string]string{AnnotationNamePrefix: ""}), nil, "team-a--",
			"", "spec.namePrefix", `falls under the name prefix "team-a--" of namespace team-a`},
		{"a namespace's annotated prefix does not reach into another's", Strict(), tenant("team", map[string]string{AnnotationNamePrefix: "team"}), nil, "team-a--x-",
			"", "spec.namePrefix", `of namespace team-a`},
		{"a name made of the stack's name", Strict(), tenant("team", map[string]string{AnnotationNamePrefix: ""}), nil, "",
			"team-b--q", "metadata.name", `Queue team-b--q-events-dlq falls under the name prefix "team-b--" of namespace team-b`},
		{"a namespace holding the separator", Strict(), tenant("xn--abc", nil), nil, "xn--abc--",
			"", "spec.namePrefix", `namespace xn--abc holds "--"`},
		{"... with a prefix the platform gave it", Strict(), tenant("xn--abc", map[string]string{AnnotationNamePrefix: "xnabc-"}), nil, "xnabc-", "", "", ""},
		{"an existing namespace's annotated prefix", Strict(), tenant("team", map[string]string{AnnotationNamePrefix: "team-"}),
			[]*corev1.Namespace{tenant("team-a", map[string]string{AnnotationNamePrefix: "team-a-"})}, "team-a-x-",
			"", "spec.namePrefix", `namePrefix team-a-x- falls under the name prefix "team-a-" of namespace team-a`},
		{"the former default: the longest prefix of the namespaces that exist wins", legacy, tenant("team", nil),
			[]*corev1.Namespace{tenant("team-a", nil)}, "team-a-x-", "", "spec.namePrefix", `of namespace team-a`},
		{"... and the longer namespace keeps its own", legacy, tenant("team-a", nil),
			[]*corev1.Namespace{tenant("team", nil)}, "team-a-", "", "", ""},
		{"... but cannot keep a namespace that does not exist yet", legacy, tenant("team", nil), nil, "team-a-x-", "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := stackIn(t, tc.ns.Name, tc.prefix)
			if tc.stackName != "" {
				s.Name = tc.stackName
			}
			refusal(t, tc.policy.Check(s, tc.ns, tc.others...), tc.at, tc.inMsg)
		})
	}
}

// A role ARN is compared with the allowlist as IAM resolves it (path and
// name apart), and a stack runs as no role under another namespace's prefix.
func TestRoles(t *testing.T) {
	cases := []struct {
		name     string
		patterns string // the namespace's allowed-role-arns ("": the tenant's)
		others   []*corev1.Namespace
		nsExtra  map[string]string
		role     string
		inMsg    string // "" admitted
	}{
		{"the namespace's own role", "", nil, nil, "arn:aws:iam::" + account + ":role/team-a--orders", ""},
		{"a role whose name is another, behind a path that looks like the prefix", "", nil, nil,
			"arn:aws:iam::" + account + ":role/team-a--x/evil", `role "arn:aws:iam::111111111111:role/team-a--x/evil" is not one the platform allows`},
		{"a role of the namespace's path", "arn:aws:iam::" + account + ":role/tenants/team-a/*", nil, nil,
			"arn:aws:iam::" + account + ":role/tenants/team-a/worker", ""},
		{"a role below the namespace's path", "arn:aws:iam::" + account + ":role/tenants/team-a/*", nil, nil,
			"arn:aws:iam::" + account + ":role/tenants/team-a/deeper/worker", "is not one the platform allows"},
		{"any path, said so", "arn:aws:iam::" + account + ":*", nil, nil, "arn:aws:iam::" + account + ":role/a/b/worker", ""},
		{"another team's generated role under a broad pattern", "arn:aws:iam::" + account + ":*", nil, nil,
			"arn:aws:iam::" + account + ":role/team-b--event-order-processor-role", `falls under the name prefix "team-b--" of namespace team-b`},
		{"a prefix-looking namespace taking team-a's role", "arn:aws:iam::" + account + ":role/{namespace}-*", nil, map[string]string{AnnotationNamePrefix: "team-a-"},
			"arn:aws:iam::" + account + ":role/team-a-b--orders-role", `of namespace team-a-b`},
		{"an existing namespace's longer annotated prefix", "arn:aws:iam::" + account + ":*",
			[]*corev1.Namespace{tenant("team-a-b", map[string]string{AnnotationNamePrefix: "team-a-b-"})}, map[string]string{AnnotationNamePrefix: "team-a-"},
			"arn:aws:iam::" + account + ":role/team-a-b-orders-role", `"team-a-b-" of namespace team-a-b`},
		{"not a role", "*", nil, nil, "arn:aws:iam::" + account + ":user/team-a--x", "is not an IAM role ARN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			extra := map[string]string{}
			for k, v := range tc.nsExtra {
				extra[k] = v
			}
			if tc.patterns != "" {
				extra[AnnotationAllowedRoleARNs] = tc.patterns
			}
			ns := tenant("team-a", extra)
			prefix := "team-a--"
			if p, ok := tc.nsExtra[AnnotationNamePrefix]; ok {
				prefix = p
			}
			for _, where := range []string{"function", "workflow", "credentials"} {
				s := stackIn(t, "team-a", prefix)
				at := "spec.functions[0].roleARN"
				switch where {
				case "function":
					s.Spec.Functions[0].RoleARN = tc.role
				case "workflow":
					s.Spec.Workflows[0].RoleARN = tc.role
					at = "spec.workflows[0].roleARN"
				case "credentials":
					s.Spec.Workflows[0].Definition = credentials(`"RoleArn": "` + tc.role + `"`)
					at = "spec.workflows[0].definition"
				}
				if tc.inMsg == "" {
					at = ""
				}
				t.Run(where, func(t *testing.T) { refusal(t, Strict().Check(s, ns, tc.others...), at, tc.inMsg) })
			}
		})
	}
}

func TestMatchRole(t *testing.T) {
	for _, c := range []struct {
		pattern, arn string
		want         bool
	}{
		{"arn:aws:iam::*:role/team-a--*", "arn:aws:iam::111111111111:role/team-a--orders", true},
		{"arn:aws:iam::*:role/team-a--*", "arn:aws:iam::111111111111:role/team-a--x/evil", false},
		{"arn:aws:iam::*:role/*", "arn:aws:iam::111111111111:role/path/x", false},
		{"arn:aws:iam::*:role/*/*", "arn:aws:iam::111111111111:role/a/b/x", true},
		{"arn:aws:iam::*:role/service-role/*", "arn:aws:iam::111111111111:role/service-role/x", true},
		{"arn:aws:iam::111111111111:*", "arn:aws:iam::111111111111:role/a/x", true},
		{"arn:aws:iam::111111111111:*", "arn:aws:iam::222222222222:role/x", false},
		{"arn:aws:iam::*:role/x", "arn:aws:iam::111111111111:user/x", false},
		{"*", "not an arn", false},
	} {
		if got := MatchRole(c.pattern, c.arn); got != c.want {
			t.Errorf("MatchRole(%q, %q) = %v", c.pattern, c.arn, got)
		}
	}
	r, ok := ParseRoleARN("arn:aws-cn:iam::111111111111:role/a/b/name")
	if !ok || r != (RoleARN{Partition: "aws-cn", Account: "111111111111", Path: "/a/b/", Name: "name"}) {
		t.Errorf("ParseRoleARN: %+v %v", r, ok)
	}
}

// Under the strict policy every ARN the operator derives is in the
// namespace's account: spec.adoption.accountID may name no other.
func TestAdoptionAccount(t *testing.T) {
	for _, c := range []struct {
		name   string
		policy Policy
		id     string
		at     string
	}{
		{"another account", Strict(), "222222222222", "spec.adoption.accountID"},
		{"the namespace's", Strict(), account, ""},
		{"open", Open(), "222222222222", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := stackIn(t, "team-a", "team-a--")
			s.Spec.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionNone, AccountID: c.id}
			refusal(t, c.policy.Check(s, tenant("team-a", nil)), c.at, "account 222222222222 is not namespace team-a's account 111111111111")
		})
	}
}

// definition is a one-state workflow.
func definition(state string) string {
	return `{"StartAt":"A","States":{"A":` + state + `}}`
}

func task(resource, args string) string {
	return definition(`{"Type":"Task","Resource":"` + resource + `"` + args + `,"End":true}`)
}

func credentials(c string) string {
	return definition(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"${function:event-order-processor}"},` +
		`"Credentials":{` + c + `},"End":true}`)
}

// distributed is a Distributed Map state with an ItemReader and a ResultWriter.
func distributed(reader, writer string) string {
	m := `{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	if reader != "" {
		m += `,"ItemReader":` + reader
	}
	if writer != "" {
		m += `,"ResultWriter":` + writer
	}
	return definition(m + `,"End":true}`)
}

// Where the platform does not allow calls outside the stack, a workflow
// calls only what its definition names as the stack's own components, reads
// and writes only the data buckets the platform allows, and names no target
// at run time; the roles its tasks run as are bound by the role allowlist
// whatever the mode.
func TestWorkflowTargets(t *testing.T) {
	const fn = `"FunctionName":`
	invoke := func(params string) string {
		return task("arn:aws:states:::lambda:invoke", `,"Parameters":{`+params+`}`)
	}
	jsonata := func(args string) string {
		return `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":` + args + `,"End":true}}}`
	}
	reader := func(resource, args string) string {
		return `{"Resource":"arn:aws:states:::s3:` + resource + `","ReaderConfig":{"InputType":"JSON"},"Parameters":{` + args + `}}`
	}
	writer := func(args string) string {
		return `{"Resource":"arn:aws:states:::s3:putObject","Parameters":{` + args + `}}`
	}
	cases := []struct {
		name, def string
		external  bool   // the namespace allows external calls
		inMsg     string // "" admitted
	}{
		{"the seed's saga", "", false, ""},
		{"a function reference as Resource, with a qualifier", task("${function:event-order-processor.arn}:live", ""), false, ""},
		{"lambda:invoke of a version of its own function", invoke(fn + `"${function:event-order-processor}:$LATEST"`), false, ""},
		{"a Resource chosen by JSONata", task("{% $states.input.fn %}", ""), false,
			"state A calls the Resource given at run time ({% $states.input.fn %})"},
		{"a FunctionName chosen by JSONata", jsonata(`{"FunctionName":"{% $states.input.fn %}"}`), false,
			"lambda:invoke of the FunctionName given at run time (Arguments.FunctionName: {% $states.input.fn %})"},
		{"a JSONata expression that holds a reference but picks another", jsonata(`{"FunctionName":"{% $states.input.fn ? $states.input.fn : '${function:event-order-processor}' %}"}`), false,
			"lambda:invoke of the FunctionName given at run time"},
		{"Arguments as one expression", jsonata(`"{% {'FunctionName': $states.input.fn} %}"`), false, "its Arguments are one expression"},
		{"a FunctionName path", invoke(`"FunctionName.$":"$.fn"`), false, "lambda:invoke of the FunctionName given at run time (Parameters.FunctionName.$: $.fn)"},
		{"a FunctionName written both ways", invoke(fn + `"${function:event-order-processor}","FunctionName.$":"$.fn"`), false, "given at run time"},
		{"no Parameters: the input names the function", task("arn:aws:states:::lambda:invoke", ""), false, "they are the state's input"},
		{"a reference inside other text", invoke(fn + `"${function:event-order-processor.name}-other"`), false,
			"lambda:invoke of ${function:event-order-processor.name}-other"},
		{"a reference of another kind", task("arn:aws:states:::dynamodb:putItem", `,"Parameters":{"TableName":"${queue:order-queue.name}","Item":{}}`), false,
			"dynamodb:putItem of ${queue:order-queue.name}"},
		{"a TableName path", task("arn:aws:states:::dynamodb:putItem", `,"Parameters":{"TableName.$":"$.table","Item":{}}`), false,
			"dynamodb:putItem of the TableName given at run time"},
		{"a StateMachineArn path", task("arn:aws:states:::states:startExecution", `,"Parameters":{"StateMachineArn.$":"$.sm"}`), false,
			"state A calls states:startExecution, which is not a component of this stack"},
		{"sns:publish to a TargetArn besides its topic", task("arn:aws:states:::sns:publish", `,"Parameters":{"TopicArn":"${topic:event-notifications}","TargetArn":"arn:aws:sns:us-east-1:999999999999:theirs","Message":"x"}`), false,
			"sns:publish to the TargetArn arn:aws:sns:us-east-1:999999999999:theirs"},
		{"items from the namespace's data bucket, results to it", distributed(reader("getObject", `"Bucket":"team-a-data","Key":"in.json"`), writer(`"Bucket":"team-a-data","Prefix":"out"`)), false, ""},
		{"items listed from the namespace's data bucket", distributed(reader("listObjectsV2", `"Bucket":"team-a-data"`), `{"WriterConfig":{"OutputType":"JSON","Transformation":"NONE"}}`), false, ""},
		{"items from another bucket", distributed(reader("getObject", `"Bucket":"team-b-data","Key":"in.json"`), ""), false,
			`state A's ItemReader: data bucket "team-b-data" is not one the platform allows in namespace team-a`},
		{"items from a bucket given at run time", distributed(reader("listObjectsV2", `"Bucket.$":"$.bucket"`), ""), false,
			"state A reads its items in the Bucket given at run time (ItemReader.Parameters.Bucket.$: $.bucket)"},
		{"items from a bucket JSONata picks", distributed(`{"Resource":"arn:aws:states:::s3:getObject","Arguments":{"Bucket":"{% $states.input.b %}","Key":"k"}}`, ""), false,
			"in the Bucket given at run time (ItemReader.Arguments.Bucket: {% $states.input.b %})"},
		{"items from the objects a manifest lists", distributed(`{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"MANIFEST","ManifestType":"ATHENA_DATA"},"Parameters":{"Bucket":"team-a-data","Key":"m"}}`, ""), false,
			"from the objects a manifest lists"},
		{"items through an SDK integration", distributed(`{"Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"team-a-data","Key":"k"}}`, ""), false,
			"which is not an S3 integration of a Distributed Map"},
		{"results to another bucket", distributed("", writer(`"Bucket":"team-b-data","Prefix":"out"`)), false, `state A's ResultWriter: data bucket "team-b-data"`},
		{"results to a bucket given at run time", distributed("", writer(`"Bucket.$":"$.b"`)), false, "state A writes its results in the Bucket given at run time"},
		{"a Distributed Map inside a Parallel branch", definition(`{"Type":"Parallel","Branches":[` + strings.TrimSuffix(strings.Replace(
			distributed(reader("getObject", `"Bucket":"team-b-data","Key":"k"`), ""), `"StartAt":"A","States":{"A":`, `"StartAt":"B","States":{"B":`, 1), "") + `],"End":true}`), false,
			`state B's ItemReader: data bucket "team-b-data"`},
		{"a run-time target where the platform allows external calls", invoke(`"FunctionName.$":"$.fn"`), true, ""},
		{"a bucket of any name where the platform allows external calls", distributed(reader("getObject", `"Bucket":"team-b-data","Key":"k"`), ""), true, ""},
		{"a task running as the namespace's role", credentials(`"RoleArn":"arn:aws:iam::111111111111:role/team-a--reader"`), false, ""},
		{"a task running as a role of another team", credentials(`"RoleArn":"arn:aws:iam::111111111111:role/team-b--reader"`), true,
			`state A's Credentials.RoleArn: role "arn:aws:iam::111111111111:role/team-b--reader" is not one the platform allows`},
		{"a task running as a role given at run time", credentials(`"RoleArn.$":"$.role"`), true,
			"state A's Credentials.RoleArn.$: the role is given at run time ($.role)"},
		{"a task running as a role JSONata picks", credentials(`"RoleArn":"{% $states.input.role %}"`), true, "the role is given at run time"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := stackIn(t, "team-a", "team-a--")
			if tc.def != "" {
				s.Spec.Workflows[0].Definition = tc.def
			}
			extra := map[string]string{}
			if tc.external {
				extra[AnnotationAllowExternalCalls] = "true"
			}
			at := "spec.workflows[0].definition"
			if tc.inMsg == "" {
				at = ""
			}
			refusal(t, Strict().Check(s, tenant("team-a", extra)), at, tc.inMsg)
		})
	}
	// Where any data bucket is allowed (--allowed-data-buckets=*), a bucket
	// given at run time is too; a reader of another kind is still a call
	// outside the stack.
	anyBucket := Strict()
	anyBucket.DataBuckets = ParseAllowlist("*")
	for _, c := range []struct{ def, inMsg string }{
		{distributed(reader("listObjectsV2", `"Bucket.$":"$.bucket"`), ""), ""},
		{distributed(`{"Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"b","Key":"k"}}`, ""), "which is not an S3 integration of a Distributed Map"},
	} {
		s := stackIn(t, "team-a", "team-a--")
		s.Spec.Workflows[0].Definition = c.def
		at := "spec.workflows[0].definition"
		if c.inMsg == "" {
			at = ""
		}
		refusal(t, anyBucket.Check(s, tenant("team-a", nil)), at, c.inMsg)
	}
}

// A stack does not run as a role the operator generates for a stack of
// another namespace in the role's account, whatever the allowlists and
// prefixes allow.
func TestGeneratedRolesOfOtherNamespaces(t *testing.T) {
	scheme := testScheme(t)
	theirs := stackIn(t, "platform", "shared-")
	theirs.UID, theirs.CreationTimestamp = types.UID("theirs"), metav1.Now()
	broad := map[string]string{AnnotationAllowedRoleARNs: "arn:aws:iam::*:*"}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: DefaultACKSystemNamespace, Name: RoleAccountMap},
		Data: map[string]string{account: "arn:aws:iam::" + account + ":role/eventstack", "222222222222": "arn:aws:iam::222222222222:role/eventstack"}}
	for _, c := range []struct {
		name, platformAccount, roleAccount string
		refused                            bool
	}{
		{"in the same account", account, account, true},
		{"in an account the operator cannot tell", "", account, true},
		{"a role of the same name in another account", "222222222222", account, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			platform := namespace("platform", map[string]string{AnnotationOwnerAccountID: c.platformAccount, AnnotationNamePrefix: ""}, nil)
			reader := fake.NewClientBuilder().WithScheme(scheme).WithObjects(tenant("team-a", broad), platform, theirs.DeepCopy(), cm).Build()
			g := &Guard{Policy: Strict(), Reader: reader, Names: indexOf(theirs)}
			s := stackIn(t, "team-a", "team-a--")
			s.Spec.Functions[0].RoleARN = "arn:aws:iam::" + c.roleAccount + ":role/shared-event-order-processor-role"
			v, err := g.Check(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			if !c.refused {
				refusal(t, v.Forbidden, "", "")
				return
			}
			refusal(t, v.Forbidden, "spec.functions[0].roleARN", "is the role the operator generates for stack platform/event-driven-stack")
		})
	}
}

// The guard lists the namespaces, so a prefix an existing namespace was
// given keeps others out.
func TestGuardKnowsTheNamespaces(t *testing.T) {
	scheme := testScheme(t)
	reader := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		tenant("team", map[string]string{AnnotationNamePrefix: "team-"}),
		tenant("team-a", map[string]string{AnnotationNamePrefix: "team-a-"})).Build()
	g := &Guard{Policy: Strict(), Reader: reader, Names: indexOf()}
	v, err := g.Check(context.Background(), stackIn(t, "team", "team-a-x-"))
	if err != nil {
		t.Fatal(err)
	}
	refusal(t, v.Forbidden, "spec.namePrefix", `falls under the name prefix "team-a-" of namespace team-a`)
}

// A namespace created a moment before its stack (Argo CD's
// CreateNamespace=true, a script's kubectl create ns && kubectl apply) may not
// be in the cache yet: the guard reads it from the API server instead of
// refusing the stack.
func TestNamespaceTheCacheHasNotShownYet(t *testing.T) {
	scheme := testScheme(t)
	cache := fake.NewClientBuilder().WithScheme(scheme).Build()
	live := fake.NewClientBuilder().WithScheme(scheme).WithObjects(tenant("team-a", nil)).Build()

	g := &Guard{Policy: Strict(), Reader: cache, LiveReader: live, Names: indexOf()}
	v, err := g.Check(context.Background(), stackIn(t, "team-a", "team-a--"))
	if err != nil {
		t.Fatalf("a namespace the API server has: %v", err)
	}
	refusal(t, v.Forbidden, "", "")
	if _, err := g.Account(context.Background(), "team-a"); err != nil && strings.Contains(err.Error(), "reading namespace") {
		t.Fatalf("account of a namespace the API server has: %v", err)
	}

	g.LiveReader = fake.NewClientBuilder().WithScheme(scheme).Build()
	if _, err := g.Check(context.Background(), stackIn(t, "team-a", "team-a--")); err == nil || !strings.Contains(err.Error(), "reading namespace team-a") {
		t.Fatalf("a namespace neither has: %v", err)
	}
}

// indexOf is the name index of the given stacks.
func indexOf(stacks ...*v1alpha1.EventDrivenStack) *NameIndex {
	x := NewNameIndex()
	for _, s := range stacks {
		x.Set(s)
	}
	return x
}

// testScheme knows the built-in kinds and the stacks.
func testScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return scheme
}
