package localaws

// Step Functions (JSON 1.0, POST / with X-Amz-Target:
// AWSStepFunctions.<Operation>; calls are counted as "states:<Operation>",
// the IAM action prefix): state machines, as the ACK sfn-controller (v1.4.2,
// StateMachine kind) uses them.
//
// Implemented operations: CreateStateMachine, DescribeStateMachine,
// UpdateStateMachine, DeleteStateMachine, ListTagsForResource, TagResource
// and UntagResource; StartExecution, StopExecution, DescribeExecution,
// ListExecutions and GetExecutionHistory (sfn_executions.go). Any other
// operation answers 400 UnknownOperationException.
//
// As AWS documents them:
//
//   - Names are 1-80 characters without white space, brackets (<>{}[]),
//     wildcards (?*), the special characters "#%\^|~`$&,;:/ or control
//     characters (InvalidName "Invalid Name: '<name>'"). A state machine's
//     ARN is arn:aws:states:<region>:<account>:stateMachine:<name>, in the
//     caller's account.
//   - roleArn must be an IAM role ARN (InvalidArn "Invalid Arn: ...").
//   - The definition must be valid Amazon States Language: it is checked
//     with the project's internal/asl (JSON, StartAt naming a state in
//     States, each state's fields, transitions, reachability), and refused
//     with InvalidDefinition "Invalid State Machine Definition:
//     '<CODE>: <problem> at <path>'" (INVALID_JSON_DESCRIPTION,
//     MISSING_TRANSITION_TARGET, UNREACHABLE_STATE or
//     SCHEMA_VALIDATION_FAILED; several problems are quoted one by one).
//   - type is STANDARD (the default) or EXPRESS and cannot be changed
//     (UpdateStateMachine has no type).
//   - loggingConfiguration: level ALL, ERROR, FATAL or OFF (the default);
//     exactly one CloudWatch Logs log group destination, its ARN ending in
//     ":*", unless the level is OFF (InvalidLoggingConfiguration).
//     DescribeStateMachine always answers loggingConfiguration (level OFF
//     when none was given) and tracingConfiguration (enabled false), as AWS
//     does.
//   - CreateStateMachine is idempotent: for an existing name with the same
//     definition, type, logging, tracing and encryption configuration it
//     returns the existing ARN and creationDate (a different roleArn or tags
//     are ignored and not applied, as AWS documents); otherwise
//     StateMachineAlreadyExists "State Machine Already Exists: '<arn>'".
//   - DescribeStateMachine (and UpdateStateMachine) of a missing state
//     machine answer StateMachineDoesNotExist "State Machine Does Not Exist:
//     '<arn>'"; an ARN that is not a state machine's answers InvalidArn.
//   - UpdateStateMachine needs one of definition, roleArn,
//     loggingConfiguration, tracingConfiguration or encryptionConfiguration
//     (MissingRequiredParameter); it answers updateDate and a revisionId,
//     which changes whenever the definition or role changes.
//   - DeleteStateMachine makes the state machine DELETING (its status in
//     DescribeStateMachine) until the Server's Delays.TableUpdate has
//     passed, then it is gone. Deleting one that is missing or already
//     DELETING succeeds, as in AWS; creating or updating one that is
//     DELETING answers StateMachineDeleting.
//   - Tags: at most 50 (TooManyTags), keys 1-128 and values 0-256
//     characters; TagResource adds or replaces, UntagResource removes;
//     ListTagsForResource lists them in key order. A missing resource answers
//     ResourceNotFound "Resource not found: '<arn>'".
//
// Where the model simplifies: there are no versions or aliases
// (publish answers ValidationException; version and alias ARNs are not
// found), no activities, no ListStateMachines, the role is not checked to
// exist or to trust states.amazonaws.com, log groups are not checked to exist,
// and KMS keys of encryptionConfiguration are not looked up.

import (
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/eventstack-io/eventstack-operator/internal/asl"
)

// sfnOps are the Step Functions operations the server plays (JSON 1.0,
// X-Amz-Target AWSStepFunctions.<Operation>).
var sfnOps = map[string]func(*Server, []byte) (any, *apiError){
	"CreateStateMachine":   (*Server).sfnCreateStateMachine,
	"DescribeStateMachine": (*Server).sfnDescribeStateMachine,
	"UpdateStateMachine":   (*Server).sfnUpdateStateMachine,
	"DeleteStateMachine":   (*Server).sfnDeleteStateMachine,
	"ListTagsForResource":  (*Server).sfnListTagsForResource,
	"TagResource":          (*Server).sfnTagResource,
	"UntagResource":        (*Server).sfnUntagResource,
	// sfn_executions.go
	"StartExecution":      (*Server).sfnStartExecution,
	"StopExecution":       (*Server).sfnStopExecution,
	"DescribeExecution":   (*Server).sfnDescribeExecution,
	"ListExecutions":      (*Server).sfnListExecutions,
	"GetExecutionHistory": (*Server).sfnGetExecutionHistory,
}

