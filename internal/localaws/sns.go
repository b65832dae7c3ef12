package localaws

import "net/url"

// snsOps are the SNS operations the server plays (query protocol).
var snsOps = map[string]func(*Server, url.Values) (any, *apiError){}

type snsState struct{}

func newSNSState() snsState { return snsState{} }
