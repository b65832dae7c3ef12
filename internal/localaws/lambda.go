package localaws

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

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
	deletedFunctions map[string]bool
	policies         map[string][]Statement // by function name or name:qualifier
	revisions        map[string]string      // RevisionId by the same key
	mappings         []EventSourceMapping
}

// EventSourceMapping is an event source mapping that exists in the fake
// Lambda (made by AddEventSourceMapping: the server has no create call).
type EventSourceMapping struct {
	UUID           string
	FunctionArn    string
	EventSourceArn string
	State          string
}

func newLambdaState() lambdaState {
	return lambdaState{deletedFunctions: map[string]bool{}, policies: map[string][]Statement{}, revisions: map[string]string{}}
}

const functionsPrefix = "/2015-03-31/functions/"

// routeLambda names a Lambda request's operation and returns its handler, to
// be called with s.mu held.
func (s *Server) routeLambda(r *http.Request, _ []byte) (string, handler) {
	var parts []string
	if rest, ok := strings.CutPrefix(r.URL.EscapedPath(), functionsPrefix); ok {
		parts = strings.Split(rest, "/")
		for i, p := range parts {
			u, err := url.PathUnescape(p)
			if err != nil {
				parts = nil
				break
			}
			parts[i] = u
		}
	}
	query := r.URL.Query()
	if path := strings.TrimSuffix(r.URL.Path, "/"); path == "/2015-03-31/event-source-mappings" && r.Method == http.MethodGet {
		return "ListEventSourceMappings", func([]byte) (int, any, *apiError) {
			return s.listEventSourceMappings(query.Get("FunctionName"), query.Get("EventSourceArn"))
		}
	}
	switch {
	case len(parts) == 2 && parts[1] == "policy" && r.Method == http.MethodPost:
		return "AddPermission", func(body []byte) (int, any, *apiError) {
			return s.addPermission(parts[0], query.Get("Qualifier"), body)
		}
	case len(parts) == 2 && parts[1] == "policy" && r.Method == http.MethodGet:
		return "GetPolicy", func([]byte) (int, any, *apiError) {
			return s.getPolicy(parts[0], query.Get("Qualifier"))
		}
	case len(parts) == 3 && parts[1] == "policy" && r.Method == http.MethodDelete:
		return "RemovePermission", func([]byte) (int, any, *apiError) {
			return s.removePermission(parts[0], parts[2], query.Get("Qualifier"), query.Get("RevisionId"))
		}
	}
	return "Unknown", func([]byte) (int, any, *apiError) {
		return 0, nil, &apiError{http.StatusNotFound, "UnknownOperationException", "Unknown operation " + r.Method + " " + r.URL.Path}
	}
}

var (
	functionNameRe = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`)
	qualifierRe    = regexp.MustCompile(`^[a-zA-Z0-9$_-]{1,128}$`)
	statementIDRe  = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,100}$`)
	principalRe    = regexp.MustCompile(`^[^\s]+$`)
	actionRe       = regexp.MustCompile(`^(lambda:[*]|lambda:[a-zA-Z]+|[*])$`)
	accountIDRe    = regexp.MustCompile(`^[0-9]{12}$`)
)

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

// function resolves a FunctionName path label and Qualifier query parameter
// to the policy key and the function ARN.
func (s *Server) function(nameOrArn, qualifier string) (key, arn string, _ *apiError) {
	name, q, ok := parseFunctionName(nameOrArn)
	if !ok {
		return "", "", constraint(nameOrArn, "functionName", "satisfy regular expression pattern: "+
			`(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`)
	}
	if qualifier != "" && q != "" && qualifier != q {
		return "", "", &apiError{http.StatusBadRequest, "InvalidParameterValueException",
			"The derived qualifier from the function name does not match the specified qualifier."}
	}
	if qualifier == "" {
		qualifier = q
	}
	key, arn = name, fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", s.Region, s.account(), name)
	if qualifier != "" {
		key, arn = name+":"+qualifier, arn+":"+qualifier
	}
	if s.deletedFunctions[name] {
		return "", "", &apiError{http.StatusNotFound, "ResourceNotFoundException", "Function not found: " + arn}
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
			"The Revision Id provided does not match the latest Revision Id. Call the GetFunction or the GetAlias API to retrieve the latest Revision Id"}
	}
	return nil
}

func (s *Server) addPermission(fn, qualifier string, body []byte) (int, any, *apiError) {
	var in struct {
		StatementId, Action, Principal, SourceArn, SourceAccount, PrincipalOrgID, RevisionId string
	}
	if err := decode(body, &in); err != nil {
		return 0, nil, err
	}
	key, arn, err := s.function(fn, qualifier)
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

func (s *Server) getPolicy(fn, qualifier string) (int, any, *apiError) {
	key, _, err := s.function(fn, qualifier)
	if err != nil {
		return 0, nil, err
	}
	stmts := s.policies[key]
	if len(stmts) == 0 {
		return 0, nil, &apiError{http.StatusNotFound, "ResourceNotFoundException", "The resource you requested does not exist."}
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

func (s *Server) removePermission(fn, sid, qualifier, revisionID string) (int, any, *apiError) {
	key, _, err := s.function(fn, qualifier)
	if err != nil {
		return 0, nil, err
	}
	if err := s.checkRevision(key, revisionID); err != nil {
		return 0, nil, err
	}
	if !s.removeStatement(key, sid) {
		return 0, nil, &apiError{http.StatusNotFound, "ResourceNotFoundException",
			fmt.Sprintf("Statement %s is not found in resource policy.", sid)}
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

// DeleteFunction makes a function not exist: its policies are dropped and
// later calls on it answer 404 ResourceNotFoundException.
func (s *Server) DeleteFunction(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, _, _ = strings.Cut(policyKey(name), ":")
	s.deletedFunctions[name] = true
	for key := range s.policies {
		if k, _, _ := strings.Cut(key, ":"); k == name {
			delete(s.policies, key)
		}
	}
}

// listEventSourceMappings lists the mappings of a function (name or ARN)
// and of an event source ARN, either optional, in one page.
func (s *Server) listEventSourceMappings(function, source string) (int, any, *apiError) {
	type mapping struct {
		UUID           string
		FunctionArn    string
		EventSourceArn string
		State          string
	}
	out := struct{ EventSourceMappings []mapping }{EventSourceMappings: []mapping{}}
	name := ""
	if function != "" {
		n, _, ok := parseFunctionName(function)
		if !ok {
			return 0, nil, &apiError{http.StatusBadRequest, "InvalidParameterValueException", "Invalid FunctionName: " + function}
		}
		name = n
	}
	for _, m := range s.mappings {
		fn, _, _ := parseFunctionName(m.FunctionArn)
		if (name == "" || fn == name) && (source == "" || m.EventSourceArn == source) {
			out.EventSourceMappings = append(out.EventSourceMappings, mapping(m))
		}
	}
	return http.StatusOK, out, nil
}

// AddEventSourceMapping makes an event source mapping exist (Enabled), as if
// created outside the operator, and returns its UUID.
func (s *Server) AddEventSourceMapping(functionArn, sourceArn string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := EventSourceMapping{UUID: newID(), FunctionArn: functionArn, EventSourceArn: sourceArn, State: "Enabled"}
	s.mappings = append(s.mappings, m)
	return m.UUID
}

// lambdaResources lists the ARNs of the functions and event source mappings
// that exist (call with s.mu held).
func (s *Server) lambdaResources() []string { return nil }
