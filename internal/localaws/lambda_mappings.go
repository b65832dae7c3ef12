package localaws

// Event source mappings (REST-JSON under /2015-03-31/event-source-mappings),
// as lambda-controller v1.14.1 calls them for its EventSourceMapping kind;
// the comment of lambda_functions.go describes their behaviour.

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// EventSourceMapping is a snapshot of an event source mapping of the fake
// Lambda (Mapping), or one made by AddEventSourceMapping.
type EventSourceMapping struct {
	UUID           string
	FunctionArn    string
	EventSourceArn string
	// State is Creating, Enabling, Enabled, Disabling, Disabled, Updating or
	// Deleting, as GetEventSourceMapping would answer now.
	State                          string
	Arn                            string
	Enabled                        bool
	BatchSize                      int32
	MaximumBatchingWindowInSeconds int32
	FunctionResponseTypes          []string
	StateTransitionReason          string
	LastModified                   time.Time
	Tags                           map[string]string
	// Members are the other members as given (FilterCriteria,
	// ScalingConfig, ...), as JSON by member name.
	Members map[string]string
}

// lambdaMapping is an event source mapping as the server holds it.
type lambdaMapping struct {
	uuid, account          string
	functionArn, sourceArn string
	kind                   string // "sqs", "kinesis" or "dynamodb"
	fifo                   bool
	batchSize, window      int32
	responseTypes          []string
	enabled                bool
	stream                 *streamSettings
	extra                  map[string]json.RawMessage
	tags                   map[string]string
	lastModified           time.Time
	// transition is the state (Creating, Updating, Enabling, Disabling,
	// Deleting) it is in until until, "" when settled.
	transition string
	until      time.Time
}

// streamSettings are the settings of a Kinesis or DynamoDB stream mapping.
type streamSettings struct {
	StartingPosition          string
	StartingPositionTimestamp *float64
	Bisect                    bool
	MaxRecordAge, MaxRetries  int32
	Parallelization, Tumbling int32
	OnFailure                 string
}

func (m *lambdaMapping) arn(region string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:event-source-mapping:%s", region, m.account, m.uuid)
}

// state is a mapping's State at now ("" once its deletion completed).
func (m *lambdaMapping) state(now time.Time) string {
	switch {
	case m.transition != "" && now.Before(m.until):
		return m.transition
	case m.transition == "Deleting":
		return ""
	case m.enabled:
		return "Enabled"
	}
	return "Disabled"
}

func (m *lambdaMapping) busy(now time.Time) bool {
	return m.transition != "" && now.Before(m.until)
}

// reapMappings forgets the mappings whose deletion completed.
func (s *Server) reapMappings() {
	now := time.Now()
	kept := s.mappingOrder[:0]
	for _, id := range s.mappingOrder {
		if m := s.mappings[id]; m != nil && m.state(now) != "" {
			kept = append(kept, id)
		} else {
			delete(s.mappings, id)
		}
	}
	s.mappingOrder = kept
}

// mappingOf is the caller's mapping of a UUID, or nil.
func (s *Server) mappingOf(uuid string) *lambdaMapping {
	s.reapMappings()
	if m := s.mappings[uuid]; m != nil && m.account == s.account() {
		return m
	}
	return nil
}

// existingMapping is the caller's mapping of a UUID; one that does not exist
// (or is another account's) answers 404.
func (s *Server) existingMapping(uuid string) (*lambdaMapping, *apiError) {
	m := s.mappingOf(uuid)
	if m == nil {
		return nil, lambdaNotFound(resourceNotFoundMessage)
	}
	return m, nil
}

// mappingInUse is Lambda's answer to an update or delete ("update",
// "delete") of a mapping that is still changing state.
func mappingInUse(verb string) *apiError {
	return &apiError{http.StatusBadRequest, "ResourceInUseException",
		"Cannot " + verb + " the event source mapping because it is in use."}
}

