package render

import (
	"encoding/json"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
)

// indexedStack has a provisioned table with every setting beyond its keys,
// and a plain table.
const indexedStack = `
apiVersion: stacks.eventstack.io/v1alpha1
kind: EventDrivenStack
metadata: {name: shop, namespace: shop, uid: 0b5e6f7a-1111-2222-3333-444455550000}
spec:
  region: eu-west-1
  namePrefix: dev-
  tables:
    - name: orders
      partitionKey: {name: pk}
      sortKey: {name: sk, type: "N"}
      billingMode: PROVISIONED
      provisionedThroughput: {readCapacityUnits: 5, writeCapacityUnits: 2}
      globalSecondaryIndexes:
        - name: by-customer
          partitionKey: {name: customer}
          sortKey: {name: sk, type: "N"}
          projection: {type: INCLUDE, nonKeyAttributes: [total, status]}
        - name: by_status
          partitionKey: {name: status}
          projection: {type: KEYS_ONLY}
      localSecondaryIndexes:
        - name: by.created
          sortKey: {name: created, type: "N"}
      timeToLive: {attributeName: expiresAt}
      pointInTimeRecovery: true
      deletionProtection: true
      tableClass: STANDARD_INFREQUENT_ACCESS
      kmsKeyARN: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
      stream: {viewType: NEW_AND_OLD_IMAGES}
    - name: plain
      partitionKey: {name: id}
`

func loadIndexedStack(t *testing.T) *v1alpha1.EventDrivenStack {
	t.Helper()
	stack := &v1alpha1.EventDrivenStack{}
	if err := yaml.UnmarshalStrict([]byte(indexedStack), stack); err != nil {
		t.Fatal(err)
	}
	return stack
}

// A table's indexes, TTL, PITR, deletion protection, class, KMS key and
// stream are written with ACK's field names; every key attribute of the
// table and its indexes is declared once; a provisioned table's global
// indexes get its capacity; an unset projection is ALL.
func TestTableSettings(t *testing.T) {
	res := mustRender(t, loadIndexedStack(t), Observed{Account: account})
	got, err := json.Marshal(object[*ack.Table](t, res, "Table", "shop.orders").Spec)
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(got, &spec); err != nil {
		t.Fatal(err)
	}
	delete(spec, "tags")
	want := `{
	  "tableName": "dev-orders",
	  "attributeDefinitions": [
	    {"attributeName": "pk", "attributeType": "S"}, {"attributeName": "sk", "attributeType": "N"},
	    {"attributeName": "customer", "attributeType": "S"}, {"attributeName": "status", "attributeType": "S"},
	    {"attributeName": "created", "attributeType": "N"}],
	  "keySchema": [{"attributeName": "pk", "keyType": "HASH"}, {"attributeName": "sk", "keyType": "RANGE"}],
	  "billingMode": "PROVISIONED",
	  "provisionedThroughput": {"readCapacityUnits": 5, "writeCapacityUnits": 2},
	  "globalSecondaryIndexes": [
	    {"indexName": "by-customer",
	     "keySchema": [{"attributeName": "customer", "keyType": "HASH"}, {"attributeName": "sk", "keyType": "RANGE"}],
	     "projection": {"projectionType": "INCLUDE", "nonKeyAttributes": ["total", "status"]},
	     "provisionedThroughput": {"readCapacityUnits": 5, "writeCapacityUnits": 2}},
	    {"indexName": "by_status",
	     "keySchema": [{"attributeName": "status", "keyType": "HASH"}],
	     "projection": {"projectionType": "KEYS_ONLY"},
	     "provisionedThroughput": {"readCapacityUnits": 5, "writeCapacityUnits": 2}}],
	  "localSecondaryIndexes": [
	    {"indexName": "by.created",
	     "keySchema": [{"attributeName": "pk", "keyType": "HASH"}, {"attributeName": "created", "keyType": "RANGE"}],
	     "projection": {"projectionType": "ALL"}}],
	  "timeToLive": {"attributeName": "expiresAt", "enabled": true},
	  "continuousBackups": {"pointInTimeRecoveryEnabled": true},
	  "deletionProtectionEnabled": true,
	  "tableClass": "STANDARD_INFREQUENT_ACCESS",
	  "sseSpecification": {"enabled": true, "sseType": "KMS",
	    "kmsMasterKeyID": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
	  "streamSpecification": {"streamEnabled": true, "streamViewType": "NEW_AND_OLD_IMAGES"}
	}`
	var wantSpec map[string]any
	if err := json.Unmarshal([]byte(want), &wantSpec); err != nil {
		t.Fatal(err)
	}
	gotJSON, _ := json.MarshalIndent(spec, "", "  ")
	wantJSON, _ := json.MarshalIndent(wantSpec, "", "  ")
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("table spec:\n%s\nwant:\n%s", gotJSON, wantJSON)
	}

	plain := object[*ack.Table](t, res, "Table", "shop.plain").Spec
	if plain.GlobalSecondaryIndexes != nil || plain.LocalSecondaryIndexes != nil || plain.TimeToLive != nil ||
		plain.ContinuousBackups != nil || plain.DeletionProtectionEnabled != nil || plain.TableClass != nil ||
		plain.SSESpecification != nil || plain.StreamSpecification != nil {
		t.Errorf("a table without settings got some: %+v", plain)
	}
}

// ACK's dynamodb-controller answers an unset sseSpecification, when AWS
// reports one, with an UpdateTable that changes nothing (refused): a removed
// KMS key is written as enabled false, which takes the table back to the AWS
// owned key, and stays written.
func TestRemovedTableKeyIsDisabledExplicitly(t *testing.T) {
	stack := loadIndexedStack(t)
	obs := Observed{Account: account, Children: map[string]ack.Object{}}
	for _, c := range mustRender(t, stack, obs).Children {
		if c.Object != nil {
			obs.Children[c.Component] = c.Object
		}
	}
	stack.Spec.Tables[0].KMSKeyARN = ""
	for round := 0; round < 2; round++ {
		res := mustRender(t, stack, obs)
		got := object[*ack.Table](t, res, "Table", "shop.orders").Spec.SSESpecification
		if got == nil || got.Enabled == nil || *got.Enabled || got.KMSMasterKeyID != nil || got.SSEType != nil {
			t.Fatalf("round %d: sseSpecification after removal = %+v, want {enabled: false}", round, got)
		}
		if other := object[*ack.Table](t, res, "Table", "shop.plain").Spec.SSESpecification; other != nil {
			t.Errorf("a table that never had a key got sseSpecification %+v", other)
		}
		for _, c := range res.Children {
			if c.Object != nil {
				obs.Children[c.Component] = c.Object
			}
		}
	}
}
