package localaws

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// ddbEnv starts a server with these delays and returns it with a DynamoDB
// client that does not retry.
func ddbEnv(t *testing.T, delays Delays) (*Server, *dynamodb.Client) {
	t.Helper()
	srv, url, cfg := startWithDelays(t, delays)
	return srv, dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(url) })
}

func ddbCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// ddbWantErr checks that err is an API error with this code whose message
// contains msg.
func ddbWantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("want %s %q, got %s %q", code, msg, ae.ErrorCode(), ae.ErrorMessage())
	}
}

func ddbGet(t *testing.T, c *dynamodb.Client, name string) *ddbtypes.TableDescription {
	t.Helper()
	out, err := c.DescribeTable(ddbCtx(t), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeTable(%s): %v", name, err)
	}
	return out.Table
}

// ddbWait polls DescribeTable until the table has the status, for at most
// five seconds.
func ddbWait(t *testing.T, c *dynamodb.Client, name string, want ddbtypes.TableStatus) *ddbtypes.TableDescription { //nolint:unparam // the call says which table and which status it waits for
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d := ddbGet(t, c, name)
		if d.TableStatus == want {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("table %s is %s, not %s, after 5s", name, d.TableStatus, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ddbAttrDef(name, typ string) ddbtypes.AttributeDefinition {
	return ddbtypes.AttributeDefinition{AttributeName: aws.String(name), AttributeType: ddbtypes.ScalarAttributeType(typ)}
}

func ddbKeyOf(name string, typ ddbtypes.KeyType) ddbtypes.KeySchemaElement {
	return ddbtypes.KeySchemaElement{AttributeName: aws.String(name), KeyType: typ}
}

// ddbOrdersTable is an on-demand table with a hash and range key and one
// global index.
func ddbOrdersTable(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{ddbAttrDef("pk", "S"), ddbAttrDef("sk", "S"), ddbAttrDef("gsi1pk", "S")},
		KeySchema:            []ddbtypes.KeySchemaElement{ddbKeyOf("pk", ddbtypes.KeyTypeHash), ddbKeyOf("sk", ddbtypes.KeyTypeRange)},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		GlobalSecondaryIndexes: []ddbtypes.GlobalSecondaryIndex{{
			IndexName:  aws.String("by-gsi1"),
			KeySchema:  []ddbtypes.KeySchemaElement{ddbKeyOf("gsi1pk", ddbtypes.KeyTypeHash)},
			Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeAll},
		}},
		Tags: []ddbtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}, {Key: aws.String("app"), Value: aws.String("shop")}},
	}
}

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// A table is CREATING, then ACTIVE; UpdateTable makes it UPDATING; changes
// meanwhile are refused; DeleteTable of a protected table is refused;
// DeleteTable makes it DELETING, then it is gone.
func TestDynamoTableLifecycle(t *testing.T) {
	srv, c := ddbEnv(t, Delays{TableCreate: 400 * time.Millisecond, TableUpdate: 300 * time.Millisecond})
	ctx := ddbCtx(t)
	const arn = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"

	in := ddbOrdersTable("orders")
	in.StreamSpecification = &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewTypeNewAndOldImages}
	in.TableClass = ddbtypes.TableClassStandardInfrequentAccess
	start := time.Now()
	created, err := c.CreateTable(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	d := created.TableDescription
	if d.TableStatus != ddbtypes.TableStatusCreating || aws.ToString(d.TableArn) != arn || aws.ToString(d.TableName) != "orders" ||
		!uuidRe.MatchString(aws.ToString(d.TableId)) || d.CreationDateTime == nil || d.CreationDateTime.Before(start.Add(-time.Second)) ||
		aws.ToInt64(d.ItemCount) != 0 || aws.ToInt64(d.TableSizeBytes) != 0 {
		t.Fatalf("CreateTable = %+v", d)
	}
	if pt := d.ProvisionedThroughput; pt == nil || aws.ToInt64(pt.ReadCapacityUnits) != 0 || aws.ToInt64(pt.WriteCapacityUnits) != 0 ||
		pt.NumberOfDecreasesToday == nil {
		t.Fatalf("ProvisionedThroughput = %+v", d.ProvisionedThroughput)
	}
	if d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != ddbtypes.BillingModePayPerRequest || d.BillingModeSummary.LastUpdateToPayPerRequestDateTime == nil {
		t.Fatalf("BillingModeSummary = %+v", d.BillingModeSummary)
	}
	if len(d.GlobalSecondaryIndexes) != 1 || d.GlobalSecondaryIndexes[0].IndexStatus != ddbtypes.IndexStatusCreating ||
		aws.ToString(d.GlobalSecondaryIndexes[0].IndexArn) != arn+"/index/by-gsi1" {
		t.Fatalf("GlobalSecondaryIndexes = %+v", d.GlobalSecondaryIndexes)
	}
	if d.StreamSpecification == nil || !aws.ToBool(d.StreamSpecification.StreamEnabled) ||
		!strings.HasPrefix(aws.ToString(d.LatestStreamArn), arn+"/stream/") || !strings.HasSuffix(aws.ToString(d.LatestStreamArn), aws.ToString(d.LatestStreamLabel)) {
		t.Fatalf("stream = %+v %s %s", d.StreamSpecification, aws.ToString(d.LatestStreamArn), aws.ToString(d.LatestStreamLabel))
	}
	if d.TableClassSummary == nil || d.TableClassSummary.TableClass != ddbtypes.TableClassStandardInfrequentAccess ||
		d.SSEDescription != nil || aws.ToBool(d.DeletionProtectionEnabled) {
		t.Fatalf("class %+v, SSE %+v, protection %v", d.TableClassSummary, d.SSEDescription, aws.ToBool(d.DeletionProtectionEnabled))
	}

	// CREATING: a change or a delete is refused.
	if got := ddbGet(t, c, "orders").TableStatus; got != ddbtypes.TableStatusCreating {
		t.Fatalf("right after CreateTable: %s", got)
	}
	var inUse *ddbtypes.ResourceInUseException
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"), DeletionProtectionEnabled: aws.Bool(true)})
	if !errors.As(err, &inUse) || !strings.Contains(inUse.ErrorMessage(), "Table is being created: orders") {
		t.Fatalf("UpdateTable while CREATING: %v", err)
	}
	_, err = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("orders")})
	if !errors.As(err, &inUse) {
		t.Fatalf("DeleteTable while CREATING: %v", err)
	}
	if tb, ok := srv.Table("orders"); !ok || tb.Status != "CREATING" {
		t.Fatalf("Table(orders) = %+v, %v", tb, ok)
	}

	d = ddbWait(t, c, "orders", ddbtypes.TableStatusActive)
	if waited := time.Since(start); waited < 400*time.Millisecond {
		t.Fatalf("ACTIVE after %v, before TableCreate", waited)
	}
	if d.GlobalSecondaryIndexes[0].IndexStatus != ddbtypes.IndexStatusActive {
		t.Fatalf("index %s once the table is ACTIVE", d.GlobalSecondaryIndexes[0].IndexStatus)
	}
	// The table's ARN names it too.
	if got := ddbGet(t, c, arn); aws.ToString(got.TableId) != aws.ToString(created.TableDescription.TableId) {
		t.Fatalf("DescribeTable by ARN: %+v", got)
	}

	// UPDATING until TableUpdate has passed; another change meanwhile is refused.
	up, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"), DeletionProtectionEnabled: aws.Bool(true)})
	if err != nil || up.TableDescription.TableStatus != ddbtypes.TableStatusUpdating || !aws.ToBool(up.TableDescription.DeletionProtectionEnabled) {
		t.Fatalf("UpdateTable: %+v, %v", up, err)
	}
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"), TableClass: ddbtypes.TableClassStandard})
	if !errors.As(err, &inUse) || !strings.Contains(inUse.ErrorMessage(), "Table is being updated: orders") {
		t.Fatalf("UpdateTable while UPDATING: %v", err)
	}
	ddbWait(t, c, "orders", ddbtypes.TableStatusActive)

	// Deletion protection refuses DeleteTable.
	_, err = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("orders")})
	ddbWantErr(t, err, "ValidationException", "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	must(c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"), DeletionProtectionEnabled: aws.Bool(false)}))(t)
	ddbWait(t, c, "orders", ddbtypes.TableStatusActive)
	if tb, _ := srv.Table("orders"); tb.Updates != 2 || tb.DeletionProtection || tb.TableClass != "STANDARD_INFREQUENT_ACCESS" {
		t.Fatalf("Table(orders) after two updates = %+v", tb)
	}

	// DELETING for TableUpdate, then gone.
	del, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("orders")})
	if err != nil || del.TableDescription.TableStatus != ddbtypes.TableStatusDeleting {
		t.Fatalf("DeleteTable: %+v, %v", del, err)
	}
	deleted := time.Now()
	if got := ddbGet(t, c, "orders").TableStatus; got != ddbtypes.TableStatusDeleting {
		t.Fatalf("after DeleteTable: %s", got)
	}
	_, err = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("orders")})
	if !errors.As(err, &inUse) || !strings.Contains(inUse.ErrorMessage(), "Table is being deleted: orders") {
		t.Fatalf("DeleteTable while DELETING: %v", err)
	}
	_, err = c.CreateTable(ctx, ddbOrdersTable("orders"))
	if !errors.As(err, &inUse) {
		t.Fatalf("CreateTable while DELETING: %v", err)
	}
	if res := srv.Resources(); !slices.Contains(res, arn) {
		t.Fatalf("Resources while DELETING = %v", res)
	}
	var notFound *ddbtypes.ResourceNotFoundException
	for {
		_, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")})
		if err != nil {
			break
		}
		if time.Since(deleted) > 5*time.Second {
			t.Fatal("table still there 5s after DeleteTable")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !errors.As(err, &notFound) || notFound.ErrorMessage() != "Requested resource not found: Table: orders not found" {
		t.Fatalf("DescribeTable after deletion: %v", err)
	}
	if time.Since(deleted) < 300*time.Millisecond {
		t.Fatalf("gone after %v, before TableUpdate", time.Since(deleted))
	}
	if res := srv.Resources(); slices.Contains(res, arn) {
		t.Fatalf("Resources after deletion = %v", res)
	}
	if _, ok := srv.Table("orders"); ok {
		t.Fatal("Table(orders) after deletion")
	}
	_, err = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("orders")})
	if !errors.As(err, &notFound) {
		t.Fatalf("DeleteTable of a deleted table: %v", err)
	}
	// The name is free again.
	must(c.CreateTable(ctx, ddbOrdersTable("orders")))(t)
}

