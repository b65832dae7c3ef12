package localaws

// DynamoDB (JSON 1.0, POST / with X-Amz-Target: DynamoDB_20120810.<Operation>;
// calls are counted as "dynamodb:<Operation>"): the control plane of tables,
// as the ACK dynamodb-controller (v1.9.2, Table kind) uses it.
//
// Implemented operations: CreateTable, DescribeTable, UpdateTable,
// DeleteTable, DescribeTimeToLive, UpdateTimeToLive,
// DescribeContinuousBackups, UpdateContinuousBackups,
// DescribeContributorInsights, UpdateContributorInsights,
// ListTagsOfResource, TagResource, UntagResource, GetResourcePolicy,
// PutResourcePolicy and DeleteResourcePolicy; the item operations (GetItem,
// PutItem, UpdateItem, DeleteItem, Query, Scan, BatchGetItem,
// BatchWriteItem, TransactWriteItems, TransactGetItems) are forwarded to a
// data plane, dynalite, as dynamodb_items.go says. Any other operation
// answers 400 UnknownOperationException.
//
// As AWS documents them:
//
//   - Table names are [a-zA-Z0-9_.-]{3,255}; TableName may also be the
//     table's ARN, arn:aws:dynamodb:<region>:<account>:table/<name>, the
//     account being the caller's. A table has a TableId (a UUID),
//     CreationDateTime, ItemCount and TableSizeBytes 0, ProvisionedThroughput
//     (0/0 with PAY_PER_REQUEST, LastIncrease/DecreaseDateTime and
//     NumberOfDecreasesToday after changes), BillingModeSummary (when the
//     billing mode was given or changed), DeletionProtectionEnabled,
//     SSEDescription only with a KMS key (the AWS-owned key has none),
//     TableClassSummary when a table class was given, StreamSpecification and
//     LatestStreamArn/LatestStreamLabel when a stream is enabled (the last
//     stream's ARN stays after it is disabled, as in AWS).
//   - CreateTable checks the key schema (a HASH key, then an optional RANGE
//     key), that every key attribute of the table and its indexes is in
//     AttributeDefinitions and that no definition is unused, the throughput
//     against the billing mode (PROVISIONED needs ProvisionedThroughput for
//     the table and each global secondary index, PAY_PER_REQUEST refuses it),
//     indexes (at most 20 global and 5 local ones, local ones sharing the
//     table's hash key), the stream view type, SSE type and table class, with
//     ValidationException in AWS's wording ("One or more parameter values
//     were invalid: ..."). An existing name answers ResourceInUseException
//     "Table already exists: <name>"; a missing table ResourceNotFoundException
//     "Requested resource not found: Table: <name> not found".
//   - States are modelled from timestamps at read time, with the Server's
//     Delays: a new table (and its indexes) is CREATING until TableCreate has
//     passed, then ACTIVE. UpdateTable makes it UPDATING until TableUpdate has
//     passed (an index it creates is CREATING, one it deletes DELETING, one
//     whose throughput it changes UPDATING, for as long). UpdateTable and
//     DeleteTable of a table that is not ACTIVE answer ResourceInUseException
//     "Attempt to change a resource which is still in use: Table is being
//     created|updated|deleted: <name>". DeleteTable answers TableStatus
//     DELETING; the table then reads DELETING for TableUpdate, then is gone.
//     DeleteTable of a table with deletion protection answers
//     ValidationException "Resource cannot be deleted as it is currently
//     protected against deletion. Disable deletion protection first."
//   - UpdateTable: at most one index created or deleted per call
//     (LimitExceededException), switching to PROVISIONED needs throughput
//     for the table and every global index, an unchanged provisioned
//     throughput is refused, a stream cannot be enabled twice or disabled
//     when there is none.
//   - Time to live is DISABLED until UpdateTimeToLive enables it on an
//     attribute (ENABLED at once); enabling it again, disabling it when
//     disabled ("TimeToLive is already disabled") or naming another attribute
//     than the active one answer ValidationException; a change while the
//     table is CREATING or DELETING answers ResourceInUseException.
//   - Continuous backups are always ENABLED; point-in-time recovery is
//     DISABLED until UpdateContinuousBackups enables it (RecoveryPeriodInDays
//     1-35, default 35). These two operations answer TableNotFoundException
//     "Table not found: <name>" for a missing table, and
//     ContinuousBackupsUnavailableException while the table is CREATING.
//   - Contributor insights are DISABLED; UpdateContributorInsights makes them
//     ENABLING or DISABLING for TableUpdate, then ENABLED or DISABLED.
//   - Tags: TagResource adds or replaces, UntagResource removes (a key not
//     there is ignored), ListTagsOfResource lists them in key order in one
//     page; a missing table answers ResourceNotFoundException "Requested
//     resource not found: ResourcArn: <arn> not found" (AWS's spelling).
//   - Resource policies: GetResourcePolicy answers PolicyNotFoundException
//     when the table has none; PutResourcePolicy (or CreateTable's
//     ResourcePolicy) stores a JSON document and a new RevisionId,
//     ExpectedRevisionId is checked.
//
// Where the model simplifies: items live in the data plane only (ItemCount
// and sizes stay 0), there are no stream records, backups, restores,
// exports, imports, global tables or replicas (ReplicaUpdates, WarmThroughput
// and MultiRegionConsistency answer ValidationException), no contributor
// insights on indexes (always DISABLED; UpdateContributorInsights of an index
// answers ValidationException), no KMS (a key id or alias is turned into an
// ARN without looking it up), no paging of tags, no limits on the number of
// tables or tags, and TTL and point-in-time recovery changes take effect at
// once. A table lives in the caller's account and the Server's Region;
// CreateTable refuses an ARN of another account or region, and other
// operations do not find one.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// dynamoOps are the DynamoDB operations the server plays (JSON 1.0,
// X-Amz-Target DynamoDB_20120810.<Operation>).
var dynamoOps = map[string]func(*Server, []byte) (any, *apiError){
	"CreateTable":                 (*Server).dynamoCreateTable,
	"DescribeTable":               (*Server).dynamoDescribeTable,
	"UpdateTable":                 (*Server).dynamoUpdateTable,
	"DeleteTable":                 (*Server).dynamoDeleteTable,
	"DescribeTimeToLive":          (*Server).dynamoDescribeTimeToLive,
	"UpdateTimeToLive":            (*Server).dynamoUpdateTimeToLive,
	"DescribeContinuousBackups":   (*Server).dynamoDescribeContinuousBackups,
	"UpdateContinuousBackups":     (*Server).dynamoUpdateContinuousBackups,
	"DescribeContributorInsights": (*Server).dynamoDescribeContributorInsights,
	"UpdateContributorInsights":   (*Server).dynamoUpdateContributorInsights,
	"ListTagsOfResource":          (*Server).dynamoListTagsOfResource,
	"TagResource":                 (*Server).dynamoTagResource,
	"UntagResource":               (*Server).dynamoUntagResource,
	"GetResourcePolicy":           (*Server).dynamoGetResourcePolicy,
	"PutResourcePolicy":           (*Server).dynamoPutResourcePolicy,
	"DeleteResourcePolicy":        (*Server).dynamoDeleteResourcePolicy,
	// The data plane, forwarded to dynalite (dynamodb_items.go).
	"GetItem":            dynamoItems("GetItem"),
	"PutItem":            dynamoItems("PutItem"),
	"UpdateItem":         dynamoItems("UpdateItem"),
	"DeleteItem":         dynamoItems("DeleteItem"),
	"Query":              dynamoItems("Query"),
	"Scan":               dynamoItems("Scan"),
	"BatchGetItem":       dynamoItems("BatchGetItem"),
	"BatchWriteItem":     dynamoItems("BatchWriteItem"),
	"TransactWriteItems": dynamoItems("TransactWriteItems"),
	"TransactGetItems":   dynamoItems("TransactGetItems"),
}

// Table is a snapshot of a DynamoDB table, as Server.Table returns it.
type Table struct {
	Name, Arn, ID string
	// Status is CREATING, UPDATING, ACTIVE or DELETING.
	Status               string
	Created              time.Time
	KeySchema            []TableKey
	AttributeDefinitions []TableAttribute
	// BillingMode is PROVISIONED or PAY_PER_REQUEST; ReadCapacity and
	// WriteCapacity are 0 with PAY_PER_REQUEST.
	BillingMode                 string
	ReadCapacity, WriteCapacity int64
	GlobalSecondaryIndexes      []TableIndex
	LocalSecondaryIndexes       []TableIndex
	// TTLAttribute is the time-to-live attribute while TTLEnabled.
	TTLAttribute        string
	TTLEnabled          bool
	PointInTimeRecovery bool
	// SSEKMSKeyArn is the KMS key of server-side encryption; "" for the
	// AWS-owned key.
	SSEKMSKeyArn string
	// StreamViewType is the stream's view type while StreamEnabled.
	StreamEnabled   bool
	StreamViewType  string
	LatestStreamArn string
	// TableClass is STANDARD or STANDARD_INFREQUENT_ACCESS.
	TableClass         string
	DeletionProtection bool
	// ContributorInsights is ENABLED, ENABLING, DISABLED or DISABLING.
	ContributorInsights string
	ResourcePolicy      string
	Tags                map[string]string
	// Updates counts the UpdateTable calls the table accepted.
	Updates int
}

// TableKey is an element of a key schema.
type TableKey struct{ AttributeName, KeyType string }

// TableAttribute is an attribute definition.
type TableAttribute struct{ AttributeName, AttributeType string }

