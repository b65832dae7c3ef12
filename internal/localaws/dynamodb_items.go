package localaws

// DynamoDB's data plane (items): GetItem, PutItem, UpdateItem, DeleteItem,
// Query, Scan, BatchGetItem, BatchWriteItem, TransactWriteItems and
// TransactGetItems are not played here but forwarded, as they came (the same
// JSON 1.0 body and X-Amz-Target), to a DynamoDB data plane:
// SetDynamoDBDataPlane names its endpoint, a dynalite (internal/dynalite)
// that make run-local starts. Calls are counted as "dynamodb:<Operation>"
// and faults apply as to any operation.
//
// As AWS documents it:
//
//   - The tables are the server's own (dynamodb.go): a request that names a
//     table the server does not have, or one still CREATING or already
//     DELETING, answers ResourceNotFoundException "Requested resource not
//     found" without reaching the data plane. A table given by its ARN in
//     TableName is passed on by name.
//   - The data plane gets each table the first time a request names it,
//     made from the server's description (key schema, attribute definitions,
//     global and local secondary indexes with their projections; billing
//     PAY_PER_REQUEST whatever the server's table says); a table the server
//     deletes is deleted there too (in the background), and one deleted and
//     made again under the same name starts empty.
//   - A success passes through as the data plane wrote it, with the
//     X-Amz-Crc32 header the SDK checks against the body. An error answers
//     with the data plane's HTTP status, code (the part of __type after '#')
//     and message, which is what the SDK reads of it.
//
// Where it simplifies: what the data plane does not implement answers what
// it answers — dynalite has no transactions, PartiQL or
// ReturnValuesOnConditionCheckFailure, so TransactWriteItems and
// TransactGetItems answer its UnknownOperationException; ItemCount and
// TableSizeBytes stay 0 (AWS updates them every six hours); the tables of a
// BatchGetItem, BatchWriteItem or transaction are checked by name but passed
// on as given (an ARN key there fails validation in dynalite); indexes added
// by UpdateTable after the table reached the data plane are not made there;
// the data plane belongs to one Server (a table of the same name already
// there is replaced the first time) and holds tables by name alone, so two
// accounts' tables of one name would replace each other there (the seed's
// stack has its tables in one account). Without a data plane these operations
// answer UnknownOperationException saying so: the server keeps no items.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Bounds of a call to the data plane.
const (
	ddbPlaneTimeout  = 30 * time.Second
	ddbPlaneMaxBody  = 32 << 20 // BatchGetItem answers up to 16 MB
	ddbPlaneActiveBy = 10 * time.Second
)

// ddbDataPlane is where items live.
type ddbDataPlane struct {
	endpoint string
	client   *http.Client
	// mu serializes making and deleting tables there; tables maps a table
	// name to the TableId of the server's table whose copy the data plane
	// holds.
	mu     sync.Mutex
	tables map[string]string
}

// SetDynamoDBDataPlane makes the server forward DynamoDB's item operations
// to the DynamoDB server at endpoint (a dynalite's http://127.0.0.1:<port>);
// "" stops it. The data plane is the server's alone: it makes and deletes
// tables there as the server's tables come and go.
func (s *Server) SetDynamoDBDataPlane(endpoint string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if endpoint == "" {
		s.ddbPlane = nil
		return
	}
	s.ddbPlane = &ddbDataPlane{
		endpoint: strings.TrimSuffix(endpoint, "/"),
		client:   &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 8, IdleConnTimeout: 30 * time.Second}},
		tables:   map[string]string{},
	}
}

// dynamoItems is the handler of a data-plane operation: dynamoOps's entries
// for them (dynamodb.go).
func dynamoItems(op string) func(*Server, []byte) (any, *apiError) {
	return func(s *Server, body []byte) (any, *apiError) { return s.dynamoForward(op, body) }
}

// ddbPlaneTable is what the data plane needs of a server's table.
type ddbPlaneTable struct {
	name, id string
	create   []byte // CreateTable's request
}

// dynamoForward checks the tables a request names and forwards it (called
// with s.mu held, which it releases while it waits for the data plane).
func (s *Server) dynamoForward(op string, body []byte) (any, *apiError) {
	plane := s.ddbPlane
	if plane == nil {
		return nil, ddbError("UnknownOperationException", "localaws keeps no DynamoDB items: "+op+
			" needs a data plane (Server.SetDynamoDBDataPlane with a dynalite endpoint, as make run-local sets)")
	}
	names, body, err := ddbRequestTables(op, body)
	if err != nil {
		return nil, err
	}
	tables := make([]ddbPlaneTable, 0, len(names))
	now := time.Now()
	for _, n := range names {
		t, apiErr := s.ddbFind(n, func(string) *apiError { return ddbItemsNotFound() })
		if apiErr != nil {
			return nil, apiErr
		}
		if st := t.status(now); st == "CREATING" || st == "DELETING" {
			return nil, ddbItemsNotFound()
		}
		tables = append(tables, ddbPlaneTable{name: t.name, id: t.id, create: t.planeCreateRequest()})
	}
	ctx, cancel := context.WithTimeout(s.bgCtx, ddbPlaneTimeout)
	defer cancel()
	var out any
	var apiErr *apiError
	s.unlocked(func() {
		if apiErr = plane.ensure(ctx, tables); apiErr == nil {
			out, apiErr = plane.forward(ctx, op, body)
		}
	})
	return out, apiErr
}

