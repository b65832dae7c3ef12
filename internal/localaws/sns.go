package localaws

import "net/url"

// snsOps are the SNS operations the server plays (query protocol).
var snsOps = map[string]func(*Server, url.Values) (any, *apiError){}

type snsState struct{}

func newSNSState() snsState { return snsState{} }

// snsResources lists the ARNs of what exists (call with s.mu held).
func (s *Server) snsResources() []string { return nil }
