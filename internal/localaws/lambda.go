package localaws

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Lambda (REST-JSON): the routes, the state the Lambda files share, and
// resource-based policies (AddPermission, GetPolicy, RemovePermission).
// Functions are in lambda_functions.go (whose comment describes the whole
// service), event source mappings in lambda_mappings.go (their SQS pollers
// in lambda_mappings_poller.go), Invoke in lambda_invoke.go.

// Statement is one statement of a function's resource-based policy, as
// AddPermission made it.
type Statement struct {
	Sid            string
	Effect         string // always "Allow"
	Principal      string // as given: a service, an account ID, an ARN or "*"
	Action         string
	Resource       string // the function ARN (with its qualifier, if any)
	SourceArn      string
	SourceAccount  string
	PrincipalOrgID string
}

type lambdaState struct {
	// deletedFunctions are the names DeleteFunction (the API's or the test
	// control's) removed: while RequireFunctions is off, every other name
	// exists for the permission operations.
	deletedFunctions map[string]bool
	policies         map[string][]Statement // by function name or name:qualifier
	revisions        map[string]string      // RevisionId by the same key
	// requireFunctions makes the permission operations answer 404 for a
	// function that was never created (RequireFunctions).
	requireFunctions bool

	// functions are the functions CreateFunction made, by fnKey(account, name).
	functions map[string]*lambdaFunction
	// codeSource reads a deployment package from S3 (SetCodeSource).
	codeSource func(bucket, key, version string) ([]byte, error)
	// codeHashes are the CodeSha256 of packages said to be in S3 without
	// their bytes (SetCodeHash), by bucket/key@version.
	codeHashes map[string]string
	// failNextUpdate and failNextCreate are the failures armed by
	// FailNextFunctionUpdate and FailNextFunctionCreate, by fnKey.
	failNextUpdate, failNextCreate map[string]functionFailure

	// mappings are the event source mappings by UUID; mappingOrder is their
	// creation order (what ListEventSourceMappings pages through).
	mappings     map[string]*lambdaMapping
	mappingOrder []string

	// lambdaDraw draws a number in [0, 1) that routes an alias's
	// invocation between its versions (SetRoutingDraw; nil: rand.Float64).
	lambdaDraw func() float64
}

func newLambdaState() lambdaState {
	return lambdaState{
		deletedFunctions: map[string]bool{}, policies: map[string][]Statement{}, revisions: map[string]string{},
		functions: map[string]*lambdaFunction{}, failNextUpdate: map[string]functionFailure{}, failNextCreate: map[string]functionFailure{},
		mappings: map[string]*lambdaMapping{},
	}
}

// lambdaParams are what a Lambda route takes from the request: the path
// labels (FunctionName, StatementId, UUID or Resource) and the query.
type lambdaParams struct {
	name, label string
	query       url.Values
}

// lambdaRoute is an operation and its implementation.
type lambdaRoute struct {
	op string
	do func(s *Server, p lambdaParams, body []byte) (int, any, *apiError)
}