// newMapping is a new Enabled mapping with Lambda's defaults for its kind of
// source: BatchSize 10 for SQS (or an unknown kind), 100 and the stream
// settings' defaults for Kinesis and DynamoDB streams.
func newMapping(account, functionArn, sourceArn, kind string, now time.Time) *lambdaMapping {
	m := &lambdaMapping{uuid: newID(), account: account, functionArn: functionArn, sourceArn: sourceArn, kind: kind,
		enabled: true, extra: map[string]json.RawMessage{}, tags: map[string]string{}, lastModified: now,
		responseTypes: []string{}, batchSize: 10}
	if kind == "kinesis" || kind == "dynamodb" {
		m.batchSize = 100
		m.stream = &streamSettings{MaxRecordAge: -1, MaxRetries: -1, Parallelization: 1}
	}
	return m
}

// addMapping stores a new mapping, last in creation order.
func (s *Server) addMapping(m *lambdaMapping) {
	s.mappings[m.uuid] = m
	s.mappingOrder = append(s.mappingOrder, m.uuid)
}

// sourceKind tells an event source ARN's kind: sqs, kinesis, dynamodb or "".
func sourceKind(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !accountIDRe.MatchString(parts[4]) {
		return ""
	}
	switch {
	case parts[2] == "sqs" && !strings.Contains(parts[5], "/"):
		return "sqs"
	case parts[2] == "kinesis" && strings.HasPrefix(parts[5], "stream/"):
		return "kinesis"
	case parts[2] == "dynamodb" && strings.HasPrefix(parts[5], "table/") && strings.Contains(parts[5], "/stream/"):
		return "dynamodb"
	}
	return ""
}

// mappingIn is the request of CreateEventSourceMapping and
// UpdateEventSourceMapping (nil: not in the request).
type mappingIn struct {
	FunctionName                   *string
	EventSourceArn                 *string
	Enabled                        *bool
	BatchSize                      *int32
	MaximumBatchingWindowInSeconds *int32
	FunctionResponseTypes          *[]string
	StartingPosition               *string
	StartingPositionTimestamp      *float64
	BisectBatchOnFunctionError     *bool
	MaximumRecordAgeInSeconds      *int32
	MaximumRetryAttempts           *int32
	ParallelizationFactor          *int32
	TumblingWindowInSeconds        *int32
	DestinationConfig              *struct {
		OnSuccess, OnFailure *struct{ Destination *string }
	}
	Tags map[string]string
	// extra are the members that round-trip as given.
	extra map[string]json.RawMessage
	// unsupported is a member of a source the server does not model.
	unsupported string
}

// mappingPassThrough are the members kept and answered as given.
var mappingPassThrough = []string{"FilterCriteria", "ScalingConfig", "MetricsConfig", "LoggingConfig", "KMSKeyArn",
	"ProvisionedPollerConfig"}

// mappingUnmodelled are members of sources the server does not model.
var mappingUnmodelled = []string{"Topics", "Queues", "SourceAccessConfigurations", "SelfManagedEventSource",
	"SelfManagedKafkaEventSourceConfig", "AmazonManagedKafkaEventSourceConfig", "DocumentDBEventSourceConfig"}

func decodeMapping(body []byte) (*mappingIn, *apiError) {
	in := &mappingIn{}
	if err := decode(body, in); err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := decode(body, &raw); err != nil {
		return nil, err
	}
	in.extra = map[string]json.RawMessage{}
	for _, k := range mappingPassThrough {
		if v, ok := raw[k]; ok && string(v) != "null" {
			in.extra[k] = v
		}
	}
	for _, k := range mappingUnmodelled {
		if _, ok := raw[k]; ok {
			in.unsupported = k
		}
	}
	return in, nil
}

// lowerFirst is a member name as Lambda's messages spell it.
func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }

// checkMapping checks a create (m nil) or update request of a mapping of
// kind; it answers the settings the mapping would have.
func (s *Server) checkMapping(in *mappingIn, kind string, fifo bool, m *lambdaMapping) *apiError {
	if in.unsupported != "" {
		return lambdaInvalid(fmt.Sprintf("Unsupported '%s' parameter for given event source mapping type.", lowerFirst(in.unsupported)))
	}
	if d := in.DestinationConfig; d != nil && (kind == "sqs" || d.OnSuccess != nil) {
		return lambdaInvalid("Unsupported DestinationConfig parameter for given event source mapping type.")
	}
	if v := in.BatchSize; v != nil {
		if err := checkRange(*v, "batchSize", 1, 10000); err != nil {
			return err
		}
		if fifo && *v > 10 {
			return lambdaInvalid("Batch size must be between 1 and 10 for FIFO queues.")
		}
	}
	if v := in.MaximumBatchingWindowInSeconds; v != nil {
		if err := checkRange(*v, "maximumBatchingWindowInSeconds", 0, 300); err != nil {
			return err
		}
	}
	if t := in.FunctionResponseTypes; t != nil {
		if len(*t) > 1 {
			return constraint(fmt.Sprint(*t), "functionResponseTypes", "have length less than or equal to 1")
		}
		for _, v := range *t {
			if v != "ReportBatchItemFailures" {
				return constraint("["+v+"]", "functionResponseTypes", "satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]")
			}
		}
	}
	if kind == "sqs" {
		if in.StartingPosition != nil || in.StartingPositionTimestamp != nil {
			return lambdaInvalid("StartingPosition is not valid for SQS event sources.")
		}
		for member, given := range map[string]bool{
			"BisectBatchOnFunctionError": in.BisectBatchOnFunctionError != nil, "MaximumRecordAgeInSeconds": in.MaximumRecordAgeInSeconds != nil,
			"MaximumRetryAttempts": in.MaximumRetryAttempts != nil, "ParallelizationFactor": in.ParallelizationFactor != nil,
			"TumblingWindowInSeconds": in.TumblingWindowInSeconds != nil,
		} {
			if given {
				return lambdaInvalid(fmt.Sprintf("Unsupported '%s' parameter for given event source mapping type.", lowerFirst(member)))
			}
		}
	} else {
		if m == nil && in.StartingPosition == nil {
			return lambdaInvalid("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.")
		}
		if p := in.StartingPosition; p != nil {
			switch *p {
			case "LATEST", "TRIM_HORIZON":
			case "AT_TIMESTAMP":
				if kind == "dynamodb" {
					return lambdaInvalid("Unsupported starting position for arn type: " + deref(in.EventSourceArn))
				}
			default:
				return validation("1 validation error detected: Value '" + *p + "' at 'startingPosition' failed to satisfy constraint: " +
					"Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]")
			}
		}
		if v := in.ParallelizationFactor; v != nil {
			if err := checkRange(*v, "parallelizationFactor", 1, 10); err != nil {
				return err
			}
		}
		if v := in.MaximumRetryAttempts; v != nil {
			if err := checkRange(*v, "maximumRetryAttempts", -1, 10000); err != nil {
				return err
			}
		}
		if v := in.MaximumRecordAgeInSeconds; v != nil {
			if err := checkRange(*v, "maximumRecordAgeInSeconds", -1, 604800); err != nil {
				return err
			}
		}
		if v := in.TumblingWindowInSeconds; v != nil {
			if err := checkRange(*v, "tumblingWindowInSeconds", 0, 900); err != nil {
				return err
			}
		}
	}
	if raw, ok := in.extra["FilterCriteria"]; ok {
		var fc struct{ Filters []struct{ Pattern *string } }
		if json.Unmarshal(raw, &fc) != nil {
			return lambdaInvalid("Invalid filter pattern definition.")
		}
		for _, f := range fc.Filters {
			var obj map[string]any
			if f.Pattern == nil || json.Unmarshal([]byte(*f.Pattern), &obj) != nil || obj == nil {
				return lambdaInvalid("Invalid filter pattern definition.")
			}
		}
		if len(fc.Filters) == 0 {
			in.extra["FilterCriteria"] = nil // removes it
		}
	}
	if raw, ok := in.extra["ScalingConfig"]; ok {
		var sc struct{ MaximumConcurrency *int32 }
		if json.Unmarshal(raw, &sc) != nil {
			return &apiError{http.StatusBadRequest, "SerializationException", "Could not parse ScalingConfig"}
		}
		if v := sc.MaximumConcurrency; v != nil {
			if err := checkRange(*v, "scalingConfig.maximumConcurrency", 2, 1000); err != nil {
				return err
			}
		}
	}
	batch, window := int32(0), int32(0)
	if m != nil {
		batch, window = m.batchSize, m.window
	} else if kind == "sqs" {
		batch = 10
	}
	if in.BatchSize != nil {
		batch = *in.BatchSize
	}
	if in.MaximumBatchingWindowInSeconds != nil {
		window = *in.MaximumBatchingWindowInSeconds
	}
	if kind == "sqs" && batch > 10 && window == 0 {
		return lambdaInvalid("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
	}
	return checkTags(in.Tags)
}

// mappingFunction resolves the FunctionName of a mapping request to the
// FunctionArn it answers (qualified as given: $LATEST, a published version
// or an alias, which the poller invokes) and the function's name.
func (s *Server) mappingFunction(nameOrArn string) (arn, name string, _ *apiError) {
	name, q, ok := parseFunctionName(nameOrArn)
	if !ok {
		return "", "", functionNameError(nameOrArn)
	}
	f := s.functions[fnKey(s.account(), name)]
	if f == nil || (q != "" && q != "$LATEST" && f.aliases[q] == nil && f.version(q) == nil) {
		return "", "", lambdaInvalid("Function does not exist")
	}
	return s.functionArn(name, q), name, nil
}

// apply sets the settings a request carries.
func (m *lambdaMapping) apply(in *mappingIn) {
	setIfGiven(&m.batchSize, in.BatchSize)
	setIfGiven(&m.window, in.MaximumBatchingWindowInSeconds)
	if in.FunctionResponseTypes != nil {
		m.responseTypes = append([]string{}, (*in.FunctionResponseTypes)...)
	}
	setIfGiven(&m.enabled, in.Enabled)
	for k, v := range in.extra {
		if v == nil {
			delete(m.extra, k)
		} else {
			m.extra[k] = v
		}
	}
	st := m.stream
	if st == nil {
		return
	}
	setIfGiven(&st.StartingPosition, in.StartingPosition)
	if in.StartingPositionTimestamp != nil {
		st.StartingPositionTimestamp = in.StartingPositionTimestamp
	}
	setIfGiven(&st.Bisect, in.BisectBatchOnFunctionError)
	setIfGiven(&st.MaxRecordAge, in.MaximumRecordAgeInSeconds)
	setIfGiven(&st.MaxRetries, in.MaximumRetryAttempts)
	setIfGiven(&st.Parallelization, in.ParallelizationFactor)
	setIfGiven(&st.Tumbling, in.TumblingWindowInSeconds)
	if d := in.DestinationConfig; d != nil && d.OnFailure != nil {
		st.OnFailure = deref(d.OnFailure.Destination)
	}
}

// mappingView is a mapping as Lambda answers it at now.
func (s *Server) mappingView(m *lambdaMapping, now time.Time) map[string]any {
	out := map[string]any{}
	for k, v := range m.extra {
		out[k] = v
	}
	state := m.state(now)
	if state == "" {
		state = "Deleting"
	}
	out["UUID"] = m.uuid
	out["EventSourceMappingArn"] = m.arn(s.Region)
	out["EventSourceArn"] = m.sourceArn
	out["FunctionArn"] = m.functionArn
	out["BatchSize"] = m.batchSize
	out["MaximumBatchingWindowInSeconds"] = m.window
	out["FunctionResponseTypes"] = append([]string{}, m.responseTypes...)
	out["LastModified"] = epoch(m.lastModified)
	out["State"] = state
	out["StateTransitionReason"] = "USER_INITIATED"
	if st := m.stream; st != nil {
		out["StateTransitionReason"] = "User action"
		out["LastProcessingResult"] = "No records processed"
		out["StartingPosition"] = st.StartingPosition
		if st.StartingPositionTimestamp != nil {
			out["StartingPositionTimestamp"] = *st.StartingPositionTimestamp
		}
		out["BisectBatchOnFunctionError"] = st.Bisect
		out["MaximumRecordAgeInSeconds"] = st.MaxRecordAge
		out["MaximumRetryAttempts"] = st.MaxRetries
		out["ParallelizationFactor"] = st.Parallelization
		out["TumblingWindowInSeconds"] = st.Tumbling
		onFailure := map[string]string{}
		if st.OnFailure != "" {
			onFailure["Destination"] = st.OnFailure
		}
		out["DestinationConfig"] = map[string]any{"OnFailure": onFailure}
	}
	return out
}

func (s *Server) createEventSourceMapping(_ lambdaParams, body []byte) (int, any, *apiError) {
	in, err := decodeMapping(body)
	if err != nil {
		return 0, nil, err
	}
	if deref(in.FunctionName) == "" {
		return 0, nil, constraint(nil, "functionName", "not be null")
	}
	source := deref(in.EventSourceArn)
	kind := sourceKind(source)
	if kind == "" {
		return 0, nil, lambdaInvalid("Unrecognized event source.")
	}
	fifo := kind == "sqs" && strings.HasSuffix(source, ".fifo")
	if err := s.checkMapping(in, kind, fifo, nil); err != nil {
		return 0, nil, err
	}
	fnArn, fnName, err := s.mappingFunction(*in.FunctionName)
	if err != nil {
		return 0, nil, err
	}
	if kind == "sqs" && !s.sqsQueueExists(source) {
		return 0, nil, lambdaInvalid("Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. " +
			"SQS Error Message: The specified queue does not exist.")
	}
	s.reapMappings()
	for _, id := range s.mappingOrder {
		m := s.mappings[id]
		if m.account != s.account() || m.sourceArn != source || m.functionArn != fnArn {
			continue
		}
		if kind == "sqs" {
			return 0, nil, lambdaConflict(fmt.Sprintf(`An event source mapping with SQS arn (" %s ") and function (" %s ") already exists. `+
				"Please update or delete the existing mapping with UUID %s", source, fnName, m.uuid))
		}
		return 0, nil, lambdaConflict(fmt.Sprintf(`The event source arn (" %s ") and function (" %s ") provided mapping already exists. `+
			"Please update or delete the existing mapping with UUID %s", source, fnName, m.uuid))
	}
	now := time.Now()
	m := newMapping(s.account(), fnArn, source, kind, now)
	m.fifo = fifo
	m.apply(in)
	maps.Copy(m.tags, in.Tags)
	if m.enabled {
		m.transition, m.until = "Creating", now.Add(s.Delays.MappingCreate)
	}
	s.addMapping(m)
	return http.StatusAccepted, s.mappingView(m, now), nil
}

func (s *Server) getEventSourceMapping(p lambdaParams, _ []byte) (int, any, *apiError) {
	m, err := s.existingMapping(p.label)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.mappingView(m, time.Now()), nil
}

func (s *Server) updateEventSourceMapping(p lambdaParams, body []byte) (int, any, *apiError) {
	in, err := decodeMapping(body)
	if err != nil {
		return 0, nil, err
	}
	m, err := s.existingMapping(p.label)
	if err != nil {
		return 0, nil, err
	}
	in.EventSourceArn, in.Tags = &m.sourceArn, nil
	if err := s.checkMapping(in, m.kind, m.fifo, m); err != nil {
		return 0, nil, err
	}
	fnArn := m.functionArn
	if in.FunctionName != nil {
		if fnArn, _, err = s.mappingFunction(*in.FunctionName); err != nil {
			return 0, nil, err
		}
	}
	now := time.Now()
	if m.busy(now) {
		return 0, nil, mappingInUse("update")
	}
	wasEnabled := m.enabled
	m.functionArn = fnArn
	m.apply(in)
	switch {
	case m.enabled && !wasEnabled:
		m.transition = "Enabling"
	case !m.enabled && wasEnabled:
		m.transition = "Disabling"
	default:
		m.transition = "Updating"
	}
	m.until, m.lastModified = now.Add(s.Delays.MappingUpdate), now
	return http.StatusAccepted, s.mappingView(m, now), nil
}

func (s *Server) deleteEventSourceMapping(p lambdaParams, _ []byte) (int, any, *apiError) {
	m, err := s.existingMapping(p.label)
	if err != nil {
		return 0, nil, err
	}
	now := time.Now()
	if m.busy(now) {
		return 0, nil, mappingInUse("delete")
	}
	m.transition, m.until = "Deleting", now.Add(s.Delays.MappingUpdate)
	m.tags = map[string]string{}
	out := s.mappingView(m, now)
	out["State"] = "Deleting"
	s.reapMappings()
	return http.StatusAccepted, out, nil
}

// listEventSourceMappings lists the caller's mappings of a function (name or
// ARN) and of an event source ARN, either optional, in creation order.
func (s *Server) listEventSourceMappings(p lambdaParams, _ []byte) (int, any, *apiError) {
	function, source := p.query.Get("FunctionName"), p.query.Get("EventSourceArn")
	name, qualifier := "", ""
	if function != "" {
		n, q, ok := parseFunctionName(function)
		if !ok {
			return 0, nil, functionNameError(function)
		}
		name, qualifier = n, q
	}
	limit := 100
	if v := p.query.Get("MaxItems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return 0, nil, constraint(v, "maxItems", "have value between 1 and 10000")
		}
		limit = n
	}
	s.reapMappings()
	var matching []*lambdaMapping
	for _, id := range s.mappingOrder {
		m := s.mappings[id]
		fn, q, _ := parseFunctionName(m.functionArn)
		if m.account != s.account() || (name != "" && (fn != name || (qualifier != "" && q != qualifier))) ||
			(source != "" && m.sourceArn != source) {
			continue
		}
		matching = append(matching, m)
	}
	start := 0
	if marker := p.query.Get("Marker"); marker != "" {
		start = -1
		for i, m := range matching {
			if m.uuid == marker {
				start = i
			}
		}
		if start < 0 {
			return 0, nil, lambdaInvalid("Invalid marker: " + marker)
		}
	}
	now := time.Now()
	out := struct {
		EventSourceMappings []map[string]any `json:"EventSourceMappings"`
		NextMarker          string           `json:"NextMarker,omitempty"`
	}{EventSourceMappings: []map[string]any{}}
	for i := start; i < len(matching); i++ {
		if len(out.EventSourceMappings) == limit {
			out.NextMarker = matching[i].uuid
			break
		}
		out.EventSourceMappings = append(out.EventSourceMappings, s.mappingView(matching[i], now))
	}
	return http.StatusOK, out, nil
}