// StateMachine is a snapshot of a state machine, as Server.StateMachine
// returns it.
type StateMachine struct {
	Name, Arn string
	// Status is ACTIVE or DELETING.
	Status     string
	Definition string
	RoleArn    string
	// Type is STANDARD or EXPRESS.
	Type           string
	Logging        StateMachineLogging
	TracingEnabled bool
	Tags           map[string]string
	Created        time.Time
	// Updated is the last UpdateStateMachine's time (zero before one).
	Updated    time.Time
	RevisionID string
	// Updates counts the UpdateStateMachine calls the state machine
	// accepted.
	Updates int
}

// StateMachineLogging is a state machine's logging configuration.
type StateMachineLogging struct {
	Level                string // ALL, ERROR, FATAL or OFF
	IncludeExecutionData bool
	// Destinations are the log group ARNs.
	Destinations []string
}

type sfnState struct {
	machines           map[string]*sfnMachine // by ARN
	sfnExecutionsState                        // sfn_executions.go
}

func newSFNState() sfnState { return sfnState{machines: map[string]*sfnMachine{}} }

// sfnMachine is a state machine as the server holds it.
type sfnMachine struct {
	name, arn  string
	definition string
	roleArn    string
	typ        string
	logging    sfnLogging
	tracing    sfnTracing
	encryption *sfnEncryption
	tags       map[string]string
	created    time.Time
	updated    time.Time
	revision   string
	updates    int
	goneAt     time.Time // non-zero: DELETING until then, then gone
}

// Wire shapes.

type sfnLogGroup struct {
	LogGroupArn string `json:"logGroupArn,omitempty"`
}

type sfnLogDestination struct {
	CloudWatchLogsLogGroup *sfnLogGroup `json:"cloudWatchLogsLogGroup,omitempty"`
}

type sfnLogging struct {
	Level                string              `json:"level"`
	IncludeExecutionData bool                `json:"includeExecutionData"`
	Destinations         []sfnLogDestination `json:"destinations,omitempty"`
}

type sfnTracing struct {
	Enabled bool `json:"enabled"`
}

type sfnEncryption struct {
	Type                         string `json:"type"`
	KmsKeyID                     string `json:"kmsKeyId,omitempty"`
	KmsDataKeyReusePeriodSeconds *int32 `json:"kmsDataKeyReusePeriodSeconds,omitempty"`
}

type sfnTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

var (
	sfnArnRe     = regexp.MustCompile(`^arn:aws[a-z-]*:states:([a-z0-9-]+):([0-9]{12}):stateMachine:(.+)$`)
	sfnRoleArnRe = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
	sfnLogArnRe  = regexp.MustCompile(`^arn:aws[a-z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[\.\-_/#A-Za-z0-9]{1,512}:\*$`)
	sfnTypes     = []string{"STANDARD", "EXPRESS"}
	sfnLogLevels = []string{"ALL", "ERROR", "FATAL", "OFF"}
	sfnEncTypes  = []string{"AWS_OWNED_KEY", "CUSTOMER_MANAGED_KMS_KEY"}
)

// Errors.

func sfnError(code, msg string) *apiError { return &apiError{http.StatusBadRequest, code, msg} }

func sfnConstraint(value any, member, rule string) *apiError {
	v := "null"
	if value != nil {
		v = fmt.Sprintf("'%v'", value)
	}
	return sfnError("ValidationException", fmt.Sprintf("1 validation error detected: Value %s at '%s' failed to satisfy constraint: Member must %s", v, member, rule))
}

func sfnEnum(value, member string, set []string) *apiError {
	for _, v := range set {
		if v == value {
			return nil
		}
	}
	return sfnConstraint(value, member, "satisfy enum value set: ["+strings.Join(set, ", ")+"]")
}

func sfnNotFound(arn string) *apiError {
	return sfnError("StateMachineDoesNotExist", "State Machine Does Not Exist: '"+arn+"'")
}

func sfnDeleting(arn string) *apiError {
	return sfnError("StateMachineDeleting", "State Machine is being deleted: '"+arn+"'")
}

