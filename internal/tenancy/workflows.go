package tenancy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/eventstack-io/eventstack-operator/internal/asl"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// A workflow may call, where the platform does not allow calls outside the
// stack, only what the definition names literally as one of the stack's own
// components: a function reference as a Task's Resource, or an optimised
// integration whose target field is exactly one reference of the right kind.
// Anything named at run time (a .$ field, a JSONata expression, arguments
// taken from the state's input) could be any resource, so it is outside the
// stack; so is a reference inside other text ("${function:x}-other", or
// inside an expression that picks something else).
//
// A Distributed Map's ItemReader and ResultWriter read and write S3, which
// is never a component of the stack: their buckets must be written literally
// and be data buckets the platform allows. Data buckets are a list of their
// own, not the code buckets: a workflow that could write to a code bucket
// could replace the code of every function deployed from it.
//
// The roles a task runs as (Credentials.RoleArn) are bound by the role
// allowlist as a function's roleARN is, wherever external calls are allowed
// or not, and may not be named at run time where the list is restricted.

// ownIntegration is an optimised integration that may call one of the
// stack's components: the field naming it, its kind, and other fields that
// would name another target instead.
type ownIntegration struct {
	key    string
	kind   refs.Kind
	others []string
}

var ownIntegrations = map[string]ownIntegration{
	"lambda:invoke":       {key: "FunctionName", kind: refs.Function},
	"dynamodb:getItem":    {key: "TableName", kind: refs.Table},
	"dynamodb:putItem":    {key: "TableName", kind: refs.Table},
	"dynamodb:updateItem": {key: "TableName", kind: refs.Table},
	"dynamodb:deleteItem": {key: "TableName", kind: refs.Table},
	"sns:publish":         {key: "TopicArn", kind: refs.Topic, others: []string{"TargetArn", "PhoneNumber"}},
	"sqs:sendMessage":     {key: "QueueUrl", kind: refs.Queue},
}

// The S3 integrations of a Distributed Map.
var (
	itemReaders  = map[string]bool{"s3:getObject": true, "s3:listObjectsV2": true}
	resultWriter = "s3:putObject"
)

// integrationPattern is a service integration's Resource.
var integrationPattern = regexp.MustCompile(`^arn:aws[a-z-]*:states:::(.+)$`)

// integration is the integration a Resource names, without .sync or
// .waitForTaskToken; "" when it names none.
func integration(resource string) string {
	m := integrationPattern.FindStringSubmatch(resource)
	if m == nil {
		return ""
	}
	i := m[1]
	for _, suffix := range []string{".waitForTaskToken", ".sync:2", ".sync"} {
		i = strings.TrimSuffix(i, suffix)
	}
	return i
}

// qualifier is what may follow a function reference: a version or alias
// of the same function.
var qualifier = regexp.MustCompile(`^:(\$LATEST|[A-Za-z0-9_-]+)$`)

// isOwn reports whether text is exactly one reference to a component of the
// kind (a function's followed by a qualifier, optionally).
func isOwn(text string, kind refs.Kind) bool {
	end := strings.Index(text, "}")
	if !strings.HasPrefix(text, "${") || end < 0 {
		return false
	}
	r, err := refs.Parse(text[:end+1])
	if err != nil || r.Kind != kind {
		return false
	}
	rest := text[end+1:]
	return rest == "" || (kind == refs.Function && qualifier.MatchString(rest))
}

// externalCall says what a Task calls when it is not one of the stack's
// components; "" when it is.
func externalCall(c asl.Call) string {
	res := c.Resource
	if res.RunTime {
		return fmt.Sprintf("the Resource given at run time (%s)", res.Text)
	}
	if isOwn(res.Text, refs.Function) {
		return ""
	}
	name := integration(res.Text)
	own, ok := ownIntegrations[name]
	switch {
	case name == "":
		return res.Text
	case !ok:
		return name
	case c.ArgsAtRunTime:
		return fmt.Sprintf("%s of the %s given at run time (%s)", name, own.key, argsAtRunTime(c))
	}
	v, ok := c.Args[own.key]
	switch {
	case !ok:
		return fmt.Sprintf("%s without a %s", name, own.key)
	case v.RunTime:
		return fmt.Sprintf("%s of the %s given at run time (%s.%s: %s)", name, own.key, c.ArgsField, v.Field, v.Text)
	case !isOwn(v.Text, own.kind):
		return fmt.Sprintf("%s of %s", name, v.Text)
	}
	for _, k := range own.others {
		if o, ok := c.Args[k]; ok {
			return fmt.Sprintf("%s to the %s %s", name, k, o.Text)
		}
	}
	return ""
}

// argsAtRunTime says why a call's arguments are given at run time.
func argsAtRunTime(c asl.Call) string {
	if c.ArgsField == "" {
		return "it has no Parameters or Arguments: they are the state's input"
	}
	return "its " + c.ArgsField + " are one expression"
}

// dataAccess checks a Map's ItemReader or ResultWriter: it returns why it is
// outside what the platform allows, or the bucket to check against the data
// buckets. bucketOnly: what is refused is only that the bucket is not
// written literally (or a manifest names others), which data buckets that
// allow any bucket allow.
func dataAccess(c asl.Call) (refused, bucket string, bucketOnly bool) {
	verb := "reads its items"
	if c.In == "ResultWriter" {
		verb = "writes its results"
	}
	res := c.Resource
	if res.RunTime {
		return fmt.Sprintf("state %s %s with the %s.Resource given at run time (%s)", c.State, verb, c.In, res.Text), "", false
	}
	name := integration(res.Text)
	if (c.In == "ItemReader" && !itemReaders[name]) || (c.In == "ResultWriter" && name != resultWriter) {
		return fmt.Sprintf("state %s %s with %s, which is not an S3 integration of a Distributed Map", c.State, verb, res.Text), "", false
	}
	for _, k := range []string{"InputType", "ManifestType"} {
		if v, ok := c.ReaderConfig[k]; ok && (v.RunTime || k == "ManifestType" || v.Text == "MANIFEST") {
			return fmt.Sprintf("state %s %s from the objects a manifest lists (%s.ReaderConfig.%s: %s): "+
				"their buckets are named by the manifest, not the definition", c.State, verb, c.In, v.Field, v.Text), "", true
		}
	}
	if v, ok := c.ReaderConfig["ReaderConfig"]; ok {
		return fmt.Sprintf("state %s %s with a ReaderConfig given at run time (%s)", c.State, verb, v.Text), "", true
	}
	if c.ArgsAtRunTime {
		return fmt.Sprintf("state %s %s in the Bucket given at run time (%s)", c.State, verb, argsAtRunTime(c)), "", true
	}
	b, ok := c.Args["Bucket"]
	switch {
	case !ok:
		return fmt.Sprintf("state %s %s without a %s.%s.Bucket", c.State, verb, c.In, c.ArgsField), "", true
	case b.RunTime:
		return fmt.Sprintf("state %s %s in the Bucket given at run time (%s.%s.%s: %s)", c.State, verb, c.In, c.ArgsField, b.Field, b.Text), "", true
	}
	return "", b.Text, false
}
