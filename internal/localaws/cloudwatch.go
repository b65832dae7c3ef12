package localaws

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// CloudWatch (alarms) speaks Smithy RPC v2 CBOR, as the AWS SDK for Go v2
// calls it: POST /service/GraniteServiceVersion20100801/operation/<Op>
// with a CBOR body; errors are a CBOR map {"__type", "message"}. The server
// plays what the operator and the ACK stand-in call: PutMetricAlarm,
// DescribeAlarms, DeleteAlarms and SetAlarmState (which tests use to make an
// alarm fire, as `aws cloudwatch set-alarm-state` does).
const cloudWatchPath = "/service/GraniteServiceVersion20100801/operation/"

// Alarm is a CloudWatch metric alarm in the local AWS.
type Alarm struct {
	Name, ARN, Namespace, Metric string
	State, Reason                string
	Updated                      time.Time
	Actions                      []string
}

type cloudWatchState struct {
	alarms map[string]*Alarm
}

var cloudWatchOps = map[string]func(*Server, map[string]any) (cbor.Value, *apiError){
	"PutMetricAlarm": (*Server).putMetricAlarm,
	"DescribeAlarms": (*Server).describeAlarms,
	"DeleteAlarms":   (*Server).deleteAlarms,
	"SetAlarmState":  (*Server).setAlarmState,
}

// routeCloudWatch names the operation from the path and decodes the body.
func (s *Server) routeCloudWatch(r *http.Request, body []byte) (string, handler) {
	op := strings.TrimPrefix(r.URL.Path, cloudWatchPath)
	h := cloudWatchOps[op]
	if h == nil || r.Method != http.MethodPost {
		return op, unknownOperation(op)
	}
	return op, func(body []byte) (int, any, *apiError) {
		in := map[string]any{}
		if len(body) > 0 {
			v, err := cbor.Decode(body)
			if err != nil {
				return 0, nil, &apiError{http.StatusBadRequest, "SerializationException", err.Error()}
			}
			if m, ok := fromCBOR(v).(map[string]any); ok {
				in = m
			}
		}
		out, err := h(s, in)
		return http.StatusOK, out, err
	}
}

// fromCBOR turns a decoded CBOR value into plain Go values.
func fromCBOR(v cbor.Value) any {
	switch x := v.(type) {
	case cbor.Map:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = fromCBOR(e)
		}
		return m
	case cbor.List:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = fromCBOR(e)
		}
		return l
	case cbor.String:
		return string(x)
	case cbor.Uint:
		return float64(x)
	case cbor.NegInt:
		return -float64(x)
	case cbor.Float32:
		return float64(x)
	case cbor.Float64:
		return float64(x)
	case cbor.Bool:
		return bool(x)
	case *cbor.Tag:
		return fromCBOR(x.Value)
	}
	return nil
}

func str(in map[string]any, key string) string { s, _ := in[key].(string); return s }

func strs(in map[string]any, key string) []string {
	var out []string
	l, _ := in[key].([]any)
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (s *Server) alarmArn(name string) string {
	return fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", s.Region, s.account(), name)
}

func cwValidation(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "ValidationError", msg}
}

// putMetricAlarm creates or updates an alarm. A new alarm is
// INSUFFICIENT_DATA until evaluated, as in CloudWatch; an update keeps the
// state.
func (s *Server) putMetricAlarm(in map[string]any) (cbor.Value, *apiError) {
	name := str(in, "AlarmName")
	if name == "" || len(name) > 255 {
		return nil, cwValidation("1 validation error detected: Value at 'alarmName' failed to satisfy constraint: Member must have length between 1 and 255")
	}
	if str(in, "MetricName") == "" || str(in, "Namespace") == "" {
		return nil, cwValidation("MetricName and Namespace must be specified for an alarm on a single metric")
	}
	if s.alarms == nil {
		s.alarms = map[string]*Alarm{}
	}
	a := s.alarms[name]
	if a == nil {
		a = &Alarm{Name: name, ARN: s.alarmArn(name), State: "INSUFFICIENT_DATA", Reason: "Unchecked: Initial alarm creation", Updated: time.Now()}
		s.alarms[name] = a
	}
	a.Namespace, a.Metric, a.Actions = str(in, "Namespace"), str(in, "MetricName"), strs(in, "AlarmActions")
	return cbor.Map{}, nil
}

