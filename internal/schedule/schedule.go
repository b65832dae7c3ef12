// Package schedule reads EventBridge's schedule expressions, as the
// EventBridge User Guide ("Schedule expressions for rules") defines them:
//
//	rate(value unit)  value a positive integer; unit minute, hour or day,
//	                  singular when value is 1, plural otherwise
//	cron(minutes hours day-of-month month day-of-week year)
//
// The admission check and the local EventBridge (which runs rate schedules)
// share it, so that what one accepts the other can run.
package schedule

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed schedule expression: a rate, or a cron expression's
// six fields.
type Schedule struct {
	// Rate is the interval of a rate expression; 0 for cron.
	Rate time.Duration
	// Cron holds a cron expression's fields, in order; nil for rate.
	Cron []string
	// items are the fields read, for Next (nil for ?).
	items [6][]item
}

var (
	rateRe = regexp.MustCompile(`^rate\(([^ ]+) ([^ ]+)\)$`)
	cronRe = regexp.MustCompile(`^cron\((.*)\)$`)
)

var units = map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}

// Parse reads a schedule expression; its error says what EventBridge would
// refuse, in its terms.
func Parse(expr string) (Schedule, error) {
	if m := rateRe.FindStringSubmatch(expr); m != nil {
		return parseRate(m[1], m[2])
	}
	if m := cronRe.FindStringSubmatch(expr); m != nil {
		return parseCron(m[1])
	}
	if strings.HasPrefix(expr, "rate(") {
		return Schedule{}, fmt.Errorf("a rate expression is rate(value unit), e.g. rate(5 minutes), with one space between value and unit")
	}
	return Schedule{}, fmt.Errorf("a schedule is rate(value unit) or cron(minutes hours day-of-month month day-of-week year)")
}

func parseRate(value, unit string) (Schedule, error) {
	n, err := strconv.Atoi(value)
	if err != nil || n < 1 {
		return Schedule{}, fmt.Errorf("rate value %q is not a positive whole number", value)
	}
	singular := strings.TrimSuffix(unit, "s")
	d, ok := units[singular]
	if !ok {
		return Schedule{}, fmt.Errorf("rate unit %q is not minute(s), hour(s) or day(s)", unit)
	}
	switch {
	case n == 1 && unit != singular:
		return Schedule{}, fmt.Errorf("rate(1 %s): a value of 1 takes the singular unit, rate(1 %s)", unit, singular)
	case n > 1 && unit == singular:
		return Schedule{}, fmt.Errorf("rate(%d %s): a value above 1 takes the plural unit, rate(%d %ss)", n, unit, n, unit)
	}
	if int64(n) > int64(1<<62)/int64(d) {
		return Schedule{}, fmt.Errorf("rate value %d is too large", n)
	}
	return Schedule{Rate: time.Duration(n) * d}, nil
}

// field is one of a cron expression's fields: its name, range and the
// wildcards it takes besides , - * /.
type field struct {
	name     string
	min, max int
	names    []string // names for 1.. (months, days of the week)
	extra    string   // ? L W #
}

var months = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
var weekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

var fields = []field{
	{name: "minutes", min: 0, max: 59},
	{name: "hours", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31, extra: "?LW"},
	{name: "month", min: 1, max: 12, names: months},
	{name: "day-of-week", min: 1, max: 7, names: weekdays, extra: "?L#"},
	{name: "year", min: 1970, max: 2199},
}

func parseCron(body string) (Schedule, error) {
	parts := strings.Fields(body)
	if len(parts) != len(fields) || strings.Join(parts, " ") != body {
		return Schedule{}, fmt.Errorf("cron(%s) has %d fields: EventBridge's cron takes six, separated by one space (minutes hours day-of-month month day-of-week year)", body, len(parts))
	}
	out := Schedule{Cron: parts}
	for i, p := range parts {
		items, err := fields[i].parse(p)
		if err != nil {
			return Schedule{}, fmt.Errorf("cron %s field %q: %w", fields[i].name, p, err)
		}
		out.items[i] = items
	}
	dom, dow := parts[2], parts[4]
	if (dom == "?") == (dow == "?") {
		return Schedule{}, fmt.Errorf("cron(%s): one of day-of-month (%s) and day-of-week (%s) must be ?, and only one: EventBridge does not take both", body, dom, dow)
	}
	return out, nil
}

