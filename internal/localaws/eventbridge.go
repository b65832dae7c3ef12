package localaws

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/schedule"
)

// Bus is an event bus as the server holds it.
type Bus struct {
	Name             string
	Arn              string
	Description      string
	CreationTime     time.Time
	LastModifiedTime time.Time
}

// Rule is a rule as the server holds it; its JSON form is the API's Rule.
type Rule struct {
	Name               string `json:"Name"`
	Arn                string `json:"Arn"`
	EventBusName       string `json:"EventBusName"`
	EventPattern       string `json:"EventPattern,omitempty"`
	ScheduleExpression string `json:"ScheduleExpression,omitempty"`
	State              string `json:"State"`
	Description        string `json:"Description,omitempty"`
	RoleArn            string `json:"RoleArn,omitempty"`
}

// Target is a rule's target: the members the server decodes. Every other
// member sent with it is kept and returned by ListTargetsByRule.
type Target struct {
	ID               string            `json:"Id"`
	Arn              string            `json:"Arn"`
	RoleArn          string            `json:"RoleArn,omitempty"`
	Input            string            `json:"Input,omitempty"`
	InputPath        string            `json:"InputPath,omitempty"`
	InputTransformer *InputTransformer `json:"InputTransformer,omitempty"`
	RetryPolicy      *RetryPolicy      `json:"RetryPolicy,omitempty"`
	DeadLetterConfig *DeadLetterConfig `json:"DeadLetterConfig,omitempty"`

	raw json.RawMessage // the target as received
}