// ddbItemsNotFound is the data plane operations' answer for a table that is
// not there (or not ACTIVE yet).
func ddbItemsNotFound() *apiError {
	return ddbError("ResourceNotFoundException", "Requested resource not found")
}

// ddbRequestTables returns the names of the tables a request names (ARNs
// included, for ddbFind), and the body to forward: a TableName given as an
// ARN becomes the table's name.
func ddbRequestTables(op string, body []byte) ([]string, []byte, *apiError) {
	switch op {
	case "BatchGetItem", "BatchWriteItem":
		var in struct {
			RequestItems map[string]json.RawMessage `json:"RequestItems"`
		}
		if err := decode(body, &in); err != nil {
			return nil, nil, err
		}
		return sortedKeys(in.RequestItems), body, nil
	case "TransactWriteItems", "TransactGetItems":
		type named struct {
			TableName string `json:"TableName"`
		}
		var in struct {
			TransactItems []map[string]named `json:"TransactItems"`
		}
		if err := decode(body, &in); err != nil {
			return nil, nil, err
		}
		seen := map[string]bool{}
		var out []string
		for _, item := range in.TransactItems {
			for _, action := range item {
				if action.TableName != "" && !seen[action.TableName] {
					seen[action.TableName] = true
					out = append(out, action.TableName)
				}
			}
		}
		return out, body, nil
	}
	var in map[string]json.RawMessage
	if err := decode(body, &in); err != nil {
		return nil, nil, err
	}
	var name string
	if raw, ok := in["TableName"]; !ok || json.Unmarshal(raw, &name) != nil || name == "" {
		return nil, body, nil // the data plane answers the ValidationException
	}
	if m := ddbTableArnRe.FindStringSubmatch(name); m != nil {
		in["TableName"], _ = json.Marshal(m[3])
		rewritten, err := json.Marshal(in)
		if err != nil {
			return nil, nil, &apiError{http.StatusInternalServerError, "InternalServerError", err.Error()}
		}
		body = rewritten
	}
	return []string{name}, body, nil
}

// planeCreateRequest is the CreateTable request that makes the table in the
// data plane.
func (t *ddbTable) planeCreateRequest() []byte {
	type index struct {
		IndexName  string        `json:"IndexName"`
		KeySchema  []ddbKey      `json:"KeySchema"`
		Projection ddbProjection `json:"Projection"`
	}
	in := struct {
		TableName              string    `json:"TableName"`
		AttributeDefinitions   []ddbAttr `json:"AttributeDefinitions"`
		KeySchema              []ddbKey  `json:"KeySchema"`
		BillingMode            string    `json:"BillingMode"`
		GlobalSecondaryIndexes []index   `json:"GlobalSecondaryIndexes,omitempty"`
		LocalSecondaryIndexes  []index   `json:"LocalSecondaryIndexes,omitempty"`
	}{TableName: t.name, AttributeDefinitions: t.attrs, KeySchema: t.keys, BillingMode: ddbPayPerReq}
	for _, ix := range t.gsis {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, index{ix.name, ix.keys, ix.projection})
	}
	for _, ix := range t.lsis {
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, index{ix.name, ix.keys, ix.projection})
	}
	b, _ := json.Marshal(in)
	return b
}

// ensure makes the tables in the data plane that it does not hold yet (or
// holds for an older table of the same name), and waits until they are
// ACTIVE.
func (p *ddbDataPlane) ensure(ctx context.Context, tables []ddbPlaneTable) *apiError {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range tables {
		if p.tables[t.name] == t.id {
			continue
		}
		// A table of that name may be there: an older one of this server's,
		// or one this data plane's last user left.
		if err := p.dropTable(ctx, t.name); err != nil {
			return err
		}
		delete(p.tables, t.name)
		if _, _, err := p.call(ctx, "CreateTable", t.create); err != nil {
			return p.failed("making table "+t.name, err)
		}
		if err := p.waitActive(ctx, t.name); err != nil {
			return err
		}
		p.tables[t.name] = t.id
	}
	return nil
}

// forget deletes the data plane's copy of a table the server deleted, if
// it holds that one (background work of DeleteTable).
func (p *ddbDataPlane) forget(ctx context.Context, name, id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tables[name] != id {
		return
	}
	delete(p.tables, name)
	_ = p.dropTable(ctx, name)
}

