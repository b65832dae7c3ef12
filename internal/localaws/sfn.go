package localaws

// sfnOps are the Step Functions operations the server plays (JSON 1.0,
// X-Amz-Target AWSStepFunctions.<Operation>).
var sfnOps = map[string]func(*Server, []byte) (any, *apiError){}

type sfnState struct{}

func newSFNState() sfnState { return sfnState{} }

// sfnResources lists the ARNs of what exists (call with s.mu held).
func (s *Server) sfnResources() []string { return nil }
