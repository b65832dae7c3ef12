// Package loggroups keeps the CloudWatch Logs log groups that a stack's
// workflows log to: Step Functions needs the log group to exist before a
// state machine can log to it, and no ACK controller of the pinned set
// manages log groups, so the operator creates them itself (as it does the
// EventBridge bus), with the stack's tags and the workflow's retention. It
// reads first and writes only what differs; "not found" is done on delete.
package loggroups

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
)

// LogGroup is what exists of a log group in AWS.
type LogGroup struct {
	Name   string
	Exists bool
	// ARN as Step Functions takes it, ending in ":*".
	ARN           string
	RetentionDays int32
}

// Describe reads a log group.
func Describe(ctx context.Context, logs awsapi.Logs, name string) (LogGroup, error) {
	lg := LogGroup{Name: name}
	var token *string
	for page := 0; page < 10; page++ { // a prefix as long as the name matches few groups
		out, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: &name, NextToken: token})
		if err != nil {
			return lg, awsapi.Classify("logs:DescribeLogGroups", err)
		}
		for _, g := range out.LogGroups {
			if ptr.Deref(g.LogGroupName, "") == name {
				lg.Exists, lg.ARN, lg.RetentionDays = true, ptr.Deref(g.Arn, ""), ptr.Deref(g.RetentionInDays, 0)
				return lg, nil
			}
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	return lg, nil
}

// ensureGroup creates the log group when it does not exist, and sets its
// retention when it differs; it returns the log group as it is then.
func ensureGroup(ctx context.Context, logs awsapi.Logs, have LogGroup, retentionDays int32, tags map[string]string) (LogGroup, error) {
	if !have.Exists {
		_, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: &have.Name, Tags: tags})
		if err != nil && !awsapi.IsConflict(err) { // a conflict: created meanwhile
			return have, awsapi.Classify("logs:CreateLogGroup", err)
		}
	}
	if !have.Exists || have.RetentionDays != retentionDays {
		if _, err := logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{
			LogGroupName: &have.Name, RetentionInDays: &retentionDays}); err != nil {
			return have, awsapi.Classify("logs:PutRetentionPolicy", err)
		}
	}
	if have.Exists {
		have.RetentionDays = retentionDays
		return have, nil
	}
	// CreateLogGroup answers nothing: the ARN is read back.
	return Describe(ctx, logs, have.Name)
}

// Delete deletes a log group and its events; not found is done.
func Delete(ctx context.Context, logs awsapi.Logs, name string) error {
	_, err := logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: &name})
	if err != nil && !awsapi.IsNotFound(err) {
		return awsapi.Classify("logs:DeleteLogGroup", err)
	}
	return nil
}