// dropTable deletes a table of the data plane and waits until it is gone; a
// table that is not there is fine.
func (p *ddbDataPlane) dropTable(ctx context.Context, name string) *apiError {
	req, _ := json.Marshal(map[string]string{"TableName": name})
	_, _, err := p.call(ctx, "DeleteTable", req)
	if err != nil && err.Code == "ResourceNotFoundException" {
		return nil
	}
	if err != nil {
		return p.failed("deleting table "+name, err)
	}
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		_, _, err := p.call(ctx, "DescribeTable", req)
		if err != nil && err.Code == "ResourceNotFoundException" {
			return nil
		}
		if !sleepCtx(ctx, delay) {
			return p.failed("deleting table "+name, &apiError{http.StatusInternalServerError, "InternalServerError", "the table was not gone in time"})
		}
	}
}

// waitActive waits (at most ddbPlaneActiveBy) until the data plane's table
// is ACTIVE.
func (p *ddbDataPlane) waitActive(ctx context.Context, name string) *apiError {
	ctx, cancel := context.WithTimeout(ctx, ddbPlaneActiveBy)
	defer cancel()
	req, _ := json.Marshal(map[string]string{"TableName": name})
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		_, body, err := p.call(ctx, "DescribeTable", req)
		var out struct {
			Table struct {
				TableStatus string `json:"TableStatus"`
			} `json:"Table"`
		}
		if err == nil && json.Unmarshal(body, &out) == nil && out.Table.TableStatus == "ACTIVE" {
			return nil
		}
		if !sleepCtx(ctx, delay) {
			return p.failed("making table "+name, &apiError{http.StatusInternalServerError, "InternalServerError",
				fmt.Sprintf("the table was not ACTIVE within %s", ddbPlaneActiveBy)})
		}
	}
}

// forward sends a request as it came and answers what the data plane
// answers: a success as it was written (body, Content-Type, X-Amz-Crc32),
// an error as an apiError of its status, code and message.
func (p *ddbDataPlane) forward(ctx context.Context, op string, body []byte) (any, *apiError) {
	header, out, err := p.call(ctx, op, body)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	for _, k := range []string{"Content-Type", "X-Amz-Crc32"} {
		if v := header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	return &rawAnswer{header: h, body: out}, nil
}

// call sends one operation to the data plane: its headers and body on
// success, else its error (the data plane's, or InternalServerError when it
// did not answer).
func (p *ddbDataPlane) call(ctx context.Context, op string, body []byte) (http.Header, []byte, *apiError) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return nil, nil, &apiError{http.StatusInternalServerError, "InternalServerError", err.Error()}
	}
	now := time.Now().UTC()
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("X-Amz-Date", now.Format("20060102T150405Z"))
	// dynalite wants a signature's shape, and checks no more than that.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCALAWS/"+now.Format("20060102")+
		"/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="+strings.Repeat("0", 64))
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, nil, &apiError{http.StatusInternalServerError, "InternalServerError",
			fmt.Sprintf("the DynamoDB data plane at %s did not answer %s: %v", p.endpoint, op, err)}
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, ddbPlaneMaxBody))
	if err != nil {
		return nil, nil, &apiError{http.StatusInternalServerError, "InternalServerError",
			fmt.Sprintf("reading the DynamoDB data plane's answer to %s: %v", op, err)}
	}
	if resp.StatusCode == http.StatusOK {
		return resp.Header, out, nil
	}
	return nil, nil, ddbPlaneError(resp.StatusCode, out)
}

// ddbPlaneError reads a JSON 1.0 error: {"__type": "<namespace>#<Code>",
// "message" or "Message": "..."}.
func ddbPlaneError(status int, body []byte) *apiError {
	var doc struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	_ = json.Unmarshal(body, &doc)
	code := doc.Type[strings.LastIndex(doc.Type, "#")+1:]
	if code == "" {
		code = "InternalServerError"
	}
	msg := doc.Message
	if msg == "" {
		msg = doc.MessageU
	}
	if msg == "" && code == "InternalServerError" {
		msg = fmt.Sprintf("the DynamoDB data plane answered HTTP %d: %s", status, bytes.TrimSpace(body))
	}
	return &apiError{status, code, msg}
}

// failed words an error of the data plane while making or deleting a table.
func (p *ddbDataPlane) failed(what string, err *apiError) *apiError {
	return &apiError{http.StatusInternalServerError, "InternalServerError",
		fmt.Sprintf("the DynamoDB data plane at %s failed %s: %s: %s", p.endpoint, what, err.Code, err.Message)}
}

// ddbPlaneForget deletes a table's copy in the data plane in the background
// (call with s.mu held, from DeleteTable).
func (s *Server) ddbPlaneForget(t *ddbTable) {
	plane := s.ddbPlane
	if plane == nil {
		return
	}
	name, id := t.name, t.id
	s.goBackground(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, ddbPlaneTimeout)
		defer cancel()
		plane.forget(ctx, name, id)
	})
}