// RetryPolicy is a target's retry policy; nil members were not set.
type RetryPolicy struct {
	MaximumRetryAttempts     *int32 `json:"MaximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int32 `json:"MaximumEventAgeInSeconds,omitempty"`
}

// DeadLetterConfig is a target's dead-letter queue.
type DeadLetterConfig struct {
	Arn string `json:"Arn,omitempty"`
}

// InputTransformer is a target's input transformer.
type InputTransformer struct {
	InputPathsMap map[string]string `json:"InputPathsMap,omitempty"`
	InputTemplate string            `json:"InputTemplate"`
}

// Event is an entry accepted by PutEvents.
type Event struct {
	EventID      string
	EventBusName string
	Source       string
	DetailType   string
	Detail       string
	Resources    []string
	Time         time.Time
	// ReplayName is the replay that put the event again, "" for PutEvents.
	ReplayName string
	// Rules are the rules of its bus that the event matched (see
	// eventbridge_archives.go); their targets get it as
	// eventbridge_delivery.go says (Deliveries).
	Rules []string
}

type eventBridgeState struct {
	buses  map[string]*busState
	events []Event
	// archives and replays by name (eventbridge_archives.go).
	archives map[string]*archiveState
	replays  map[string]*replayState
}

type busState struct {
	name, description string
	created, modified time.Time
	rules             map[string]*ruleState
}

type ruleState struct {
	rule    Rule // Arn and EventBusName are filled in on the way out
	targets map[string]Target
	// tags are given when the rule is created (PutRule on an existing rule
	// leaves them alone), and read with ListTagsForResource.
	tags map[string]string
	// schedule of a scheduled rule, since when it runs (its creation or
	// its last change) and when it runs next (eventbridge_schedules.go).
	schedule   schedule.Schedule
	since, due time.Time
}

func newEventBridgeState() eventBridgeState {
	now := time.Now()
	return eventBridgeState{buses: map[string]*busState{
		"default": {name: "default", created: now, modified: now, rules: map[string]*ruleState{}},
	}}
}

var eventOps = map[string]func(*Server, []byte) (any, *apiError){
	"CreateEventBus":      (*Server).createEventBus,
	"DescribeEventBus":    (*Server).describeEventBus,
	"DeleteEventBus":      (*Server).deleteEventBus,
	"ListEventBuses":      (*Server).listEventBuses,
	"PutRule":             (*Server).putRule,
	"ListTagsForResource": (*Server).listTagsForResource,
	"DescribeRule":        (*Server).describeRule,
	"DeleteRule":          (*Server).deleteRule,
	"EnableRule":          func(s *Server, b []byte) (any, *apiError) { return s.setState(b, "ENABLED") },
	"DisableRule":         func(s *Server, b []byte) (any, *apiError) { return s.setState(b, "DISABLED") },
	"ListRules":           (*Server).listRules,
	"PutTargets":          (*Server).putTargets,
	"ListTargetsByRule":   (*Server).listTargetsByRule,
	"RemoveTargets":       (*Server).removeTargets,
	"PutEvents":           (*Server).putEvents,
	"CreateArchive":       (*Server).createArchive,
	"DescribeArchive":     (*Server).describeArchive,
	"UpdateArchive":       (*Server).updateArchive,
	"DeleteArchive":       (*Server).deleteArchive,
	"ListArchives":        (*Server).listArchives,
	"StartReplay":         (*Server).startReplay,
	"DescribeReplay":      (*Server).describeReplay,
	"ListReplays":         (*Server).listReplays,
	"CancelReplay":        (*Server).cancelReplay,
}

// routeEvents names an EventBridge request's operation and returns its
// handler, to be called with s.mu held: the JSON services' rpcRouter, which
// also answers the requests of unknown targets (serviceOf sends them here),
// and only on the path /.
func (s *Server) routeEvents(r *http.Request, body []byte) (string, handler) {
	op, h := rpcRouter("AWSEvents.", eventOps)(s, r, body)
	if r.URL.Path != "/" {
		return op, unknownOperation(r.Header.Get("X-Amz-Target"))
	}
	return op, h
}

// Errors and validation.

func validation(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "ValidationException", msg}
}

// constraint is AWS's message for a request member that breaks the model.
func constraint(value any, member, rule string) *apiError {
	v := "null"
	if value != nil {
		v = fmt.Sprintf("'%v'", value)
	}
	return validation(fmt.Sprintf("1 validation error detected: Value %s at '%s' failed to satisfy constraint: Member must %s", v, member, rule))
}

var (
	ruleNameRe = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)
	busNameRe  = regexp.MustCompile(`^[/\.\-_A-Za-z0-9]{1,256}$`)
)

func checkName(re *regexp.Regexp, value, member string) *apiError {
	if value == "" {
		return constraint(nil, member, "not be null")
	}
	if !re.MatchString(value) {
		return constraint(value, member, "satisfy regular expression pattern: "+strings.Trim(re.String(), "^$"))
	}
	return nil
}

func checkLimit(limit *int32) (int, *apiError) {
	if limit == nil {
		return 100, nil
	}
	if *limit < 1 || *limit > 100 {
		return 0, constraint(*limit, "limit", "have value between 1 and 100")
	}
	return int(*limit), nil
}

func busNotFound(name string) *apiError {
	return &apiError{http.StatusBadRequest, "ResourceNotFoundException", "Event bus " + name + " does not exist."}
}

// busName reduces an event bus name or ARN to the name; "" is the default bus.
func busName(nameOrArn string) string {
	if nameOrArn == "" {
		return "default"
	}
	if strings.HasPrefix(nameOrArn, "arn:") {
		if i := strings.Index(nameOrArn, ":event-bus/"); i >= 0 {
			return nameOrArn[i+len(":event-bus/"):]
		}
	}
	return nameOrArn
}

func (s *Server) busArn(name string) string {
	return fmt.Sprintf("arn:aws:events:%s:%s:event-bus/%s", s.Region, s.account(), name)
}

func (s *Server) ruleArn(bus, name string) string {
	if bus == "default" {
		return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", s.Region, s.account(), name)
	}
	return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s/%s", s.Region, s.account(), bus, name)
}

func (s *Server) findBus(nameOrArn string) (*busState, *apiError) {
	name := busName(nameOrArn)
	b := s.buses[name]
	if b == nil {
		return nil, busNotFound(name)
	}
	return b, nil
}

func (s *Server) findRule(bus, name string) (*busState, *ruleState, *apiError) {
	b, err := s.findBus(bus)
	if err != nil {
		return nil, nil, err
	}
	r := b.rules[name]
	if r == nil {
		return nil, nil, &apiError{http.StatusBadRequest, "ResourceNotFoundException",
			fmt.Sprintf("Rule %s does not exist on EventBus %s.", name, b.name)}
	}
	return b, r, nil
}

// pageByPrefix returns the page, after token, of the names in m that start
// with prefix, in order, and the token of the next page.
func pageByPrefix[V any](m map[string]V, prefix, token string, limit *int32) ([]string, string, *apiError) {
	var names []string
	for _, n := range sortedKeys(m) {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	return paginate(names, token, limit)
}

// paginate returns the page of the sorted keys that follows token, and the
// token of the next page ("" at the end).
func paginate(keys []string, token string, limit *int32) ([]string, string, *apiError) {
	n, err := checkLimit(limit)
	if err != nil {
		return nil, "", err
	}
	start := 0
	if token != "" {
		after, decErr := base64.StdEncoding.DecodeString(token)
		last, ok := strings.CutPrefix(string(after), "localaws:")
		if decErr != nil || !ok {
			return nil, "", validation("The NextToken provided is not valid.")
		}
		start = sort.SearchStrings(keys, last)
		if start < len(keys) && keys[start] == last {
			start++
		}
	}
	end := min(start+n, len(keys))
	next := ""
	if end < len(keys) {
		next = base64.StdEncoding.EncodeToString([]byte("localaws:" + keys[end-1]))
	}
	return keys[start:end], next, nil
}

func epoch(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// Event buses.

type busOut struct {
	Name             string  `json:"Name"`
	Arn              string  `json:"Arn"`
	Description      string  `json:"Description,omitempty"`
	CreationTime     float64 `json:"CreationTime"`
	LastModifiedTime float64 `json:"LastModifiedTime"`
}

func (s *Server) busOut(b *busState) busOut {
	return busOut{b.name, s.busArn(b.name), b.description, epoch(b.created), epoch(b.modified)}
}

func (s *Server) createEventBus(body []byte) (any, *apiError) {
	var in struct{ Name, Description string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkName(busNameRe, in.Name, "name"); err != nil {
		return nil, err
	}
	if len(in.Description) > 512 {
		return nil, constraint(in.Description, "description", "have length less than or equal to 512")
	}
	if s.buses[in.Name] != nil {
		return nil, &apiError{http.StatusBadRequest, "ResourceAlreadyExistsException", "Event bus " + in.Name + " already exists."}
	}
	now := time.Now()
	s.buses[in.Name] = &busState{name: in.Name, description: in.Description, created: now, modified: now, rules: map[string]*ruleState{}}
	out := map[string]string{"EventBusArn": s.busArn(in.Name)}
	if in.Description != "" {
		out["Description"] = in.Description
	}
	return out, nil
}

func (s *Server) describeEventBus(body []byte) (any, *apiError) {
	var in struct{ Name string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	b, err := s.findBus(in.Name)
	if err != nil {
		return nil, err
	}
	return s.busOut(b), nil
}

func (s *Server) deleteEventBus(body []byte) (any, *apiError) {
	var in struct{ Name string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkName(busNameRe, in.Name, "name"); err != nil {
		return nil, err
	}
	switch b := s.buses[in.Name]; {
	case in.Name == "default":
		return nil, validation("Cannot delete event bus default.")
	case b == nil: // deleting a missing bus succeeds
	case len(b.rules) > 0:
		return nil, validation("EventBus can't be deleted since it has rules.")
	default:
		delete(s.buses, in.Name)
	}
	return nil, nil
}

func (s *Server) listEventBuses(body []byte) (any, *apiError) {
	var in struct {
		NamePrefix, NextToken string
		Limit                 *int32
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	page, next, err := pageByPrefix(s.buses, in.NamePrefix, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := struct {
		EventBuses []busOut `json:"EventBuses"`
		NextToken  string   `json:"NextToken,omitempty"`
	}{EventBuses: []busOut{}, NextToken: next}
	for _, n := range page {
		out.EventBuses = append(out.EventBuses, s.busOut(s.buses[n]))
	}
	return out, nil
}

// Rules.

func (s *Server) ruleOut(b *busState, r *ruleState) Rule {
	out := r.rule
	out.Arn = s.ruleArn(b.name, out.Name)
	out.EventBusName = b.name
	return out
}

func (s *Server) putRule(body []byte) (any, *apiError) {
	var in struct {
		Name, EventBusName, EventPattern, ScheduleExpression, State, Description, RoleArn string
		Tags                                                                              []struct{ Key, Value string }
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkName(ruleNameRe, in.Name, "name"); err != nil {
		return nil, err
	}
	if len(in.Description) > 512 {
		return nil, constraint(in.Description, "description", "have length less than or equal to 512")
	}
	switch in.State {
	case "":
		in.State = "ENABLED"
	case "ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS":
	default:
		return nil, constraint(in.State, "state", "satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]")
	}
	b, err := s.findBus(in.EventBusName)
	if err != nil {
		return nil, err
	}
	if in.EventPattern == "" && in.ScheduleExpression == "" {
		return nil, validation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	if in.ScheduleExpression != "" && b.name != "default" {
		return nil, validation("ScheduleExpression is supported only on the default event bus.")
	}
	var sched schedule.Schedule
	if in.ScheduleExpression != "" {
		var perr error
		if sched, perr = schedule.Parse(in.ScheduleExpression); perr != nil {
			return nil, validation("Parameter ScheduleExpression is not valid.")
		}
	}
	if in.EventPattern != "" {
		if err := checkEventPattern(in.EventPattern); err != nil {
			return nil, err
		}
	}
	r := b.rules[in.Name]
	if r == nil {
		r = &ruleState{targets: map[string]Target{}, tags: map[string]string{}}
		for _, t := range in.Tags {
			r.tags[t.Key] = t.Value
		}
		b.rules[in.Name] = r
	}
	// PutRule replaces every setting of an existing rule; targets stay.
	if in.ScheduleExpression != r.rule.ScheduleExpression {
		r.schedule, r.since = sched, time.Now()
		r.due, _ = sched.Next(r.since, r.since)
	}
	r.rule = Rule{Name: in.Name, EventPattern: in.EventPattern, ScheduleExpression: in.ScheduleExpression,
		State: in.State, Description: in.Description, RoleArn: in.RoleArn}
	return map[string]string{"RuleArn": s.ruleArn(b.name, in.Name)}, nil
}

// checkEventPattern checks an event pattern's structure (see the package
// documentation for what it leaves out).
func checkEventPattern(p string) *apiError {
	invalid := func(reason string) *apiError {
		return &apiError{http.StatusBadRequest, "InvalidEventPatternException", "Event pattern is not valid. Reason: " + reason}
	}
	dec := json.NewDecoder(strings.NewReader(p))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return invalid(err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("Unexpected content after the pattern")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return invalid("Filter is not an object")
	}
	if reason := checkPatternObject(obj); reason != "" {
		return invalid(reason)
	}
	return nil
}

func checkPatternObject(obj map[string]any) string {
	if len(obj) == 0 {
		return "Empty objects are not allowed"
	}
	for _, k := range sortedKeys(obj) {
		switch v := obj[k].(type) {
		case map[string]any:
			if reason := checkPatternObject(v); reason != "" {
				return reason
			}
		case []any:
			if k != "$or" {
				continue // match values and operators are not checked
			}
			for _, alt := range v {
				o, ok := alt.(map[string]any)
				if !ok {
					return `"$or" must be an array of objects`
				}
				if reason := checkPatternObject(o); reason != "" {
					return reason
				}
			}
		default:
			return fmt.Sprintf("%q must be an object or an array", k)
		}
	}
	return ""
}

// ruleRef is a request that names one rule (DescribeRule, DeleteRule,
// EnableRule, DisableRule).
type ruleRef struct{ Name, EventBusName string }

// decodeRuleRef decodes a ruleRef and checks the rule's name.
func decodeRuleRef(body []byte) (ruleRef, *apiError) {
	var in ruleRef
	if err := decode(body, &in); err != nil {
		return in, err
	}
	return in, checkName(ruleNameRe, in.Name, "name")
}

func (s *Server) describeRule(body []byte) (any, *apiError) {
	in, err := decodeRuleRef(body)
	if err != nil {
		return nil, err
	}
	b, r, err := s.findRule(in.EventBusName, in.Name)
	if err != nil {
		return nil, err
	}
	return struct {
		Rule
		CreatedBy string `json:"CreatedBy"`
	}{s.ruleOut(b, r), s.account()}, nil
}

func (s *Server) deleteRule(body []byte) (any, *apiError) {
	in, err := decodeRuleRef(body)
	if err != nil {
		return nil, err
	}
	b, err := s.findBus(in.EventBusName)
	if err != nil {
		return nil, err
	}
	r := b.rules[in.Name]
	if r != nil && len(r.targets) > 0 {
		return nil, validation("Rule can't be deleted since it has targets.")
	}
	delete(b.rules, in.Name) // deleting a missing rule succeeds
	return nil, nil
}

func (s *Server) setState(body []byte, state string) (any, *apiError) {
	in, err := decodeRuleRef(body)
	if err != nil {
		return nil, err
	}
	_, r, err := s.findRule(in.EventBusName, in.Name)
	if err != nil {
		return nil, err
	}
	r.rule.State = state
	return nil, nil
}

func (s *Server) listRules(body []byte) (any, *apiError) {
	var in struct {
		NamePrefix, EventBusName, NextToken string
		Limit                               *int32
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	b, err := s.findBus(in.EventBusName)
	if err != nil {
		return nil, err
	}
	page, next, err := pageByPrefix(b.rules, in.NamePrefix, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := struct {
		Rules     []Rule `json:"Rules"`
		NextToken string `json:"NextToken,omitempty"`
	}{Rules: []Rule{}, NextToken: next}
	for _, n := range page {
		out.Rules = append(out.Rules, s.ruleOut(b, b.rules[n]))
	}
	return out, nil
}

// Targets.

type failedEntries struct {
	FailedEntryCount int   `json:"FailedEntryCount"`
	FailedEntries    []any `json:"FailedEntries"`
}

func checkTarget(t Target) *apiError {
	if err := checkName(ruleNameRe, t.ID, "targets.member.id"); err != nil {
		return err
	}
	if t.Arn == "" || len(t.Arn) > 1600 {
		return constraint(nil, "targets.member.arn", "have length between 1 and 1600")
	}
	set := 0
	for _, given := range []bool{t.Input != "", t.InputPath != "", t.InputTransformer != nil} {
		if given {
			set++
		}
	}
	if set > 1 {
		return validation("Only one of Input, InputPath, or InputTransformer must be provided.")
	}
	if p := t.RetryPolicy; p != nil {
		if a := p.MaximumRetryAttempts; a != nil && (*a < 0 || *a > 185) {
			return constraint(*a, "targets.member.retryPolicy.maximumRetryAttempts", "have value between 0 and 185")
		}
		if a := p.MaximumEventAgeInSeconds; a != nil && (*a < 60 || *a > 86400) {
			return constraint(*a, "targets.member.retryPolicy.maximumEventAgeInSeconds", "have value between 60 and 86400")
		}
	}
	return nil
}

func (s *Server) putTargets(body []byte) (any, *apiError) {
	var in struct {
		Rule, EventBusName string
		Targets            []json.RawMessage
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkName(ruleNameRe, in.Rule, "rule"); err != nil {
		return nil, err
	}
	switch {
	case in.Targets == nil:
		return nil, constraint(nil, "targets", "not be null")
	case len(in.Targets) < 1 || len(in.Targets) > 10:
		return nil, constraint(fmt.Sprintf("[%d targets]", len(in.Targets)), "targets", "have length between 1 and 10")
	}
	targets := make([]Target, len(in.Targets))
	for i, raw := range in.Targets {
		if err := json.Unmarshal(raw, &targets[i]); err != nil {
			return nil, &apiError{http.StatusBadRequest, "SerializationException", "Could not parse target: " + err.Error()}
		}
		targets[i].raw = bytes.Clone(raw)
		if err := checkTarget(targets[i]); err != nil {
			return nil, err
		}
	}
	_, r, err := s.findRule(in.EventBusName, in.Rule)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for id := range r.targets {
		ids[id] = true
	}
	for _, t := range targets {
		ids[t.ID] = true
	}
	if len(ids) > 5 {
		return nil, &apiError{http.StatusBadRequest, "LimitExceededException", "The requested resource exceeds the maximum number allowed."}
	}
	for _, t := range targets {
		r.targets[t.ID] = t
	}
	return failedEntries{FailedEntries: []any{}}, nil
}

func (s *Server) listTargetsByRule(body []byte) (any, *apiError) {
	var in struct {
		Rule, EventBusName, NextToken string
		Limit                         *int32
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkName(ruleNameRe, in.Rule, "rule"); err != nil {
		return nil, err
	}
	_, r, err := s.findRule(in.EventBusName, in.Rule)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(sortedKeys(r.targets), in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := struct {
		Targets   []json.RawMessage `json:"Targets"`
		NextToken string            `json:"NextToken,omitempty"`
	}{Targets: []json.RawMessage{}, NextToken: next}
	for _, id := range page {
		out.Targets = append(out.Targets, r.targets[id].raw)
	}
	return out, nil
}

func (s *Server) removeTargets(body []byte) (any, *apiError) {
	var in struct {
		Rule, EventBusName string
		Ids                []string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkName(ruleNameRe, in.Rule, "rule"); err != nil {
		return nil, err
	}
	if len(in.Ids) < 1 || len(in.Ids) > 100 {
		return nil, constraint(fmt.Sprintf("[%d ids]", len(in.Ids)), "ids", "have length between 1 and 100")
	}
	for _, id := range in.Ids {
		if err := checkName(ruleNameRe, id, "ids.member"); err != nil {
			return nil, err
		}
	}
	_, r, err := s.findRule(in.EventBusName, in.Rule)
	if err != nil {
		return nil, err
	}
	for _, id := range in.Ids {
		delete(r.targets, id)
	}
	return failedEntries{FailedEntries: []any{}}, nil
}

// Events.

type putEventsResult struct {
	EventID      string `json:"EventId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

func (s *Server) putEvents(body []byte) (any, *apiError) {
	var in struct {
		Entries []struct {
			Source, DetailType, Detail, EventBusName string
			Resources                                []string
			Time                                     *float64
		}
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.Entries) < 1 || len(in.Entries) > 10 {
		return nil, constraint(fmt.Sprintf("[%d entries]", len(in.Entries)), "entries", "have length between 1 and 10")
	}
	out := struct {
		FailedEntryCount int               `json:"FailedEntryCount"`
		Entries          []putEventsResult `json:"Entries"`
	}{}
	for _, e := range in.Entries {
		missing := ""
		switch {
		case e.Source == "":
			missing = "Source"
		case e.DetailType == "":
			missing = "DetailType"
		case e.Detail == "":
			missing = "Detail"
		}
		var detail map[string]any
		bus := busName(e.EventBusName)
		var res putEventsResult
		switch {
		case missing != "":
			res = putEventsResult{ErrorCode: "InvalidArgument",
				ErrorMessage: fmt.Sprintf("Parameter %s is not valid. Reason: %s is a required argument.", missing, missing)}
		case json.Unmarshal([]byte(e.Detail), &detail) != nil || detail == nil:
			res = putEventsResult{ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed."}
		case s.buses[bus] == nil:
			res = putEventsResult{ErrorCode: "ResourceNotFoundException", ErrorMessage: busNotFound(bus).Message}
		default:
			t := time.Now()
			if e.Time != nil {
				t = time.Unix(0, int64(*e.Time*1e9))
			}
			res.EventID = newID()
			s.events = append(s.events, Event{EventID: res.EventID, EventBusName: bus, Source: e.Source,
				DetailType: e.DetailType, Detail: e.Detail, Resources: append([]string(nil), e.Resources...), Time: t})
			s.recordEvent()
		}
		if res.ErrorCode != "" {
			out.FailedEntryCount++
		}
		out.Entries = append(out.Entries, res)
	}
	return out, nil
}

// Inspection and out-of-band changes for tests.

// Bus returns the event bus with this name or ARN.
func (s *Server) Bus(name string) (Bus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buses[busName(name)]
	if b == nil {
		return Bus{}, false
	}
	return Bus{b.name, s.busArn(b.name), b.description, b.created, b.modified}, true
}

// Rules returns the rules of an event bus ("" is the default bus), by name.
func (s *Server) Rules(bus string) []Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buses[busName(bus)]
	if b == nil {
		return nil
	}
	var out []Rule
	for _, n := range sortedKeys(b.rules) {
		out = append(out, s.ruleOut(b, b.rules[n]))
	}
	return out
}

// Targets returns the targets of a rule, by Id.
func (s *Server) Targets(bus, rule string) []Target {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, r, err := s.findRule(bus, rule)
	if err != nil {
		return nil
	}
	var out []Target
	for _, id := range sortedKeys(r.targets) {
		out = append(out, r.targets[id].clone())
	}
	return out
}

func (t Target) clone() Target {
	c := t
	c.raw = bytes.Clone(t.raw)
	if t.InputTransformer != nil {
		it := *t.InputTransformer
		if it.InputPathsMap != nil {
			it.InputPathsMap = copyStrings(t.InputTransformer.InputPathsMap)
		}
		c.InputTransformer = &it
	}
	if t.RetryPolicy != nil {
		p := RetryPolicy{}
		if v := t.RetryPolicy.MaximumRetryAttempts; v != nil {
			p.MaximumRetryAttempts = new(*v)
		}
		if v := t.RetryPolicy.MaximumEventAgeInSeconds; v != nil {
			p.MaximumEventAgeInSeconds = new(*v)
		}
		c.RetryPolicy = &p
	}
	if t.DeadLetterConfig != nil {
		d := *t.DeadLetterConfig
		c.DeadLetterConfig = &d
	}
	return c
}

// Events returns the entries accepted by PutEvents, oldest first.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceReplays(time.Now())
	out := make([]Event, len(s.events))
	for i, e := range s.events {
		e.Resources = append([]string(nil), e.Resources...)
		e.Rules = append([]string(nil), e.Rules...)
		out[i] = e
	}
	return out
}

