package asl

import (
	"reflect"
	"testing"
)

// FindTargets reports each place a definition names what it calls, reads,
// writes or runs as, and whether the name is computed at run time.
func TestFindTargets(t *testing.T) {
	def := `{"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"${function:a}","Payload.$":"$"},
	       "Credentials":{"RoleArn.$":"$.role"},"Next":"J"},
	  "J":{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke","Arguments":"{% $states.input %}","Next":"I"},
	  "I":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Next":"P"},
	  "P":{"Type":"Parallel","Branches":[{"StartAt":"M","States":{"M":{"Type":"Map",
	       "ItemProcessor":{"StartAt":"Q","States":{"Q":{"Type":"Pass","End":true}}},
	       "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Arguments":{"Bucket":"{% $b %}","Key":"k"}},
	       "ResultWriter":{"WriterConfig":{"OutputType":"JSON"}},"End":true}}}],"End":true}}}`
	got, err := FindTargets(def)
	if err != nil {
		t.Fatal(err)
	}
	want := Targets{
		Calls: []Call{
			{State: "I", In: "Task", Resource: Value{Field: "Resource", Text: "arn:aws:states:::sqs:sendMessage"}, Args: map[string]Value{}, ArgsAtRunTime: true},
			{State: "J", In: "Task", Resource: Value{Field: "Resource", Text: "arn:aws:states:::lambda:invoke"}, ArgsField: "Arguments", Args: map[string]Value{}, ArgsAtRunTime: true},
			{State: "M", In: "ItemReader", Resource: Value{Field: "Resource", Text: "arn:aws:states:::s3:getObject"}, ArgsField: "Arguments",
				Args:         map[string]Value{"Bucket": {Field: "Bucket", Text: "{% $b %}", RunTime: true}, "Key": {Field: "Key", Text: "k"}},
				ReaderConfig: map[string]Value{"InputType": {Field: "InputType", Text: "JSON"}}},
			{State: "T", In: "Task", Resource: Value{Field: "Resource", Text: "arn:aws:states:::lambda:invoke"}, ArgsField: "Parameters",
				Args: map[string]Value{"FunctionName": {Field: "FunctionName", Text: "${function:a}"}, "Payload": {Field: "Payload.$", Text: "$", RunTime: true}}},
		},
		Credentials: []Credentials{{State: "T", RoleArn: Value{Field: "RoleArn.$", Text: "$.role", RunTime: true}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if _, err := FindTargets("[]"); err == nil {
		t.Error("a definition that is not an object")
	}
}
