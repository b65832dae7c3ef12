package validation

// What DynamoDB refuses of a table's indexes and KMS key, checked at
// admission: ACK's dynamodb-controller would otherwise retry CreateTable or
// UpdateTable for ever. Each rule and its page are listed in
// aws_constraints.md ("Tables").

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
)

const (
	// maxGlobalIndexes is DynamoDB's default quota of global secondary
	// indexes per table; maxLocalIndexes its fixed limit of local ones.
	maxGlobalIndexes = 20
	maxLocalIndexes  = 5
	// maxProjectedAttributes is the limit on NonKeyAttributes "summed
	// across all of the secondary indexes" of a table (an attribute in two
	// indexes counts twice).
	maxProjectedAttributes = 100
)

// indexName is DynamoDB's IndexName pattern and length: [a-zA-Z0-9_.-]+,
// 3 to 255 characters.
var indexName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

// tables checks each table's indexes and key.
func (v *validator) tables(spec *field.Path) {
	for i, t := range v.spec.Tables {
		v.table(spec.Child("tables").Index(i), t)
	}
}

func (v *validator) table(p *field.Path, t v1alpha1.Table) {
	// Every key attribute, of the table and its indexes, is one
	// AttributeDefinition: one name, one type.
	types := map[string]v1alpha1.KeyType{t.PartitionKey.Name: keyTypeOf(t.PartitionKey)}
	if t.SortKey != nil {
		types[t.SortKey.Name] = keyTypeOf(*t.SortKey)
	}
	sameType := func(kp *field.Path, k v1alpha1.Key) {
		if want, ok := types[k.Name]; ok && want != keyTypeOf(k) {
			v.errs = append(v.errs, field.Invalid(kp.Child("type"), string(keyTypeOf(k)), fmt.Sprintf(
				"attribute %s is a key of type %s elsewhere in the table: DynamoDB declares each key attribute once, with one type", k.Name, want)))
			return
		}
		types[k.Name] = keyTypeOf(k)
	}
	names := map[string]string{}
	uniqueName := func(np *field.Path, name string) {
		if !indexName.MatchString(name) {
			v.errs = append(v.errs, field.Invalid(np, name, "an index name is 3 to 255 of a-z, A-Z, 0-9, _, - and ."))
		}
		if other, ok := names[name]; ok {
			v.errs = append(v.errs, field.Duplicate(np, name+" (also "+other+": DynamoDB's index names are unique per table)"))
			return
		}
		names[name] = np.String()
	}
	projected := 0
	project := func(pp *field.Path, pr *v1alpha1.Projection) {
		if pr == nil {
			return
		}
		include := pr.Type == v1alpha1.ProjectionInclude
		if include && len(pr.NonKeyAttributes) == 0 {
			v.errs = append(v.errs, field.Required(pp.Child("nonKeyAttributes"), "type INCLUDE projects the attributes it names"))
		}
		if !include && len(pr.NonKeyAttributes) > 0 {
			v.errs = append(v.errs, field.Forbidden(pp.Child("nonKeyAttributes"), "only type INCLUDE takes nonKeyAttributes"))
		}
		projected += len(pr.NonKeyAttributes)
	}

	gp := p.Child("globalSecondaryIndexes")
	if n := len(t.GlobalSecondaryIndexes); n > maxGlobalIndexes {
		v.errs = append(v.errs, field.TooMany(gp, n, maxGlobalIndexes))
	}
	for i, g := range t.GlobalSecondaryIndexes {
		ip := gp.Index(i)
		uniqueName(ip.Child("name"), g.Name)
		sameType(ip.Child("partitionKey"), g.PartitionKey)
		if g.SortKey != nil {
			if g.SortKey.Name == g.PartitionKey.Name {
				v.errs = append(v.errs, field.Invalid(ip.Child("sortKey", "name"), g.SortKey.Name,
					"an index's sort key must be another attribute than its partition key"))
			} else {
				sameType(ip.Child("sortKey"), *g.SortKey)
			}
		}
		project(ip.Child("projection"), g.Projection)
	}

	lp := p.Child("localSecondaryIndexes")
	if n := len(t.LocalSecondaryIndexes); n > maxLocalIndexes {
		v.errs = append(v.errs, field.TooMany(lp, n, maxLocalIndexes))
	}
	if len(t.LocalSecondaryIndexes) > 0 && t.SortKey == nil {
		v.errs = append(v.errs, field.Invalid(lp, len(t.LocalSecondaryIndexes),
			"local secondary indexes need the table to have a sort key (DynamoDB refuses them on a table with a simple primary key)"))
	}
	for i, l := range t.LocalSecondaryIndexes {
		ip := lp.Index(i)
		uniqueName(ip.Child("name"), l.Name)
		if l.SortKey.Name == t.PartitionKey.Name {
			v.errs = append(v.errs, field.Invalid(ip.Child("sortKey", "name"), l.SortKey.Name,
				"a local index shares the table's partition key; its sort key must be another attribute"))
		} else {
			sameType(ip.Child("sortKey"), l.SortKey)
		}
		project(ip.Child("projection"), l.Projection)
	}
	if projected > maxProjectedAttributes {
		v.errs = append(v.errs, field.Invalid(p, projected, fmt.Sprintf(
			"the indexes project %d non-key attributes; DynamoDB allows at most %d summed across all of a table's indexes", projected, maxProjectedAttributes)))
	}
	v.tableKey(p.Child("kmsKeyARN"), t.KMSKeyARN)
}

// tableKey checks a table's KMS key: a key ARN, of the stack's partition and
// region. DynamoDB takes a key ID, alias or ARN, but reports the key's ARN,
// and ACK's dynamodb-controller compares the two as strings: any other form
// would be "updated" at each reconcile (docs/ack-behaviour.md, section 8).
// A table's key must be in the table's region.
func (v *validator) tableKey(p *field.Path, key string) {
	if key == "" {
		return
	}
	if problem := kmsKeyProblem(key); problem != "" || !strings.HasPrefix(key, "arn:") || strings.Contains(key, ":alias/") {
		v.errs = append(v.errs, field.Invalid(p, key,
			"a table's key is given as a key ARN (arn:<partition>:kms:<region>:<account>:key/<key id>), the form DynamoDB reports it in"))
		return
	}
	parts := strings.SplitN(key, ":", 5)
	if want := arns.Partition(v.spec.Region); parts[1] != want {
		v.errs = append(v.errs, field.Invalid(p, key, fmt.Sprintf(
			"the key is in partition %s; the stack's region %s is in partition %s, where that key cannot be used", parts[1], v.spec.Region, want)))
		return
	}
	if v.spec.Region != "" && parts[3] != v.spec.Region {
		v.errs = append(v.errs, field.Invalid(p, key, fmt.Sprintf(
			"the key is in region %s; DynamoDB encrypts a table only with a key of the table's region (%s)", parts[3], v.spec.Region)))
	}
}

func keyTypeOf(k v1alpha1.Key) v1alpha1.KeyType {
	if k.Type == "" {
		return "S"
	}
	return k.Type
}