// lambdaRoutes are the operations by "METHOD API-VERSION PATH", where PATH is
// the path after the API version with each label as "*". The API versions are
// those the SDK's serializers use.
var lambdaRoutes = map[string]lambdaRoute{
	"POST 2015-03-31 functions":                      {"CreateFunction", (*Server).createFunction},
	"GET 2015-03-31 functions/*":                     {"GetFunction", (*Server).getFunction},
	"DELETE 2015-03-31 functions/*":                  {"DeleteFunction", (*Server).deleteFunction},
	"GET 2015-03-31 functions/*/configuration":       {"GetFunctionConfiguration", (*Server).getFunctionConfiguration},
	"PUT 2015-03-31 functions/*/configuration":       {"UpdateFunctionConfiguration", (*Server).updateFunctionConfiguration},
	"PUT 2015-03-31 functions/*/code":                {"UpdateFunctionCode", (*Server).updateFunctionCode},
	"POST 2015-03-31 functions/*/policy":             {"AddPermission", (*Server).addPermission},
	"GET 2015-03-31 functions/*/policy":              {"GetPolicy", (*Server).getPolicy},
	"DELETE 2015-03-31 functions/*/policy/*":         {"RemovePermission", (*Server).removePermission},
	"GET 2019-09-30 functions/*/concurrency":         {"GetFunctionConcurrency", (*Server).getFunctionConcurrency},
	"PUT 2017-10-31 functions/*/concurrency":         {"PutFunctionConcurrency", (*Server).putFunctionConcurrency},
	"DELETE 2017-10-31 functions/*/concurrency":      {"DeleteFunctionConcurrency", (*Server).deleteFunctionConcurrency},
	"GET 2020-06-30 functions/*/code-signing-config": {"GetFunctionCodeSigningConfig", (*Server).getFunctionCodeSigningConfig},
	"PUT 2020-06-30 functions/*/code-signing-config": {"PutFunctionCodeSigningConfig", (*Server).putFunctionCodeSigningConfig},
	"DELETE 2020-06-30 functions/*/code-signing-config": {"DeleteFunctionCodeSigningConfig",
		(*Server).deleteFunctionCodeSigningConfig},
	"GET 2019-09-25 functions/*/event-invoke-config":        {"GetFunctionEventInvokeConfig", (*Server).getFunctionEventInvokeConfig},
	"PUT 2019-09-25 functions/*/event-invoke-config":        {"PutFunctionEventInvokeConfig", (*Server).putFunctionEventInvokeConfig},
	"POST 2019-09-25 functions/*/event-invoke-config":       {"UpdateFunctionEventInvokeConfig", (*Server).updateFunctionEventInvokeConfig},
	"DELETE 2019-09-25 functions/*/event-invoke-config":     {"DeleteFunctionEventInvokeConfig", (*Server).deleteFunctionEventInvokeConfig},
	"GET 2019-09-30 functions/*/provisioned-concurrency":    {"GetProvisionedConcurrencyConfig", (*Server).getProvisionedConcurrencyConfig},
	"DELETE 2019-09-30 functions/*/provisioned-concurrency": {"DeleteProvisionedConcurrencyConfig", (*Server).getProvisionedConcurrencyConfig},
	"GET 2017-03-31 tags/*":                                 {"ListTags", (*Server).listTags},
	"POST 2017-03-31 tags/*":                                {"TagResource", (*Server).tagResource},
	"DELETE 2017-03-31 tags/*":                              {"UntagResource", (*Server).untagResource},
	"POST 2015-03-31 event-source-mappings":                 {"CreateEventSourceMapping", (*Server).createEventSourceMapping},
	"GET 2015-03-31 event-source-mappings":                  {"ListEventSourceMappings", (*Server).listEventSourceMappings},
	"GET 2015-03-31 event-source-mappings/*":                {"GetEventSourceMapping", (*Server).getEventSourceMapping},
	"PUT 2015-03-31 event-source-mappings/*":                {"UpdateEventSourceMapping", (*Server).updateEventSourceMapping},
	"DELETE 2015-03-31 event-source-mappings/*":             {"DeleteEventSourceMapping", (*Server).deleteEventSourceMapping},
}

// routeLambda names a Lambda request's operation and returns its handler, to
// be called with s.mu held.
func (s *Server) routeLambda(r *http.Request, _ []byte) (string, handler) {
	unknown := func() (string, handler) {
		return "Unknown", func([]byte) (int, any, *apiError) {
			return 0, nil, &apiError{http.StatusNotFound, "UnknownOperationException", "Unknown operation " + r.Method + " " + r.URL.Path}
		}
	}
	segs := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	for i, seg := range segs {
		u, err := url.PathUnescape(seg)
		if err != nil {
			return unknown()
		}
		segs[i] = u
	}
	if len(segs) < 2 {
		return unknown()
	}
	if op, h, ok := s.routeInvoke(r, segs); ok { // Invoke reads headers (lambda_invoke.go)
		return op, h
	}
	p := lambdaParams{query: r.URL.Query()}
	shape := append([]string{segs[1]}, segs[2:]...)
	switch {
	case segs[1] == "functions" && len(segs) >= 3:
		p.name, shape[1] = segs[2], "*"
		if len(segs) == 5 {
			p.label, shape[3] = segs[4], "*"
		}
	case (segs[1] == "event-source-mappings" || segs[1] == "tags") && len(segs) == 3:
		p.label, shape[1] = segs[2], "*"
	}
	route, ok := lambdaRoutes[r.Method+" "+segs[0]+" "+strings.Join(shape, "/")]
	if !ok {
		return unknown()
	}
	return route.op, func(body []byte) (int, any, *apiError) { return route.do(s, p, body) }
}

