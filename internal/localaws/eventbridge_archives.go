package localaws

// EventBridge archives and replays (JSON 1.1, as eventbridge.go): CreateArchive,
// DescribeArchive, UpdateArchive, DeleteArchive, ListArchives, StartReplay,
// DescribeReplay, ListReplays and CancelReplay, with AWS's validation of names
// and windows, as the EventBridge API Reference documents them.
//
//   - An archive keeps, from its creation on, the events PutEvents accepts on
//     its source bus that its pattern matches (every event without a pattern),
//     with their time. CreateArchive answers CREATING; the archive reads
//     ENABLED once Delays.ArchiveCreate has passed. Retention is stored, not
//     enforced: no event expires.
//   - A replay is STARTING for Delays.ReplayStart, then RUNNING for
//     Delays.ReplayRun, during which the archived events of its window are put
//     again on the destination bus (which must be the archive's source bus),
//     in time order, as the window is walked through: EventLastReplayedTime is
//     how far into the window the replay is. Then it is COMPLETED, with
//     EventLastReplayedTime at the window's end. A replayed event carries the
//     replay's name (replay-name, as AWS adds it), goes only to the rules
//     Destination.FilterArns names (every rule of the bus without them), and is
//     not archived again. CancelReplay makes it CANCELLING, then CANCELLED.
//     An archive deleted while its replay runs fails the replay (FAILED).
//   - States advance lazily, when a replay is read (DescribeReplay,
//     ListReplays, Events), as the rest of the server does.
//   - Unlike AWS, which takes a minute or more to replay, and replays by the
//     minute, the pace here is the Delays'.
//   - Every event the server accepts (PutEvents, a replay) records the rules
//     of its bus that match it (Event.Rules): enabled rules whose pattern,
//     checked with internal/eventpattern, matches the event as EventBridge
//     shows it to rules (version, id, detail-type, source, account, time,
//     region, resources, detail, and replay-name for a replayed event).
//     It is then delivered to those rules' targets (eventbridge_delivery.go).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/eventpattern"
)

// Archive is an archive as the server holds it.
type Archive struct {
	Name, Arn, EventSourceArn, Description, EventPattern, State string
	RetentionDays                                               int32
	CreationTime                                                time.Time
	// Events are the archived events, oldest first.
	Events []Event
}

// Replay is a replay as the server holds it.
type Replay struct {
	Name, Arn, ArchiveArn, DestinationArn, State, StateReason string
	FilterArns                                                []string
	EventStartTime, EventEndTime, EventLastReplayedTime       time.Time
	ReplayStartTime, ReplayEndTime                            time.Time
}

type archiveState struct {
	name, bus, description, pattern string
	retentionDays                   *int32
	created                         time.Time
	events                          []Event
}

type replayState struct {
	name, description, archive, archiveArn, destination string
	filterArns                                          []string
	start, end                                          time.Time
	started, ended, lastReplayed                        time.Time
	state, reason                                       string
	// next is the index, among the window's events, of the next to replay.
	window []Event
	next   int
}