// Validation.

// sfnCheckName applies AWS's rules for the name of a state machine.
func sfnCheckName(name string) *apiError {
	if name == "" {
		return sfnConstraint(nil, "name", "not be null")
	}
	if n := utf8.RuneCountInString(name); n > 80 {
		return sfnConstraint(name, "name", "have length less than or equal to 80")
	}
	for _, r := range name {
		if unicode.IsSpace(r) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r) || r <= 0x1f || (r >= 0x7f && r <= 0x9f) {
			return sfnError("InvalidName", "Invalid Name: '"+name+"'")
		}
	}
	return nil
}

func sfnCheckRole(arn string) *apiError {
	switch {
	case arn == "":
		return sfnConstraint(nil, "roleArn", "not be null")
	case !strings.HasPrefix(arn, "arn:"):
		return sfnError("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: "+arn+"'")
	case !sfnRoleArnRe.MatchString(arn):
		return sfnError("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: "+arn+"'")
	}
	return nil
}

// sfnCheckDefinition checks a definition with internal/asl and answers
// InvalidDefinition in AWS's form.
func sfnCheckDefinition(def string) *apiError {
	if def == "" {
		return sfnConstraint(nil, "definition", "not be null")
	}
	if len(def) > 1048576 {
		return sfnConstraint("...", "definition", "have length less than or equal to 1048576")
	}
	problems := asl.Check(def)
	if len(problems) == 0 {
		return nil
	}
	parts := make([]string, len(problems))
	for i, p := range problems {
		code := "SCHEMA_VALIDATION_FAILED"
		switch {
		case strings.HasPrefix(p.Message, "not valid JSON"):
			code = "INVALID_JSON_DESCRIPTION"
		case strings.HasPrefix(p.Message, "names no state"):
			code = "MISSING_TRANSITION_TARGET"
		case strings.HasPrefix(p.Message, "unreachable"):
			code = "UNREACHABLE_STATE"
		}
		parts[i] = code + ": " + p.Message + " at " + sfnPath(p.Path)
	}
	msg := parts[0]
	if len(parts) > 1 {
		msg = "'" + strings.Join(parts, "', '") + "'"
	}
	return sfnError("InvalidDefinition", "Invalid State Machine Definition: '"+msg+"'")
}