var (
	functionNameRe = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`)
	qualifierRe    = regexp.MustCompile(`^[a-zA-Z0-9$_-]{1,128}$`)
	statementIDRe  = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,100}$`)
	principalRe    = regexp.MustCompile(`^[^\s]+$`)
	actionRe       = regexp.MustCompile(`^(lambda:[*]|lambda:[a-zA-Z]+|[*])$`)
	accountIDRe    = regexp.MustCompile(`^[0-9]{12}$`)
)

// functionNamePattern is the model's pattern of a FunctionName member.
const functionNamePattern = `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`

// parseFunctionName reduces a function name, partial ARN
// (ACCOUNT:function:NAME) or ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME),
// each with an optional :QUALIFIER, to the name and qualifier.
func parseFunctionName(s string) (name, qualifier string, ok bool) {
	parts := strings.Split(s, ":")
	switch {
	case len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function":
		parts = parts[6:]
	case len(parts) >= 3 && accountIDRe.MatchString(parts[0]) && parts[1] == "function":
		parts = parts[2:]
	}
	switch len(parts) {
	case 1:
		name = parts[0]
	case 2:
		name, qualifier = parts[0], parts[1]
	default:
		return "", "", false
	}
	if !functionNameRe.MatchString(name) || (qualifier != "" && !qualifierRe.MatchString(qualifier)) {
		return "", "", false
	}
	return name, qualifier, true
}

// functionNameError is the answer to a FunctionName that is not a name or ARN.
func functionNameError(value string) *apiError {
	return constraint(value, "functionName", "satisfy regular expression pattern: "+functionNamePattern)
}

// functionArn is the ARN of a function of the caller's account, with
// qualifier when it is not "".
func (s *Server) functionArn(name, qualifier string) string {
	arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", s.Region, s.account(), name)
	if qualifier != "" {
		arn += ":" + qualifier
	}
	return arn
}

// functionExists tells whether the permission operations find a function:
// one CreateFunction made; or, unless RequireFunctions is on, any name that
// DeleteFunction did not remove.
func (s *Server) functionExists(name string) bool {
	if s.functions[fnKey(s.account(), name)] != nil {
		return true
	}
	return !s.requireFunctions && !s.deletedFunctions[name]
}

// function resolves a FunctionName path label and Qualifier query parameter
// of a permission operation to the policy key and the function ARN; missing
// is the answer's message when the function does not exist.
func (s *Server) function(nameOrArn, qualifier string, missing func(arn string) string) (key, arn string, _ *apiError) {
	name, q, ok := parseFunctionName(nameOrArn)
	if !ok {
		return "", "", functionNameError(nameOrArn)
	}
	if qualifier != "" && q != "" && qualifier != q {
		return "", "", &apiError{http.StatusBadRequest, "InvalidParameterValueException",
			"The derived qualifier from the function name does not match the specified qualifier."}
	}
	if qualifier == "" {
		qualifier = q
	}
	key, arn = name, s.functionArn(name, qualifier)
	if qualifier != "" {
		key = name + ":" + qualifier
	}
	if !s.functionExists(name) {
		return "", "", &apiError{http.StatusNotFound, "ResourceNotFoundException", missing(s.functionArn(name, ""))}
	}
	return key, arn, nil
}

func (s *Server) revision(key string) string {
	if s.revisions[key] == "" {
		s.revisions[key] = newID()
	}
	return s.revisions[key]
}

func (s *Server) checkRevision(key, given string) *apiError {
	if given != "" && given != s.revision(key) {
		return &apiError{http.StatusPreconditionFailed, "PreconditionFailedException",
			"The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id"}
	}
	return nil
}

