package render_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/asl"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

// This file checks every IAM policy the operator generates against IAM's
// policy grammar (IAM User Guide, "IAM JSON policy element reference" and
// "IAM and AWS STS quotas"), for a stack that has every component kind and
// a workflow calling every kind of Task resource admission accepts, and for
// the seed. A policy IAM refuses (MalformedPolicyDocument) fails in ACK's
// iam controller, which retries it for ever, and the role, then everything
// that needs it, never comes.

// iamServices are the service prefixes of the actions the operator grants:
// an action of another prefix would be a typo IAM does not catch (it takes
// unknown actions) and that grants nothing.
var iamServices = []string{"dynamodb", "events", "kms", "lambda", "logs", "sns", "sqs", "states", "sts", "xray"}

var (
	sidPattern    = regexp.MustCompile(`^[0-9A-Za-z]*$`)
	actionPattern = regexp.MustCompile(`^(\*|([a-z0-9-]+):([A-Za-z0-9*?]+))$`)
	// iamARN is arn:partition:service:region:account:resource, with the
	// wildcards IAM allows in a policy's Resource.
	iamARN = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):([a-z0-9-]+):([a-z0-9-]*|\*):([0-9]{12}|\*|):(.+)$`)
)

// IAM's quotas: an inline policy (all of a role's inline policies together)
// and a role's trust policy, in characters without whitespace.
const (
	maxInlinePolicy = 10240
	maxTrustPolicy  = 2048
)

// policyProblems lists what IAM's grammar refuses in a policy document: an
// identity policy (trust false) or a role's trust policy (trust true).
func policyProblems(doc string, trust bool) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(doc)); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	limit := maxInlinePolicy
	if trust {
		limit = maxTrustPolicy
	}
	if compact.Len() > limit {
		bad("%d characters, more than IAM's %d", compact.Len(), limit)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &top); err != nil {
		return []string{"not a JSON object"}
	}
	for k := range top {
		if k != "Version" && k != "Id" && k != "Statement" {
			bad("unknown element %s", k)
		}
	}
	var version string
	if json.Unmarshal(top["Version"], &version) != nil || version != "2012-10-17" {
		bad("Version %s, want 2012-10-17 (policy variables and current grammar)", top["Version"])
	}
	var statements []map[string]json.RawMessage
	if json.Unmarshal(top["Statement"], &statements) != nil || len(statements) == 0 {
		return append(problems, "Statement is not a non-empty list of statements")
	}
	sids := map[string]bool{}
	for i, st := range statements {
		at := fmt.Sprintf("Statement[%d]", i)
		for k := range st {
			if !slices.Contains([]string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}, k) {
				bad("%s: unknown element %s", at, k)
			}
		}
		if raw, ok := st["Sid"]; ok {
			var sid string
			switch {
			case json.Unmarshal(raw, &sid) != nil:
				bad("%s: Sid is not a string", at)
			case !sidPattern.MatchString(sid):
				bad("%s: Sid %q is not alphanumeric ([0-9A-Za-z]*)", at, sid)
			case sid != "" && sids[sid]:
				bad("%s: Sid %q is repeated", at, sid)
			}
			sids[sid] = true
		}
		var effect string
		if json.Unmarshal(st["Effect"], &effect) != nil || (effect != "Allow" && effect != "Deny") {
			bad("%s: Effect %s, want Allow or Deny", at, st["Effect"])
		}
		actions, err := stringOrList(st, "Action", "NotAction")
		switch {
		case err != nil:
			bad("%s: %v", at, err)
		case len(actions) == 0:
			bad("%s: no Action or NotAction", at)
		}
		for _, a := range actions {
			m := actionPattern.FindStringSubmatch(a)
			switch {
			case m == nil:
				bad("%s: action %q is not service:Action", at, a)
			case m[2] != "" && !slices.Contains(iamServices, m[2]):
				bad("%s: action %q has no known service prefix (%s)", at, a, strings.Join(iamServices, ", "))
			case trust && a != "sts:AssumeRole":
				bad("%s: a trust policy allows sts:AssumeRole, not %q", at, a)
			}
		}
		resources, err := stringOrList(st, "Resource", "NotResource")
		if err != nil {
			bad("%s: %v", at, err)
		}
		_, principal := st["Principal"]
		switch {
		case trust && len(resources) > 0:
			bad("%s: a trust policy has no Resource", at)
		case trust && !principal:
			bad("%s: a trust policy names a Principal", at)
		case !trust && principal:
			bad("%s: an identity policy has no Principal", at)
		case !trust && len(resources) == 0:
			bad("%s: no Resource", at)
		}
		for _, r := range resources {
			if r == "*" {
				continue
			}
			if m := iamARN.FindStringSubmatch(r); m == nil {
				bad("%s: resource %q is not an ARN arn:partition:service:region:account:resource, nor *", at, r)
			}
		}
	}
	return problems
}

// stringOrList reads the one of two elements a statement has (Action or
// NotAction, Resource or NotResource): a string or a list of strings.
func stringOrList(st map[string]json.RawMessage, a, b string) ([]string, error) {
	rawA, hasA := st[a]
	rawB, hasB := st[b]
	if hasA && hasB {
		return nil, fmt.Errorf("both %s and %s", a, b)
	}
	raw := rawA
	if hasB {
		raw = rawB
	}
	if raw == nil {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("%s is neither a string nor a list of strings", string(raw))
	}
	return many, nil
}

// The checker itself refuses what IAM refuses.
func TestPolicyGrammarChecker(t *testing.T) {
	ok := `{"Version":"2012-10-17","Statement":[{"Sid":"A1","Effect":"Allow","Action":["lambda:InvokeFunction"],"Resource":["arn:aws:lambda:us-east-1:123456789012:function:f","arn:aws:logs:us-east-1:*:log-group:/aws/lambda/f:*"]}]}`
	if p := policyProblems(ok, false); p != nil {
		t.Fatalf("a valid policy: %v", p)
	}
	for name, doc := range map[string]string{
		"Sid with a colon":       strings.Replace(ok, `"A1"`, `"Tablelambda:InvokeFunction"`, 1),
		"unknown service prefix": strings.Replace(ok, "lambda:InvokeFunction", "none:null", 1),
		"action without prefix":  strings.Replace(ok, "lambda:InvokeFunction", "InvokeFunction", 1),
		"resource not an ARN":    strings.Replace(ok, "arn:aws:lambda:us-east-1:123456789012:function:f", "my-table", 1),
		"no resource":            `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage"}]}`,
		"old version":            strings.Replace(ok, "2012-10-17", "2008-10-17", 1),
		"bad effect":             strings.Replace(ok, `"Allow"`, `"Permit"`, 1),
		"too big":                strings.Replace(ok, `"Resource":[`, `"Resource":["arn:aws:s3:::`+strings.Repeat("x", maxInlinePolicy)+`",`, 1),
	} {
		if policyProblems(doc, false) == nil {
			t.Errorf("%s: accepted %s", name, doc)
		}
	}
}

