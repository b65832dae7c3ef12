// Package logging is the functions' structured logging: one JSON object per
// line (CloudWatch Logs indexes the fields), with the function's name on every
// line and, inside a handler, the id of the event being handled.
package logging

import (
	"context"
	"io"
	"log/slog"
	"strings"
)

// Keys every handler log line may carry.
const (
	KeyFunction   = "function"
	KeyEventID    = "event_id"
	KeyShape      = "shape"
	KeyDetailType = "detail_type"
	KeyRequestID  = "aws_request_id"
	KeyReason     = "reason"
	KeyKind       = "kind"
)

// New returns a JSON logger writing to w at level, naming the function.
func New(w io.Writer, function string, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})).With(KeyFunction, function)
}

// ParseLevel reads a level name (debug, info, warn, error; any case); an
// empty or unknown name is info.
func ParseLevel(name string) slog.Level {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "debug":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

type ctxKey struct{}

// With returns ctx carrying logger.
func With(ctx context.Context, logger *slog.Logger) context.Context {
	return context.WithValue(ctx, ctxKey{}, logger)
}

// From returns the logger ctx carries, or one that discards everything.
func From(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(ctxKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.New(slog.DiscardHandler)
}
