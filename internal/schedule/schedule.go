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
	for i, p := range parts {
		if err := fields[i].check(p); err != nil {
			return Schedule{}, fmt.Errorf("cron %s field %q: %w", fields[i].name, p, err)
		}
	}
	dom, dow := parts[2], parts[4]
	if (dom == "?") == (dow == "?") {
		return Schedule{}, fmt.Errorf("cron(%s): one of day-of-month (%s) and day-of-week (%s) must be ?, and only one: EventBridge does not take both", body, dom, dow)
	}
	return Schedule{Cron: parts}, nil
}

// check reads one field: ?, or a comma-separated list of *, values, ranges,
// increments (x/n) and the field's wildcards.
func (f field) check(p string) error {
	if p == "?" {
		if !strings.Contains(f.extra, "?") {
			return fmt.Errorf("? is for day-of-month and day-of-week only")
		}
		return nil
	}
	for _, item := range strings.Split(p, ",") {
		if err := f.item(item); err != nil {
			return err
		}
	}
	return nil
}

func (f field) item(item string) error {
	base, step, stepped := strings.Cut(item, "/")
	if stepped {
		if n, err := strconv.Atoi(step); err != nil || n < 1 {
			return fmt.Errorf("increment %q is not a positive whole number", step)
		}
	}
	switch {
	case base == "*":
		return nil
	case base == "L" && strings.Contains(f.extra, "L") && !stepped:
		return nil
	case strings.Contains(f.extra, "W") && strings.HasSuffix(base, "W") && !stepped:
		return f.value(strings.TrimSuffix(base, "W"))
	case strings.Contains(f.extra, "L") && strings.HasSuffix(base, "L") && f.names != nil && !stepped:
		return f.value(strings.TrimSuffix(base, "L")) // 6L: the last Friday
	case strings.Contains(f.extra, "#") && strings.Contains(base, "#"):
		day, nth, _ := strings.Cut(base, "#")
		if err := f.value(day); err != nil {
			return err
		}
		if n, err := strconv.Atoi(nth); err != nil || n < 1 || n > 5 {
			return fmt.Errorf("%q: the week after # is 1 to 5", base)
		}
		return nil
	}
	lo, hi, isRange := strings.Cut(base, "-")
	if err := f.value(lo); err != nil {
		return err
	}
	if isRange {
		return f.value(hi)
	}
	return nil
}

// value checks a number in the field's range, or one of its names.
func (f field) value(s string) error {
	for _, n := range f.names {
		if strings.EqualFold(s, n) {
			return nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		if f.names != nil {
			return fmt.Errorf("%q is not a number from %d to %d or one of %s", s, f.min, f.max, strings.Join(f.names, ","))
		}
		return fmt.Errorf("%q is not a number from %d to %d", s, f.min, f.max)
	}
	if n < f.min || n > f.max {
		return fmt.Errorf("%d is outside %d-%d", n, f.min, f.max)
	}
	return nil
}