// describeAlarms answers the alarms named (up to 100), or those whose name
// starts with the prefix, by name; StateValue keeps those in that state; in
// pages of MaxRecords (default 50, at most 100) with an opaque NextToken.
func (s *Server) describeAlarms(in map[string]any) (cbor.Value, *apiError) {
	names, prefix, state := strs(in, "AlarmNames"), str(in, "AlarmNamePrefix"), str(in, "StateValue")
	if len(names) > 100 {
		return nil, cwValidation("AlarmNames: at most 100")
	}
	size := 50
	if v, ok := in["MaxRecords"]; ok {
		n, isNum := cborInt(v)
		if !isNum || n < 1 || n > 100 {
			return nil, cwValidation("MaxRecords must be between 1 and 100")
		}
		size = n
	}
	found := s.alarmsNamed(names, prefix, state)
	from := 0
	if tok := str(in, "NextToken"); tok != "" {
		i := sort.Search(len(found), func(i int) bool { return found[i].Name >= tok })
		if i == len(found) || found[i].Name != tok {
			return nil, &apiError{http.StatusBadRequest, "InvalidNextToken", "The service couldn't process your request because the NextToken is not valid."}
		}
		from = i
	}
	page := found[from:min(len(found), from+size)]
	out := cbor.Map{"MetricAlarms": alarmList(page)}
	if from+size < len(found) {
		out["NextToken"] = cbor.String(found[from+size].Name)
	}
	return out, nil
}

// alarmsNamed are the alarms named, or whose name starts with the prefix,
// in the state (any when ""), sorted by name.
func (s *Server) alarmsNamed(names []string, prefix, state string) []*Alarm {
	var found []*Alarm
	if len(names) > 0 {
		for _, n := range names {
			if a := s.alarms[n]; a != nil {
				found = append(found, a)
			}
		}
	} else {
		for n, a := range s.alarms {
			if strings.HasPrefix(n, prefix) {
				found = append(found, a)
			}
		}
	}
	kept := found[:0]
	for _, a := range found {
		if state == "" || a.State == state {
			kept = append(kept, a)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].Name < kept[j].Name })
	return kept
}

// alarmList is alarms as DescribeAlarms answers them.
func alarmList(alarms []*Alarm) cbor.List {
	list := cbor.List{}
	for _, a := range alarms {
		actions := cbor.List{}
		for _, x := range a.Actions {
			actions = append(actions, cbor.String(x))
		}
		list = append(list, cbor.Map{
			"AlarmName": cbor.String(a.Name), "AlarmArn": cbor.String(a.ARN),
			"Namespace": cbor.String(a.Namespace), "MetricName": cbor.String(a.Metric),
			"StateValue": cbor.String(a.State), "StateReason": cbor.String(a.Reason),
			"StateUpdatedTimestamp": cborTime(a.Updated), "AlarmActions": actions,
		})
	}
	return list
}

// cborInt reads an integer member (fromCBOR makes numbers float64).
func cborInt(v any) (int, bool) {
	f, ok := v.(float64)
	return int(f), ok && f == math.Trunc(f)
}

// cborTime is a timestamp as RPC v2 CBOR carries it: tag 1, seconds.
func cborTime(t time.Time) cbor.Value {
	return &cbor.Tag{ID: 1, Value: cbor.Float64(math.Round(float64(t.UnixMilli())) / 1000)}
}

func (s *Server) deleteAlarms(in map[string]any) (cbor.Value, *apiError) {
	for _, n := range strs(in, "AlarmNames") {
		if s.alarms[n] == nil {
			return nil, &apiError{http.StatusNotFound, "ResourceNotFound", "Alarm " + n + " not found"}
		}
	}
	for _, n := range strs(in, "AlarmNames") {
		delete(s.alarms, n)
	}
	return cbor.Map{}, nil
}

// setAlarmState sets an alarm's state until its next evaluation (which the
// local AWS never makes: the state stays).
func (s *Server) setAlarmState(in map[string]any) (cbor.Value, *apiError) {
	a := s.alarms[str(in, "AlarmName")]
	if a == nil {
		return nil, &apiError{http.StatusNotFound, "ResourceNotFound", "Alarm " + str(in, "AlarmName") + " not found"}
	}
	switch v := str(in, "StateValue"); v {
	case "OK", "ALARM", "INSUFFICIENT_DATA":
		if v != a.State {
			a.Updated = time.Now()
		}
		a.State, a.Reason = v, str(in, "StateReason")
	default:
		return nil, cwValidation("StateValue must be OK, ALARM or INSUFFICIENT_DATA")
	}
	return cbor.Map{}, nil
}

// Alarms returns the alarms in the local AWS, by name.
func (s *Server) Alarms() map[string]Alarm {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]Alarm{}
	for n, a := range s.alarms {
		out[n] = *a
	}
	return out
}