// TableIndex is a secondary index of a table.
type TableIndex struct {
	Name             string
	KeySchema        []TableKey
	ProjectionType   string
	NonKeyAttributes []string
	// ReadCapacity and WriteCapacity are a global index's (0 with
	// PAY_PER_REQUEST and for local indexes).
	ReadCapacity, WriteCapacity int64
	// Status is a global index's: CREATING, UPDATING, DELETING or ACTIVE.
	Status string
}

type dynamoState struct {
	tables map[string]*ddbTable // by ARN
	// kmsKey is the id of the AWS managed key (aws/dynamodb) of the
	// server's accounts.
	kmsKey string
	// ddbPlane is where items live (SetDynamoDBDataPlane); nil: nowhere.
	ddbPlane *ddbDataPlane
}

func newDynamoState() dynamoState {
	return dynamoState{tables: map[string]*ddbTable{}, kmsKey: newID()}
}

// ddbTable is a table as the server holds it.
type ddbTable struct {
	name, arn, id string
	created       time.Time
	activeAt      time.Time // CREATING until then
	updatingUntil time.Time // UPDATING until then
	goneAt        time.Time // non-zero: DELETING until then, then gone

	attrs []ddbAttr
	keys  []ddbKey

	billing     string
	billingSet  bool      // BillingModeSummary is shown
	lastPPR     time.Time // last switch to PAY_PER_REQUEST
	throughput  ddbCapacity
	onDemand    *ddbOnDemand
	gsis, lsis  []*ddbIndex
	streamOn    bool
	streamView  string
	streamLabel string // the latest stream's, "" if none ever
	sseKey      string // KMS key ARN; "" for the AWS-owned key
	class       string
	classSet    bool
	classAt     time.Time
	protection  bool
	ttlAttr     string
	ttlOn       bool
	pitr        bool
	pitrSince   time.Time
	pitrDays    int32
	insights    string // ENABLED or DISABLED once insightsAt has passed
	insightsAt  time.Time
	policy      string
	policyRev   string
	tags        map[string]string
	updates     int
}

// ddbCapacity is a provisioned throughput with its history.
type ddbCapacity struct {
	read, write                int64
	lastIncrease, lastDecrease time.Time
	decreases                  int
	decreaseDay                string
}

// ddbIndex is a secondary index.
type ddbIndex struct {
	name       string
	keys       []ddbKey
	projection ddbProjection
	throughput ddbCapacity
	onDemand   *ddbOnDemand
	// pending is CREATING, UPDATING or DELETING until readyAt; after it
	// the index is ACTIVE (or gone, for DELETING).
	pending     string
	readyAt     time.Time
	backfilling bool
}

// Wire shapes.

type ddbAttr struct {
	AttributeName string `json:"AttributeName"`
	AttributeType string `json:"AttributeType"`
}

type ddbKey struct {
	AttributeName string `json:"AttributeName"`
	KeyType       string `json:"KeyType"`
}

type ddbThroughput struct {
	ReadCapacityUnits  *int64 `json:"ReadCapacityUnits"`
	WriteCapacityUnits *int64 `json:"WriteCapacityUnits"`
}

type ddbOnDemand struct {
	MaxReadRequestUnits  *int64 `json:"MaxReadRequestUnits,omitempty"`
	MaxWriteRequestUnits *int64 `json:"MaxWriteRequestUnits,omitempty"`
}

type ddbProjection struct {
	ProjectionType   string   `json:"ProjectionType,omitempty"`
	NonKeyAttributes []string `json:"NonKeyAttributes,omitempty"`
}

type ddbIndexIn struct {
	IndexName             string         `json:"IndexName"`
	KeySchema             []ddbKey       `json:"KeySchema"`
	Projection            *ddbProjection `json:"Projection"`
	ProvisionedThroughput *ddbThroughput `json:"ProvisionedThroughput"`
	OnDemandThroughput    *ddbOnDemand   `json:"OnDemandThroughput"`
}

type ddbStreamSpec struct {
	StreamEnabled  *bool  `json:"StreamEnabled,omitempty"`
	StreamViewType string `json:"StreamViewType,omitempty"`
}

type ddbSSESpec struct {
	Enabled        *bool  `json:"Enabled"`
	SSEType        string `json:"SSEType"`
	KMSMasterKeyID string `json:"KMSMasterKeyId"`
}

type ddbTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type ddbThroughputDesc struct {
	LastIncreaseDateTime   *float64 `json:"LastIncreaseDateTime,omitempty"`
	LastDecreaseDateTime   *float64 `json:"LastDecreaseDateTime,omitempty"`
	NumberOfDecreasesToday int64    `json:"NumberOfDecreasesToday"`
	ReadCapacityUnits      int64    `json:"ReadCapacityUnits"`
	WriteCapacityUnits     int64    `json:"WriteCapacityUnits"`
}

type ddbGSIDesc struct {
	IndexName             string            `json:"IndexName"`
	IndexArn              string            `json:"IndexArn"`
	IndexStatus           string            `json:"IndexStatus"`
	Backfilling           *bool             `json:"Backfilling,omitempty"`
	KeySchema             []ddbKey          `json:"KeySchema"`
	Projection            ddbProjection     `json:"Projection"`
	ProvisionedThroughput ddbThroughputDesc `json:"ProvisionedThroughput"`
	OnDemandThroughput    *ddbOnDemand      `json:"OnDemandThroughput,omitempty"`
	IndexSizeBytes        int64             `json:"IndexSizeBytes"`
	ItemCount             int64             `json:"ItemCount"`
}

type ddbLSIDesc struct {
	IndexName      string        `json:"IndexName"`
	IndexArn       string        `json:"IndexArn"`
	KeySchema      []ddbKey      `json:"KeySchema"`
	Projection     ddbProjection `json:"Projection"`
	IndexSizeBytes int64         `json:"IndexSizeBytes"`
	ItemCount      int64         `json:"ItemCount"`
}

type ddbBillingSummary struct {
	BillingMode                       string   `json:"BillingMode"`
	LastUpdateToPayPerRequestDateTime *float64 `json:"LastUpdateToPayPerRequestDateTime,omitempty"`
}

type ddbSSEDesc struct {
	Status          string `json:"Status"`
	SSEType         string `json:"SSEType"`
	KMSMasterKeyArn string `json:"KMSMasterKeyArn"`
}

type ddbClassSummary struct {
	TableClass         string   `json:"TableClass"`
	LastUpdateDateTime *float64 `json:"LastUpdateDateTime,omitempty"`
}

// ddbTableDesc is the API's TableDescription.
type ddbTableDesc struct {
	TableName                 string             `json:"TableName"`
	TableArn                  string             `json:"TableArn"`
	TableID                   string             `json:"TableId"`
	TableStatus               string             `json:"TableStatus"`
	CreationDateTime          float64            `json:"CreationDateTime"`
	AttributeDefinitions      []ddbAttr          `json:"AttributeDefinitions"`
	KeySchema                 []ddbKey           `json:"KeySchema"`
	ItemCount                 int64              `json:"ItemCount"`
	TableSizeBytes            int64              `json:"TableSizeBytes"`
	ProvisionedThroughput     ddbThroughputDesc  `json:"ProvisionedThroughput"`
	BillingModeSummary        *ddbBillingSummary `json:"BillingModeSummary,omitempty"`
	OnDemandThroughput        *ddbOnDemand       `json:"OnDemandThroughput,omitempty"`
	GlobalSecondaryIndexes    []ddbGSIDesc       `json:"GlobalSecondaryIndexes,omitempty"`
	LocalSecondaryIndexes     []ddbLSIDesc       `json:"LocalSecondaryIndexes,omitempty"`
	StreamSpecification       *ddbStreamSpec     `json:"StreamSpecification,omitempty"`
	LatestStreamArn           string             `json:"LatestStreamArn,omitempty"`
	LatestStreamLabel         string             `json:"LatestStreamLabel,omitempty"`
	SSEDescription            *ddbSSEDesc        `json:"SSEDescription,omitempty"`
	TableClassSummary         *ddbClassSummary   `json:"TableClassSummary,omitempty"`
	DeletionProtectionEnabled bool               `json:"DeletionProtectionEnabled"`
}

// Enumerations and limits.

const (
	ddbProvisioned  = "PROVISIONED"
	ddbPayPerReq    = "PAY_PER_REQUEST"
	ddbMaxGSIs      = 20
	ddbMaxLSIs      = 5
	ddbDefaultClass = "STANDARD"
)

var (
	ddbNameRe     = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)
	ddbTableArnRe = regexp.MustCompile(`^arn:aws[a-z-]*:dynamodb:([a-z0-9-]+):([0-9]{12}):table/([a-zA-Z0-9_.-]{3,255})$`)

	ddbAttrTypes       = []string{"S", "N", "B"}
	ddbKeyTypes        = []string{"HASH", "RANGE"}
	ddbBillingModes    = []string{ddbProvisioned, ddbPayPerReq}
	ddbProjectionTypes = []string{"ALL", "KEYS_ONLY", "INCLUDE"}
	ddbStreamViews     = []string{"NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"}
	ddbSSETypes        = []string{"AES256", "KMS"}
	ddbTableClasses    = []string{"STANDARD", "STANDARD_INFREQUENT_ACCESS"}
)

// Errors.

func ddbError(code, msg string) *apiError { return &apiError{http.StatusBadRequest, code, msg} }

func ddbValidation(msg string) *apiError { return ddbError("ValidationException", msg) }

