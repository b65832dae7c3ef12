package localaws

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
)

// LogGroup is a CloudWatch Logs log group of the fake.
type LogGroup struct {
	Name          string
	Arn           string // as DescribeLogGroups gives it, ending in ":*"
	RetentionDays int32  // 0: never expire
	Tags          map[string]string
}

type logsState struct {
	logGroups map[string]*LogGroup
	// logStreams are each group's streams, by group then stream name
	// (logs_events.go); logEventSeq numbers the events put.
	logStreams  map[string]map[string]*logStream
	logEventSeq int64
}

func newLogsState() logsState { return logsState{logGroups: map[string]*LogGroup{}} }

// logOps are the CloudWatch Logs operations the server implements (JSON 1.1,
// X-Amz-Target: Logs_20140328.<Operation>).
var logOps = map[string]func(*Server, []byte) (any, *apiError){
	"CreateLogGroup":     (*Server).createLogGroup,
	"DescribeLogGroups":  (*Server).describeLogGroups,
	"PutRetentionPolicy": (*Server).putRetentionPolicy,
	"DeleteLogGroup":     (*Server).deleteLogGroup,
	"CreateLogStream":    (*Server).createLogStream,
	"PutLogEvents":       (*Server).putLogEvents,
	"GetLogEvents":       (*Server).getLogEvents,
	"FilterLogEvents":    (*Server).filterLogEvents,
}

// routeLogs names a CloudWatch Logs request's operation and returns its
// handler, to be called with s.mu held: the JSON services' rpcRouter.
func (s *Server) routeLogs(r *http.Request, body []byte) (string, handler) {
	return rpcRouter("Logs_20140328.", logOps)(s, r, body)
}

var logGroupNameRe = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]{1,512}$`)

// validRetention are the values PutRetentionPolicy takes.
var validRetention = map[int32]bool{1: true, 3: true, 5: true, 7: true, 14: true, 30: true, 60: true, 90: true, 120: true, 150: true,
	180: true, 365: true, 400: true, 545: true, 731: true, 1096: true, 1827: true, 2192: true, 2557: true, 2922: true, 3288: true, 3653: true}

func (s *Server) logGroupArn(name string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:*", s.Region, s.account(), name)
}

func (s *Server) createLogGroup(body []byte) (any, *apiError) {
	var in struct {
		LogGroupName string
		Tags         map[string]string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if !logGroupNameRe.MatchString(in.LogGroupName) {
		return nil, constraint(in.LogGroupName, "logGroupName", "satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+")
	}
	if _, ok := s.logGroups[in.LogGroupName]; ok {
		return nil, &apiError{http.StatusBadRequest, "ResourceAlreadyExistsException", "The specified log group already exists"}
	}
	s.logGroups[in.LogGroupName] = &LogGroup{Name: in.LogGroupName, Arn: s.logGroupArn(in.LogGroupName), Tags: in.Tags}
	return struct{}{}, nil
}

func (s *Server) describeLogGroups(body []byte) (any, *apiError) {
	var in struct{ LogGroupNamePrefix string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	type group struct {
		LogGroupName    string `json:"logGroupName"`
		Arn             string `json:"arn"`
		RetentionInDays *int32 `json:"retentionInDays,omitempty"`
	}
	out := struct {
		LogGroups []group `json:"logGroups"`
	}{LogGroups: []group{}}
	names := make([]string, 0, len(s.logGroups))
	for name := range s.logGroups {
		if strings.HasPrefix(name, in.LogGroupNamePrefix) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		g := s.logGroups[name]
		out.LogGroups = append(out.LogGroups, group{LogGroupName: g.Name, Arn: g.Arn})
		if g.RetentionDays != 0 {
			days := g.RetentionDays
			out.LogGroups[len(out.LogGroups)-1].RetentionInDays = &days
		}
	}
	return out, nil
}

func (s *Server) putRetentionPolicy(body []byte) (any, *apiError) {
	var in struct {
		LogGroupName    string
		RetentionInDays int32
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	g, ok := s.logGroups[in.LogGroupName]
	if !ok {
		return nil, &apiError{http.StatusBadRequest, "ResourceNotFoundException", "The specified log group does not exist."}
	}
	if !validRetention[in.RetentionInDays] {
		return nil, &apiError{http.StatusBadRequest, "InvalidParameterException", fmt.Sprintf("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint", in.RetentionInDays)}
	}
	g.RetentionDays = in.RetentionInDays
	return struct{}{}, nil
}

func (s *Server) deleteLogGroup(body []byte) (any, *apiError) {
	var in struct{ LogGroupName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if _, ok := s.logGroups[in.LogGroupName]; !ok {
		return nil, &apiError{http.StatusBadRequest, "ResourceNotFoundException", "The specified log group does not exist."}
	}
	delete(s.logGroups, in.LogGroupName)
	delete(s.logStreams, in.LogGroupName)
	return struct{}{}, nil
}

// LogGroups returns the log groups, by name.
func (s *Server) LogGroups() map[string]LogGroup {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]LogGroup{}
	for name, g := range s.logGroups {
		out[name] = *g
	}
	return out
}
