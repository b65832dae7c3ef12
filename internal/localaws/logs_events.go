package localaws

// CloudWatch Logs log streams and events, as kubectl eds logs reads them and
// as the tests write them:
//
//   - CreateLogStream: the group must exist (ResourceNotFoundException "The
//     specified log group does not exist."); a name is 1-512 characters
//     without ':' or '*'; a second one of a name answers
//     ResourceAlreadyExistsException "The specified log stream already
//     exists".
//   - PutLogEvents: 1-10,000 events, in chronological order within the call
//     (InvalidParameterException otherwise), to an existing group and stream
//     (ResourceNotFoundException "The specified log stream does not
//     exist."). sequenceToken is ignored, as AWS has since 2023. Each event
//     gets an ingestion time and an eventId unique in the server.
//   - GetLogEvents: one stream's events in [startTime, endTime) (epoch
//     milliseconds), oldest first; the last `limit` (default 10,000) unless
//     startFromHead. nextForwardToken and nextBackwardToken are opaque, and
//     the forward token of the last page is the one given, as AWS does.
//   - FilterLogEvents: a group's events (by logGroupName or
//     logGroupIdentifier, an ARN or name) in [startTime, endTime), from the
//     streams named (logStreamNames or logStreamNamePrefix) or all, ordered by
//     timestamp across streams (ties by ingestion), a page of `limit`
//     (default 10,000) with a nextToken while more remain.
//
// Where it simplifies: a filterPattern is a list of terms that must all
// appear in the message (a term in double quotes is one phrase); the
// metric-filter JSON and space-delimited syntaxes are not parsed. Events are
// kept for ever (retention is not applied), and there are no limits on sizes
// or on how old an event may be.

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// LogEvent is one event of a log stream, as the server holds it.
type LogEvent struct {
	Stream string
	// Timestamp and Ingestion are epoch milliseconds.
	Timestamp, Ingestion int64
	Message              string
	EventID              string
}

// logStream is one stream of a group: its events in the order they came.
type logStream struct {
	name    string
	created int64
	events  []LogEvent
}

var logStreamNameRe = regexp.MustCompile(`^[^:*]{1,512}$`)

// logStreamsOf returns the streams of a group, making the map on first use.
func (s *Server) logStreamsOf(group string) map[string]*logStream {
	if s.logStreams == nil {
		s.logStreams = map[string]map[string]*logStream{}
	}
	if s.logStreams[group] == nil {
		s.logStreams[group] = map[string]*logStream{}
	}
	return s.logStreams[group]
}

func logsNotFound(what string) *apiError {
	return &apiError{http.StatusBadRequest, "ResourceNotFoundException", "The specified " + what + " does not exist."}
}

func logsInvalid(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidParameterException", msg}
}

