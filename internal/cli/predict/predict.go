// Package predict tells, offline, the ARNs and URLs that AWS gives a stack's
// resources, so that a stack renders completely without a cluster: children
// that wait for another's ARN (a queue for its dead-letter queue's, a function
// for its role's) can be printed as the operator will apply them once ACK
// reported.
//
// The formats are AWS's own, from a region and an account; the partition
// follows the region (cn-… is aws-cn, us-gov-… is aws-us-gov). Subscriptions
// and event source mappings get an id from AWS that nobody can predict: they
// get a stable placeholder, derived from the child's name.
package predict

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// PlaceholderAccount is the account of the predicted ARNs when none is given.
const PlaceholderAccount = "000000000000"

var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

// Predictor predicts identifiers in one region and account.
type Predictor struct {
	Region    string
	AccountID string
}

// New returns a predictor for a region and a 12-digit account.
func New(region, accountID string) (Predictor, error) {
	if !accountRE.MatchString(accountID) {
		return Predictor{}, fmt.Errorf("account id %q: want 12 digits", accountID)
	}
	if region == "" {
		return Predictor{}, fmt.Errorf("no region")
	}
	return Predictor{Region: region, AccountID: accountID}, nil
}

// Partition is the AWS partition of the region.
func (p Predictor) Partition() string { return arns.Partition(p.Region) }

func (p Predictor) scope() arns.Scope { return arns.Scope{Region: p.Region, Account: p.AccountID} }

// ARN is the ARN AWS gives the resource of an ACK child (its kind's
// ack.Kind.ARN, with a placeholder for an id AWS generates); "" for a kind
// it does not know.
func (p Predictor) ARN(obj ack.Object) string {
	k := ack.KindOf(obj)
	if k == nil {
		return ""
	}
	return k.ARN(obj, p.scope(), placeholderID(obj))
}

// QueueURL is the URL SQS gives a queue.
func (p Predictor) QueueURL(q *ack.Queue) string {
	return p.scope().QueueURL(ptr.Deref(q.Spec.QueueName, ""))
}

// LogGroupARN is the ARN of a log group, as Step Functions takes it (":*").
func (p Predictor) LogGroupARN(name string) string { return p.scope().LogGroup(name) }

// EventBusARN is the ARN of a custom event bus, by its name in AWS.
func (p Predictor) EventBusARN(bus string) string { return p.scope().EventBus(bus) }

// RuleARN is the ARN of a rule on a custom event bus, by their names in AWS.
func (p Predictor) RuleARN(bus, rule string) string { return p.scope().Rule(bus, rule) }

// placeholderID is a stable UUID-shaped id for a resource whose id AWS
// generates: the same child always gets the same one.
func placeholderID(obj ack.Object) string {
	sum := sha256.Sum256([]byte(obj.GetObjectKind().GroupVersionKind().Kind + "/" + obj.GetName()))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// PredictedStreamSuffix ends the predicted ARN of a table's stream: the
// table's ARN, /stream/ and a label DynamoDB sets when the stream is made.
const PredictedStreamSuffix = "/stream/1970-01-01T00:00:00.000"

// Resolve returns what ACK and EventBridge would report for a stack once all
// its resources exist: the ARN of every child, bus and rule, and every
// queue's URL, as render.Observed. It renders the stack with the operator's
// own builders, records the predicted ARNs of what they could build, and
// renders again, until no child waits for a value, nor lacks one for its
// access policy. A stack whose children wait on each other in a cycle never
// gets there: that is an error naming them.
func Resolve(stack *v1alpha1.EventDrivenStack, p Predictor) (render.Observed, error) {
	return resolve(stack, p)
}

// ResolveIn is Resolve with the predictor of the stack's region and the
// given account.
func ResolveIn(stack *v1alpha1.EventDrivenStack, accountID string) (render.Observed, error) {
	p, err := New(stack.Spec.Region, accountID)
	if err != nil {
		return render.Observed{}, err
	}
	return resolve(stack, p)
}

func resolve(stack *v1alpha1.EventDrivenStack, p Predictor) (render.Observed, error) {
	// An adopting stack's mappings are looked up in Lambda by the operator:
	// offline, none is taken to exist (each would be created).
	obs := render.Observed{ARNs: map[string]string{}, URLs: map[string]string{}, MappingUUIDs: render.NoExistingMappings(stack),
		Account: p.AccountID}
	// The operator learns the bus's and the rules' ARNs from EventBridge:
	// they wait for nothing, and the names are the builder's own.
	routing, err := render.BuildRouting(stack, obs)
	if err != nil {
		return obs, err
	}
	// The operator creates the log groups of the workflows that log.
	for _, lg := range render.LogGroups(stack) {
		obs.ARNs[lg.Component()] = p.LogGroupARN(lg.Name)
	}
	if routing.Bus != nil {
		bus := ptr.Deref(routing.Bus.Name, "")
		obs.ARNs[render.EventBusKey(stack.Spec.EventBus.Name)] = p.EventBusARN(bus)
		for _, r := range routing.Rules {
			obs.ARNs[r.Component] = p.RuleARN(bus, r.Name)
		}
	}
	// Each round builds at least one more child of a dependency chain, so
	// there are never more rounds than children.
	for round := 0; ; round++ {
		res, err := render.Render(stack, obs)
		if err != nil {
			return obs, err
		}
		var waiting []string
		for _, c := range res.Children {
			if c.Object == nil || len(c.Partial) > 0 {
				waiting = append(waiting, fmt.Sprintf("%s %s waits for %v", c.Kind, c.Name, slices.Concat(c.Needs, c.Partial)))
			}
			if c.Object == nil {
				continue
			}
			obs.ARNs[c.Component] = p.ARN(c.Object)
			if q, ok := c.Object.(*ack.Queue); ok {
				obs.URLs[c.Component] = p.QueueURL(q)
			}
			if t, ok := c.Object.(*ack.Table); ok && t.Spec.StreamSpecification != nil {
				// A stream consumer reads the stream ARN from the table's
				// status; DynamoDB's label is the stream's creation time,
				// which no prediction knows: a fixed one stands in.
				reported := &ack.Table{}
				reported.Status.LatestStreamARN = ptr.To(p.ARN(c.Object) + PredictedStreamSuffix)
				if obs.Children == nil {
					obs.Children = map[string]ack.Object{}
				}
				obs.Children[c.Component] = reported
			}
		}
		if len(waiting) == 0 {
			return obs, nil
		}
		if round > len(res.Children) {
			return obs, fmt.Errorf("the stack does not resolve: %s", strings.Join(waiting, "; "))
		}
	}
}