func TestDynamoCreateTableValidation(t *testing.T) {
	_, c := ddbEnv(t, Delays{})
	ctx := ddbCtx(t)
	must(c.CreateTable(ctx, ddbOrdersTable("orders")))(t)

	cases := []struct {
		name   string
		modify func(*dynamodb.CreateTableInput)
		code   string
		msg    string
	}{
		{"short name", func(in *dynamodb.CreateTableInput) { in.TableName = aws.String("ab") }, "ValidationException",
			"Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"},
		{"bad character", func(in *dynamodb.CreateTableInput) { in.TableName = aws.String("orders!") }, "ValidationException",
			"Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"existing", func(*dynamodb.CreateTableInput) {}, "ResourceInUseException", "Table already exists: orders"},
		{"undefined key", func(in *dynamodb.CreateTableInput) {
			in.AttributeDefinitions = in.AttributeDefinitions[1:]
		}, "ValidationException", "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk]"},
		{"unused definition without indexes", func(in *dynamodb.CreateTableInput) {
			in.GlobalSecondaryIndexes = nil
		}, "ValidationException", "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"},
		{"unused definition with indexes", func(in *dynamodb.CreateTableInput) {
			in.AttributeDefinitions = append(in.AttributeDefinitions, ddbAttrDef("extra", "N"))
		}, "ValidationException", "Some AttributeDefinitions are not used. AttributeDefinitions: [pk, sk, gsi1pk, extra], keys used: [pk, sk, gsi1pk]"},
		{"range first", func(in *dynamodb.CreateTableInput) {
			in.KeySchema = []ddbtypes.KeySchemaElement{ddbKeyOf("sk", ddbtypes.KeyTypeRange), ddbKeyOf("pk", ddbtypes.KeyTypeHash)}
		}, "ValidationException", "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
		{"no key schema", func(in *dynamodb.CreateTableInput) { in.KeySchema = nil }, "ValidationException",
			"Value null at 'keySchema' failed to satisfy constraint: Member must not be null"},
		{"bad attribute type", func(in *dynamodb.CreateTableInput) { in.AttributeDefinitions[0].AttributeType = "X" }, "ValidationException",
			"Member must satisfy enum value set: [S, N, B]"},
		{"provisioned without throughput", func(in *dynamodb.CreateTableInput) { in.BillingMode = ddbtypes.BillingModeProvisioned }, "ValidationException",
			"One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"},
		{"default billing without throughput", func(in *dynamodb.CreateTableInput) { in.BillingMode = "" }, "ValidationException",
			"ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"},
		{"on demand with throughput", func(in *dynamodb.CreateTableInput) {
			in.ProvisionedThroughput = &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}
		}, "ValidationException", "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"},
		{"provisioned index without throughput", func(in *dynamodb.CreateTableInput) {
			in.BillingMode = ddbtypes.BillingModeProvisioned
			in.ProvisionedThroughput = &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}
		}, "ValidationException", "ProvisionedThroughput must be specified for index: by-gsi1"},
		{"zero capacity", func(in *dynamodb.CreateTableInput) {
			in.BillingMode = ddbtypes.BillingModeProvisioned
			in.GlobalSecondaryIndexes = nil
			in.AttributeDefinitions = in.AttributeDefinitions[:2]
			in.ProvisionedThroughput = &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(0), WriteCapacityUnits: aws.Int64(5)}
		}, "ValidationException", "Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"local index without range key", func(in *dynamodb.CreateTableInput) {
			in.KeySchema = in.KeySchema[:1]
			in.LocalSecondaryIndexes = []ddbtypes.LocalSecondaryIndex{{IndexName: aws.String("lsi"),
				KeySchema:  []ddbtypes.KeySchemaElement{ddbKeyOf("pk", ddbtypes.KeyTypeHash), ddbKeyOf("sk", ddbtypes.KeyTypeRange)},
				Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeKeysOnly}}}
		}, "ValidationException", "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"},
		{"stream without view type", func(in *dynamodb.CreateTableInput) {
			in.StreamSpecification = &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true)}
		}, "ValidationException", "StreamViewType must be specified when StreamEnabled is true"},
		{"bad table class", func(in *dynamodb.CreateTableInput) { in.TableClass = "GLACIER" }, "ValidationException",
			"Member must satisfy enum value set: [STANDARD, STANDARD_INFREQUENT_ACCESS]"},
		{"index projection", func(in *dynamodb.CreateTableInput) {
			in.GlobalSecondaryIndexes[0].Projection.NonKeyAttributes = []string{"x"}
		}, "ValidationException", "ProjectionType is ALL, but NonKeyAttributes is specified"},
		{"duplicate index", func(in *dynamodb.CreateTableInput) {
			in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, in.GlobalSecondaryIndexes[0])
		}, "ValidationException", "Duplicate index name: by-gsi1"},
		{"ARN of another account", func(in *dynamodb.CreateTableInput) {
			in.TableName = aws.String("arn:aws:dynamodb:us-east-1:999999999999:table/other")
		}, "ValidationException", "is not in the caller's account and region"},
		{"AES256", func(in *dynamodb.CreateTableInput) {
			in.SSESpecification = &ddbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: ddbtypes.SSETypeAes256}
		}, "ValidationException", "AES256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := ddbOrdersTable("orders")
			if tc.code != "ResourceInUseException" {
				in.TableName = aws.String("other")
			}
			tc.modify(in)
			_, err := c.CreateTable(ctx, in)
			ddbWantErr(t, err, tc.code, tc.msg)
			if tc.code == "ResourceInUseException" {
				var inUse *ddbtypes.ResourceInUseException
				if !errors.As(err, &inUse) {
					t.Fatalf("not a *ResourceInUseException: %T", err)
				}
			}
			if _, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName}); aws.ToString(in.TableName) == "other" && err == nil {
				t.Fatal("a refused CreateTable created the table")
			}
		})
	}

	_, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("missing")})
	var notFound *ddbtypes.ResourceNotFoundException
	if !errors.As(err, &notFound) || notFound.ErrorMessage() != "Requested resource not found: Table: missing not found" {
		t.Fatalf("DescribeTable(missing): %v", err)
	}

	// Provisioned tables with indexes, local and global, and a KMS key.
	in := ddbOrdersTable("provisioned")
	in.BillingMode = ddbtypes.BillingModeProvisioned
	in.ProvisionedThroughput = &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(3)}
	in.GlobalSecondaryIndexes[0].ProvisionedThroughput = &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(2), WriteCapacityUnits: aws.Int64(1)}
	in.AttributeDefinitions = append(in.AttributeDefinitions, ddbAttrDef("created", "N"))
	in.LocalSecondaryIndexes = []ddbtypes.LocalSecondaryIndex{{IndexName: aws.String("by-created"),
		KeySchema:  []ddbtypes.KeySchemaElement{ddbKeyOf("pk", ddbtypes.KeyTypeHash), ddbKeyOf("created", ddbtypes.KeyTypeRange)},
		Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeInclude, NonKeyAttributes: []string{"total"}}}}
	in.SSESpecification = &ddbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: ddbtypes.SSETypeKms}
	in.DeletionProtectionEnabled = aws.Bool(true)
	d := must(c.CreateTable(ctx, in))(t).TableDescription
	if pt := d.ProvisionedThroughput; aws.ToInt64(pt.ReadCapacityUnits) != 5 || aws.ToInt64(pt.WriteCapacityUnits) != 3 ||
		d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != ddbtypes.BillingModeProvisioned {
		t.Fatalf("throughput %+v, billing %+v", d.ProvisionedThroughput, d.BillingModeSummary)
	}
	if g := d.GlobalSecondaryIndexes[0].ProvisionedThroughput; aws.ToInt64(g.ReadCapacityUnits) != 2 || aws.ToInt64(g.WriteCapacityUnits) != 1 {
		t.Fatalf("index throughput %+v", g)
	}
	if len(d.LocalSecondaryIndexes) != 1 || aws.ToString(d.LocalSecondaryIndexes[0].IndexArn) != aws.ToString(d.TableArn)+"/index/by-created" ||
		d.LocalSecondaryIndexes[0].Projection.ProjectionType != ddbtypes.ProjectionTypeInclude {
		t.Fatalf("local indexes %+v", d.LocalSecondaryIndexes)
	}
	if d.SSEDescription == nil || d.SSEDescription.Status != ddbtypes.SSEStatusEnabled || d.SSEDescription.SSEType != ddbtypes.SSETypeKms ||
		!strings.HasPrefix(aws.ToString(d.SSEDescription.KMSMasterKeyArn), "arn:aws:kms:us-east-1:123456789012:key/") {
		t.Fatalf("SSEDescription %+v", d.SSEDescription)
	}
	// CreateTable takes the table's ARN as its name.
	byArn := ddbOrdersTable("arn:aws:dynamodb:us-east-1:123456789012:table/by-arn")
	if d := must(c.CreateTable(ctx, byArn))(t).TableDescription; aws.ToString(d.TableName) != "by-arn" {
		t.Fatalf("CreateTable by ARN: %+v", d)
	}
	// Without a class or billing mode given, AWS shows no summaries.
	plain := &dynamodb.CreateTableInput{TableName: aws.String("plain"), AttributeDefinitions: []ddbtypes.AttributeDefinition{ddbAttrDef("id", "S")},
		KeySchema:             []ddbtypes.KeySchemaElement{ddbKeyOf("id", ddbtypes.KeyTypeHash)},
		ProvisionedThroughput: &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}}
	d = must(c.CreateTable(ctx, plain))(t).TableDescription
	if d.BillingModeSummary != nil || d.TableClassSummary != nil || d.SSEDescription != nil || d.StreamSpecification != nil || d.LatestStreamArn != nil {
		t.Fatalf("plain table %+v", d)
	}
}