var (
	archiveNameRe = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,48}$`)
	replayNameRe  = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)
)

func (s *Server) archiveArn(name string) string {
	return fmt.Sprintf("arn:aws:events:%s:%s:archive/%s", s.Region, s.account(), name)
}

func (s *Server) replayArn(name string) string {
	return fmt.Sprintf("arn:aws:events:%s:%s:replay/%s", s.Region, s.account(), name)
}

func archiveNotFound(name string) *apiError {
	return &apiError{http.StatusBadRequest, "ResourceNotFoundException", "Archive " + name + " does not exist."}
}

func replayNotFound(name string) *apiError {
	return &apiError{http.StatusBadRequest, "ResourceNotFoundException", "Replay " + name + " does not exist."}
}

// archiveState reads ENABLED once the archive has been created for
// Delays.ArchiveCreate.
func (s *Server) archiveStateOf(a *archiveState) string {
	if time.Since(a.created) < s.Delays.ArchiveCreate {
		return "CREATING"
	}
	return "ENABLED"
}

// findArchive finds an archive by name or ARN.
func (s *Server) findArchive(nameOrArn string) (*archiveState, *apiError) {
	name := nameOrArn
	if i := strings.Index(nameOrArn, ":archive/"); strings.HasPrefix(nameOrArn, "arn:") && i >= 0 {
		name = nameOrArn[i+len(":archive/"):]
	}
	a := s.archives[name]
	if a == nil {
		return nil, archiveNotFound(name)
	}
	return a, nil
}

// Archives.

type archiveOut struct {
	ArchiveArn     string  `json:"ArchiveArn"`
	ArchiveName    string  `json:"ArchiveName"`
	EventSourceArn string  `json:"EventSourceArn"`
	Description    string  `json:"Description,omitempty"`
	EventPattern   string  `json:"EventPattern,omitempty"`
	State          string  `json:"State"`
	RetentionDays  *int32  `json:"RetentionDays,omitempty"`
	SizeBytes      int64   `json:"SizeBytes"`
	EventCount     int64   `json:"EventCount"`
	CreationTime   float64 `json:"CreationTime"`
}

func (s *Server) archiveOut(a *archiveState) archiveOut {
	var size int64
	for _, e := range a.events {
		size += int64(len(e.Detail))
	}
	return archiveOut{ArchiveArn: s.archiveArn(a.name), ArchiveName: a.name, EventSourceArn: s.busArn(a.bus),
		Description: a.description, EventPattern: a.pattern, State: s.archiveStateOf(a), RetentionDays: a.retentionDays,
		SizeBytes: size, EventCount: int64(len(a.events)), CreationTime: epoch(a.created)}
}

// archiveInput is CreateArchive's and UpdateArchive's request.
type archiveInput struct {
	ArchiveName, EventSourceArn, Description, EventPattern string
	RetentionDays                                          *int32
}

// check checks what both requests carry.
func (in archiveInput) check() *apiError {
	if err := checkName(archiveNameRe, in.ArchiveName, "archiveName"); err != nil {
		return err
	}
	if len(in.Description) > 512 {
		return constraint(in.Description, "description", "have length less than or equal to 512")
	}
	if in.RetentionDays != nil && *in.RetentionDays < 0 {
		return constraint(*in.RetentionDays, "retentionDays", "have value greater than or equal to 0")
	}
	if in.EventPattern != "" {
		return checkEventPattern(in.EventPattern)
	}
	return nil
}

func (s *Server) createArchive(body []byte) (any, *apiError) {
	var in archiveInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	if in.EventSourceArn == "" {
		return nil, constraint(nil, "eventSourceArn", "not be null")
	}
	b, err := s.findBus(in.EventSourceArn)
	if err != nil {
		return nil, err
	}
	if s.archives[in.ArchiveName] != nil {
		return nil, &apiError{http.StatusBadRequest, "ResourceAlreadyExistsException", "Archive " + in.ArchiveName + " already exists."}
	}
	if s.archives == nil {
		s.archives = map[string]*archiveState{}
	}
	a := &archiveState{name: in.ArchiveName, bus: b.name, description: in.Description, pattern: in.EventPattern,
		retentionDays: in.RetentionDays, created: time.Now()}
	s.archives[a.name] = a
	return map[string]any{"ArchiveArn": s.archiveArn(a.name), "State": "CREATING", "CreationTime": epoch(a.created)}, nil
}

func (s *Server) describeArchive(body []byte) (any, *apiError) {
	var in struct{ ArchiveName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkName(archiveNameRe, in.ArchiveName, "archiveName"); err != nil {
		return nil, err
	}
	a, err := s.findArchive(in.ArchiveName)
	if err != nil {
		return nil, err
	}
	return s.archiveOut(a), nil
}

// updateArchive changes what the request carries: a member left out stays
// (an empty EventPattern included; AWS has no way to remove one but "{}"
// which it refuses, so the operator deletes and creates instead).
func (s *Server) updateArchive(body []byte) (any, *apiError) {
	var in archiveInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	a, err := s.findArchive(in.ArchiveName)
	if err != nil {
		return nil, err
	}
	if in.Description != "" {
		a.description = in.Description
	}
	if in.EventPattern != "" {
		a.pattern = in.EventPattern
	}
	if in.RetentionDays != nil {
		a.retentionDays = new(*in.RetentionDays)
	}
	return map[string]any{"ArchiveArn": s.archiveArn(a.name), "State": s.archiveStateOf(a), "CreationTime": epoch(a.created)}, nil
}

func (s *Server) deleteArchive(body []byte) (any, *apiError) {
	var in struct{ ArchiveName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkName(archiveNameRe, in.ArchiveName, "archiveName"); err != nil {
		return nil, err
	}
	if _, err := s.findArchive(in.ArchiveName); err != nil {
		return nil, err
	}
	delete(s.archives, in.ArchiveName)
	return nil, nil
}

func (s *Server) listArchives(body []byte) (any, *apiError) {
	var in struct {
		NamePrefix, EventSourceArn, State, NextToken string
		Limit                                        *int32
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	filters := 0
	for _, f := range []string{in.NamePrefix, in.EventSourceArn, in.State} {
		if f != "" {
			filters++
		}
	}
	if filters > 1 {
		return nil, validation("At most one filter is allowed for ListArchives. Use either : State, EventSourceArn, or NamePrefix.")
	}
	var names []string
	for _, n := range sortedKeys(s.archives) {
		a := s.archives[n]
		if strings.HasPrefix(n, in.NamePrefix) && (in.EventSourceArn == "" || s.busArn(a.bus) == in.EventSourceArn) &&
			(in.State == "" || s.archiveStateOf(a) == in.State) {
			names = append(names, n)
		}
	}
	page, next, err := paginate(names, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := struct {
		Archives  []archiveOut `json:"Archives"`
		NextToken string       `json:"NextToken,omitempty"`
	}{Archives: []archiveOut{}, NextToken: next}
	for _, n := range page {
		out.Archives = append(out.Archives, s.archiveOut(s.archives[n]))
	}
	return out, nil
}

// Replays.

type replayDestination struct {
	Arn        string   `json:"Arn"`
	FilterArns []string `json:"FilterArns,omitempty"`
}

type replayOut struct {
	ReplayName            string             `json:"ReplayName"`
	ReplayArn             string             `json:"ReplayArn,omitempty"`
	Description           string             `json:"Description,omitempty"`
	EventSourceArn        string             `json:"EventSourceArn"`
	Destination           *replayDestination `json:"Destination,omitempty"`
	State                 string             `json:"State"`
	StateReason           string             `json:"StateReason,omitempty"`
	EventStartTime        float64            `json:"EventStartTime"`
	EventEndTime          float64            `json:"EventEndTime"`
	EventLastReplayedTime *float64           `json:"EventLastReplayedTime,omitempty"`
	ReplayStartTime       float64            `json:"ReplayStartTime"`
	ReplayEndTime         *float64           `json:"ReplayEndTime,omitempty"`
}

func (s *Server) replayOut(r *replayState, full bool) replayOut {
	out := replayOut{ReplayName: r.name, EventSourceArn: r.archiveArn, State: r.state, StateReason: r.reason,
		EventStartTime: epoch(r.start), EventEndTime: epoch(r.end), ReplayStartTime: epoch(r.started)}
	if !r.lastReplayed.IsZero() {
		out.EventLastReplayedTime = new(epoch(r.lastReplayed))
	}
	if !r.ended.IsZero() {
		out.ReplayEndTime = new(epoch(r.ended))
	}
	if full {
		out.ReplayArn, out.Description = s.replayArn(r.name), r.description
		out.Destination = &replayDestination{Arn: r.destination, FilterArns: r.filterArns}
	}
	return out
}

func (s *Server) startReplay(body []byte) (any, *apiError) {
	var in struct {
		ReplayName, Description, EventSourceArn string
		EventStartTime, EventEndTime            *float64
		Destination                             *replayDestination
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkName(replayNameRe, in.ReplayName, "replayName"); err != nil {
		return nil, err
	}
	switch {
	case in.EventSourceArn == "":
		return nil, constraint(nil, "eventSourceArn", "not be null")
	case in.EventStartTime == nil:
		return nil, constraint(nil, "eventStartTime", "not be null")
	case in.EventEndTime == nil:
		return nil, constraint(nil, "eventEndTime", "not be null")
	case in.Destination == nil || in.Destination.Arn == "":
		return nil, constraint(nil, "destination.arn", "not be null")
	}
	start, end := fromEpoch(*in.EventStartTime), fromEpoch(*in.EventEndTime)
	if !start.Before(end) {
		return nil, validation("Parameter EventStartTime is not valid. Reason: EventStartTime must be before EventEndTime.")
	}
	if end.After(time.Now()) {
		return nil, validation("Parameter EventEndTime is not valid. Reason: EventEndTime must be in the past.")
	}
	a, err := s.findArchive(in.EventSourceArn)
	if err != nil {
		return nil, err
	}
	if in.Destination.Arn != s.busArn(a.bus) {
		return nil, validation("Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.")
	}
	for _, f := range in.Destination.FilterArns {
		if !strings.HasPrefix(f, strings.Replace(s.busArn(a.bus), ":event-bus/", ":rule/", 1)+"/") {
			return nil, validation("Parameter Destination.FilterArns is not valid. Reason: " + f + " is not a rule of the destination event bus.")
		}
	}
	if s.replays[in.ReplayName] != nil {
		return nil, &apiError{http.StatusBadRequest, "ResourceAlreadyExistsException", "Replay " + in.ReplayName + " already exists."}
	}
	if s.replays == nil {
		s.replays = map[string]*replayState{}
	}
	r := &replayState{name: in.ReplayName, description: in.Description, archive: a.name, archiveArn: s.archiveArn(a.name),
		destination: in.Destination.Arn, filterArns: slices.Clone(in.Destination.FilterArns), start: start, end: end,
		started: time.Now(), state: "STARTING"}
	for _, e := range a.events {
		if !e.Time.Before(start) && e.Time.Before(end) {
			r.window = append(r.window, e)
		}
	}
	slices.SortStableFunc(r.window, func(x, y Event) int { return x.Time.Compare(y.Time) })
	s.replays[r.name] = r
	return map[string]any{"ReplayArn": s.replayArn(r.name), "State": r.state, "ReplayStartTime": epoch(r.started)}, nil
}

func fromEpoch(f float64) time.Time { return time.Unix(0, int64(f*1e9)) }

func (s *Server) describeReplay(body []byte) (any, *apiError) {
	var in struct{ ReplayName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkName(replayNameRe, in.ReplayName, "replayName"); err != nil {
		return nil, err
	}
	r := s.replays[in.ReplayName]
	if r == nil {
		return nil, replayNotFound(in.ReplayName)
	}
	s.advanceReplays(time.Now())
	return s.replayOut(r, true), nil
}

func (s *Server) listReplays(body []byte) (any, *apiError) {
	var in struct {
		NamePrefix, EventSourceArn, State, NextToken string
		Limit                                        *int32
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.advanceReplays(time.Now())
	var names []string
	for _, n := range sortedKeys(s.replays) {
		r := s.replays[n]
		if strings.HasPrefix(n, in.NamePrefix) && (in.EventSourceArn == "" || r.archiveArn == in.EventSourceArn) &&
			(in.State == "" || r.state == in.State) {
			names = append(names, n)
		}
	}
	page, next, err := paginate(names, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := struct {
		Replays   []replayOut `json:"Replays"`
		NextToken string      `json:"NextToken,omitempty"`
	}{Replays: []replayOut{}, NextToken: next}
	for _, n := range page {
		out.Replays = append(out.Replays, s.replayOut(s.replays[n], false))
	}
	return out, nil
}

func (s *Server) cancelReplay(body []byte) (any, *apiError) {
	var in struct{ ReplayName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkName(replayNameRe, in.ReplayName, "replayName"); err != nil {
		return nil, err
	}
	s.advanceReplays(time.Now())
	r := s.replays[in.ReplayName]
	if r == nil {
		return nil, replayNotFound(in.ReplayName)
	}
	if r.state != "STARTING" && r.state != "RUNNING" {
		return nil, &apiError{http.StatusBadRequest, "IllegalStatusException", "Replay " + r.name + " is not in a valid state for this operation."}
	}
	r.state, r.reason = "CANCELLING", "Replay cancelled by the user."
	return map[string]any{"ReplayArn": s.replayArn(r.name), "State": r.state, "StateReason": r.reason}, nil
}

// advanceReplays brings every replay to where it is at now: a STARTING one
// RUNNING after Delays.ReplayStart, the events of a running one's window put
// on its bus as far as the replay has gone, a finished one COMPLETED.
func (s *Server) advanceReplays(now time.Time) {
	for _, n := range sortedKeys(s.replays) {
		r := s.replays[n]
		switch {
		case r.state == "CANCELLING":
			r.state, r.ended = "CANCELLED", now
		case r.state != "STARTING" && r.state != "RUNNING":
		case s.archives[r.archive] == nil:
			r.state, r.reason, r.ended = "FAILED", "Archive "+r.archive+" does not exist.", now
		case now.Sub(r.started) >= s.Delays.ReplayStart:
			s.runReplay(r, now)
		}
	}
}

// runReplay replays the events of r's window up to where the replay has
// gone at now, and completes it at the end of Delays.ReplayRun.
func (s *Server) runReplay(r *replayState, now time.Time) {
	r.state = "RUNNING"
	elapsed := now.Sub(r.started) - s.Delays.ReplayStart
	reached := r.end
	if s.Delays.ReplayRun > 0 && elapsed < s.Delays.ReplayRun {
		reached = r.start.Add(time.Duration(float64(r.end.Sub(r.start)) * float64(elapsed) / float64(s.Delays.ReplayRun)))
	}
	bus := busName(r.destination)
	for ; r.next < len(r.window) && r.window[r.next].Time.Before(reached); r.next++ {
		e := r.window[r.next]
		e.EventID, e.ReplayName, e.EventBusName = newID(), r.name, bus
		e.Resources = slices.Clone(e.Resources)
		e.Rules = s.matchingRules(e, r.filterArns)
		s.events = append(s.events, e)
		s.deliverEvent(e) // to the rules' targets (eventbridge_delivery.go)
	}
	r.lastReplayed = reached
	if !reached.Before(r.end) {
		r.state, r.ended = "COMPLETED", now
	}
}

// recordEvent is what happens to an event PutEvents accepted (the last of
// s.events): the rules it matches are recorded, and the archives of its bus
// whose pattern it matches keep it.
func (s *Server) recordEvent() {
	e := &s.events[len(s.events)-1]
	e.Rules = s.matchingRules(*e, nil)
	s.deliverEvent(*e) // to the rules' targets (eventbridge_delivery.go)
	for _, n := range sortedKeys(s.archives) {
		a := s.archives[n]
		if a.bus != e.EventBusName {
			continue
		}
		if a.pattern == "" || s.matches(a.pattern, *e) {
			kept := *e
			kept.Rules, kept.Resources = nil, slices.Clone(e.Resources)
			a.events = append(a.events, kept)
		}
	}
}

// matchingRules are the names of the enabled rules of e's bus whose pattern
// matches e, limited to the rules filterArns names when it names any.
func (s *Server) matchingRules(e Event, filterArns []string) []string {
	b := s.buses[e.EventBusName]
	if b == nil {
		return nil
	}
	var out []string
	for _, n := range sortedKeys(b.rules) {
		r := b.rules[n]
		if r.rule.State == "DISABLED" || r.rule.EventPattern == "" {
			continue
		}
		if len(filterArns) > 0 && !slices.Contains(filterArns, s.ruleArn(b.name, n)) {
			continue
		}
		if s.matches(r.rule.EventPattern, e) {
			out = append(out, n)
		}
	}
	return out
}

// matches says whether pattern matches e as EventBridge shows it to rules.
func (s *Server) matches(pattern string, e Event) bool {
	envelope := map[string]any{"version": "0", "id": e.EventID, "detail-type": e.DetailType, "source": e.Source,
		"account": s.account(), "time": e.Time.UTC().Format(time.RFC3339), "region": s.Region,
		"resources": append([]string{}, e.Resources...), "detail": json.RawMessage(e.Detail)}
	if e.ReplayName != "" {
		envelope["replay-name"] = e.ReplayName
	}
	doc, err := json.Marshal(envelope)
	if err != nil {
		return false
	}
	res, err := eventpattern.Match([]byte(pattern), doc)
	return err == nil && res.Matched
}

// Inspection and out-of-band changes for tests.

// Archive returns the archive of that name.
func (s *Server) Archive(name string) (Archive, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.archives[name]
	if a == nil {
		return Archive{}, false
	}
	out := Archive{Name: a.name, Arn: s.archiveArn(a.name), EventSourceArn: s.busArn(a.bus), Description: a.description,
		EventPattern: a.pattern, State: s.archiveStateOf(a), CreationTime: a.created}
	if a.retentionDays != nil {
		out.RetentionDays = *a.retentionDays
	}
	for _, e := range a.events {
		e.Resources = slices.Clone(e.Resources)
		out.Events = append(out.Events, e)
	}
	return out, true
}

// ArchiveNames lists the archives' names, sorted.
func (s *Server) ArchiveNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.archives)
}

// SetArchive changes an archive out of band: its retention (nil: kept
// indefinitely) and pattern. It reports whether the archive exists.
func (s *Server) SetArchive(name string, retentionDays *int32, pattern string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.archives[name]
	if a == nil {
		return false
	}
	a.retentionDays, a.pattern = retentionDays, pattern
	return true
}

// BackdateArchive moves an archive's creation, and the time of the events it
// holds, d into the past: an archive made long ago, for tests of retention.
func (s *Server) BackdateArchive(name string, d time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.archives[name]
	if a == nil {
		return false
	}
	a.created = a.created.Add(-d)
	for i := range a.events {
		a.events[i].Time = a.events[i].Time.Add(-d)
	}
	return true
}

// FailReplay fails a replay that has not ended, with the reason given. It
// reports whether the replay was there to fail.
func (s *Server) FailReplay(name, reason string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.replays[name]
	if r == nil || (r.state != "STARTING" && r.state != "RUNNING") {
		return false
	}
	r.state, r.reason, r.ended = "FAILED", reason, time.Now()
	return true
}

// Replays returns the replays, by name, advanced to now.
func (s *Server) Replays() []Replay {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceReplays(time.Now())
	var out []Replay
	for _, n := range sortedKeys(s.replays) {
		r := s.replays[n]
		out = append(out, Replay{Name: r.name, Arn: s.replayArn(r.name), ArchiveArn: r.archiveArn, DestinationArn: r.destination,
			State: r.state, StateReason: r.reason, FilterArns: slices.Clone(r.filterArns), EventStartTime: r.start,
			EventEndTime: r.end, EventLastReplayedTime: r.lastReplayed, ReplayStartTime: r.started, ReplayEndTime: r.ended})
	}
	return out
}