// ddbInvalid is DynamoDB's message for a request its checks refuse.
func ddbInvalid(format string, args ...any) *apiError {
	return ddbValidation("One or more parameter values were invalid: " + fmt.Sprintf(format, args...))
}

// ddbConstraint is the message for a member that breaks the model.
func ddbConstraint(value any, member, rule string) *apiError {
	v := "null"
	if value != nil {
		v = fmt.Sprintf("'%v'", value)
	}
	return ddbValidation(fmt.Sprintf("1 validation error detected: Value %s at '%s' failed to satisfy constraint: Member must %s", v, member, rule))
}

func ddbEnum(value, member string, set []string) *apiError {
	if value == "" || slices.Contains(set, value) {
		return nil
	}
	return ddbConstraint(value, member, "satisfy enum value set: ["+strings.Join(set, ", ")+"]")
}

func ddbTableNotFound(name string) *apiError {
	return ddbError("ResourceNotFoundException", "Requested resource not found: Table: "+name+" not found")
}

// ddbBackupsTableNotFound is how the continuous backups operations answer a
// missing table (their own code and wording, not ResourceNotFoundException).
func ddbBackupsTableNotFound(name string) *apiError {
	return ddbError("TableNotFoundException", "Table not found: "+name)
}

func ddbIndexNotFound(name string) *apiError {
	return ddbError("ResourceNotFoundException", "Requested resource not found: Index: "+name+" not found")
}

// ddbInUse answers a change to a table that is not ACTIVE.
func ddbInUse(t *ddbTable, status string) *apiError {
	being := map[string]string{"CREATING": "created", "UPDATING": "updated", "DELETING": "deleted"}[status]
	return ddbError("ResourceInUseException", "Attempt to change a resource which is still in use: Table is being "+being+": "+t.name)
}

