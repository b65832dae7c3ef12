package stacktest

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/eventstack-io/eventstack-operator/internal/cli/executions"
)

// ItemReader is the DynamoDB call an item check makes.
type ItemReader interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// ExecutionReader is the Step Functions calls an execution check makes.
type ExecutionReader interface {
	executions.API
	DescribeExecution(context.Context, *sfn.DescribeExecutionInput, ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
}

// itemCheck reads the item (a consistent read) until it exists with the
// expected attributes.
func (r *runner) itemCheck(x ItemExpectation, table string) func(context.Context) (Check, bool, error) {
	what := "item " + keyString(x.Key) + " in table " + x.Table
	return func(ctx context.Context) (Check, bool, error) {
		key, err := attributeValues(x.Key)
		if err != nil {
			return Check{What: what}, true, fmt.Errorf("key: %w", err)
		}
		out, err := r.api.DynamoDB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			return Check{What: what}, true, fmt.Errorf("dynamodb:GetItem on %s: %w", table, err)
		}
		if out.Item == nil {
			return Check{What: what, Detail: "not there"}, false, nil
		}
		if wrong := mismatches(out.Item, x.Attributes); len(wrong) > 0 {
			return Check{What: what, Detail: strings.Join(wrong, ", ")}, false, nil
		}
		return Check{What: what, OK: true, Detail: keyString(x.Attributes)}, true, nil
	}
}

// keyString is "order_id=ORD-1" (names sorted).
func keyString(m map[string]any) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s=%v", k, m[k])
	}
	return strings.Join(parts, " ")
}

// attributeValues turns a key of strings, numbers and booleans into
// DynamoDB's attribute values.
func attributeValues(m map[string]any) (map[string]ddbtypes.AttributeValue, error) {
	out := make(map[string]ddbtypes.AttributeValue, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = &ddbtypes.AttributeValueMemberS{Value: v}
		case float64:
			out[k] = &ddbtypes.AttributeValueMemberN{Value: strconv.FormatFloat(v, 'f', -1, 64)}
		case bool:
			out[k] = &ddbtypes.AttributeValueMemberBOOL{Value: v}
		default:
			return nil, fmt.Errorf("%s: %v is not a string, number or boolean", k, v)
		}
	}
	return out, nil
}

// mismatches says which expected attributes the item lacks or holds
// otherwise: "stock is 100, want 98".
func mismatches(item map[string]ddbtypes.AttributeValue, want map[string]any) []string {
	var out []string
	for _, name := range sortedKeys(want) {
		got, ok := item[name]
		if !ok {
			out = append(out, name+" is missing")
			continue
		}
		if have, same := equalValue(got, want[name]); !same {
			out = append(out, fmt.Sprintf("%s is %s, want %v", name, have, want[name]))
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// equalValue compares an attribute with an expected scalar; numbers as
// numbers ("98" and 98.0 are equal). It also returns the attribute as text.
func equalValue(got ddbtypes.AttributeValue, want any) (string, bool) {
	switch g := got.(type) {
	case *ddbtypes.AttributeValueMemberS:
		w, ok := want.(string)
		return strconv.Quote(g.Value), ok && w == g.Value
	case *ddbtypes.AttributeValueMemberN:
		w, ok := want.(float64)
		if !ok {
			return g.Value, false
		}
		have, okHave := new(big.Rat).SetString(g.Value)
		wanted, okWant := new(big.Rat).SetString(strconv.FormatFloat(w, 'f', -1, 64))
		return g.Value, okHave && okWant && have.Cmp(wanted) == 0
	case *ddbtypes.AttributeValueMemberBOOL:
		w, ok := want.(bool)
		return strconv.FormatBool(g.Value), ok && w == g.Value
	}
	return fmt.Sprintf("%T", got), false
}

// executionCheck finds the execution the event started (its input is the
// event, whose id it holds) and waits for its end.
func (r *runner) executionCheck(x ExecutionExpectation, machineARN, eventID string) func(context.Context) (Check, bool, error) {
	what := "execution of workflow " + x.Workflow
	var arn string
	seen := map[string]bool{}
	return func(ctx context.Context) (Check, bool, error) {
		if arn == "" {
			found, err := r.findExecution(ctx, machineARN, eventID, seen)
			if err != nil || found == "" {
				return Check{What: what, Detail: "not started"}, false, err
			}
			arn = found
		}
		out, err := r.api.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			return Check{What: what}, true, fmt.Errorf("states:DescribeExecution: %w", err)
		}
		name := aws.ToString(out.Name)
		what := what + " (" + name + ")"
		if out.Status == sfntypes.ExecutionStatusRunning || out.Status == sfntypes.ExecutionStatusPendingRedrive {
			return Check{What: what, Detail: "still " + string(out.Status)}, false, nil
		}
		detail := string(out.Status)
		if out.Status != sfntypes.ExecutionStatusSucceeded {
			if f, err := executions.FailureOf(ctx, r.api.SFN, arn); err == nil && f != nil {
				detail += " in state " + f.State + ": " + f.Error + ": " + f.Cause
			}
		}
		if string(out.Status) != x.StatusOrDefault() {
			return Check{What: what, Detail: detail + ", want " + x.StatusOrDefault()}, true, nil
		}
		return Check{What: what, OK: true, Detail: detail}, true, nil
	}
}

// findExecution returns the ARN of the newest executions' one whose input
// holds the event id; seen remembers the executions read already.
func (r *runner) findExecution(ctx context.Context, machineARN, eventID string, seen map[string]bool) (string, error) {
	out, err := r.api.SFN.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(machineARN), MaxResults: 20})
	if err != nil {
		return "", fmt.Errorf("states:ListExecutions on %s: %w", machineARN, err)
	}
	for _, e := range out.Executions {
		arn := aws.ToString(e.ExecutionArn)
		if seen[arn] || e.StartDate == nil || e.StartDate.Before(r.start.Add(-clockSkew)) {
			continue
		}
		d, err := r.api.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
		if err != nil {
			return "", fmt.Errorf("states:DescribeExecution: %w", err)
		}
		if strings.Contains(aws.ToString(d.Input), eventID) {
			return arn, nil
		}
		if d.Status != sfntypes.ExecutionStatusRunning {
			seen[arn] = true
		}
	}
	return "", nil
}
