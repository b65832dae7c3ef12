// Package inputtransform gives a rule's target its input as EventBridge does
// ("Transforming target input" in the EventBridge User Guide): the event, a
// constant Input, InputPath's part of the event, or an InputTransformer's
// template with the values of its paths and the predefined aws.events.*
// placeholders. The local EventBridge (internal/localaws) delivers with it,
// and `kubectl eds match` shows with it what each target would be given.
package inputtransform

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Target is how a target takes its input: at most one of Input, InputPath
// and InputTemplate (with its InputPathsMap); none gives the whole event.
type Target struct {
	Input         string
	InputPath     string
	InputPathsMap map[string]string
	InputTemplate string
	// Transformer says the target has an InputTransformer (its template may
	// be empty).
	Transformer bool
}

// Delivery is what EventBridge knows of a delivery beyond the event.
type Delivery struct {
	RuleARN, RuleName string
	Ingested          time.Time
}

// Input is the input a target is given for an event.
func Input(t Target, event []byte, d Delivery) (string, error) {
	switch {
	case t.Input != "":
		return t.Input, nil
	case t.InputPath != "":
		v, _, err := PathValue(event, t.InputPath)
		if err != nil {
			return "", err
		}
		b, _ := json.Marshal(v)
		return string(b), nil
	case t.Transformer:
		var whole map[string]json.RawMessage
		_ = json.Unmarshal(event, &whole)
		delete(whole, "detail")
		withoutDetail, _ := json.Marshal(whole)
		values := map[string]json.RawMessage{
			"aws.events.rule-arn":             jsonString(d.RuleARN),
			"aws.events.rule-name":            jsonString(d.RuleName),
			"aws.events.event.ingestion-time": jsonString(d.Ingested.UTC().Format(time.RFC3339)),
			"aws.events.event":                withoutDetail,
			"aws.events.event.json":           event,
		}
		for name, path := range t.InputPathsMap {
			v, found, err := PathValue(event, path)
			if err != nil {
				return "", err
			}
			if !found {
				values[name] = nil
				continue
			}
			values[name], _ = json.Marshal(v)
		}
		return Template(t.InputTemplate, values), nil
	}
	return string(event), nil
}

// Predefined are the placeholders every template may use without a path.
var Predefined = []string{"aws.events.event", "aws.events.event.ingestion-time", "aws.events.event.json",
	"aws.events.rule-arn", "aws.events.rule-name"}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

var jsonPathStepRe = regexp.MustCompile(`^([^.\[\]]*)((?:\[\d+\])*)$`)

// PathValue reads a JSONPath ($, $.a.b, $.a[0].b) of a JSON document;
// found is false when the document lacks it.
func PathValue(doc []byte, path string) (any, bool, error) {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(doc)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, false, err
	}
	if path == "$" {
		return v, true, nil
	}
	rest, ok := strings.CutPrefix(path, "$.")
	if !ok {
		return nil, false, fmt.Errorf("invalid JSONPath %q", path)
	}
	for _, step := range strings.Split(rest, ".") {
		m := jsonPathStepRe.FindStringSubmatch(step)
		if m == nil {
			return nil, false, fmt.Errorf("invalid JSONPath %q", path)
		}
		if m[1] != "" {
			obj, ok := v.(map[string]any)
			if !ok {
				return nil, false, nil
			}
			if v, ok = obj[m[1]]; !ok {
				return nil, false, nil
			}
		}
		for _, idx := range regexp.MustCompile(`\d+`).FindAllString(m[2], -1) {
			arr, ok := v.([]any)
			i, _ := strconv.Atoi(idx)
			if !ok || i >= len(arr) {
				return nil, false, nil
			}
			v = arr[i]
		}
	}
	return v, true, nil
}

var placeholderRe = regexp.MustCompile(`^<([A-Za-z0-9_.\-]+)>`)

// Template replaces the <name> placeholders of an InputTemplate
// with values (JSON; nil for a path the event lacks), as EventBridge does.
func Template(template string, values map[string]json.RawMessage) string {
	trimmed := strings.TrimSpace(template)
	jsonMode := strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[") || strings.HasPrefix(trimmed, `"`)
	var out strings.Builder
	inString := false
	for i := 0; i < len(template); i++ {
		c := template[i]
		switch {
		case c == '\\' && inString && i+1 < len(template):
			out.WriteByte(c)
			out.WriteByte(template[i+1])
			i++
			continue
		case c == '"':
			inString = !inString
		case c == '<':
			if m := placeholderRe.FindStringSubmatch(template[i:]); m != nil {
				if v, ok := values[m[1]]; ok {
					out.WriteString(placeholderText(v, jsonMode && !inString, jsonMode))
					i += len(m[0]) - 1
					continue
				}
			}
		}
		out.WriteByte(c)
	}
	return out.String()
}

func placeholderText(v json.RawMessage, asJSON, escape bool) string {
	if asJSON {
		if v == nil {
			return "null"
		}
		return string(v)
	}
	text := ""
	var str string
	switch {
	case v == nil:
	case json.Unmarshal(v, &str) == nil:
		text = str
	default:
		text = string(v)
	}
	if !escape {
		return text
	}
	b, _ := json.Marshal(text)
	return string(b[1 : len(b)-1])
}