func (s *Server) addPermission(p lambdaParams, body []byte) (int, any, *apiError) {
	var in struct {
		StatementId, Action, Principal, SourceArn, SourceAccount, PrincipalOrgID, RevisionId string
	}
	if err := decode(body, &in); err != nil {
		return 0, nil, err
	}
	key, arn, err := s.function(p.name, p.query.Get("Qualifier"), func(arn string) string { return "Function not found: " + arn })
	if err != nil {
		return 0, nil, err
	}
	for _, c := range []struct {
		value, member string
		re            *regexp.Regexp
	}{
		{in.StatementId, "statementId", statementIDRe},
		{in.Action, "action", actionRe},
		{in.Principal, "principal", principalRe},
	} {
		if err := checkName(c.re, c.value, c.member); err != nil {
			return 0, nil, err
		}
	}
	if err := s.checkRevision(key, in.RevisionId); err != nil {
		return 0, nil, err
	}
	for _, st := range s.policies[key] {
		if st.Sid == in.StatementId {
			return 0, nil, &apiError{http.StatusConflict, "ResourceConflictException", fmt.Sprintf(
				"The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", in.StatementId)}
		}
	}
	st := Statement{Sid: in.StatementId, Effect: "Allow", Principal: in.Principal, Action: in.Action, Resource: arn,
		SourceArn: in.SourceArn, SourceAccount: in.SourceAccount, PrincipalOrgID: in.PrincipalOrgID}
	s.policies[key] = append(s.policies[key], st)
	s.revisions[key] = newID()
	doc, _ := json.Marshal(st.document())
	return http.StatusCreated, map[string]string{"Statement": string(doc)}, nil
}

