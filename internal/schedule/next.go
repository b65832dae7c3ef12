package schedule

import (
	"strconv"
	"strings"
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
		f := s.Cron
		if matchField(fields[0], f[0], at.Minute(), at) && matchField(fields[1], f[1], at.Hour(), at) {
			return at, true
		}
		at = at.Add(time.Minute)
	}
	return time.Time{}, false
}

// dayMatches reports whether the day of at matches the day fields of a cron
// expression (day of month, month, day of week, year).
func (s Schedule) dayMatches(at time.Time) bool {
	f := s.Cron
	return matchField(fields[3], f[3], int(at.Month()), at) && matchField(fields[5], f[5], at.Year(), at) &&
		matchField(fields[2], f[2], at.Day(), at) && matchField(fields[4], f[4], int(at.Weekday())+1, at)
}

// matchField reports whether value (of the day at) matches one field.
func matchField(fl field, expr string, value int, at time.Time) bool {
	if expr == "?" {
		return true
	}
	for _, item := range strings.Split(expr, ",") {
		if fl.matchItem(item, value, at) {
			return true
		}
	}
	return false
}

func (f field) matchItem(item string, value int, at time.Time) bool {
	lastDay := time.Date(at.Year(), at.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	base, step, stepped := strings.Cut(item, "/")
	every := 1
	if stepped {
		every, _ = strconv.Atoi(step)
	}
	switch {
	case base == "L" && f.name == "day-of-month":
		return at.Day() == lastDay
	case base == "L": // day-of-week: the last day of the week, Saturday
		return value == 7
	case strings.HasSuffix(base, "W"):
		return at.Day() == nearestWeekday(at, f.number(strings.TrimSuffix(base, "W")), lastDay)
	case strings.HasSuffix(base, "L") && f.names != nil: // 6L: the month's last Friday
		return value == f.number(strings.TrimSuffix(base, "L")) && at.Day()+7 > lastDay
	case strings.Contains(base, "#"):
		day, nth, _ := strings.Cut(base, "#")
		n, _ := strconv.Atoi(nth)
		return value == f.number(day) && (at.Day()-1)/7+1 == n
	}
	lo, hi := f.min, f.max
	if base != "*" {
		from, to, isRange := strings.Cut(base, "-")
		lo = f.number(from)
		hi = lo
		if isRange {
			hi = f.number(to)
		} else if stepped {
			hi = f.max // 0/15: from 0, every 15
		}
	}
	return value >= lo && value <= hi && (value-lo)%every == 0
}

// number reads a value or a name of the field (checked by Parse).
func (f field) number(s string) int {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return i + 1
		}
	}
	n, _ := strconv.Atoi(s)
	return n
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