// sfnPath writes a JSONPath of internal/asl ($.States.A.Next,
// $.States['a b'].Catch[0]) as AWS writes locations (/States/A/Next).
func sfnPath(p string) string {
	p = strings.TrimPrefix(p, "$")
	var b strings.Builder
	for i := 0; i < len(p); {
		switch {
		case p[i] == '.':
			b.WriteByte('/')
			i++
		case strings.HasPrefix(p[i:], "['"):
			end := strings.Index(p[i+2:], "']")
			if end < 0 {
				b.WriteString(p[i:])
				i = len(p)
				continue
			}
			b.WriteString("/" + strings.ReplaceAll(p[i+2:i+2+end], `\'`, `'`))
			i += end + 4
		case p[i] == '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				b.WriteString(p[i:])
				i = len(p)
				continue
			}
			b.WriteString("/" + p[i+1:i+end])
			i += end + 1
		default:
			b.WriteByte(p[i])
			i++
		}
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// sfnCheckLogging checks a logging configuration and returns it with its
// defaults (level OFF).
func sfnCheckLogging(l *sfnLogging) (sfnLogging, *apiError) {
	if l == nil {
		return sfnLogging{Level: "OFF"}, nil
	}
	out := *l
	if out.Level == "" {
		out.Level = "OFF"
	}
	if err := sfnEnum(out.Level, "loggingConfiguration.level", sfnLogLevels); err != nil {
		return out, err
	}
	if len(out.Destinations) > 1 {
		return out, sfnError("InvalidLoggingConfiguration", "Invalid Logging Configuration: Must specify exactly one Log Destination.")
	}
	if out.Level != "OFF" && len(out.Destinations) == 0 {
		return out, sfnError("InvalidLoggingConfiguration", "Invalid Logging Configuration: Must specify exactly one Log Destination if logging level is not OFF.")
	}
	for _, d := range out.Destinations {
		if d.CloudWatchLogsLogGroup == nil || !sfnLogArnRe.MatchString(d.CloudWatchLogsLogGroup.LogGroupArn) {
			arn := ""
			if d.CloudWatchLogsLogGroup != nil {
				arn = d.CloudWatchLogsLogGroup.LogGroupArn
			}
			return out, sfnError("InvalidLoggingConfiguration",
				"Invalid Logging Configuration: The CloudWatch Logs Log Group ARN is not valid (arn:aws:logs:<region>:<account>:log-group:<name>:*): '"+arn+"'")
		}
	}
	out.Destinations = append([]sfnLogDestination(nil), out.Destinations...)
	return out, nil
}

func sfnCheckEncryption(e *sfnEncryption) *apiError {
	if e == nil {
		return nil
	}
	if err := sfnEnum(e.Type, "encryptionConfiguration.type", sfnEncTypes); err != nil {
		return err
	}
	if e.Type == "CUSTOMER_MANAGED_KMS_KEY" && e.KmsKeyID == "" {
		return sfnError("InvalidEncryptionConfiguration", "Invalid Encryption Configuration: kmsKeyId is required for CUSTOMER_MANAGED_KMS_KEY.")
	}
	if e.Type == "AWS_OWNED_KEY" && (e.KmsKeyID != "" || e.KmsDataKeyReusePeriodSeconds != nil) {
		return sfnError("InvalidEncryptionConfiguration", "Invalid Encryption Configuration: kmsKeyId and kmsDataKeyReusePeriodSeconds are not allowed for AWS_OWNED_KEY.")
	}
	return nil
}

func sfnCheckTags(tags []sfnTag, existing int) *apiError {
	for i, t := range tags {
		member := fmt.Sprintf("tags.%d.member", i+1)
		if t.Key == "" || utf8.RuneCountInString(t.Key) > 128 {
			return sfnConstraint(t.Key, member+".key", "have length between 1 and 128")
		}
		if utf8.RuneCountInString(t.Value) > 256 {
			return sfnConstraint(t.Value, member+".value", "have length less than or equal to 256")
		}
	}
	if existing+len(tags) > 50 {
		return sfnError("TooManyTags", fmt.Sprintf("Too many tags: a resource can have at most 50 tags, this request would give it %d", existing+len(tags)))
	}
	return nil
}

// Lookup.

func (s *Server) sfnArn(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", s.Region, s.account(), name)
}

// sfnSweep forgets what has finished being deleted by now.
func (s *Server) sfnSweep(now time.Time) {
	for arn, m := range s.machines {
		if !m.goneAt.IsZero() && !now.Before(m.goneAt) {
			delete(s.machines, arn)
		}
	}
}

// sfnFind returns the state machine an ARN member names, nil if there is
// none; an ARN that is not a state machine's answers InvalidArn.
func (s *Server) sfnFind(arn, member string) (*sfnMachine, *apiError) {
	if arn == "" {
		return nil, sfnConstraint(nil, member, "not be null")
	}
	if !sfnArnRe.MatchString(arn) {
		prefix := "Resource type not valid in this context"
		if !strings.HasPrefix(arn, "arn:") {
			prefix = "Invalid ARN prefix"
		}
		return nil, sfnError("InvalidArn", "Invalid Arn: '"+prefix+": "+arn+"'")
	}
	s.sfnSweep(time.Now())
	return s.machines[arn], nil
}

func (m *sfnMachine) status() string {
	if !m.goneAt.IsZero() {
		return "DELETING"
	}
	return "ACTIVE"
}

// Operations.

func (s *Server) sfnCreateStateMachine(body []byte) (any, *apiError) {
	var in struct {
		Name                    string         `json:"name"`
		Definition              string         `json:"definition"`
		RoleArn                 string         `json:"roleArn"`
		Type                    string         `json:"type"`
		LoggingConfiguration    *sfnLogging    `json:"loggingConfiguration"`
		TracingConfiguration    *sfnTracing    `json:"tracingConfiguration"`
		EncryptionConfiguration *sfnEncryption `json:"encryptionConfiguration"`
		Tags                    []sfnTag       `json:"tags"`
		Publish                 bool           `json:"publish"`
		VersionDescription      string         `json:"versionDescription"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := sfnCheckName(in.Name); err != nil {
		return nil, err
	}
	if err := sfnCheckDefinition(in.Definition); err != nil {
		return nil, err
	}
	if err := sfnCheckRole(in.RoleArn); err != nil {
		return nil, err
	}
	typ := in.Type
	if typ == "" {
		typ = "STANDARD"
	}
	if err := sfnEnum(typ, "type", sfnTypes); err != nil {
		return nil, err
	}
	logging, err := sfnCheckLogging(in.LoggingConfiguration)
	if err != nil {
		return nil, err
	}
	if err := sfnCheckEncryption(in.EncryptionConfiguration); err != nil {
		return nil, err
	}
	if in.Publish || in.VersionDescription != "" {
		return nil, sfnError("ValidationException", "Versions are not supported by this server: publish and versionDescription must not be set")
	}
	if err := sfnCheckTags(in.Tags, 0); err != nil {
		return nil, err
	}
	var tracing sfnTracing
	if in.TracingConfiguration != nil {
		tracing = *in.TracingConfiguration
	}
	now := time.Now()
	s.sfnSweep(now)
	arn := s.sfnArn(in.Name)
	if m, ok := s.machines[arn]; ok {
		if m.status() == "DELETING" {
			return nil, sfnDeleting(arn)
		}
		same := m.definition == in.Definition && m.typ == typ && reflect.DeepEqual(m.logging, logging) &&
			m.tracing == tracing && reflect.DeepEqual(m.encryption, in.EncryptionConfiguration)
		if !same {
			return nil, sfnError("StateMachineAlreadyExists", "State Machine Already Exists: '"+arn+"'")
		}
		return map[string]any{"stateMachineArn": arn, "creationDate": ddbTime(m.created)}, nil
	}
	m := &sfnMachine{
		name: in.Name, arn: arn, definition: in.Definition, roleArn: in.RoleArn, typ: typ,
		logging: logging, tracing: tracing, encryption: in.EncryptionConfiguration,
		tags: map[string]string{}, created: now, revision: newID(),
	}
	for _, t := range in.Tags {
		m.tags[t.Key] = t.Value
	}
	s.machines[arn] = m
	return map[string]any{"stateMachineArn": arn, "creationDate": ddbTime(now)}, nil
}

func (s *Server) sfnDescribeStateMachine(body []byte) (any, *apiError) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	m, err := s.sfnFind(in.StateMachineArn, "stateMachineArn")
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, sfnNotFound(in.StateMachineArn)
	}
	out := map[string]any{
		"stateMachineArn":      m.arn,
		"name":                 m.name,
		"status":               m.status(),
		"definition":           m.definition,
		"roleArn":              m.roleArn,
		"type":                 m.typ,
		"creationDate":         ddbTime(m.created),
		"loggingConfiguration": m.logging,
		"tracingConfiguration": m.tracing,
		"revisionId":           m.revision,
	}
	if m.encryption != nil {
		out["encryptionConfiguration"] = m.encryption
	}
	return out, nil
}

func (s *Server) sfnUpdateStateMachine(body []byte) (any, *apiError) {
	var in struct {
		StateMachineArn         string         `json:"stateMachineArn"`
		Definition              *string        `json:"definition"`
		RoleArn                 *string        `json:"roleArn"`
		LoggingConfiguration    *sfnLogging    `json:"loggingConfiguration"`
		TracingConfiguration    *sfnTracing    `json:"tracingConfiguration"`
		EncryptionConfiguration *sfnEncryption `json:"encryptionConfiguration"`
		Publish                 bool           `json:"publish"`
		VersionDescription      string         `json:"versionDescription"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	m, err := s.sfnFind(in.StateMachineArn, "stateMachineArn")
	if err != nil {
		return nil, err
	}
	if in.Definition == nil && in.RoleArn == nil && in.LoggingConfiguration == nil && in.TracingConfiguration == nil && in.EncryptionConfiguration == nil {
		return nil, sfnError("MissingRequiredParameter",
			"Either the definition, the role ARN, the LoggingConfiguration, the EncryptionConfiguration or the TracingConfiguration must be specified")
	}
	if in.Definition != nil {
		if err := sfnCheckDefinition(*in.Definition); err != nil {
			return nil, err
		}
	}
	if in.RoleArn != nil {
		if err := sfnCheckRole(*in.RoleArn); err != nil {
			return nil, err
		}
	}
	var logging sfnLogging
	if in.LoggingConfiguration != nil {
		if logging, err = sfnCheckLogging(in.LoggingConfiguration); err != nil {
			return nil, err
		}
	}
	if err := sfnCheckEncryption(in.EncryptionConfiguration); err != nil {
		return nil, err
	}
	if in.Publish || in.VersionDescription != "" {
		return nil, sfnError("ValidationException", "Versions are not supported by this server: publish and versionDescription must not be set")
	}
	if m == nil {
		return nil, sfnNotFound(in.StateMachineArn)
	}
	if m.status() == "DELETING" {
		return nil, sfnDeleting(m.arn)
	}
	now := time.Now()
	changed := false
	if in.Definition != nil && *in.Definition != m.definition {
		m.definition, changed = *in.Definition, true
	}
	if in.RoleArn != nil && *in.RoleArn != m.roleArn {
		m.roleArn, changed = *in.RoleArn, true
	}
	if changed {
		m.revision = newID()
	}
	if in.LoggingConfiguration != nil {
		m.logging = logging
	}
	if in.TracingConfiguration != nil {
		m.tracing = *in.TracingConfiguration
	}
	if in.EncryptionConfiguration != nil {
		m.encryption = in.EncryptionConfiguration
	}
	m.updated = now
	m.updates++
	return map[string]any{"updateDate": ddbTime(now), "revisionId": m.revision}, nil
}

func (s *Server) sfnDeleteStateMachine(body []byte) (any, *apiError) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	m, err := s.sfnFind(in.StateMachineArn, "stateMachineArn")
	if err != nil {
		return nil, err
	}
	if m != nil && m.goneAt.IsZero() {
		m.goneAt = time.Now().Add(s.Delays.TableUpdate)
	}
	return struct{}{}, nil
}

// sfnTagged returns the state machine a tag operation's resourceArn names.
// The tag operations answer a missing one with ResourceNotFound, not the
// StateMachineDoesNotExist of the state machine operations.
func (s *Server) sfnTagged(arn string) (*sfnMachine, *apiError) {
	m, err := s.sfnFind(arn, "resourceArn")
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, sfnError("ResourceNotFound", "Resource not found: '"+arn+"'")
	}
	return m, nil
}

