package schedule

import (
	"time"
)

// maxSearch bounds the search for a cron expression's next time: beyond it
// (a year field already past, or 31 February) the schedule never runs again.
const maxSearch = 5 * 366 * 24 * time.Hour

// Next is the first time after t the schedule runs, in UTC: for a rate,
// start plus a whole number of intervals (EventBridge runs a rate rule an
// interval after it is created, then every interval); for cron, the next
// minute all six fields match. ok is false when it never runs again.
func (s Schedule) Next(start, t time.Time) (time.Time, bool) {
	if s.Rate > 0 {
		if t.Before(start) {
			return start.Add(s.Rate), true
		}
		n := t.Sub(start)/s.Rate + 1
		return start.Add(n * s.Rate), true
	}
	at := t.UTC().Truncate(time.Minute).Add(time.Minute)
	for end := at.Add(maxSearch); at.Before(end); {
		if !s.dayMatches(at) {
			// On to the next day's first minute.
			at = time.Date(at.Year(), at.Month(), at.Day()+1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if matches(s.items[0], at.Minute(), at) && matches(s.items[1], at.Hour(), at) {
			return at, true
		}
		at = at.Add(time.Minute)
	}
	return time.Time{}, false
}

// dayMatches reports whether the day of at matches the day fields of a cron
// expression (day of month, month, day of week, year).
func (s Schedule) dayMatches(at time.Time) bool {
	return matches(s.items[3], int(at.Month()), at) && matches(s.items[5], at.Year(), at) &&
		matches(s.items[2], at.Day(), at) && matches(s.items[4], int(at.Weekday())+1, at)
}

// matches reports whether value (of the day at) matches a field's items; a
// field of ? (no items) matches anything.
func matches(items []item, value int, at time.Time) bool {
	if items == nil {
		return true
	}
	for _, it := range items {
		if it.matches(value, at) {
			return true
		}
	}
	return false
}

func (it item) matches(value int, at time.Time) bool {
	lastDay := time.Date(at.Year(), at.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	switch it.kind {
	case lastDayItem:
		return value == lastDay
	case nearestWeekdayItem:
		return at.Day() == nearestWeekday(at, it.lo, lastDay)
	case lastWeekdayItem:
		return value == it.lo && at.Day()+7 > lastDay
	case nthWeekdayItem:
		return value == it.lo && (at.Day()-1)/7+1 == it.nth
	}
	return value >= it.lo && value <= it.hi && (value-it.lo)%it.step == 0
}

// nearestWeekday is the weekday nearest to day n of at's month, within it.
func nearestWeekday(at time.Time, n, lastDay int) int {
	if n > lastDay {
		return -1
	}
	d := time.Date(at.Year(), at.Month(), n, 0, 0, 0, 0, time.UTC)
	switch d.Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3 // the Monday after: not in the month before
		}
		return n - 1
	case time.Sunday:
		if n == lastDay {
			return n - 2
		}
		return n + 1
	}
	return n
}