// itemKind is what one item of a cron field matches.
type itemKind int

const (
	// values lo to hi, every step.
	valuesItem itemKind = iota
	// L in day-of-month: the month's last day (in day-of-week, L is
	// Saturday: the value 7).
	lastDayItem
	// nW: the weekday nearest day lo of the month.
	nearestWeekdayItem
	// dL: the month's last weekday lo.
	lastWeekdayItem
	// d#n: the month's nth weekday lo.
	nthWeekdayItem
)

// item is one comma-separated item of a cron field, read.
type item struct {
	kind              itemKind
	lo, hi, step, nth int
}

// parse reads one field: ? (nil: any), or a comma-separated list of *,
// values, ranges, increments (x/n) and the field's wildcards.
func (f field) parse(p string) ([]item, error) {
	if p == "?" {
		if !strings.Contains(f.extra, "?") {
			return nil, fmt.Errorf("? is for day-of-month and day-of-week only")
		}
		return nil, nil
	}
	var out []item
	for _, s := range strings.Split(p, ",") {
		it, err := f.item(s)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

func (f field) item(s string) (item, error) {
	base, step, stepped := strings.Cut(s, "/")
	it := item{kind: valuesItem, lo: f.min, hi: f.max, step: 1}
	if stepped {
		n, err := strconv.Atoi(step)
		if err != nil || n < 1 {
			return it, fmt.Errorf("increment %q is not a positive whole number", step)
		}
		it.step = n
	}
	var err error
	switch {
	case base == "*":
		return it, nil
	case base == "L" && strings.Contains(f.extra, "L") && !stepped:
		if f.names != nil { // day-of-week: the last day of the week
			return item{kind: valuesItem, lo: 7, hi: 7, step: 1}, nil
		}
		return item{kind: lastDayItem}, nil
	case strings.Contains(f.extra, "W") && strings.HasSuffix(base, "W") && !stepped:
		it = item{kind: nearestWeekdayItem}
		it.lo, err = f.value(strings.TrimSuffix(base, "W"))
		return it, err
	case strings.Contains(f.extra, "L") && strings.HasSuffix(base, "L") && f.names != nil && !stepped:
		it = item{kind: lastWeekdayItem} // 6L: the last Friday
		it.lo, err = f.value(strings.TrimSuffix(base, "L"))
		return it, err
	case strings.Contains(f.extra, "#") && strings.Contains(base, "#"):
		day, nth, _ := strings.Cut(base, "#")
		it = item{kind: nthWeekdayItem}
		if it.lo, err = f.value(day); err != nil {
			return it, err
		}
		if it.nth, err = strconv.Atoi(nth); err != nil || it.nth < 1 || it.nth > 5 {
			return it, fmt.Errorf("%q: the week after # is 1 to 5", base)
		}
		return it, nil
	}
	lo, hi, isRange := strings.Cut(base, "-")
	if it.lo, err = f.value(lo); err != nil {
		return it, err
	}
	switch {
	case isRange:
		it.hi, err = f.value(hi)
	case !stepped:
		it.hi = it.lo // one value; 0/15 is from 0 to the end, every 15
	}
	return it, err
}

// value reads a number in the field's range, or one of its names.
func (f field) value(s string) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return i + 1, nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		if f.names != nil {
			return 0, fmt.Errorf("%q is not a number from %d to %d or one of %s", s, f.min, f.max, strings.Join(f.names, ","))
		}
		return 0, fmt.Errorf("%q is not a number from %d to %d", s, f.min, f.max)
	}
	if n < f.min || n > f.max {
		return 0, fmt.Errorf("%d is outside %d-%d", n, f.min, f.max)
	}
	return n, nil
}
