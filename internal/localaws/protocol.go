package localaws

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/smithy-go/encoding/cbor"
)

// The wire protocols of the services the server plays, as the AWS SDK for Go
// v2 speaks them (its awsjson, restjson and awsquery serializers):
//
//   - JSON 1.0 and 1.1: POST / with X-Amz-Target: <prefix>.<Operation> and a
//     JSON body; errors {"__type": "<Code>", "message": "..."} (SQS, in
//     query-compatible mode, also names the query error code in the
//     x-amzn-query-error header, which the SDK prefers);
//   - REST-JSON (Lambda): the operation is the method and path; errors carry
//     the code in X-Amzn-ErrorType;
//   - query (STS, IAM, SNS): a form-encoded POST / with Action and Version;
//     answers <ActionResponse><ActionResult>...</ActionResult>
//     <ResponseMetadata>...</ResponseMetadata></ActionResponse>, errors
//     <ErrorResponse><Error><Type/><Code/><Message/></Error></ErrorResponse>.
type protocol int

const (
	awsJSON10 protocol = iota
	awsJSON11
	restJSON
	awsQuery
	// rpcV2CBOR is Smithy RPC v2 CBOR (CloudWatch, cloudwatch.go).
	rpcV2CBOR
)

// services are the services the server plays, by the name that prefixes
// their operations in Calls (the IAM action prefix, "states" for Step
// Functions): their protocol, and how a request of theirs is told.
var services = map[string]struct {
	protocol protocol
	// target is the X-Amz-Target prefix of a JSON service.
	target string
	// version is the Version of a query service's requests, and xmlns its
	// documents' namespace.
	version, xmlns string
}{
	"events":     {protocol: awsJSON11, target: "AWSEvents."},
	"logs":       {protocol: awsJSON11, target: "Logs_20140328."},
	"sqs":        {protocol: awsJSON10, target: "AmazonSQS."},
	"dynamodb":   {protocol: awsJSON10, target: "DynamoDB_20120810."},
	"states":     {protocol: awsJSON10, target: "AWSStepFunctions."},
	"lambda":     {protocol: restJSON},
	"sts":        {protocol: awsQuery, version: "2011-06-15", xmlns: "https://sts.amazonaws.com/doc/2011-06-15/"},
	"iam":        {protocol: awsQuery, version: "2010-05-08", xmlns: "https://iam.amazonaws.com/doc/2010-05-08/"},
	"sns":        {protocol: awsQuery, version: "2010-03-31", xmlns: "http://sns.amazonaws.com/doc/2010-03-31/"},
	"cloudwatch": {protocol: rpcV2CBOR},
}

// handler answers one request, called with s.mu held: an HTTP status, the
// output (a JSON or XML document's value; nil for none) or an error.
type handler func(body []byte) (int, any, *apiError)

// router names a request's operation and returns its handler.
type router func(s *Server, r *http.Request, body []byte) (string, handler)

// routers are each service's router.
var routers = map[string]router{
	"events":     (*Server).routeEvents,
	"logs":       (*Server).routeLogs,
	"lambda":     (*Server).routeLambda,
	"sts":        queryRouter(stsOps),
	"iam":        queryRouter(iamOps),
	"sns":        queryRouter(snsOps),
	"sqs":        rpcRouter("AmazonSQS.", sqsOps),
	"dynamodb":   rpcRouter("DynamoDB_20120810.", dynamoOps),
	"states":     rpcRouter("AWSStepFunctions.", sfnOps),
	"cloudwatch": (*Server).routeCloudWatch,
}

// serviceOf tells a request's service from what it carries: the X-Amz-Target
// prefix of a JSON service, the Version of a query request, else Lambda
// (REST).
func serviceOf(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, cloudWatchPath) {
		return "cloudwatch"
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		for name, svc := range services {
			if svc.target != "" && strings.HasPrefix(target, svc.target) {
				return name
			}
		}
		return "events" // answers UnknownOperationException
	}
	if r.Method == http.MethodPost && r.URL.Path == "/" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return "query"
	}
	return "lambda"
}

// queryService tells a query request's service by its Version.
func queryService(form url.Values) string {
	for name, svc := range services {
		if svc.protocol == awsQuery && svc.version == form.Get("Version") {
			return name
		}
	}
	return "sts"
}

// route names the operation of a request of a service and returns its handler.
func (s *Server) route(service string, r *http.Request, body []byte) (string, string, handler) {
	if service == "query" {
		form, _ := url.ParseQuery(string(body))
		service = queryService(form)
	}
	op, h := routers[service](s, r, body)
	return service, op, h
}

// clientOf names who sent a request: "ack" for the ACK controllers (their
// runtime puts aws-controllers-k8s first in the User-Agent), else "other".
func clientOf(r *http.Request) string {
	if strings.HasPrefix(r.Header.Get("User-Agent"), "aws-controllers-k8s/") {
		return "ack"
	}
	return "other"
}

// unknownOperation answers an operation the server does not play.
func unknownOperation(op string) handler {
	return func([]byte) (int, any, *apiError) {
		return 0, nil, &apiError{http.StatusBadRequest, "UnknownOperationException", "Unknown operation " + op}
	}
}

