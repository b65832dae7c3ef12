package publish

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// shortSHA is how much of a base64 SHA-256 the summary shows: 72 bits,
// enough to tell two builds apart at a glance.
const shortSHA = 12

// WriteSummary prints one line per function (its architecture, the zip's
// SHA-256 shortened, its size, its S3 object and what was done) and a total.
func WriteSummary(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FUNCTION\tARCH\tSHA256\tBYTES\tOBJECT\tSTATE")
	counts := map[State]int{}
	var uploadedBytes int64
	for _, r := range results {
		counts[r.State]++
		if !r.Published() {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\tskipped: %s\n", r.Function, dash(r.Architecture), r.Skipped)
			continue
		}
		if r.State == Uploaded {
			uploadedBytes += r.Bytes
		}
		fmt.Fprintf(tw, "%s\t%s\t%s…\t%d\ts3://%s/%s\t%s\n",
			r.Function, r.Architecture, r.Code.SHA256[:shortSHA], r.Bytes, r.Code.S3Bucket, r.Code.S3Key, r.State)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	line := fmt.Sprintf("%d functions:", len(results))
	for _, part := range []struct {
		state State
		text  string
	}{
		{Uploaded, fmt.Sprintf("uploaded (%d bytes)", uploadedBytes)},
		{Present, "already there"},
		{NotChecked, "built, not checked against S3 (dry run)"},
		{Skipped, "skipped"},
	} {
		if n := counts[part.state]; n > 0 || part.state == Uploaded {
			line += fmt.Sprintf(" %d %s,", n, part.text)
		}
	}
	_, err := fmt.Fprintln(w, strings.TrimSuffix(line, ","))
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