// UpdateTable: throughput, billing mode, global indexes one at a time,
// streams, SSE and table class.
func TestDynamoUpdateTable(t *testing.T) {
	srv, c := ddbEnv(t, Delays{TableUpdate: 250 * time.Millisecond})
	ctx := ddbCtx(t)
	in := ddbOrdersTable("orders")
	in.BillingMode = ddbtypes.BillingModeProvisioned
	in.ProvisionedThroughput = &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}
	in.GlobalSecondaryIndexes[0].ProvisionedThroughput = &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}
	must(c.CreateTable(ctx, in))(t)
	update := func(u *dynamodb.UpdateTableInput) (*ddbtypes.TableDescription, error) {
		u.TableName = aws.String("orders")
		out, err := c.UpdateTable(ctx, u)
		if err != nil {
			return nil, err
		}
		ddbWait(t, c, "orders", ddbtypes.TableStatusActive)
		return out.TableDescription, nil
	}

	_, err := update(&dynamodb.UpdateTableInput{})
	ddbWantErr(t, err, "ValidationException", "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
	_, err = update(&dynamodb.UpdateTableInput{ProvisionedThroughput: &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}})
	ddbWantErr(t, err, "ValidationException", "The provisioned throughput for the table will not change. The requested value equals the current value.")

	d := must(update(&dynamodb.UpdateTableInput{ProvisionedThroughput: &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(10), WriteCapacityUnits: aws.Int64(2)}}))(t)
	if pt := d.ProvisionedThroughput; aws.ToInt64(pt.ReadCapacityUnits) != 10 || pt.LastIncreaseDateTime == nil || pt.LastDecreaseDateTime == nil ||
		aws.ToInt64(pt.NumberOfDecreasesToday) != 1 || d.TableStatus != ddbtypes.TableStatusUpdating {
		t.Fatalf("after a throughput change: %s %+v", d.TableStatus, pt)
	}

	// Switching to on-demand zeroes the throughput; back to provisioned
	// needs it for the table and every global index.
	d = must(update(&dynamodb.UpdateTableInput{BillingMode: ddbtypes.BillingModePayPerRequest}))(t)
	if aws.ToInt64(d.ProvisionedThroughput.ReadCapacityUnits) != 0 || d.BillingModeSummary.BillingMode != ddbtypes.BillingModePayPerRequest ||
		d.BillingModeSummary.LastUpdateToPayPerRequestDateTime == nil || aws.ToInt64(d.GlobalSecondaryIndexes[0].ProvisionedThroughput.ReadCapacityUnits) != 0 {
		t.Fatalf("after switching to PAY_PER_REQUEST: %+v %+v", d.ProvisionedThroughput, d.BillingModeSummary)
	}
	_, err = update(&dynamodb.UpdateTableInput{BillingMode: ddbtypes.BillingModeProvisioned})
	ddbWantErr(t, err, "ValidationException", "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
	_, err = update(&dynamodb.UpdateTableInput{BillingMode: ddbtypes.BillingModeProvisioned,
		ProvisionedThroughput: &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}})
	ddbWantErr(t, err, "ValidationException", "ProvisionedThroughput must be specified for index: by-gsi1")
	_, err = update(&dynamodb.UpdateTableInput{ProvisionedThroughput: &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}})
	ddbWantErr(t, err, "ValidationException", "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")

	// Global indexes: one created at a time, CREATING (backfilling) for
	// TableUpdate; its key must be defined.
	newIndex := func(name, attrName string) ddbtypes.GlobalSecondaryIndexUpdate {
		return ddbtypes.GlobalSecondaryIndexUpdate{Create: &ddbtypes.CreateGlobalSecondaryIndexAction{
			IndexName: aws.String(name), KeySchema: []ddbtypes.KeySchemaElement{ddbKeyOf(attrName, ddbtypes.KeyTypeHash)},
			Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeKeysOnly}}}
	}
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"),
		AttributeDefinitions:        []ddbtypes.AttributeDefinition{ddbAttrDef("status", "S"), ddbAttrDef("email", "S")},
		GlobalSecondaryIndexUpdates: []ddbtypes.GlobalSecondaryIndexUpdate{newIndex("by-status", "status"), newIndex("by-email", "email")}})
	var limit *ddbtypes.LimitExceededException
	if !errors.As(err, &limit) || !strings.Contains(limit.ErrorMessage(), "Only 1 online index can be created or deleted simultaneously per table") {
		t.Fatalf("two index creations: %v", err)
	}
	_, err = update(&dynamodb.UpdateTableInput{GlobalSecondaryIndexUpdates: []ddbtypes.GlobalSecondaryIndexUpdate{newIndex("by-status", "status")}})
	ddbWantErr(t, err, "ValidationException", "Some index key attributes are not defined in AttributeDefinitions. Keys: [status]")
	up, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"),
		AttributeDefinitions:        []ddbtypes.AttributeDefinition{ddbAttrDef("pk", "S"), ddbAttrDef("sk", "S"), ddbAttrDef("gsi1pk", "S"), ddbAttrDef("status", "S")},
		GlobalSecondaryIndexUpdates: []ddbtypes.GlobalSecondaryIndexUpdate{newIndex("by-status", "status")}})
	if err != nil {
		t.Fatal(err)
	}
	if ix := up.TableDescription.GlobalSecondaryIndexes; len(ix) != 2 || ix[1].IndexStatus != ddbtypes.IndexStatusCreating || ix[1].Backfilling == nil ||
		len(up.TableDescription.AttributeDefinitions) != 4 {
		t.Fatalf("after adding an index: %+v, %+v", up.TableDescription.GlobalSecondaryIndexes, up.TableDescription.AttributeDefinitions)
	}
	d = ddbWait(t, c, "orders", ddbtypes.TableStatusActive)
	if d.GlobalSecondaryIndexes[1].IndexStatus != ddbtypes.IndexStatusActive || d.GlobalSecondaryIndexes[1].Backfilling != nil {
		t.Fatalf("new index once ACTIVE: %+v", d.GlobalSecondaryIndexes[1])
	}
	up, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"),
		GlobalSecondaryIndexUpdates: []ddbtypes.GlobalSecondaryIndexUpdate{{Delete: &ddbtypes.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("by-gsi1")}}}})
	if err != nil || up.TableDescription.GlobalSecondaryIndexes[0].IndexStatus != ddbtypes.IndexStatusDeleting {
		t.Fatalf("deleting an index: %+v, %v", up, err)
	}
	d = ddbWait(t, c, "orders", ddbtypes.TableStatusActive)
	if len(d.GlobalSecondaryIndexes) != 1 || aws.ToString(d.GlobalSecondaryIndexes[0].IndexName) != "by-status" || len(d.AttributeDefinitions) != 3 {
		t.Fatalf("after deleting an index: %+v, %+v", d.GlobalSecondaryIndexes, d.AttributeDefinitions)
	}
	_, err = update(&dynamodb.UpdateTableInput{GlobalSecondaryIndexUpdates: []ddbtypes.GlobalSecondaryIndexUpdate{
		{Delete: &ddbtypes.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("by-gsi1")}}}})
	var notFound *ddbtypes.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("deleting a deleted index: %v", err)
	}

	// Streams: enabled once; disabled, the last stream's ARN stays.
	d = must(update(&dynamodb.UpdateTableInput{StreamSpecification: &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewTypeKeysOnly}}))(t)
	streamArn := aws.ToString(d.LatestStreamArn)
	if !strings.HasPrefix(streamArn, "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/") || d.StreamSpecification.StreamViewType != ddbtypes.StreamViewTypeKeysOnly {
		t.Fatalf("stream %s %+v", streamArn, d.StreamSpecification)
	}
	_, err = update(&dynamodb.UpdateTableInput{StreamSpecification: &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewTypeNewImage}})
	ddbWantErr(t, err, "ValidationException", "Table already has an enabled stream: TableName: orders")
	must(update(&dynamodb.UpdateTableInput{StreamSpecification: &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(false)}}))(t)
	if d = ddbGet(t, c, "orders"); d.StreamSpecification != nil || aws.ToString(d.LatestStreamArn) != streamArn {
		t.Fatalf("after disabling the stream: %+v %s", d.StreamSpecification, aws.ToString(d.LatestStreamArn))
	}
	_, err = update(&dynamodb.UpdateTableInput{StreamSpecification: &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(false)}})
	ddbWantErr(t, err, "ValidationException", "Table already has a disabled stream")

	// SSE with a customer key, then back to the AWS-owned key; table class.
	d = must(update(&dynamodb.UpdateTableInput{SSESpecification: &ddbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: ddbtypes.SSETypeKms,
		KMSMasterKeyId: aws.String("1234abcd-12ab-34cd-56ef-1234567890ab")}, TableClass: ddbtypes.TableClassStandardInfrequentAccess}))(t)
	if aws.ToString(d.SSEDescription.KMSMasterKeyArn) != "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" ||
		d.TableClassSummary.TableClass != ddbtypes.TableClassStandardInfrequentAccess || d.TableClassSummary.LastUpdateDateTime == nil {
		t.Fatalf("SSE %+v, class %+v", d.SSEDescription, d.TableClassSummary)
	}
	must(update(&dynamodb.UpdateTableInput{SSESpecification: &ddbtypes.SSESpecification{Enabled: aws.Bool(false)}}))(t)
	if d = ddbGet(t, c, "orders"); d.SSEDescription != nil {
		t.Fatalf("SSE after disabling: %+v", d.SSEDescription)
	}

	tb, _ := srv.Table("orders")
	if tb.BillingMode != "PAY_PER_REQUEST" || len(tb.GlobalSecondaryIndexes) != 1 || tb.GlobalSecondaryIndexes[0].Name != "by-status" ||
		tb.StreamEnabled || tb.LatestStreamArn != streamArn || tb.SSEKMSKeyArn != "" || tb.TableClass != "STANDARD_INFREQUENT_ACCESS" || tb.Updates != 8 {
		t.Fatalf("Table(orders) = %+v", tb)
	}

	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("nope"), DeletionProtectionEnabled: aws.Bool(true)})
	if !errors.As(err, &notFound) {
		t.Fatalf("UpdateTable(nope): %v", err)
	}
}