func (s *Server) createLogStream(body []byte) (any, *apiError) {
	var in struct{ LogGroupName, LogStreamName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if _, ok := s.logGroups[in.LogGroupName]; !ok {
		return nil, logsNotFound("log group")
	}
	if !logStreamNameRe.MatchString(in.LogStreamName) {
		return nil, constraint(in.LogStreamName, "logStreamName", "satisfy regular expression pattern: [^:*]*")
	}
	streams := s.logStreamsOf(in.LogGroupName)
	if _, ok := streams[in.LogStreamName]; ok {
		return nil, &apiError{http.StatusBadRequest, "ResourceAlreadyExistsException", "The specified log stream already exists"}
	}
	streams[in.LogStreamName] = &logStream{name: in.LogStreamName, created: time.Now().UnixMilli()}
	return struct{}{}, nil
}

func (s *Server) putLogEvents(body []byte) (any, *apiError) {
	var in struct {
		LogGroupName, LogStreamName string
		LogEvents                   []struct {
			Timestamp *int64
			Message   *string
		}
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.LogEvents) == 0 || len(in.LogEvents) > 10000 {
		return nil, constraint(len(in.LogEvents), "logEvents", "have length between 1 and 10000")
	}
	if _, ok := s.logGroups[in.LogGroupName]; !ok {
		return nil, logsNotFound("log group")
	}
	stream := s.logStreamsOf(in.LogGroupName)[in.LogStreamName]
	if stream == nil {
		return nil, logsNotFound("log stream")
	}
	for i, e := range in.LogEvents {
		if e.Timestamp == nil || e.Message == nil {
			return nil, constraint(nil, fmt.Sprintf("logEvents.%d.member", i+1), "not be null")
		}
		if i > 0 && *e.Timestamp < *in.LogEvents[i-1].Timestamp {
			return nil, logsInvalid("Log events in a single PutLogEvents request must be in chronological order.")
		}
	}
	now := time.Now().UnixMilli()
	for _, e := range in.LogEvents {
		s.logEventSeq++
		stream.events = append(stream.events, LogEvent{
			Stream: stream.name, Timestamp: *e.Timestamp, Ingestion: now, Message: *e.Message,
			// AWS's event IDs are long decimal strings; these are unique too.
			EventID: fmt.Sprintf("%020d%016d", *e.Timestamp, s.logEventSeq),
		})
	}
	return struct {
		NextSequenceToken string `json:"nextSequenceToken"`
	}{strconv.FormatInt(s.logEventSeq, 10)}, nil
}

// inWindow reports whether an event's timestamp is in [start, end), where a
// zero bound is open.
func inWindow(ts int64, start, end *int64) bool {
	return (start == nil || ts >= *start) && (end == nil || *end == 0 || ts < *end)
}

// logLimit checks a limit member (1-10000) and gives its default.
func logLimit(limit *int32) (int, *apiError) {
	if limit == nil {
		return 10000, nil
	}
	if *limit < 1 || *limit > 10000 {
		return 0, constraint(*limit, "limit", "have value between 1 and 10000")
	}
	return int(*limit), nil
}

// logToken reads a page token of this server ("<prefix><index>").
func logToken(token *string, prefix string) (int, *apiError) {
	if token == nil || *token == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(*token, prefix))
	if err != nil || !strings.HasPrefix(*token, prefix) || n < 0 {
		return 0, logsInvalid("The specified nextToken is invalid.")
	}
	return n, nil
}

type wireLogEvent struct {
	LogStreamName string `json:"logStreamName,omitempty"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId,omitempty"`
}

func (s *Server) getLogEvents(body []byte) (any, *apiError) {
	var in struct {
		LogGroupName, LogStreamName string
		StartTime, EndTime          *int64
		StartFromHead               bool
		Limit                       *int32
		NextToken                   *string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit, err := logLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	if _, ok := s.logGroups[in.LogGroupName]; !ok {
		return nil, logsNotFound("log group")
	}
	stream := s.logStreamsOf(in.LogGroupName)[in.LogStreamName]
	if stream == nil {
		return nil, logsNotFound("log stream")
	}
	var events []LogEvent
	for _, e := range stream.events {
		if inWindow(e.Timestamp, in.StartTime, in.EndTime) {
			events = append(events, e)
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].Timestamp < events[j].Timestamp })
	// A page is events[from:to]; tokens hold where the next page starts
	// (forward) or ends (backward).
	from, to := 0, len(events)
	switch {
	case in.NextToken != nil && strings.HasPrefix(*in.NextToken, "b/"):
		end, err := logToken(in.NextToken, "b/")
		if err != nil {
			return nil, err
		}
		to = min(end, len(events))
		from = max(0, to-limit)
	case in.NextToken != nil && *in.NextToken != "":
		start, err := logToken(in.NextToken, "f/")
		if err != nil {
			return nil, err
		}
		from = min(start, len(events))
		to = min(len(events), from+limit)
	case in.StartFromHead:
		to = min(len(events), limit)
	default:
		from = max(0, len(events)-limit)
	}
	out := struct {
		Events            []wireLogEvent `json:"events"`
		NextForwardToken  string         `json:"nextForwardToken"`
		NextBackwardToken string         `json:"nextBackwardToken"`
	}{Events: []wireLogEvent{}, NextForwardToken: "f/" + strconv.Itoa(to), NextBackwardToken: "b/" + strconv.Itoa(from)}
	for _, e := range events[from:to] {
		out.Events = append(out.Events, wireLogEvent{Timestamp: e.Timestamp, Message: e.Message, IngestionTime: e.Ingestion})
	}
	return out, nil
}