// everyKindStack has every component kind: a bus and rules (one starting a
// workflow, so the events role), a queue with a dead-letter queue (both
// encrypted with KMS keys, named by key ID and by alias, so the roles get
// KMS statements, one with a condition), an encrypted topic with a
// subscription, a table, functions using them every way, and
// workflows: one calling every kind of Task resource admission accepts, one
// in JSONata, one calling nothing.
const everyKindStack = `
apiVersion: stacks.eventstack.io/v1alpha1
kind: EventDrivenStack
metadata: {name: every-kind, namespace: shop}
spec:
  region: us-east-1
  eventBus: {name: bus}
  rules:
    - name: start
      eventPattern: {source: [shop]}
      targets: [{workflow: every-resource}, {function: worker}]
  queues:
    - name: jobs
      visibilityTimeoutSeconds: 60
      kmsMasterKeyID: 1234abcd-12ab-34cd-56ef-1234567890ab
      deadLetter: {queue: jobs-dlq, maxReceiveCount: 5}
    - name: jobs-dlq
      kmsMasterKeyID: alias/jobs-dlq-key
  topics:
    - name: alerts
      kmsMasterKeyID: arn:aws:kms:us-east-1:123456789012:key/5678abcd-12ab-34cd-56ef-1234567890ab
      subscriptions: [{protocol: sqs, queue: jobs}]
  tables:
    - name: orders
      partitionKey: {name: id, type: S}
  functions:
    - name: worker
      code: {s3Bucket: artifacts, s3Key: worker.zip}
      runtime: provided.al2023
      timeoutSeconds: 10
      tracing: Active
      uses:
        tables: [{name: orders, access: ReadWrite}]
        topics: [{name: alerts}]
        queues: [{name: jobs-dlq}]
      consumes: [{queue: jobs}]
      deadLetterQueue: jobs-dlq
    - name: reader
      code: {s3Bucket: artifacts, s3Key: reader.zip}
      runtime: provided.al2023
      uses:
        tables: [{name: orders, access: Read}]
        queues: [{name: jobs, access: Receive}]
  workflows:
    - name: every-resource
      tracing: true
      logging: {level: ALL}
      definition: '{}'
    - name: jsonata
      definition: '{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:updateItem","Arguments":{"TableName":"${table:orders}","Key":{}},"End":true}}}'
    - name: child
      definition: '{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}'
`

