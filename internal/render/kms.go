package render

import (
	"sort"
	"strings"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// What a role needs on the KMS key of an encrypted queue or topic, besides
// the SQS or SNS actions: SQS and SNS call KMS with the caller's credentials.
//   - Sending to a queue, publishing to a topic: kms:GenerateDataKey and
//     kms:Decrypt (SQS Developer Guide, "Key management": "the producer must
//     have kms:GenerateDataKey and kms:Decrypt permissions for the KMS key";
//     SNS Developer Guide, "Data encryption", publishers to an encrypted
//     topic likewise).
//   - Receiving from a queue, as a function or its event source mapping
//     (which acts with the function's role): kms:Decrypt (SQS "Key
//     management": "the consumer must have kms:Decrypt permission").
var (
	kmsProducerActions = []string{"kms:Decrypt", "kms:GenerateDataKey"}
	kmsConsumerActions = []string{"kms:Decrypt"}
)

// keyGrants gathers the KMS actions a role needs, by key, and adds them to a
// policy as one statement per key, in a stable order.
type keyGrants map[keyResource][]string

// keyResource is how a policy names a key: a key ARN, or for an alias every
// key of the alias's account and region with the condition that the key has
// that alias (kms:ResourceAliases). An alias is not the resource of
// kms:Decrypt or kms:GenerateDataKey, so an alias ARN as Resource would grant
// nothing (KMS Developer Guide, "Using aliases to control access to KMS
// keys").
type keyResource struct {
	arn   string
	alias string // "alias/name" when arn is a key/* wildcard
}

// add records actions on the key a queue or topic is encrypted with. ref is
// the queue's or topic's ARN: a key ID or an alias name names a key of its
// account and region (SQS and SNS resolve KmsMasterKeyId there). AWS managed
// keys (alias/aws/sqs, alias/aws/sns) get nothing: their key policies let
// every principal of the account use them through their service.
func (g keyGrants) add(key, ref string, actions []string) {
	if key == "" || ref == "" {
		return
	}
	r, ok := resolveKey(key, ref)
	if !ok {
		return
	}
	g[r] = sortedUnique(append(g[r], actions...))
}

// resolveKey turns a KmsMasterKeyId of any accepted form into the resource a
// policy names, in the region and account of ref (an ARN).
func resolveKey(key, ref string) (keyResource, bool) {
	parts := strings.SplitN(ref, ":", 6)
	if len(parts) < 6 {
		return keyResource{}, false
	}
	partition, region, account := parts[1], parts[3], parts[4]
	base := "arn:" + partition + ":kms:" + region + ":" + account + ":"
	switch {
	case strings.HasPrefix(key, "arn:"):
		k := strings.SplitN(key, ":", 6)
		if len(k) < 6 {
			return keyResource{}, false
		}
		if !strings.HasPrefix(k[5], "alias/") {
			return keyResource{arn: key}, true
		}
		if strings.HasPrefix(k[5], "alias/aws/") {
			return keyResource{}, false
		}
		return keyResource{arn: strings.Join(k[:5], ":") + ":key/*", alias: k[5]}, true
	case strings.HasPrefix(key, "alias/aws/"):
		return keyResource{}, false
	case strings.HasPrefix(key, "alias/"):
		return keyResource{arn: base + "key/*", alias: key}, true
	default:
		return keyResource{arn: base + "key/" + key}, true
	}
}

// addTo adds one statement per key to p, sorted by the key's resource.
func (g keyGrants) addTo(p *PolicyDocument) {
	keys := make([]keyResource, 0, len(g))
	for k := range g {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].arn != keys[j].arn {
			return keys[i].arn < keys[j].arn
		}
		return keys[i].alias < keys[j].alias
	})
	for i, k := range keys {
		st := Statement{Sid: statementID("Keys" + itoa(int32(i))), Effect: "Allow", Action: g[k], Resource: []string{k.arn}}
		if k.alias != "" {
			st.Condition = map[string]map[string]any{"ForAnyValue:StringEquals": {"kms:ResourceAliases": []string{k.alias}}}
		}
		p.Statement = append(p.Statement, st)
	}
}

// queueKey and topicKey are the KMS key a queue or topic of the stack is
// encrypted with ("" for none).
func (b *builder) queueKey(name string) string {
	for _, q := range b.stack.Spec.Queues {
		if q.Name == name {
			return q.KMSMasterKeyID
		}
	}
	return ""
}

func (b *builder) topicKey(name string) string {
	for _, t := range b.stack.Spec.Topics {
		if t.Name == name {
			return t.KMSMasterKeyID
		}
	}
	return ""
}

// functionKeys adds to a function's policy what it needs on the keys of the
// encrypted queues and topics it uses, consumes and sends failed events to.
// It names the queues and topics as the role's other statements do, so it
// waits for nothing they do not.
func (b *builder) functionKeys(n *needs, p *PolicyDocument, f v1alpha1.Function) {
	g := keyGrants{}
	queue := func(name string, actions []string) {
		if key := b.queueKey(name); key != "" {
			if arn, ok := b.named(n, refs.Queue, name); ok {
				g.add(key, arn, actions)
			}
		}
	}
	topic := func(name string) {
		if key := b.topicKey(name); key != "" {
			if arn, ok := b.named(n, refs.Topic, name); ok {
				g.add(key, arn, kmsProducerActions)
			}
		}
	}
	if u := f.Uses; u != nil {
		for _, t := range u.Topics {
			topic(t.Name)
		}
		for _, q := range u.Queues {
			if q.Access == v1alpha1.QueueReceive {
				queue(q.Name, kmsConsumerActions)
			} else {
				queue(q.Name, kmsProducerActions)
			}
		}
	}
	for _, c := range f.Consumes {
		queue(c.Queue, kmsConsumerActions)
	}
	if f.DeadLetterQueue != "" {
		queue(f.DeadLetterQueue, kmsProducerActions)
	}
	// A stream mapping sends a record of each batch it gives up on with the
	// function's role: a producer of its on-failure queue or topic.
	for _, c := range f.Streams {
		switch d := c.OnFailure; {
		case d == nil:
		case d.Queue != "":
			queue(d.Queue, kmsProducerActions)
		case d.Topic != "":
			topic(d.Topic)
		}
	}
	g.addTo(p)
}

// workflowKey records what a workflow's task needs on the key of the
// encrypted queue or topic it sends or publishes to (arn is the queue's or
// topic's).
func (b *builder) workflowKey(g keyGrants, kind refs.Kind, name, arn string) {
	switch kind {
	case refs.Queue:
		g.add(b.queueKey(name), arn, kmsProducerActions)
	case refs.Topic:
		g.add(b.topicKey(name), arn, kmsProducerActions)
	}
}