func (s *Server) sfnListTagsForResource(body []byte) (any, *apiError) {
	var in struct {
		ResourceArn string `json:"resourceArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	m, err := s.sfnTagged(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags := []sfnTag{}
	for _, k := range sortedKeys(m.tags) {
		tags = append(tags, sfnTag{k, m.tags[k]})
	}
	return map[string]any{"tags": tags}, nil
}

func (s *Server) sfnTagResource(body []byte) (any, *apiError) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		Tags        []sfnTag `json:"tags"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, sfnConstraint(nil, "tags", "not be null")
	}
	m, err := s.sfnTagged(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	existing := 0
	for k := range m.tags {
		found := false
		for _, t := range in.Tags {
			found = found || t.Key == k
		}
		if !found {
			existing++
		}
	}
	if err := sfnCheckTags(in.Tags, existing); err != nil {
		return nil, err
	}
	for _, t := range in.Tags {
		m.tags[t.Key] = t.Value
	}
	return struct{}{}, nil
}

func (s *Server) sfnUntagResource(body []byte) (any, *apiError) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.TagKeys == nil {
		return nil, sfnConstraint(nil, "tagKeys", "not be null")
	}
	m, err := s.sfnTagged(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(m.tags, k)
	}
	return struct{}{}, nil
}