// rpcRouter routes a JSON 1.0 or 1.1 service's requests (X-Amz-Target:
// prefix.Operation) to ops.
func rpcRouter(prefix string, ops map[string]func(*Server, []byte) (any, *apiError)) router {
	return func(s *Server, r *http.Request, _ []byte) (string, handler) {
		target := r.Header.Get("X-Amz-Target")
		op, ok := strings.CutPrefix(target, prefix)
		h := ops[op]
		if !ok || h == nil || r.Method != http.MethodPost {
			return op, unknownOperation(target)
		}
		return op, func(body []byte) (int, any, *apiError) {
			out, err := h(s, body)
			return http.StatusOK, out, err
		}
	}
}

// queryRouter routes a query service's requests (the form's Action) to ops.
func queryRouter(ops map[string]func(*Server, url.Values) (any, *apiError)) router {
	return func(s *Server, _ *http.Request, body []byte) (string, handler) {
		form, err := url.ParseQuery(string(body))
		action := form.Get("Action")
		h := ops[action]
		if err != nil || h == nil {
			return action, func([]byte) (int, any, *apiError) {
				return 0, nil, &apiError{http.StatusBadRequest, "InvalidAction", "Could not find operation " + action}
			}
		}
		return action, func([]byte) (int, any, *apiError) {
			out, err := h(s, form)
			return http.StatusOK, out, err
		}
	}
}

// writeOK answers a request that succeeded.
func writeOK(w http.ResponseWriter, service, op string, status int, out any) {
	svc := services[service]
	w.Header().Set("X-Amzn-Requestid", newID())
	if raw, ok := out.(*rawAnswer); ok { // Lambda's Invoke (lambda_invoke.go)
		raw.write(w, status)
		return
	}
	if svc.protocol == awsQuery {
		var buf bytes.Buffer
		buf.WriteString(xml.Header)
		buf.WriteString(`<` + op + `Response xmlns="` + svc.xmlns + `">`)
		if out != nil {
			if err := xml.NewEncoder(&buf).EncodeElement(out, xml.StartElement{Name: xml.Name{Local: op + "Result"}}); err != nil {
				writeError(w, service, &apiError{http.StatusInternalServerError, "InternalFailure", err.Error()})
				return
			}
		}
		buf.WriteString(`<ResponseMetadata><RequestId>` + newID() + `</RequestId></ResponseMetadata></` + op + `Response>`)
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		_, _ = w.Write(buf.Bytes())
		return
	}
	if svc.protocol == rpcV2CBOR {
		v, ok := out.(cbor.Value)
		if !ok || v == nil {
			v = cbor.Map{}
		}
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		w.Header().Set("Content-Type", "application/cbor")
		w.WriteHeader(status)
		_, _ = w.Write(cbor.Encode(v))
		return
	}
	w.Header().Set("Content-Type", contentType(svc.protocol))
	if out == nil {
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return
		}
		out = struct{}{}
	}
	b, err := json.Marshal(out)
	if err != nil {
		writeError(w, service, &apiError{http.StatusInternalServerError, "InternalException", err.Error()})
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func contentType(p protocol) string {
	switch p {
	case awsJSON10:
		return "application/x-amz-json-1.0"
	case awsJSON11:
		return "application/x-amz-json-1.1"
	}
	return "application/json"
}

// queryError is a query service's error document.
type queryError struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Type    string   `xml:"Error>Type"`
	Code    string   `xml:"Error>Code"`
	Message string   `xml:"Error>Message"`
	ID      string   `xml:"RequestId"`
}

// writeError answers a request that failed.
func writeError(w http.ResponseWriter, service string, e *apiError) {
	svc := services[service]
	w.Header().Set("X-Amzn-Requestid", newID())
	fault := "Sender"
	if e.Status >= 500 {
		fault = "Receiver"
	}
	switch svc.protocol {
	case rpcV2CBOR:
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		w.Header().Set("Content-Type", "application/cbor")
		w.WriteHeader(e.Status)
		_, _ = w.Write(cbor.Encode(cbor.Map{"__type": cbor.String(e.Code), "message": cbor.String(e.Message)}))
		return
	case awsQuery:
		b, _ := xml.Marshal(queryError{Xmlns: svc.xmlns, Type: fault, Code: e.Code, Message: e.Message, ID: newID()})
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(e.Status)
		_, _ = w.Write(b)
		return
	case awsJSON10, awsJSON11:
		if code := sqsQueryCodes[e.Code]; service == "sqs" && code != "" {
			w.Header().Set("X-Amzn-Query-Error", code+";"+fault)
		}
		w.Header().Set("Content-Type", contentType(svc.protocol))
		b, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
		w.WriteHeader(e.Status)
		_, _ = w.Write(b)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	typ, key := "User", "message"
	if e.Status >= 500 {
		typ = "Service"
	}
	if lambdaCapitalMessage[e.Code] {
		key = "Message"
	}
	body := map[string]string{"Type": typ, key: e.Message}
	if e.Code == "TooManyRequestsException" {
		body["Reason"] = "CallerRateLimitExceeded"
		w.Header().Set("Retry-After", "1")
	}
	b, _ := json.Marshal(body)
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}
