package localaws

// sqsOps are the SQS operations the server plays (JSON 1.0, X-Amz-Target
// AmazonSQS.<Operation>).
var sqsOps = map[string]func(*Server, []byte) (any, *apiError){}

// sqsQueryCodes are the query protocol's codes of SQS's errors, which SQS
// names in the x-amzn-query-error header (the SDK prefers them).
var sqsQueryCodes = map[string]string{}

type sqsState struct{}

func newSQSState() sqsState { return sqsState{} }

// sqsResources lists the ARNs of what exists (call with s.mu held).
func (s *Server) sqsResources() []string { return nil }