// AddEventSourceMapping makes an event source mapping exist (Enabled), as if
// created outside the code under test, and returns its UUID. It belongs to
// the account functionArn names, and neither the function nor the source
// need exist.
func (s *Server) AddEventSourceMapping(functionArn, sourceArn string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	account, _ := s.helperFunctionKey(functionArn)
	m := newMapping(account, functionArn, sourceArn, sourceKind(sourceArn), time.Now())
	if m.stream != nil {
		m.stream.StartingPosition = "LATEST"
	}
	s.addMapping(m)
	return m.uuid
}

// Mapping returns a snapshot of an event source mapping and whether it
// exists.
func (s *Server) Mapping(uuid string) (EventSourceMapping, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reapMappings()
	m := s.mappings[uuid]
	if m == nil {
		return EventSourceMapping{}, false
	}
	now := time.Now()
	out := EventSourceMapping{UUID: m.uuid, FunctionArn: m.functionArn, EventSourceArn: m.sourceArn, State: m.state(now),
		Arn: m.arn(s.Region), Enabled: m.enabled, BatchSize: m.batchSize, MaximumBatchingWindowInSeconds: m.window,
		FunctionResponseTypes: append([]string(nil), m.responseTypes...), StateTransitionReason: "USER_INITIATED",
		LastModified: m.lastModified, Tags: copyStrings(m.tags), Members: map[string]string{}}
	if m.stream != nil {
		out.StateTransitionReason = "User action"
	}
	for k, v := range m.extra {
		out.Members[k] = string(v)
	}
	return out, true
}

// SetMappingEnabledOutOfBand enables or disables a mapping as someone in the
// console would: it goes through Enabling or Disabling (Delays.MappingUpdate)
// to Enabled or Disabled. It reports whether the mapping exists.
func (s *Server) SetMappingEnabledOutOfBand(uuid string, enabled bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reapMappings()
	m := s.mappings[uuid]
	if m == nil || m.transition == "Deleting" {
		return false
	}
	if m.enabled == enabled {
		return true
	}
	now := time.Now()
	m.enabled, m.transition, m.until, m.lastModified = enabled, "Disabling", now.Add(s.Delays.MappingUpdate), now
	if enabled {
		m.transition = "Enabling"
	}
	return true
}
