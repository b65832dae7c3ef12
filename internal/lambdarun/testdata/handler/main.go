// Command handler is the Lambda function of lambdarun's tests: what it does
// depends on the event, so one build serves every test.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// event says what to do: print lines, sleep, fail, crash, or answer the
// environment variables named in Env.
type event struct {
	Print   []string `json:"print"`
	SleepMS int      `json:"sleepMs"`
	Fail    string   `json:"fail"`
	Exit    bool     `json:"exit"`
	Env     []string `json:"env"`
}

func handle(_ context.Context, e event) (map[string]any, error) {
	for _, line := range e.Print {
		fmt.Println(line)
	}
	if e.SleepMS > 0 {
		time.Sleep(time.Duration(e.SleepMS) * time.Millisecond)
	}
	if e.Exit {
		fmt.Fprintln(os.Stderr, "exiting")
		os.Exit(3)
	}
	if e.Fail != "" {
		return nil, errors.New(e.Fail)
	}
	env := map[string]string{}
	for _, k := range e.Env {
		env[k] = os.Getenv(k)
	}
	return map[string]any{"ok": true, "pid": os.Getpid(), "env": env}, nil
}

func main() {
	if msg := os.Getenv("FAIL_INIT"); msg != "" {
		fmt.Println(msg)
		os.Exit(1)
	}
	lambda.Start(handle)
}