// parameters are the Parameters a Task of that integration gets, naming the
// stack's component the integration calls where there is one.
func parameters(service string, p asl.Pattern) map[string]any {
	out := map[string]any{}
	switch service {
	case "lambda":
		out["FunctionName"] = "${function:worker}"
	case "dynamodb":
		out["TableName"] = "${table:orders}"
	case "sns":
		out["TopicArn"] = "${topic:alerts}"
		out["Message"] = "m"
	case "sqs":
		out["QueueUrl"] = "${queue:jobs}"
		out["MessageBody"] = "m"
	case "states":
		out["StateMachineArn"] = "${workflow:child}"
	case "events":
		out["Entries"] = []any{map[string]any{"EventBusName": "${eventBus:bus}", "Source": "shop", "DetailType": "d", "Detail": map[string]any{}}}
	}
	if p == asl.Callback {
		out["Token.$"] = "$$.Task.Token"
	}
	return out
}

// everyResourceDefinition is a chain of Tasks: every optimized integration
// with every pattern it offers, AWS SDK integrations, a function by
// reference and by literal ARN, an activity.
func everyResourceDefinition(t *testing.T) string {
	type state = map[string]any
	var resources []string
	var params []map[string]any
	for _, in := range asl.OptimizedIntegrations() {
		for _, p := range in.Patterns {
			resources = append(resources, "arn:aws:states:::"+in.Service+":"+in.Action+string(p))
			params = append(params, parameters(in.Service, p))
		}
	}
	for _, r := range []string{"arn:aws:states:::aws-sdk:dynamodb:scan", "arn:aws:states:::aws-sdk:sqs:sendMessage.waitForTaskToken",
		"${function:worker}", "${function:worker.arn}", "arn:aws:lambda:us-east-1:123456789012:function:elsewhere:live",
		"arn:aws:states:us-east-1:123456789012:activity:approve"} {
		resources = append(resources, r)
		params = append(params, nil)
	}
	states := state{}
	for i, r := range resources {
		s := state{"Type": "Task", "Resource": r}
		if params[i] != nil {
			s["Parameters"] = params[i]
		}
		if i == len(resources)-1 {
			s["End"] = true
		} else {
			s["Next"] = fmt.Sprintf("T%03d", i+1)
		}
		states[fmt.Sprintf("T%03d", i)] = s
	}
	b, err := json.Marshal(state{"StartAt": "T000", "States": states})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every policy of every role the operator generates passes IAM's grammar:
// the roles of functions, of workflows (whatever their tasks call) and the
// role EventBridge assumes to start a workflow.
func TestGeneratedPoliciesPassIAMGrammar(t *testing.T) {
	every := &v1alpha1.EventDrivenStack{}
	if err := yaml.UnmarshalStrict([]byte(everyKindStack), every); err != nil {
		t.Fatal(err)
	}
	every.Spec.Workflows[0].Definition = everyResourceDefinition(t)

	// Render must not rely on admission for this. States A and B name
	// components as Resource, which admission refuses; C and D pass it
	// (CreateStateMachine does not look at what a parameter names) and
	// name a component of the wrong kind: C once gave the Sid
	// "Tablelambda:InvokeFunction", which IAM refuses.
	refused := every.DeepCopy()
	refused.Spec.Workflows[0].Definition = `{"StartAt":"A","States":{
	  "A":{"Type":"Task","Resource":"${table:orders}","Next":"B"},
	  "B":{"Type":"Task","Resource":"${queue:jobs.arn}","Next":"C"},
	  "C":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"${table:orders}"},"Next":"D"},
	  "D":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"${topic:alerts}"},"End":true}}}`

	for name, stack := range map[string]*v1alpha1.EventDrivenStack{"every kind": every, "seed": seed.Stack(t, "shop"), "components of the wrong kind": refused} {
		t.Run(name, func(t *testing.T) {
			errs := validation.Validate(stack)
			if name == "components of the wrong kind" && len(errs) != 2 {
				t.Fatalf("admission should refuse states A and B of this stack, got:\n%v", errs.ToAggregate())
			}
			if name != "components of the wrong kind" && len(errs) > 0 {
				t.Fatalf("admission refuses the stack:\n%v", errs.ToAggregate())
			}
			for _, obs := range []render.Observed{{}, {Account: "123456789012"}} {
				res, err := render.Render(stack, obs)
				if err != nil {
					t.Fatal(err)
				}
				roles, kms := 0, false
				for _, c := range res.Children {
					role, ok := c.Object.(*ack.Role)
					if !ok {
						continue
					}
					roles++
					kms = kms || strings.Contains(*role.Spec.InlinePolicies["eventstack"], `"kms:`)
					if p := policyProblems(*role.Spec.AssumeRolePolicyDocument, true); p != nil {
						t.Errorf("%s: trust policy %s:\n  %s", c.Name, *role.Spec.AssumeRolePolicyDocument, strings.Join(p, "\n  "))
					}
					size := 0
					for policy, doc := range role.Spec.InlinePolicies {
						if p := policyProblems(*doc, false); p != nil {
							t.Errorf("%s: inline policy %s %s:\n  %s", c.Name, policy, *doc, strings.Join(p, "\n  "))
						}
						var compact bytes.Buffer
						_ = json.Compact(&compact, []byte(*doc))
						size += compact.Len()
					}
					if size > maxInlinePolicy {
						t.Errorf("%s: %d characters of inline policies, more than IAM's %d per role", c.Name, size, maxInlinePolicy)
					}
				}
				want := 0
				for _, f := range stack.Spec.Functions {
					if f.RoleARN == "" {
						want++
					}
				}
				for _, w := range stack.Spec.Workflows {
					if w.RoleARN == "" {
						want++
					}
				}
				if obs.Account != "" && roles < want {
					t.Errorf("%d roles rendered with the account known, want at least %d", roles, want)
				}
				if name == "every kind" && obs.Account != "" && !kms {
					t.Error("no role has a KMS statement: the encrypted queues and topic are not covered")
				}
			}
		})
	}
}