func ddbTime(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func ddbTimePtr(t time.Time) *float64 {
	if t.IsZero() {
		return nil
	}
	v := ddbTime(t)
	return &v
}

// Lookup.

func (s *Server) ddbTableArn(name string) string {
	return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", s.Region, s.account(), name)
}

// ddbCheckName checks a table or index name: both follow the same rule,
// [a-zA-Z0-9_.-]{3,255}.
func ddbCheckName(name, member string) *apiError {
	switch {
	case name == "":
		return ddbConstraint(nil, member, "not be null")
	case len(name) < 3:
		return ddbConstraint(name, member, "have length greater than or equal to 3")
	case len(name) > 255:
		return ddbConstraint(name, member, "have length less than or equal to 255")
	case !ddbNameRe.MatchString(name):
		return ddbConstraint(name, member, "satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
	return nil
}

// ddbName resolves a TableName member (a name or the table's ARN) to the
// table's name and ARN.
func (s *Server) ddbName(nameOrArn string) (name, arn string, _ *apiError) {
	if strings.HasPrefix(nameOrArn, "arn:") {
		m := ddbTableArnRe.FindStringSubmatch(nameOrArn)
		if m == nil {
			return "", "", ddbValidation("Invalid TableName: " + nameOrArn)
		}
		return m[3], nameOrArn, nil
	}
	if err := ddbCheckName(nameOrArn, "tableName"); err != nil {
		return "", "", err
	}
	return nameOrArn, s.ddbTableArn(nameOrArn), nil
}

// ddbFind returns the table a TableName member names. A missing table is
// answered with notFound(name): every operation refuses one, but not all
// in the same words (see ddbBackupsTableNotFound).
func (s *Server) ddbFind(nameOrArn string, notFound func(name string) *apiError) (*ddbTable, *apiError) {
	name, arn, err := s.ddbName(nameOrArn)
	if err != nil {
		return nil, err
	}
	s.ddbSweep(time.Now())
	t := s.tables[arn]
	if t == nil {
		return nil, notFound(name)
	}
	return t, nil
}

// ddbTableOf decodes a request whose only member is TableName (DescribeTable,
// DeleteTable, DescribeTimeToLive, DescribeContinuousBackups) and returns
// the table it names, as ddbFind does.
func (s *Server) ddbTableOf(body []byte, notFound func(name string) *apiError) (*ddbTable, *apiError) {
	var in struct {
		TableName string `json:"TableName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return s.ddbFind(in.TableName, notFound)
}

// ddbFindArn returns the table a ResourceArn member names. A missing table
// is answered with notFound(arn): the tag operations and the resource policy
// operations word it differently.
func (s *Server) ddbFindArn(arn string, notFound func(arn string) *apiError) (*ddbTable, *apiError) {
	if arn == "" {
		return nil, ddbConstraint(nil, "resourceArn", "not be null")
	}
	if !ddbTableArnRe.MatchString(arn) {
		return nil, ddbValidation("Invalid TableArn: Invalid ResourceArn provided as input " + arn)
	}
	s.ddbSweep(time.Now())
	t := s.tables[arn]
	if t == nil {
		return nil, notFound(arn)
	}
	return t, nil
}

// ddbSweep forgets what has finished being deleted by now.
func (s *Server) ddbSweep(now time.Time) {
	for arn, t := range s.tables {
		if !t.goneAt.IsZero() && !now.Before(t.goneAt) {
			delete(s.tables, arn)
			continue
		}
		kept := t.gsis[:0]
		for _, ix := range t.gsis {
			if ix.pending != "DELETING" || now.Before(ix.readyAt) {
				kept = append(kept, ix)
			}
		}
		t.gsis = kept
	}
}

// status is the table's status at now.
func (t *ddbTable) status(now time.Time) string {
	switch {
	case !t.goneAt.IsZero():
		return "DELETING"
	case now.Before(t.activeAt):
		return "CREATING"
	case now.Before(t.updatingUntil):
		return "UPDATING"
	}
	return "ACTIVE"
}

func (ix *ddbIndex) status(now time.Time) string {
	if ix.pending != "" && now.Before(ix.readyAt) {
		return ix.pending
	}
	return "ACTIVE"
}

func ddbFindIndex(list []*ddbIndex, name string) *ddbIndex {
	for _, ix := range list {
		if ix.name == name {
			return ix
		}
	}
	return nil
}

// Validation shared by CreateTable and UpdateTable.

func ddbCheckKeySchema(keys []ddbKey, member string) *apiError {
	if len(keys) == 0 {
		return ddbConstraint(nil, member, "not be null")
	}
	if len(keys) > 2 {
		return ddbConstraint(fmt.Sprint(keys), member, "have length less than or equal to 2")
	}
	for i, k := range keys {
		m := fmt.Sprintf("%s.%d.member", member, i+1)
		if k.AttributeName == "" {
			return ddbConstraint(nil, m+".attributeName", "not be null")
		}
		if len(k.AttributeName) > 255 {
			return ddbConstraint(k.AttributeName, m+".attributeName", "have length less than or equal to 255")
		}
		if k.KeyType == "" {
			return ddbConstraint(nil, m+".keyType", "not be null")
		}
		if err := ddbEnum(k.KeyType, m+".keyType", ddbKeyTypes); err != nil {
			return err
		}
	}
	if keys[0].KeyType != "HASH" {
		return ddbValidation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	if len(keys) == 2 {
		if keys[1].KeyType != "RANGE" {
			return ddbValidation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
		}
		if keys[0].AttributeName == keys[1].AttributeName {
			return ddbValidation("Both the Hash Key and the Range Key element in the KeySchema have the same name")
		}
	}
	return nil
}

func ddbCheckAttrs(attrs []ddbAttr) *apiError {
	seen := map[string]bool{}
	for i, a := range attrs {
		m := fmt.Sprintf("attributeDefinitions.%d.member", i+1)
		if a.AttributeName == "" {
			return ddbConstraint(nil, m+".attributeName", "not be null")
		}
		if a.AttributeType == "" {
			return ddbConstraint(nil, m+".attributeType", "not be null")
		}
		if err := ddbEnum(a.AttributeType, m+".attributeType", ddbAttrTypes); err != nil {
			return err
		}
		if seen[a.AttributeName] {
			return ddbInvalid("Duplicate AttributeName in AttributeDefinitions: %s", a.AttributeName)
		}
		seen[a.AttributeName] = true
	}
	return nil
}

// ddbCheckThroughput checks a provisioned throughput's units.
func ddbCheckThroughput(tp *ddbThroughput, member string) *apiError {
	if tp.ReadCapacityUnits == nil {
		return ddbConstraint(nil, member+".readCapacityUnits", "not be null")
	}
	if tp.WriteCapacityUnits == nil {
		return ddbConstraint(nil, member+".writeCapacityUnits", "not be null")
	}
	if *tp.ReadCapacityUnits < 1 {
		return ddbConstraint(*tp.ReadCapacityUnits, member+".readCapacityUnits", "have value greater than or equal to 1")
	}
	if *tp.WriteCapacityUnits < 1 {
		return ddbConstraint(*tp.WriteCapacityUnits, member+".writeCapacityUnits", "have value greater than or equal to 1")
	}
	return nil
}

func ddbCheckOnDemand(od *ddbOnDemand, billing, member string) *apiError {
	if od == nil {
		return nil
	}
	if billing != ddbPayPerReq {
		return ddbInvalid("OnDemandThroughput can only be specified when BillingMode is PAY_PER_REQUEST")
	}
	for _, v := range []*int64{od.MaxReadRequestUnits, od.MaxWriteRequestUnits} {
		if v != nil && *v != -1 && *v < 1 {
			return ddbConstraint(*v, member, "have value -1 or greater than or equal to 1")
		}
	}
	return nil
}

func ddbCheckProjection(p *ddbProjection, member string) *apiError {
	if p == nil {
		return ddbConstraint(nil, member, "not be null")
	}
	if p.ProjectionType == "" {
		return ddbInvalid("Unknown ProjectionType: null")
	}
	if err := ddbEnum(p.ProjectionType, member+".projectionType", ddbProjectionTypes); err != nil {
		return err
	}
	if p.ProjectionType != "INCLUDE" && len(p.NonKeyAttributes) > 0 {
		return ddbInvalid("ProjectionType is %s, but NonKeyAttributes is specified", p.ProjectionType)
	}
	if p.ProjectionType == "INCLUDE" && len(p.NonKeyAttributes) == 0 {
		return ddbInvalid("NonKeyAttributes must not be empty when ProjectionType is INCLUDE")
	}
	return nil
}

// ddbCheckGSI checks a global secondary index to create under a billing mode.
func ddbCheckGSI(in ddbIndexIn, billing, member string) *apiError {
	if err := ddbCheckName(in.IndexName, member+".indexName"); err != nil {
		return err
	}
	if err := ddbCheckKeySchema(in.KeySchema, member+".keySchema"); err != nil {
		return err
	}
	if err := ddbCheckProjection(in.Projection, member+".projection"); err != nil {
		return err
	}
	switch {
	case billing == ddbProvisioned && in.ProvisionedThroughput == nil:
		return ddbInvalid("ProvisionedThroughput must be specified for index: %s", in.IndexName)
	case billing == ddbPayPerReq && in.ProvisionedThroughput != nil:
		return ddbInvalid("ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST", in.IndexName)
	case in.ProvisionedThroughput != nil:
		if err := ddbCheckThroughput(in.ProvisionedThroughput, member+".provisionedThroughput"); err != nil {
			return err
		}
	}
	return ddbCheckOnDemand(in.OnDemandThroughput, billing, member+".onDemandThroughput")
}

// ddbCheckAttrUse checks that the key attributes used are exactly those
// defined.
func ddbCheckAttrUse(attrs []ddbAttr, used []string, withIndexes bool) *apiError {
	defined := map[string]bool{}
	var defNames []string
	for _, a := range attrs {
		defined[a.AttributeName] = true
		defNames = append(defNames, a.AttributeName)
	}
	isUsed := map[string]bool{}
	var missing []string
	for _, u := range used {
		isUsed[u] = true
		if !defined[u] && !slices.Contains(missing, u) {
			missing = append(missing, u)
		}
	}
	if len(missing) > 0 {
		return ddbInvalid("Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
			strings.Join(missing, ", "), strings.Join(defNames, ", "))
	}
	for _, a := range attrs {
		if !isUsed[a.AttributeName] {
			if !withIndexes {
				return ddbInvalid("Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
			}
			var usedNames []string
			for _, u := range used {
				if !slices.Contains(usedNames, u) {
					usedNames = append(usedNames, u)
				}
			}
			return ddbInvalid("Some AttributeDefinitions are not used. AttributeDefinitions: [%s], keys used: [%s]",
				strings.Join(defNames, ", "), strings.Join(usedNames, ", "))
		}
	}
	return nil
}

func ddbKeyNames(keys []ddbKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.AttributeName
	}
	return out
}

func ddbCheckTags(tags []ddbTag, member string) *apiError {
	for i, t := range tags {
		m := fmt.Sprintf("%s.%d.member", member, i+1)
		if t.Key == "" {
			return ddbConstraint(nil, m+".key", "have length greater than or equal to 1")
		}
		if len(t.Key) > 128 {
			return ddbConstraint(t.Key, m+".key", "have length less than or equal to 128")
		}
		if len(t.Value) > 256 {
			return ddbConstraint(t.Value, m+".value", "have length less than or equal to 256")
		}
	}
	return nil
}

// ddbKMSKeyArn turns an SSE KMSMasterKeyId (key id, alias or ARN; "" for the
// AWS managed key) into the ARN DescribeTable shows.
func (s *Server) ddbKMSKeyArn(id string) string {
	switch {
	case strings.HasPrefix(id, "arn:"):
		return id
	case id == "":
		id = s.kmsKey
	case strings.HasPrefix(id, "alias/"):
		return fmt.Sprintf("arn:aws:kms:%s:%s:%s", s.Region, s.account(), id)
	}
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", s.Region, s.account(), id)
}

// ddbCheckSSE checks an SSESpecification and returns the KMS key ARN it
// selects ("" for the AWS-owned key).
func (s *Server) ddbCheckSSE(sse *ddbSSESpec) (string, *apiError) {
	if sse == nil {
		return "", nil
	}
	if err := ddbEnum(sse.SSEType, "sSESpecification.sSEType", ddbSSETypes); err != nil {
		return "", err
	}
	if sse.Enabled == nil || !*sse.Enabled {
		if sse.SSEType != "" || sse.KMSMasterKeyID != "" {
			return "", ddbInvalid("SSEType and KMSMasterKeyId can only be specified when SSE is enabled")
		}
		return "", nil
	}
	if sse.SSEType == "AES256" {
		return "", ddbInvalid("Server-Side Encryption type AES256 is not supported")
	}
	return s.ddbKMSKeyArn(sse.KMSMasterKeyID), nil
}

func ddbCheckStream(st *ddbStreamSpec) *apiError {
	if st == nil {
		return nil
	}
	if st.StreamEnabled == nil {
		return ddbConstraint(nil, "streamSpecification.streamEnabled", "not be null")
	}
	if err := ddbEnum(st.StreamViewType, "streamSpecification.streamViewType", ddbStreamViews); err != nil {
		return err
	}
	if *st.StreamEnabled && st.StreamViewType == "" {
		return ddbInvalid("StreamViewType must be specified when StreamEnabled is true")
	}
	return nil
}

// ddbStreamLabel is a stream label: the time it was enabled, to the
// millisecond, as AWS writes it.
func ddbStreamLabel(now time.Time) string { return now.UTC().Format("2006-01-02T15:04:05.000") }

func (c *ddbCapacity) set(read, write int64, now time.Time) {
	if read > c.read || write > c.write {
		c.lastIncrease = now
	}
	if read < c.read || write < c.write {
		c.lastDecrease = now
		day := now.UTC().Format("2006-01-02")
		if c.decreaseDay != day {
			c.decreaseDay, c.decreases = day, 0
		}
		c.decreases++
	}
	c.read, c.write = read, write
}

func (c *ddbCapacity) desc(now time.Time) ddbThroughputDesc {
	d := ddbThroughputDesc{ReadCapacityUnits: c.read, WriteCapacityUnits: c.write,
		LastIncreaseDateTime: ddbTimePtr(c.lastIncrease), LastDecreaseDateTime: ddbTimePtr(c.lastDecrease)}
	if c.decreaseDay == now.UTC().Format("2006-01-02") {
		d.NumberOfDecreasesToday = int64(c.decreases)
	}
	return d
}

// CreateTable.

func (s *Server) dynamoCreateTable(body []byte) (any, *apiError) {
	var in struct {
		TableName                 string         `json:"TableName"`
		AttributeDefinitions      []ddbAttr      `json:"AttributeDefinitions"`
		KeySchema                 []ddbKey       `json:"KeySchema"`
		BillingMode               string         `json:"BillingMode"`
		ProvisionedThroughput     *ddbThroughput `json:"ProvisionedThroughput"`
		OnDemandThroughput        *ddbOnDemand   `json:"OnDemandThroughput"`
		GlobalSecondaryIndexes    []ddbIndexIn   `json:"GlobalSecondaryIndexes"`
		LocalSecondaryIndexes     []ddbIndexIn   `json:"LocalSecondaryIndexes"`
		StreamSpecification       *ddbStreamSpec `json:"StreamSpecification"`
		SSESpecification          *ddbSSESpec    `json:"SSESpecification"`
		TableClass                string         `json:"TableClass"`
		DeletionProtectionEnabled *bool          `json:"DeletionProtectionEnabled"`
		ResourcePolicy            *string        `json:"ResourcePolicy"`
		Tags                      []ddbTag       `json:"Tags"`
		WarmThroughput            json.RawMessage
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, arn, err := s.ddbName(in.TableName)
	if err != nil {
		return nil, err
	}
	if arn != s.ddbTableArn(name) {
		return nil, ddbValidation("Invalid TableName: the table ARN " + arn + " is not in the caller's account and region")
	}
	if len(in.AttributeDefinitions) == 0 {
		return nil, ddbConstraint(nil, "attributeDefinitions", "not be null")
	}
	if err := ddbCheckAttrs(in.AttributeDefinitions); err != nil {
		return nil, err
	}
	if err := ddbCheckKeySchema(in.KeySchema, "keySchema"); err != nil {
		return nil, err
	}
	billing := in.BillingMode
	if billing == "" {
		billing = ddbProvisioned
	}
	if err := ddbEnum(billing, "billingMode", ddbBillingModes); err != nil {
		return nil, err
	}
	switch {
	case billing == ddbProvisioned && in.ProvisionedThroughput == nil:
		return nil, ddbInvalid("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
	case billing == ddbPayPerReq && in.ProvisionedThroughput != nil:
		return nil, ddbInvalid("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
	case in.ProvisionedThroughput != nil:
		if err := ddbCheckThroughput(in.ProvisionedThroughput, "provisionedThroughput"); err != nil {
			return nil, err
		}
	}
	if err := ddbCheckOnDemand(in.OnDemandThroughput, billing, "onDemandThroughput"); err != nil {
		return nil, err
	}
	if len(in.WarmThroughput) > 0 && string(in.WarmThroughput) != "null" {
		return nil, ddbValidation("WarmThroughput is not supported by this server")
	}

	used := ddbKeyNames(in.KeySchema)
	indexNames := map[string]bool{}
	if len(in.GlobalSecondaryIndexes) > ddbMaxGSIs {
		return nil, ddbInvalid("GlobalSecondaryIndex count exceeds the per-table limit of %d", ddbMaxGSIs)
	}
	for i, g := range in.GlobalSecondaryIndexes {
		if err := ddbCheckGSI(g, billing, fmt.Sprintf("globalSecondaryIndexes.%d.member", i+1)); err != nil {
			return nil, err
		}
		if indexNames[g.IndexName] {
			return nil, ddbInvalid("Duplicate index name: %s", g.IndexName)
		}
		indexNames[g.IndexName] = true
		used = append(used, ddbKeyNames(g.KeySchema)...)
	}
	if len(in.LocalSecondaryIndexes) > ddbMaxLSIs {
		return nil, ddbInvalid("LocalSecondaryIndex count exceeds the per-table limit of %d", ddbMaxLSIs)
	}
	for i, l := range in.LocalSecondaryIndexes {
		member := fmt.Sprintf("localSecondaryIndexes.%d.member", i+1)
		if err := ddbCheckName(l.IndexName, member+".indexName"); err != nil {
			return nil, err
		}
		if err := ddbCheckKeySchema(l.KeySchema, member+".keySchema"); err != nil {
			return nil, err
		}
		if err := ddbCheckProjection(l.Projection, member+".projection"); err != nil {
			return nil, err
		}
		if len(in.KeySchema) < 2 {
			return nil, ddbInvalid("Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
		}
		if len(l.KeySchema) != 2 || l.KeySchema[0].AttributeName != in.KeySchema[0].AttributeName {
			return nil, ddbInvalid("Index KeySchema does not have the same leading hash key as table KeySchema for index: %s", l.IndexName)
		}
		if indexNames[l.IndexName] {
			return nil, ddbInvalid("Duplicate index name: %s", l.IndexName)
		}
		indexNames[l.IndexName] = true
		used = append(used, ddbKeyNames(l.KeySchema)...)
	}
	withIndexes := len(in.GlobalSecondaryIndexes)+len(in.LocalSecondaryIndexes) > 0
	if err := ddbCheckAttrUse(in.AttributeDefinitions, used, withIndexes); err != nil {
		return nil, err
	}
	if err := ddbCheckStream(in.StreamSpecification); err != nil {
		return nil, err
	}
	sseKey, err := s.ddbCheckSSE(in.SSESpecification)
	if err != nil {
		return nil, err
	}
	if err := ddbEnum(in.TableClass, "tableClass", ddbTableClasses); err != nil {
		return nil, err
	}
	if in.ResourcePolicy != nil {
		if err := ddbCheckPolicy(*in.ResourcePolicy); err != nil {
			return nil, err
		}
	}
	if err := ddbCheckTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	s.ddbSweep(time.Now())
	if _, ok := s.tables[arn]; ok {
		return nil, ddbError("ResourceInUseException", "Table already exists: "+name)
	}

	now := time.Now()
	t := &ddbTable{
		name: name, arn: arn, id: newID(), created: now, activeAt: now.Add(s.Delays.TableCreate),
		attrs: append([]ddbAttr(nil), in.AttributeDefinitions...), keys: append([]ddbKey(nil), in.KeySchema...),
		billing: billing, billingSet: in.BillingMode != "", onDemand: in.OnDemandThroughput,
		sseKey: sseKey, class: ddbDefaultClass, protection: in.DeletionProtectionEnabled != nil && *in.DeletionProtectionEnabled,
		insights: "DISABLED", tags: map[string]string{},
	}
	if billing == ddbPayPerReq {
		t.lastPPR = now
	} else {
		t.throughput = ddbCapacity{read: *in.ProvisionedThroughput.ReadCapacityUnits, write: *in.ProvisionedThroughput.WriteCapacityUnits}
	}
	for _, g := range in.GlobalSecondaryIndexes {
		ix := &ddbIndex{name: g.IndexName, keys: append([]ddbKey(nil), g.KeySchema...), projection: *g.Projection,
			onDemand: g.OnDemandThroughput, pending: "CREATING", readyAt: t.activeAt}
		if g.ProvisionedThroughput != nil {
			ix.throughput = ddbCapacity{read: *g.ProvisionedThroughput.ReadCapacityUnits, write: *g.ProvisionedThroughput.WriteCapacityUnits}
		}
		t.gsis = append(t.gsis, ix)
	}
	for _, l := range in.LocalSecondaryIndexes {
		t.lsis = append(t.lsis, &ddbIndex{name: l.IndexName, keys: append([]ddbKey(nil), l.KeySchema...), projection: *l.Projection})
	}
	if st := in.StreamSpecification; st != nil && *st.StreamEnabled {
		t.streamOn, t.streamView, t.streamLabel = true, st.StreamViewType, ddbStreamLabel(now)
	}
	if in.TableClass != "" {
		t.class, t.classSet = in.TableClass, true
	}
	if in.ResourcePolicy != nil {
		t.policy, t.policyRev = *in.ResourcePolicy, ddbNewRevision(now)
	}
	for _, tag := range in.Tags {
		t.tags[tag.Key] = tag.Value
	}
	s.tables[arn] = t
	return map[string]any{"TableDescription": s.ddbDescribe(t, now)}, nil
}

// ddbDescribe is a table's TableDescription at now.
func (s *Server) ddbDescribe(t *ddbTable, now time.Time) ddbTableDesc {
	d := ddbTableDesc{
		TableName: t.name, TableArn: t.arn, TableID: t.id, TableStatus: t.status(now),
		CreationDateTime:     ddbTime(t.created),
		AttributeDefinitions: append([]ddbAttr{}, t.attrs...), KeySchema: append([]ddbKey{}, t.keys...),
		ProvisionedThroughput:     t.throughput.desc(now),
		OnDemandThroughput:        t.onDemand,
		DeletionProtectionEnabled: t.protection,
	}
	if t.billingSet || t.billing == ddbPayPerReq {
		d.BillingModeSummary = &ddbBillingSummary{BillingMode: t.billing, LastUpdateToPayPerRequestDateTime: ddbTimePtr(t.lastPPR)}
	}
	for _, ix := range t.gsis {
		g := ddbGSIDesc{
			IndexName: ix.name, IndexArn: t.arn + "/index/" + ix.name, IndexStatus: ix.status(now),
			KeySchema: append([]ddbKey{}, ix.keys...), Projection: ix.projection,
			ProvisionedThroughput: ix.throughput.desc(now), OnDemandThroughput: ix.onDemand,
		}
		if g.IndexStatus == "CREATING" && ix.backfilling {
			g.Backfilling = new(bool)
		}
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, g)
	}
	for _, ix := range t.lsis {
		d.LocalSecondaryIndexes = append(d.LocalSecondaryIndexes, ddbLSIDesc{
			IndexName: ix.name, IndexArn: t.arn + "/index/" + ix.name, KeySchema: append([]ddbKey{}, ix.keys...), Projection: ix.projection,
		})
	}
	if t.streamOn {
		on := true
		d.StreamSpecification = &ddbStreamSpec{StreamEnabled: &on, StreamViewType: t.streamView}
	}
	if t.streamLabel != "" {
		d.LatestStreamLabel = t.streamLabel
		d.LatestStreamArn = t.arn + "/stream/" + t.streamLabel
	}
	if t.sseKey != "" {
		d.SSEDescription = &ddbSSEDesc{Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: t.sseKey}
	}
	if t.classSet {
		d.TableClassSummary = &ddbClassSummary{TableClass: t.class, LastUpdateDateTime: ddbTimePtr(t.classAt)}
	}
	return d
}

// DescribeTable.

func (s *Server) dynamoDescribeTable(body []byte) (any, *apiError) {
	t, err := s.ddbTableOf(body, ddbTableNotFound)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Table": s.ddbDescribe(t, time.Now())}, nil
}

// UpdateTable.

type ddbIndexUpdate struct {
	Create *ddbIndexIn `json:"Create"`
	Update *struct {
		IndexName             string         `json:"IndexName"`
		ProvisionedThroughput *ddbThroughput `json:"ProvisionedThroughput"`
		OnDemandThroughput    *ddbOnDemand   `json:"OnDemandThroughput"`
	} `json:"Update"`
	Delete *struct {
		IndexName string `json:"IndexName"`
	} `json:"Delete"`
}

func ddbIsSet(raw json.RawMessage) bool {
	v := strings.TrimSpace(string(raw))
	return v != "" && v != "null" && v != "[]" && v != "{}"
}

func (s *Server) dynamoUpdateTable(body []byte) (any, *apiError) {
	var in struct {
		TableName                   string           `json:"TableName"`
		AttributeDefinitions        []ddbAttr        `json:"AttributeDefinitions"`
		BillingMode                 string           `json:"BillingMode"`
		ProvisionedThroughput       *ddbThroughput   `json:"ProvisionedThroughput"`
		OnDemandThroughput          *ddbOnDemand     `json:"OnDemandThroughput"`
		GlobalSecondaryIndexUpdates []ddbIndexUpdate `json:"GlobalSecondaryIndexUpdates"`
		StreamSpecification         *ddbStreamSpec   `json:"StreamSpecification"`
		SSESpecification            *ddbSSESpec      `json:"SSESpecification"`
		TableClass                  string           `json:"TableClass"`
		DeletionProtectionEnabled   *bool            `json:"DeletionProtectionEnabled"`
		ReplicaUpdates              json.RawMessage  `json:"ReplicaUpdates"`
		WarmThroughput              json.RawMessage  `json:"WarmThroughput"`
		MultiRegionConsistency      string           `json:"MultiRegionConsistency"`
		GlobalTableWitnessUpdates   json.RawMessage  `json:"GlobalTableWitnessUpdates"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	t, err := s.ddbFind(in.TableName, ddbTableNotFound)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if st := t.status(now); st != "ACTIVE" {
		return nil, ddbInUse(t, st)
	}
	if ddbIsSet(in.ReplicaUpdates) || ddbIsSet(in.WarmThroughput) || ddbIsSet(in.GlobalTableWitnessUpdates) || in.MultiRegionConsistency != "" {
		return nil, ddbValidation("Replicas, global tables and warm throughput are not supported by this server")
	}
	if in.BillingMode == "" && in.ProvisionedThroughput == nil && in.OnDemandThroughput == nil && len(in.GlobalSecondaryIndexUpdates) == 0 &&
		in.StreamSpecification == nil && in.SSESpecification == nil && in.TableClass == "" && in.DeletionProtectionEnabled == nil {
		return nil, ddbValidation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
	}
	if err := ddbEnum(in.BillingMode, "billingMode", ddbBillingModes); err != nil {
		return nil, err
	}
	if err := ddbCheckAttrs(in.AttributeDefinitions); err != nil {
		return nil, err
	}
	billing := t.billing
	if in.BillingMode != "" {
		billing = in.BillingMode
	}
	switching := billing != t.billing

	// Table throughput.
	switch {
	case billing == ddbPayPerReq && in.ProvisionedThroughput != nil:
		return nil, ddbInvalid("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
	case billing == ddbProvisioned && switching && in.ProvisionedThroughput == nil:
		return nil, ddbInvalid("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
	case in.ProvisionedThroughput != nil:
		if err := ddbCheckThroughput(in.ProvisionedThroughput, "provisionedThroughput"); err != nil {
			return nil, err
		}
	}
	if err := ddbCheckOnDemand(in.OnDemandThroughput, billing, "onDemandThroughput"); err != nil {
		return nil, err
	}

	// Index updates.
	attrs := append([]ddbAttr(nil), t.attrs...)
	for _, a := range in.AttributeDefinitions {
		found := false
		for i, o := range attrs {
			if o.AttributeName == a.AttributeName {
				attrs[i], found = a, true
			}
		}
		if !found {
			attrs = append(attrs, a)
		}
	}
	createsOrDeletes := 0
	updated := map[string]*ddbThroughput{}
	for i, u := range in.GlobalSecondaryIndexUpdates {
		member := fmt.Sprintf("globalSecondaryIndexUpdates.%d.member", i+1)
		n := 0
		for _, set := range []bool{u.Create != nil, u.Update != nil, u.Delete != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return nil, ddbInvalid("One of GlobalSecondaryIndexUpdate.Create, Update or Delete must be specified, and only one")
		}
		switch {
		case u.Create != nil:
			createsOrDeletes++
			if err := ddbCheckGSI(*u.Create, billing, member+".create"); err != nil {
				return nil, err
			}
			if ddbFindIndex(t.gsis, u.Create.IndexName) != nil || ddbFindIndex(t.lsis, u.Create.IndexName) != nil {
				return nil, ddbInvalid("Attempting to create an index which already exists: %s", u.Create.IndexName)
			}
			defined := map[string]bool{}
			for _, a := range attrs {
				defined[a.AttributeName] = true
			}
			var missing, defs []string
			for _, k := range u.Create.KeySchema {
				if !defined[k.AttributeName] {
					missing = append(missing, k.AttributeName)
				}
			}
			if len(missing) > 0 {
				for _, a := range attrs {
					defs = append(defs, a.AttributeName)
				}
				return nil, ddbInvalid("Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
					strings.Join(missing, ", "), strings.Join(defs, ", "))
			}
		case u.Delete != nil:
			createsOrDeletes++
			if ddbFindIndex(t.gsis, u.Delete.IndexName) == nil {
				return nil, ddbIndexNotFound(u.Delete.IndexName)
			}
		case u.Update != nil:
			if ddbFindIndex(t.gsis, u.Update.IndexName) == nil {
				return nil, ddbIndexNotFound(u.Update.IndexName)
			}
			switch tp := u.Update.ProvisionedThroughput; {
			case billing == ddbPayPerReq && tp != nil:
				return nil, ddbInvalid("ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST", u.Update.IndexName)
			case tp != nil:
				if err := ddbCheckThroughput(tp, member+".update.provisionedThroughput"); err != nil {
					return nil, err
				}
			case u.Update.OnDemandThroughput == nil:
				return nil, ddbInvalid("ProvisionedThroughput or OnDemandThroughput must be specified for index: %s", u.Update.IndexName)
			}
			if err := ddbCheckOnDemand(u.Update.OnDemandThroughput, billing, member+".update.onDemandThroughput"); err != nil {
				return nil, err
			}
			updated[u.Update.IndexName] = u.Update.ProvisionedThroughput
		}
	}
	if createsOrDeletes > 1 {
		return nil, ddbError("LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table")
	}
	if billing == ddbProvisioned && switching {
		for _, ix := range t.gsis {
			deleted := false
			for _, u := range in.GlobalSecondaryIndexUpdates {
				deleted = deleted || (u.Delete != nil && u.Delete.IndexName == ix.name)
			}
			if !deleted && updated[ix.name] == nil {
				return nil, ddbInvalid("ProvisionedThroughput must be specified for index: %s", ix.name)
			}
		}
	}
	if creates := ddbCountCreates(in.GlobalSecondaryIndexUpdates); len(t.gsis)+creates > ddbMaxGSIs {
		return nil, ddbInvalid("GlobalSecondaryIndex count exceeds the per-table limit of %d", ddbMaxGSIs)
	}

	// Stream, SSE, class.
	if err := ddbCheckStream(in.StreamSpecification); err != nil {
		return nil, err
	}
	if st := in.StreamSpecification; st != nil {
		if *st.StreamEnabled && t.streamOn {
			return nil, ddbValidation("Table already has an enabled stream: TableName: " + t.name)
		}
		if !*st.StreamEnabled && !t.streamOn {
			return nil, ddbValidation("Table already has a disabled stream: TableName: " + t.name)
		}
	}
	sseKey, err := s.ddbCheckSSE(in.SSESpecification)
	if err != nil {
		return nil, err
	}
	if err := ddbEnum(in.TableClass, "tableClass", ddbTableClasses); err != nil {
		return nil, err
	}
	if tp := in.ProvisionedThroughput; tp != nil && !switching && len(in.GlobalSecondaryIndexUpdates) == 0 && in.StreamSpecification == nil &&
		in.SSESpecification == nil && in.TableClass == "" && in.DeletionProtectionEnabled == nil && in.OnDemandThroughput == nil &&
		*tp.ReadCapacityUnits == t.throughput.read && *tp.WriteCapacityUnits == t.throughput.write {
		return nil, ddbValidation(fmt.Sprintf("The provisioned throughput for the table will not change. The requested value equals the current value. "+
			"Current ReadCapacityUnits provisioned for the table: %d. Requested ReadCapacityUnits: %d. "+
			"Current WriteCapacityUnits provisioned for the table: %d. Requested WriteCapacityUnits: %d. "+
			"Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
			t.throughput.read, *tp.ReadCapacityUnits, t.throughput.write, *tp.WriteCapacityUnits))
	}

	// Apply.
	t.updatingUntil = now.Add(s.Delays.TableUpdate)
	t.updates++
	if in.BillingMode != "" {
		t.billingSet = true
	}
	if switching {
		t.billing = billing
		if billing == ddbPayPerReq {
			t.lastPPR = now
			t.throughput.set(0, 0, now)
			for _, ix := range t.gsis {
				ix.throughput.set(0, 0, now)
			}
		} else {
			t.onDemand = nil
			for _, ix := range t.gsis {
				ix.onDemand = nil
			}
		}
	}
	if tp := in.ProvisionedThroughput; tp != nil {
		t.throughput.set(*tp.ReadCapacityUnits, *tp.WriteCapacityUnits, now)
	}
	if in.OnDemandThroughput != nil {
		t.onDemand = in.OnDemandThroughput
	}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		switch {
		case u.Create != nil:
			ix := &ddbIndex{name: u.Create.IndexName, keys: append([]ddbKey(nil), u.Create.KeySchema...), projection: *u.Create.Projection,
				onDemand: u.Create.OnDemandThroughput, pending: "CREATING", readyAt: t.updatingUntil, backfilling: true}
			if tp := u.Create.ProvisionedThroughput; tp != nil {
				ix.throughput = ddbCapacity{read: *tp.ReadCapacityUnits, write: *tp.WriteCapacityUnits}
			}
			t.gsis = append(t.gsis, ix)
		case u.Delete != nil:
			ix := ddbFindIndex(t.gsis, u.Delete.IndexName)
			ix.pending, ix.readyAt = "DELETING", t.updatingUntil
		case u.Update != nil:
			ix := ddbFindIndex(t.gsis, u.Update.IndexName)
			ix.pending, ix.readyAt = "UPDATING", t.updatingUntil
			if tp := u.Update.ProvisionedThroughput; tp != nil {
				ix.throughput.set(*tp.ReadCapacityUnits, *tp.WriteCapacityUnits, now)
			}
			if u.Update.OnDemandThroughput != nil {
				ix.onDemand = u.Update.OnDemandThroughput
			}
		}
	}
	// The table's definitions are those its keys and remaining indexes use.
	var used []string
	used = append(used, ddbKeyNames(t.keys)...)
	for _, ix := range append(append([]*ddbIndex{}, t.gsis...), t.lsis...) {
		if ix.pending != "DELETING" {
			used = append(used, ddbKeyNames(ix.keys)...)
		}
	}
	t.attrs = t.attrs[:0]
	for _, a := range attrs {
		if slices.Contains(used, a.AttributeName) {
			t.attrs = append(t.attrs, a)
		}
	}
	if st := in.StreamSpecification; st != nil {
		t.streamOn = *st.StreamEnabled
		if t.streamOn {
			t.streamView, t.streamLabel = st.StreamViewType, ddbStreamLabel(now)
		} else {
			t.streamView = ""
		}
	}
	if in.SSESpecification != nil {
		t.sseKey = sseKey
	}
	if in.TableClass != "" {
		t.class, t.classSet, t.classAt = in.TableClass, true, now
	}
	if in.DeletionProtectionEnabled != nil {
		t.protection = *in.DeletionProtectionEnabled
	}
	return map[string]any{"TableDescription": s.ddbDescribe(t, now)}, nil
}

func ddbCountCreates(updates []ddbIndexUpdate) int {
	n := 0
	for _, u := range updates {
		if u.Create != nil {
			n++
		}
	}
	return n
}

// DeleteTable.

func (s *Server) dynamoDeleteTable(body []byte) (any, *apiError) {
	t, err := s.ddbTableOf(body, ddbTableNotFound)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if st := t.status(now); st != "ACTIVE" {
		return nil, ddbInUse(t, st)
	}
	if t.protection {
		return nil, ddbValidation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	}
	// The answer says DELETING even without a delay; the table is gone
	// for the next call once goneAt has passed.
	t.goneAt = now.Add(s.Delays.TableUpdate)
	s.ddbPlaneForget(t)
	return map[string]any{"TableDescription": s.ddbDescribe(t, now)}, nil
}

// Time to live.

func (s *Server) dynamoDescribeTimeToLive(body []byte) (any, *apiError) {
	t, err := s.ddbTableOf(body, ddbTableNotFound)
	if err != nil {
		return nil, err
	}
	type ttlDesc struct {
		TimeToLiveStatus string `json:"TimeToLiveStatus"`
		AttributeName    string `json:"AttributeName,omitempty"`
	}
	d := ttlDesc{TimeToLiveStatus: "DISABLED"}
	if t.ttlOn {
		d = ttlDesc{TimeToLiveStatus: "ENABLED", AttributeName: t.ttlAttr}
	}
	return map[string]any{"TimeToLiveDescription": d}, nil
}

func (s *Server) dynamoUpdateTimeToLive(body []byte) (any, *apiError) {
	type ttlSpec struct {
		AttributeName string `json:"AttributeName"`
		Enabled       *bool  `json:"Enabled"`
	}
	var in struct {
		TableName               string   `json:"TableName"`
		TimeToLiveSpecification *ttlSpec `json:"TimeToLiveSpecification"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	spec := in.TimeToLiveSpecification
	switch {
	case spec == nil:
		return nil, ddbConstraint(nil, "timeToLiveSpecification", "not be null")
	case spec.Enabled == nil:
		return nil, ddbConstraint(nil, "timeToLiveSpecification.enabled", "not be null")
	case spec.AttributeName == "":
		return nil, ddbConstraint(nil, "timeToLiveSpecification.attributeName", "not be null")
	case len(spec.AttributeName) > 255:
		return nil, ddbConstraint(spec.AttributeName, "timeToLiveSpecification.attributeName", "have length less than or equal to 255")
	}
	t, err := s.ddbFind(in.TableName, ddbTableNotFound)
	if err != nil {
		return nil, err
	}
	if st := t.status(time.Now()); st == "CREATING" || st == "DELETING" {
		return nil, ddbInUse(t, st)
	}
	switch {
	case *spec.Enabled && t.ttlOn && t.ttlAttr == spec.AttributeName:
		return nil, ddbValidation("TimeToLive is already enabled")
	case t.ttlOn && t.ttlAttr != spec.AttributeName:
		return nil, ddbValidation("TimeToLive is active on a different AttributeName: current AttributeName is " + t.ttlAttr)
	case !*spec.Enabled && !t.ttlOn:
		return nil, ddbValidation("TimeToLive is already disabled")
	}
	t.ttlOn = *spec.Enabled
	t.ttlAttr = ""
	if t.ttlOn {
		t.ttlAttr = spec.AttributeName
	}
	return map[string]any{"TimeToLiveSpecification": spec}, nil
}

// Continuous backups.

func (s *Server) ddbBackupsDesc(t *ddbTable, now time.Time) any {
	type pitrDesc struct {
		PointInTimeRecoveryStatus  string   `json:"PointInTimeRecoveryStatus"`
		EarliestRestorableDateTime *float64 `json:"EarliestRestorableDateTime,omitempty"`
		LatestRestorableDateTime   *float64 `json:"LatestRestorableDateTime,omitempty"`
		RecoveryPeriodInDays       *int32   `json:"RecoveryPeriodInDays,omitempty"`
	}
	p := pitrDesc{PointInTimeRecoveryStatus: "DISABLED"}
	if t.pitr {
		latest := now.Add(-5 * time.Minute)
		if latest.Before(t.pitrSince) {
			latest = t.pitrSince
		}
		days := t.pitrDays
		p = pitrDesc{PointInTimeRecoveryStatus: "ENABLED", EarliestRestorableDateTime: ddbTimePtr(t.pitrSince),
			LatestRestorableDateTime: ddbTimePtr(latest), RecoveryPeriodInDays: &days}
	}
	return map[string]any{"ContinuousBackupsDescription": map[string]any{
		"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": p,
	}}
}

func (s *Server) dynamoDescribeContinuousBackups(body []byte) (any, *apiError) {
	t, err := s.ddbTableOf(body, ddbBackupsTableNotFound)
	if err != nil {
		return nil, err
	}
	return s.ddbBackupsDesc(t, time.Now()), nil
}

func (s *Server) dynamoUpdateContinuousBackups(body []byte) (any, *apiError) {
	var in struct {
		TableName                        string `json:"TableName"`
		PointInTimeRecoverySpecification *struct {
			PointInTimeRecoveryEnabled *bool  `json:"PointInTimeRecoveryEnabled"`
			RecoveryPeriodInDays       *int32 `json:"RecoveryPeriodInDays"`
		} `json:"PointInTimeRecoverySpecification"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	spec := in.PointInTimeRecoverySpecification
	switch {
	case spec == nil:
		return nil, ddbConstraint(nil, "pointInTimeRecoverySpecification", "not be null")
	case spec.PointInTimeRecoveryEnabled == nil:
		return nil, ddbConstraint(nil, "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled", "not be null")
	case spec.RecoveryPeriodInDays != nil && !*spec.PointInTimeRecoveryEnabled:
		return nil, ddbValidation("Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery.")
	case spec.RecoveryPeriodInDays != nil && (*spec.RecoveryPeriodInDays < 1 || *spec.RecoveryPeriodInDays > 35):
		return nil, ddbConstraint(*spec.RecoveryPeriodInDays, "pointInTimeRecoverySpecification.recoveryPeriodInDays",
			"have value between 1 and 35")
	}
	t, err := s.ddbFind(in.TableName, ddbBackupsTableNotFound)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	switch t.status(now) {
	case "CREATING":
		return nil, ddbError("ContinuousBackupsUnavailableException", "Backups are being enabled for the table: "+t.name+". Please retry later")
	case "DELETING":
		return nil, ddbBackupsTableNotFound(t.name)
	}
	if *spec.PointInTimeRecoveryEnabled {
		days := int32(35)
		if spec.RecoveryPeriodInDays != nil {
			days = *spec.RecoveryPeriodInDays
		}
		if !t.pitr {
			t.pitrSince = now
		}
		t.pitr, t.pitrDays = true, days
	} else {
		t.pitr, t.pitrSince, t.pitrDays = false, time.Time{}, 0
	}
	return s.ddbBackupsDesc(t, now), nil
}

// Contributor insights.

func (t *ddbTable) insightsStatus(now time.Time) string {
	if now.Before(t.insightsAt) {
		if t.insights == "ENABLED" {
			return "ENABLING"
		}
		return "DISABLING"
	}
	return t.insights
}

func (s *Server) ddbInsightsTarget(tableName, indexName string) (*ddbTable, *apiError) {
	t, err := s.ddbFind(tableName, ddbTableNotFound)
	if err != nil {
		return nil, err
	}
	if indexName != "" && ddbFindIndex(t.gsis, indexName) == nil {
		return nil, ddbIndexNotFound(indexName)
	}
	return t, nil
}

func (s *Server) dynamoDescribeContributorInsights(body []byte) (any, *apiError) {
	var in struct {
		TableName string `json:"TableName"`
		IndexName string `json:"IndexName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	t, err := s.ddbInsightsTarget(in.TableName, in.IndexName)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"TableName": t.name, "ContributorInsightsStatus": "DISABLED"}
	if in.IndexName != "" {
		out["IndexName"] = in.IndexName
	} else {
		now := time.Now()
		out["ContributorInsightsStatus"] = t.insightsStatus(now)
		if !t.insightsAt.IsZero() {
			out["LastUpdateDateTime"] = ddbTime(t.insightsAt)
		}
		if t.insights == "ENABLED" {
			prefix := "DynamoDBContributorInsights-"
			out["ContributorInsightsRuleList"] = []string{prefix + "PKC-" + t.name, prefix + "PKT-" + t.name}
		}
	}
	return out, nil
}

func (s *Server) dynamoUpdateContributorInsights(body []byte) (any, *apiError) {
	var in struct {
		TableName                 string `json:"TableName"`
		IndexName                 string `json:"IndexName"`
		ContributorInsightsAction string `json:"ContributorInsightsAction"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.ContributorInsightsAction == "" {
		return nil, ddbConstraint(nil, "contributorInsightsAction", "not be null")
	}
	if err := ddbEnum(in.ContributorInsightsAction, "contributorInsightsAction", []string{"ENABLE", "DISABLE"}); err != nil {
		return nil, err
	}
	t, err := s.ddbInsightsTarget(in.TableName, in.IndexName)
	if err != nil {
		return nil, err
	}
	if in.IndexName != "" {
		return nil, ddbValidation("Contributor insights on indexes are not supported by this server")
	}
	now := time.Now()
	if st := t.status(now); st == "CREATING" || st == "DELETING" {
		return nil, ddbInUse(t, st)
	}
	want := in.ContributorInsightsAction + "D"
	if t.insights != want || now.Before(t.insightsAt) {
		t.insights, t.insightsAt = want, now.Add(s.Delays.TableUpdate)
	}
	return map[string]any{"TableName": t.name, "ContributorInsightsStatus": t.insightsStatus(now)}, nil
}

// Tags.

func ddbTagsNotFound(arn string) *apiError {
	return ddbError("ResourceNotFoundException", "Requested resource not found: ResourcArn: "+arn+" not found")
}

func (s *Server) dynamoListTagsOfResource(body []byte) (any, *apiError) {
	var in struct {
		ResourceArn string `json:"ResourceArn"`
		NextToken   string `json:"NextToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	t, err := s.ddbFindArn(in.ResourceArn, ddbTagsNotFound)
	if err != nil {
		return nil, err
	}
	tags := []ddbTag{}
	for _, k := range sortedKeys(t.tags) {
		tags = append(tags, ddbTag{k, t.tags[k]})
	}
	return map[string]any{"Tags": tags}, nil
}

func (s *Server) dynamoTagResource(body []byte) (any, *apiError) {
	var in struct {
		ResourceArn string   `json:"ResourceArn"`
		Tags        []ddbTag `json:"Tags"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, ddbConstraint(nil, "tags", "not be null")
	}
	if err := ddbCheckTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	t, err := s.ddbFindArn(in.ResourceArn, ddbTagsNotFound)
	if err != nil {
		return nil, err
	}
	for _, tag := range in.Tags {
		t.tags[tag.Key] = tag.Value
	}
	return struct{}{}, nil
}

func (s *Server) dynamoUntagResource(body []byte) (any, *apiError) {
	var in struct {
		ResourceArn string   `json:"ResourceArn"`
		TagKeys     []string `json:"TagKeys"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.TagKeys == nil {
		return nil, ddbConstraint(nil, "tagKeys", "not be null")
	}
	t, err := s.ddbFindArn(in.ResourceArn, ddbTagsNotFound)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(t.tags, k)
	}
	return struct{}{}, nil
}

// Resource policies.

// ddbNewRevision is a policy revision id: a number from the time, as AWS's
// are (in microseconds, so that two puts in a row differ).
func ddbNewRevision(now time.Time) string { return strconv.FormatInt(now.UnixMicro(), 10) }

func ddbCheckPolicy(doc string) *apiError {
	var v map[string]any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return ddbValidation("Invalid policy document: the policy is not valid JSON")
	}
	if _, ok := v["Statement"]; !ok {
		return ddbValidation("Invalid policy document: Missing required field Statement")
	}
	return nil
}

// ddbPolicyTableNotFound is how the resource policy operations answer a
// missing table: by its name, as DescribeTable does, though they are given
// its ARN (which ddbFindArn has already matched against ddbTableArnRe).
func ddbPolicyTableNotFound(arn string) *apiError {
	return ddbTableNotFound(ddbTableArnRe.FindStringSubmatch(arn)[3])
}

func ddbPolicyNotFound(arn string) *apiError {
	return ddbError("PolicyNotFoundException", "Resource-based policy not found for the provided ResourceArn: "+arn)
}

func (s *Server) dynamoGetResourcePolicy(body []byte) (any, *apiError) {
	var in struct {
		ResourceArn string `json:"ResourceArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	t, err := s.ddbFindArn(in.ResourceArn, ddbPolicyTableNotFound)
	if err != nil {
		return nil, err
	}
	if t.policy == "" {
		return nil, ddbPolicyNotFound(in.ResourceArn)
	}
	return map[string]any{"Policy": t.policy, "RevisionId": t.policyRev}, nil
}

func (s *Server) dynamoPutResourcePolicy(body []byte) (any, *apiError) {
	var in struct {
		ResourceArn        string `json:"ResourceArn"`
		Policy             string `json:"Policy"`
		ExpectedRevisionID string `json:"ExpectedRevisionId"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Policy == "" {
		return nil, ddbConstraint(nil, "policy", "not be null")
	}
	if err := ddbCheckPolicy(in.Policy); err != nil {
		return nil, err
	}
	t, err := s.ddbFindArn(in.ResourceArn, ddbPolicyTableNotFound)
	if err != nil {
		return nil, err
	}
	if st := t.status(time.Now()); st == "CREATING" || st == "DELETING" {
		return nil, ddbInUse(t, st)
	}
	if in.ExpectedRevisionID != "" && in.ExpectedRevisionID != t.policyRev {
		return nil, ddbError("PolicyNotFoundException", "A policy with the provided ExpectedRevisionId does not exist for the provided ResourceArn: "+in.ResourceArn)
	}
	t.policy, t.policyRev = in.Policy, ddbNewRevision(time.Now())
	return map[string]any{"RevisionId": t.policyRev}, nil
}

func (s *Server) dynamoDeleteResourcePolicy(body []byte) (any, *apiError) {
	var in struct {
		ResourceArn        string `json:"ResourceArn"`
		ExpectedRevisionID string `json:"ExpectedRevisionId"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	t, err := s.ddbFindArn(in.ResourceArn, ddbPolicyTableNotFound)
	if err != nil {
		return nil, err
	}
	if t.policy == "" || (in.ExpectedRevisionID != "" && in.ExpectedRevisionID != t.policyRev) {
		return nil, ddbPolicyNotFound(in.ResourceArn)
	}
	t.policy, t.policyRev = "", ""
	return map[string]any{"RevisionId": ddbNewRevision(time.Now())}, nil
}

// dynamoResources lists the ARNs of the tables that exist, DELETING ones
// included until they are gone (call with s.mu held).
func (s *Server) dynamoResources() []string {
	s.ddbSweep(time.Now())
	out := make([]string, 0, len(s.tables))
	for arn := range s.tables {
		out = append(out, arn)
	}
	sort.Strings(out)
	return out
}

// Table returns a snapshot of a table of the server's account, by name or
// ARN, and whether it exists (a DELETING table still does).
func (s *Server) Table(nameOrArn string) (Table, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.ddbSweep(now)
	arn := nameOrArn
	if !strings.HasPrefix(arn, "arn:") {
		arn = fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", s.Region, s.AccountID, nameOrArn)
	}
	t, ok := s.tables[arn]
	if !ok {
		return Table{}, false
	}
	out := Table{
		Name: t.name, Arn: t.arn, ID: t.id, Status: t.status(now), Created: t.created,
		BillingMode: t.billing, ReadCapacity: t.throughput.read, WriteCapacity: t.throughput.write,
		TTLEnabled: t.ttlOn, TTLAttribute: t.ttlAttr, PointInTimeRecovery: t.pitr, SSEKMSKeyArn: t.sseKey,
		StreamEnabled: t.streamOn, StreamViewType: t.streamView, TableClass: t.class, DeletionProtection: t.protection,
		ContributorInsights: t.insightsStatus(now), ResourcePolicy: t.policy, Tags: copyStrings(t.tags), Updates: t.updates,
	}
	for _, k := range t.keys {
		out.KeySchema = append(out.KeySchema, TableKey(k))
	}
	for _, a := range t.attrs {
		out.AttributeDefinitions = append(out.AttributeDefinitions, TableAttribute(a))
	}
	for _, ix := range t.gsis {
		out.GlobalSecondaryIndexes = append(out.GlobalSecondaryIndexes, ix.snapshot(now, true))
	}
	for _, ix := range t.lsis {
		out.LocalSecondaryIndexes = append(out.LocalSecondaryIndexes, ix.snapshot(now, false))
	}
	if t.streamLabel != "" {
		out.LatestStreamArn = t.arn + "/stream/" + t.streamLabel
	}
	return out, true
}

func (ix *ddbIndex) snapshot(now time.Time, global bool) TableIndex {
	out := TableIndex{Name: ix.name, ProjectionType: ix.projection.ProjectionType,
		NonKeyAttributes: append([]string(nil), ix.projection.NonKeyAttributes...)}
	for _, k := range ix.keys {
		out.KeySchema = append(out.KeySchema, TableKey(k))
	}
	if global {
		out.ReadCapacity, out.WriteCapacity, out.Status = ix.throughput.read, ix.throughput.write, ix.status(now)
	}
	return out
}
