package rollout

import "time"

// Clock is the time rollouts are decided at, and how long a wait on it lasts
// in real time. The operator runs on Real; the tests of whole rollouts on a
// Scaled clock, so that a canary of 5 minutes is decided as the operator
// would decide it, in seconds.
type Clock interface {
	Now() time.Time
	// Wait is the real time until d has passed on the clock.
	Wait(d time.Duration) time.Duration
}

// Real is the wall clock.
type Real struct{}

// Now implements Clock.
func (Real) Now() time.Time { return time.Now() }

// Wait implements Clock.
func (Real) Wait(d time.Duration) time.Duration { return d }

// Scaled is a clock that runs Factor times faster than the wall clock from
// Start.
type Scaled struct {
	Start  time.Time
	Factor float64
}

// Now implements Clock.
func (c Scaled) Now() time.Time {
	return c.Start.Add(time.Duration(float64(time.Since(c.Start)) * c.Factor))
}

// Wait implements Clock.
func (c Scaled) Wait(d time.Duration) time.Duration {
	return time.Duration(float64(d)/c.Factor) + time.Millisecond
}