// SetRulePattern replaces a rule's event pattern, unchecked, as a change made
// outside the code under test would. It reports whether the rule exists.
func (s *Server) SetRulePattern(bus, rule, pattern string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, r, err := s.findRule(bus, rule)
	if err != nil {
		return false
	}
	r.rule.EventPattern = pattern
	return true
}

// SetRuleState sets a rule's State, unchecked. It reports whether the rule
// exists.
func (s *Server) SetRuleState(bus, rule, state string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, r, err := s.findRule(bus, rule)
	if err != nil {
		return false
	}
	r.rule.State = state
	return true
}

// DeleteRuleOutOfBand removes a rule and its targets. It reports whether the
// rule existed.
func (s *Server) DeleteRuleOutOfBand(bus, rule string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, _, err := s.findRule(bus, rule)
	if err != nil {
		return false
	}
	delete(b.rules, rule)
	return true
}

// RemoveTargetOutOfBand removes one target of a rule. It reports whether the
// target existed.
func (s *Server) RemoveTargetOutOfBand(bus, rule, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, r, err := s.findRule(bus, rule)
	if err != nil {
		return false
	}
	if _, ok := r.targets[id]; !ok {
		return false
	}
	delete(r.targets, id)
	return true
}

// listTagsForResource returns a rule's tags (buses have none here).
func (s *Server) listTagsForResource(body []byte) (any, *apiError) {
	var in struct{ ResourceARN string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	for bname, b := range s.buses {
		for rname, r := range b.rules {
			if s.ruleArn(bname, rname) == in.ResourceARN {
				type tag struct{ Key, Value string }
				out := struct{ Tags []tag }{Tags: []tag{}}
				for _, k := range sortedKeys(r.tags) {
					out.Tags = append(out.Tags, tag{k, r.tags[k]})
				}
				return out, nil
			}
		}
	}
	return nil, &apiError{http.StatusBadRequest, "ResourceNotFoundException", "Resource " + in.ResourceARN + " does not exist."}
}