// Time to live, point-in-time recovery and contributor insights, as the
// controller reads and changes them.
func TestDynamoTTLBackupsInsights(t *testing.T) {
	srv, c := ddbEnv(t, Delays{TableCreate: 300 * time.Millisecond, TableUpdate: 200 * time.Millisecond})
	ctx := ddbCtx(t)
	name := aws.String("orders")
	must(c.CreateTable(ctx, ddbOrdersTable("orders")))(t)

	// While CREATING.
	_, err := c.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: name,
		PointInTimeRecoverySpecification: &ddbtypes.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}})
	var unavailable *ddbtypes.ContinuousBackupsUnavailableException
	if !errors.As(err, &unavailable) {
		t.Fatalf("UpdateContinuousBackups while CREATING: %v", err)
	}
	_, err = c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: name,
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true)}})
	var inUse *ddbtypes.ResourceInUseException
	if !errors.As(err, &inUse) {
		t.Fatalf("UpdateTimeToLive while CREATING: %v", err)
	}
	ddbWait(t, c, "orders", ddbtypes.TableStatusActive)

	ttl := must(c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: name}))(t)
	if ttl.TimeToLiveDescription.TimeToLiveStatus != ddbtypes.TimeToLiveStatusDisabled || ttl.TimeToLiveDescription.AttributeName != nil {
		t.Fatalf("initial TTL %+v", ttl.TimeToLiveDescription)
	}
	enable := func(attrName string, on bool) error {
		_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: name,
			TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String(attrName), Enabled: aws.Bool(on)}})
		return err
	}
	err = enable("expiresAt", false)
	ddbWantErr(t, err, "ValidationException", "TimeToLive is already disabled")
	up, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: name,
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true)}})
	if err != nil || aws.ToString(up.TimeToLiveSpecification.AttributeName) != "expiresAt" || !aws.ToBool(up.TimeToLiveSpecification.Enabled) {
		t.Fatalf("UpdateTimeToLive: %+v, %v", up, err)
	}
	ttl = must(c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: name}))(t)
	if ttl.TimeToLiveDescription.TimeToLiveStatus != ddbtypes.TimeToLiveStatusEnabled || aws.ToString(ttl.TimeToLiveDescription.AttributeName) != "expiresAt" {
		t.Fatalf("TTL after enabling %+v", ttl.TimeToLiveDescription)
	}
	ddbWantErr(t, enable("expiresAt", true), "ValidationException", "TimeToLive is already enabled")
	ddbWantErr(t, enable("ttl", true), "ValidationException", "TimeToLive is active on a different AttributeName: current AttributeName is expiresAt")
	if err := enable("expiresAt", false); err != nil {
		t.Fatal(err)
	}
	if tb, _ := srv.Table("orders"); tb.TTLEnabled || tb.TTLAttribute != "" {
		t.Fatalf("Table after disabling TTL: %+v", tb)
	}
	_, err = c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("nope")})
	var notFound *ddbtypes.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("DescribeTimeToLive(nope): %v", err)
	}

	// Point-in-time recovery.
	cb := must(c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: name}))(t).ContinuousBackupsDescription
	if cb.ContinuousBackupsStatus != ddbtypes.ContinuousBackupsStatusEnabled ||
		cb.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != ddbtypes.PointInTimeRecoveryStatusDisabled {
		t.Fatalf("initial backups %+v", cb)
	}
	cb = must(c.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: name,
		PointInTimeRecoverySpecification: &ddbtypes.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}}))(t).ContinuousBackupsDescription
	p := cb.PointInTimeRecoveryDescription
	if p.PointInTimeRecoveryStatus != ddbtypes.PointInTimeRecoveryStatusEnabled || aws.ToInt32(p.RecoveryPeriodInDays) != 35 || p.EarliestRestorableDateTime == nil {
		t.Fatalf("PITR after enabling %+v", p)
	}
	if tb, _ := srv.Table("orders"); !tb.PointInTimeRecovery {
		t.Fatal("Table: PITR not enabled")
	}
	_, err = c.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: name,
		PointInTimeRecoverySpecification: &ddbtypes.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(false), RecoveryPeriodInDays: aws.Int32(7)}})
	ddbWantErr(t, err, "ValidationException", "Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery")
	must(c.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: name,
		PointInTimeRecoverySpecification: &ddbtypes.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(false)}}))(t)
	cb = must(c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: name}))(t).ContinuousBackupsDescription
	if cb.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != ddbtypes.PointInTimeRecoveryStatusDisabled {
		t.Fatalf("PITR after disabling %+v", cb.PointInTimeRecoveryDescription)
	}
	_, err = c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String("nope")})
	var tableNotFound *ddbtypes.TableNotFoundException
	if !errors.As(err, &tableNotFound) || tableNotFound.ErrorMessage() != "Table not found: nope" {
		t.Fatalf("DescribeContinuousBackups(nope): %v", err)
	}

	// Contributor insights: DISABLED; ENABLING for TableUpdate, then ENABLED.
	ci := must(c.DescribeContributorInsights(ctx, &dynamodb.DescribeContributorInsightsInput{TableName: name}))(t)
	if ci.ContributorInsightsStatus != ddbtypes.ContributorInsightsStatusDisabled || aws.ToString(ci.TableName) != "orders" {
		t.Fatalf("initial insights %+v", ci)
	}
	uc := must(c.UpdateContributorInsights(ctx, &dynamodb.UpdateContributorInsightsInput{TableName: name,
		ContributorInsightsAction: ddbtypes.ContributorInsightsActionEnable}))(t)
	if uc.ContributorInsightsStatus != ddbtypes.ContributorInsightsStatusEnabling {
		t.Fatalf("UpdateContributorInsights: %+v", uc)
	}
	deadline := time.Now().Add(5 * time.Second)
	for ci.ContributorInsightsStatus != ddbtypes.ContributorInsightsStatusEnabled {
		if time.Now().After(deadline) {
			t.Fatalf("insights still %s", ci.ContributorInsightsStatus)
		}
		time.Sleep(20 * time.Millisecond)
		ci = must(c.DescribeContributorInsights(ctx, &dynamodb.DescribeContributorInsightsInput{TableName: name}))(t)
	}
	if len(ci.ContributorInsightsRuleList) == 0 || ci.LastUpdateDateTime == nil {
		t.Fatalf("enabled insights %+v", ci)
	}
	_, err = c.DescribeContributorInsights(ctx, &dynamodb.DescribeContributorInsightsInput{TableName: aws.String("nope")})
	if !errors.As(err, &notFound) {
		t.Fatalf("DescribeContributorInsights(nope): %v", err)
	}
}