func (s *Server) filterLogEvents(body []byte) (any, *apiError) {
	var in struct {
		LogGroupName, LogGroupIdentifier string
		LogStreamNames                   []string
		LogStreamNamePrefix              string
		StartTime, EndTime               *int64
		FilterPattern                    string
		Limit                            *int32
		NextToken                        *string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	group := in.LogGroupName
	if group == "" {
		// logGroupIdentifier is a name or an ARN (…:log-group:NAME[:*]).
		group = in.LogGroupIdentifier
		if _, rest, ok := strings.Cut(group, ":log-group:"); ok {
			group = strings.TrimSuffix(rest, ":*")
		}
	}
	if group == "" {
		return nil, logsInvalid("Either logGroupName or logGroupIdentifier must be specified.")
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != "" {
		return nil, logsInvalid("logStreamNames and logStreamNamePrefix are mutually exclusive.")
	}
	limit, err := logLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	start, err := logToken(in.NextToken, "n/")
	if err != nil {
		return nil, err
	}
	if _, ok := s.logGroups[group]; !ok {
		return nil, logsNotFound("log group")
	}
	streams := s.logStreamsOf(group)
	named := map[string]bool{}
	for _, n := range in.LogStreamNames {
		named[n] = true
	}
	terms := filterTerms(in.FilterPattern)
	var events []LogEvent
	for _, name := range sortedKeys(streams) {
		if (len(named) > 0 && !named[name]) || !strings.HasPrefix(name, in.LogStreamNamePrefix) {
			continue
		}
		for _, e := range streams[name].events {
			if inWindow(e.Timestamp, in.StartTime, in.EndTime) && matchesTerms(e.Message, terms) {
				events = append(events, e)
			}
		}
	}
	sort.SliceStable(events, func(i, j int) bool {
		if events[i].Timestamp != events[j].Timestamp {
			return events[i].Timestamp < events[j].Timestamp
		}
		return events[i].EventID < events[j].EventID
	})
	from := max(start, 0)
	from = min(from, len(events))
	to := min(len(events), from+limit)
	type searched struct {
		LogStreamName      string `json:"logStreamName"`
		SearchedCompletely bool   `json:"searchedCompletely"`
	}
	out := struct {
		Events             []wireLogEvent `json:"events"`
		SearchedLogStreams []searched     `json:"searchedLogStreams"`
		NextToken          *string        `json:"nextToken,omitempty"`
	}{Events: []wireLogEvent{}, SearchedLogStreams: []searched{}}
	for _, e := range events[from:to] {
		out.Events = append(out.Events, wireLogEvent{LogStreamName: e.Stream, Timestamp: e.Timestamp, Message: e.Message,
			IngestionTime: e.Ingestion, EventID: e.EventID})
	}
	if to < len(events) {
		next := "n/" + strconv.Itoa(to)
		out.NextToken = &next
	}
	return out, nil
}

// filterTerms splits a filter pattern into terms: words, or phrases in
// double quotes.
func filterTerms(pattern string) []string {
	var terms []string
	for i, part := range strings.Split(pattern, `"`) {
		if i%2 == 1 {
			if part != "" {
				terms = append(terms, part)
			}
			continue
		}
		terms = append(terms, strings.Fields(part)...)
	}
	return terms
}

func matchesTerms(message string, terms []string) bool {
	for _, t := range terms {
		if !strings.Contains(message, t) {
			return false
		}
	}
	return true
}

// LogEvents returns the events of a log group, every stream's, in the order
// FilterLogEvents gives them.
func (s *Server) LogEvents(group string) []LogEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []LogEvent
	for _, stream := range s.logStreams[group] {
		out = append(out, stream.events...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Timestamp != out[j].Timestamp {
			return out[i].Timestamp < out[j].Timestamp
		}
		return out[i].EventID < out[j].EventID
	})
	return out
}
