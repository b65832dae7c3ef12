package validation

// What Lambda refuses, or cannot do, of a function consuming a DynamoDB
// stream, checked at admission. Each rule and its page are listed in
// aws_constraints.md ("DynamoDB: indexes, KMS key, stream").

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// streamRecordFields are the top-level fields of the DynamoDB stream record
// Lambda filters on (Lambda Developer Guide, "Filtering DynamoDB events").
var streamRecordFields = []string{"awsRegion", "dynamodb", "eventID", "eventName", "eventSource", "eventVersion", "userIdentity"}

// streamConsumers checks each function's stream consumers: the table exists
// and has a stream, the on-failure destination exists, the filters are on
// the stream record's fields.
func (v *validator) streamConsumers(spec *field.Path) {
	tables := map[string]int{}
	for i, t := range v.spec.Tables {
		tables[t.Name] = i
	}
	adopting := v.spec.Adoption != nil && v.spec.Adoption.Policy == v1alpha1.AdoptionAdoptOrCreate
	for i, f := range v.spec.Functions {
		for j, c := range f.Streams {
			p := spec.Child("functions").Index(i).Child("streams").Index(j)
			if adopting {
				// The operator looks existing mappings up by function and
				// queue only (ACK adopts a mapping by UUID): a stream mapping
				// would be created beside an existing one.
				v.errs = append(v.errs, field.Forbidden(p, "a stack that adopts (spec.adoption.policy AdoptOrCreate) cannot have stream consumers yet: the operator finds existing event source mappings of queues only"))
			}
			if k, ok := tables[c.Table]; !ok {
				v.errs = append(v.errs, field.NotFound(p.Child("table"), c.Table))
			} else if v.spec.Tables[k].Stream == nil {
				v.errs = append(v.errs, field.Invalid(p.Child("table"), c.Table, fmt.Sprintf(
					"table %s has no stream: set spec.tables[%d].stream.viewType (Lambda reads a table's changes from its DynamoDB stream)", c.Table, k)))
			}
			if d := c.OnFailure; d != nil {
				op := p.Child("onFailure")
				switch {
				case (d.Queue == "") == (d.Topic == ""):
					v.errs = append(v.errs, field.Invalid(op, "", "onFailure names exactly one of queue or topic"))
				case d.Queue != "":
					v.ref(op.Child("queue"), refs.Queue, d.Queue)
				default:
					v.ref(op.Child("topic"), refs.Topic, d.Topic)
				}
			}
			for k, flt := range c.Filters {
				v.lambdaFilterOn(p.Child("filters").Index(k), flt.Raw, streamRecordFields, "a DynamoDB stream record", "record")
			}
		}
	}
}