// sfnResources lists the ARNs of the state machines that exist, DELETING
// ones included until they are gone (call with s.mu held).
func (s *Server) sfnResources() []string {
	s.sfnSweep(time.Now())
	out := make([]string, 0, len(s.machines))
	for arn := range s.machines {
		out = append(out, arn)
	}
	sort.Strings(out)
	return out
}

// StateMachine returns a snapshot of a state machine of the server's
// account, by name or ARN, and whether it exists (a DELETING one still
// does).
func (s *Server) StateMachine(nameOrArn string) (StateMachine, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sfnSweep(time.Now())
	arn := nameOrArn
	if !strings.HasPrefix(arn, "arn:") {
		arn = fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", s.Region, s.AccountID, nameOrArn)
	}
	m, ok := s.machines[arn]
	if !ok {
		return StateMachine{}, false
	}
	out := StateMachine{
		Name: m.name, Arn: m.arn, Status: m.status(), Definition: m.definition, RoleArn: m.roleArn, Type: m.typ,
		Logging:        StateMachineLogging{Level: m.logging.Level, IncludeExecutionData: m.logging.IncludeExecutionData},
		TracingEnabled: m.tracing.Enabled, Tags: copyStrings(m.tags), Created: m.created, Updated: m.updated,
		RevisionID: m.revision, Updates: m.updates,
	}
	for _, d := range m.logging.Destinations {
		if d.CloudWatchLogsLogGroup != nil {
			out.Logging.Destinations = append(out.Logging.Destinations, d.CloudWatchLogsLogGroup.LogGroupArn)
		}
	}
	return out, true
}
