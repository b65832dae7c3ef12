package localaws

import "net/url"

// iamOps are the IAM operations the server plays (query protocol).
var iamOps = map[string]func(*Server, url.Values) (any, *apiError){}

type iamState struct{}

func newIAMState() iamState { return iamState{} }

// iamResources lists the ARNs of what exists (call with s.mu held).
func (s *Server) iamResources() []string { return nil }