// statementDoc is a statement as IAM policy JSON, members in AWS's order.
type statementDoc struct {
	Sid       string                       `json:"Sid"`
	Effect    string                       `json:"Effect"`
	Principal any                          `json:"Principal"`
	Action    string                       `json:"Action"`
	Resource  string                       `json:"Resource"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

func (st Statement) document() statementDoc {
	doc := statementDoc{Sid: st.Sid, Effect: st.Effect, Action: st.Action, Resource: st.Resource}
	switch p := st.Principal; {
	case p == "*":
		doc.Principal = "*"
	case accountIDRe.MatchString(p):
		doc.Principal = map[string]string{"AWS": "arn:aws:iam::" + p + ":root"}
	case strings.HasPrefix(p, "arn:"):
		doc.Principal = map[string]string{"AWS": p}
	default:
		doc.Principal = map[string]string{"Service": p}
	}
	add := func(op, key, value string) {
		if value == "" {
			return
		}
		if doc.Condition == nil {
			doc.Condition = map[string]map[string]string{}
		}
		if doc.Condition[op] == nil {
			doc.Condition[op] = map[string]string{}
		}
		doc.Condition[op][key] = value
	}
	add("ArnLike", "AWS:SourceArn", st.SourceArn)
	add("StringEquals", "AWS:SourceAccount", st.SourceAccount)
	add("StringEquals", "aws:PrincipalOrgID", st.PrincipalOrgID)
	return doc
}

const resourceNotFoundMessage = "The resource you requested does not exist."

func (s *Server) getPolicy(p lambdaParams, _ []byte) (int, any, *apiError) {
	key, _, err := s.function(p.name, p.query.Get("Qualifier"), func(string) string { return resourceNotFoundMessage })
	if err != nil {
		return 0, nil, err
	}
	stmts := s.policies[key]
	if len(stmts) == 0 {
		return 0, nil, &apiError{http.StatusNotFound, "ResourceNotFoundException", resourceNotFoundMessage}
	}
	doc := struct {
		Version   string         `json:"Version"`
		ID        string         `json:"Id"`
		Statement []statementDoc `json:"Statement"`
	}{Version: "2012-10-17", ID: "default"}
	for _, st := range stmts {
		doc.Statement = append(doc.Statement, st.document())
	}
	b, _ := json.Marshal(doc)
	return http.StatusOK, map[string]string{"Policy": string(b), "RevisionId": s.revision(key)}, nil
}

func (s *Server) removePermission(p lambdaParams, _ []byte) (int, any, *apiError) {
	key, _, err := s.function(p.name, p.query.Get("Qualifier"), func(arn string) string { return "No policy found for: " + arn })
	if err != nil {
		return 0, nil, err
	}
	if err := s.checkRevision(key, p.query.Get("RevisionId")); err != nil {
		return 0, nil, err
	}
	if len(s.policies[key]) == 0 {
		return 0, nil, &apiError{http.StatusNotFound, "ResourceNotFoundException", "No policy is associated with the given resource."}
	}
	if !s.removeStatement(key, p.label) {
		return 0, nil, &apiError{http.StatusNotFound, "ResourceNotFoundException",
			fmt.Sprintf("Statement %s is not found in resource policy.", p.label)}
	}
	return http.StatusNoContent, nil, nil
}

// removeStatement drops a statement; the policy goes with its last one.
func (s *Server) removeStatement(key, sid string) bool {
	stmts := s.policies[key]
	for i, st := range stmts {
		if st.Sid == sid {
			stmts = append(stmts[:i:i], stmts[i+1:]...)
			if len(stmts) == 0 {
				delete(s.policies, key)
			} else {
				s.policies[key] = stmts
			}
			s.revisions[key] = newID()
			return true
		}
	}
	return false
}

// dropPolicies removes every policy of a function (its versions' and
// aliases' too).
func (s *Server) dropPolicies(name string) {
	for key := range s.policies {
		if k, _, _ := strings.Cut(key, ":"); k == name {
			delete(s.policies, key)
			delete(s.revisions, key)
		}
	}
}

// policyKey is the policy key of a function name or ARN for the test helpers.
func policyKey(function string) string {
	name, q, ok := parseFunctionName(function)
	if !ok {
		return function
	}
	if q != "" {
		return name + ":" + q
	}
	return name
}

// Policy returns the statements of a function's policy (name, ARN, or either
// with :QUALIFIER for a version's or alias's policy), oldest first.
func (s *Server) Policy(function string) []Statement {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Statement(nil), s.policies[policyKey(function)]...)
}

// RemovePermissionOutOfBand removes a policy statement. It reports whether
// the statement existed.
func (s *Server) RemovePermissionOutOfBand(function, sid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removeStatement(policyKey(function), sid)
}

// DeleteFunction makes a function not exist, as if deleted outside the code
// under test: the function CreateFunction made, if any (of the account its
// ARN names, else of AccountID), goes with its tags and configuration, its
// policies are dropped, and later calls on it answer 404
// ResourceNotFoundException. Its event source mappings stay, as in Lambda.
func (s *Server) DeleteFunction(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	account, fn := s.helperFunctionKey(name)
	delete(s.functions, fnKey(account, fn))
	s.deletedFunctions[fn] = true
	s.dropPolicies(fn)
}

// RequireFunctions sets whether the permission operations (AddPermission,
// GetPolicy, RemovePermission) need a function that CreateFunction made, as
// in Lambda. Off (the default), every function name exists for them until
// DeleteFunction removes it, so that tests need not create functions.
func (s *Server) RequireFunctions(require bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requireFunctions = require
}

// helperFunctionKey is the account and name of a test helper's function
// argument: a name (of AccountID) or an ARN (of its account).
func (s *Server) helperFunctionKey(function string) (account, name string) {
	account = s.AccountID
	parts := strings.Split(function, ":")
	switch {
	case len(parts) >= 7 && parts[0] == "arn":
		account = parts[4]
	case len(parts) >= 3 && accountIDRe.MatchString(parts[0]):
		account = parts[0]
	}
	name, _, _ = strings.Cut(policyKey(function), ":")
	return account, name
}

// lambdaResources lists the ARNs of the functions and event source mappings
// that exist (call with s.mu held).
func (s *Server) lambdaResources() []string {
	var out []string
	for _, f := range s.functions {
		out = append(out, f.arn(s.Region))
	}
	s.reapMappings()
	for _, m := range s.mappings {
		out = append(out, m.arn(s.Region))
	}
	return out
}