func TestDynamoTagsAndResourcePolicy(t *testing.T) {
	srv, c := ddbEnv(t, Delays{})
	ctx := ddbCtx(t)
	arn := aws.ToString(must(c.CreateTable(ctx, ddbOrdersTable("orders")))(t).TableDescription.TableArn)
	list := func() []string {
		out := must(c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn)}))(t)
		var got []string
		for _, tag := range out.Tags {
			got = append(got, aws.ToString(tag.Key)+"="+aws.ToString(tag.Value))
		}
		if out.NextToken != nil {
			t.Fatalf("NextToken %s", aws.ToString(out.NextToken))
		}
		return got
	}
	if got := strings.Join(list(), ","); got != "app=shop,team=a" {
		t.Fatalf("tags at creation: %s", got)
	}
	must(c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn),
		Tags: []ddbtypes.Tag{{Key: aws.String("team"), Value: aws.String("b")}, {Key: aws.String("env"), Value: aws.String("prod")}}}))(t)
	must(c.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"app", "absent"}}))(t)
	if got := strings.Join(list(), ","); got != "env=prod,team=b" {
		t.Fatalf("tags after TagResource and UntagResource: %s", got)
	}
	if tb, _ := srv.Table(arn); len(tb.Tags) != 2 || tb.Tags["team"] != "b" {
		t.Fatalf("Table(arn).Tags = %v", tb.Tags)
	}
	missing := "arn:aws:dynamodb:us-east-1:123456789012:table/nope"
	_, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(missing)})
	var notFound *ddbtypes.ResourceNotFoundException
	if !errors.As(err, &notFound) || notFound.ErrorMessage() != "Requested resource not found: ResourcArn: "+missing+" not found" {
		t.Fatalf("ListTagsOfResource(missing): %v", err)
	}
	_, err = c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(missing), Tags: []ddbtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if !errors.As(err, &notFound) {
		t.Fatalf("TagResource(missing): %v", err)
	}
	_, err = c.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String("orders"), TagKeys: []string{"k"}})
	ddbWantErr(t, err, "ValidationException", "Invalid TableArn")

	// Resource policy.
	_, err = c.GetResourcePolicy(ctx, &dynamodb.GetResourcePolicyInput{ResourceArn: aws.String(arn)})
	var noPolicy *ddbtypes.PolicyNotFoundException
	if !errors.As(err, &noPolicy) {
		t.Fatalf("GetResourcePolicy without a policy: %v", err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"dynamodb:GetItem","Resource":"` + arn + `"}]}`
	put := must(c.PutResourcePolicy(ctx, &dynamodb.PutResourcePolicyInput{ResourceArn: aws.String(arn), Policy: aws.String(policy)}))(t)
	got := must(c.GetResourcePolicy(ctx, &dynamodb.GetResourcePolicyInput{ResourceArn: aws.String(arn)}))(t)
	if aws.ToString(got.Policy) != policy || aws.ToString(got.RevisionId) != aws.ToString(put.RevisionId) || aws.ToString(put.RevisionId) == "" {
		t.Fatalf("GetResourcePolicy = %+v (put %+v)", got, put)
	}
	_, err = c.PutResourcePolicy(ctx, &dynamodb.PutResourcePolicyInput{ResourceArn: aws.String(arn), Policy: aws.String(policy), ExpectedRevisionId: aws.String("1")})
	if !errors.As(err, &noPolicy) {
		t.Fatalf("PutResourcePolicy with a stale revision: %v", err)
	}
	_, err = c.PutResourcePolicy(ctx, &dynamodb.PutResourcePolicyInput{ResourceArn: aws.String(arn), Policy: aws.String("{not json")})
	ddbWantErr(t, err, "ValidationException", "Invalid policy document")
	must(c.DeleteResourcePolicy(ctx, &dynamodb.DeleteResourcePolicyInput{ResourceArn: aws.String(arn)}))(t)
	_, err = c.DeleteResourcePolicy(ctx, &dynamodb.DeleteResourcePolicyInput{ResourceArn: aws.String(arn)})
	if !errors.As(err, &noPolicy) {
		t.Fatalf("second DeleteResourcePolicy: %v", err)
	}
	_, err = c.GetResourcePolicy(ctx, &dynamodb.GetResourcePolicyInput{ResourceArn: aws.String(missing)})
	if !errors.As(err, &notFound) {
		t.Fatalf("GetResourcePolicy(missing): %v", err)
	}
	// CreateTable's ResourcePolicy is the table's policy.
	in := ddbOrdersTable("with-policy")
	in.ResourcePolicy = aws.String(policy)
	arn2 := aws.ToString(must(c.CreateTable(ctx, in))(t).TableDescription.TableArn)
	if got := must(c.GetResourcePolicy(ctx, &dynamodb.GetResourcePolicyInput{ResourceArn: aws.String(arn2)}))(t); aws.ToString(got.Policy) != policy {
		t.Fatalf("policy given at creation: %+v", got)
	}
}

// The reads the dynamodb-controller makes of an ACTIVE table on every
// reconcile (sdkFind, setContributorInsights, setResourceAdditionalFields)
// all succeed, and are counted as dynamodb:<Operation>; a table that is not
// there reads as ResourceNotFoundException, the code sdkFind takes for
// "not created yet".
func TestDynamoControllerReads(t *testing.T) {
	srv, c := ddbEnv(t, Delays{})
	ctx := ddbCtx(t)
	arn := aws.ToString(must(c.CreateTable(ctx, ddbOrdersTable("orders")))(t).TableDescription.TableArn)
	srv.ResetCalls()
	name := aws.String("orders")
	must(c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: name}))(t)
	must(c.DescribeContributorInsights(ctx, &dynamodb.DescribeContributorInsightsInput{TableName: name}))(t)
	must(c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn)}))(t)
	must(c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: name}))(t)
	must(c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: name}))(t)
	_, err := c.GetResourcePolicy(ctx, &dynamodb.GetResourcePolicyInput{ResourceArn: aws.String(arn)})
	ddbWantErr(t, err, "PolicyNotFoundException", "Resource-based policy not found for the provided ResourceArn: "+arn)
	calls := srv.Calls()
	for _, op := range []string{"DescribeTable", "DescribeContributorInsights", "ListTagsOfResource", "DescribeTimeToLive", "DescribeContinuousBackups", "GetResourcePolicy"} {
		if calls["dynamodb:"+op] != 1 {
			t.Errorf("calls[dynamodb:%s] = %d", op, calls["dynamodb:"+op])
		}
	}
	if srv.MutatingCalls() != 0 {
		t.Errorf("MutatingCalls = %d after reads only", srv.MutatingCalls())
	}
	_, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("later")})
	ddbWantErr(t, err, "ResourceNotFoundException", "Table: later not found")
	_, err = c.ListTables(ctx, &dynamodb.ListTablesInput{})
	ddbWantErr(t, err, "UnknownOperationException", "ListTables")
}
