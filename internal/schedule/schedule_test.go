package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	good := map[string]Schedule{
		"rate(1 minute)":               {Rate: time.Minute},
		"rate(5 minutes)":              {Rate: 5 * time.Minute},
		"rate(1 hour)":                 {Rate: time.Hour},
		"rate(12 hours)":               {Rate: 12 * time.Hour},
		"rate(7 days)":                 {Rate: 7 * 24 * time.Hour},
		"cron(0 10 * * ? *)":           {Cron: []string{"0", "10", "*", "*", "?", "*"}},
		"cron(15 12 * * ? *)":          {Cron: []string{"15", "12", "*", "*", "?", "*"}},
		"cron(0 18 ? * MON-FRI *)":     {Cron: []string{"0", "18", "?", "*", "MON-FRI", "*"}},
		"cron(0 8 1 * ? *)":            {Cron: []string{"0", "8", "1", "*", "?", "*"}},
		"cron(0/15 * * * ? *)":         {Cron: []string{"0/15", "*", "*", "*", "?", "*"}},
		"cron(0/10 * ? * MON-FRI *)":   {Cron: []string{"0/10", "*", "?", "*", "MON-FRI", "*"}},
		"cron(0/5 8-17 ? * MON-FRI *)": {Cron: []string{"0/5", "8-17", "?", "*", "MON-FRI", "*"}},
		"cron(0 9 ? * 2#1 *)":          {Cron: []string{"0", "9", "?", "*", "2#1", "*"}},
		"cron(0 0 L * ? *)":            {Cron: []string{"0", "0", "L", "*", "?", "*"}},
		"cron(0 0 15W * ? 2027)":       {Cron: []string{"0", "0", "15W", "*", "?", "2027"}},
		"cron(0 0 ? JAN,JUL 6L *)":     {Cron: []string{"0", "0", "?", "JAN,JUL", "6L", "*"}},
	}
	for expr, want := range good {
		got, err := Parse(expr)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		if got.Rate != want.Rate || strings.Join(got.Cron, " ") != strings.Join(want.Cron, " ") {
			t.Errorf("%s: %+v, want %+v", expr, got, want)
		}
	}
	bad := map[string]string{
		"rate(1 minutes)":          "singular unit",
		"rate(5 minute)":           "plural unit",
		"rate(0 minutes)":          "positive whole number",
		"rate(-1 minutes)":         "positive whole number",
		"rate(5 seconds)":          "not minute(s), hour(s) or day(s)",
		"rate(5  minutes)":         "one space",
		"rate(5minutes)":           "rate(value unit)",
		"every 5 minutes":          "rate(value unit) or cron(",
		"cron(0 10 * * *)":         "has 5 fields",
		"cron(0 10 * * ? * *)":     "has 7 fields",
		"cron(0 10 * * * *)":       "must be ?",
		"cron(0 10 ? * ? *)":       "must be ?",
		"cron(60 10 * * ? *)":      "minutes field \"60\": 60 is outside 0-59",
		"cron(0 24 * * ? *)":       "hours field",
		"cron(0 10 32 * ? *)":      "day-of-month field",
		"cron(0 10 ? FOO * *)":     "month field",
		"cron(0 10 ? * MON-XYZ *)": "day-of-week field",
		"cron(0 10 ? * 2#6 *)":     "1 to 5",
		"cron(0 10 * * ? 1969)":    "year field",
		"cron(? 10 * * ? *)":       "? is for day-of-month",
		"cron(0/0 10 * * ? *)":     "increment",
	}
	for expr, want := range bad {
		_, err := Parse(expr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one with %q", expr, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"rate(5 minutes)", "cron(0 10 * * ? *)", "cron(0/5 8-17 ? * MON-FRI *)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := Parse(expr)
		if err != nil {
			return
		}
		if (s.Rate <= 0) == (len(s.Cron) == 0) {
			t.Fatalf("%q: accepted as neither or both a rate and a cron: %+v", expr, s)
		}
		start := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
		if next, ok := s.Next(start, start); ok && !next.After(start) {
			t.Fatalf("%q: next run %s is not after %s", expr, next, start)
		}
	})
}

func TestNext(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	created := at("2026-12-07 10:00")
	cases := []struct {
		expr, after, want string
	}{
		{"rate(5 minutes)", "2026-12-07 10:00", "2026-12-07 10:05"},
		{"rate(5 minutes)", "2026-12-07 10:07", "2026-12-07 10:10"},
		{"rate(1 day)", "2026-12-08 10:00", "2026-12-09 10:00"},
		{"cron(0 10 * * ? *)", "2026-12-07 10:00", "2026-12-08 10:00"},
		{"cron(0/15 * * * ? *)", "2026-12-07 10:01", "2026-12-07 10:15"},
		{"cron(0 18 ? * MON-FRI *)", "2026-12-11 18:00", "2026-12-14 18:00"}, // Friday → Monday
		{"cron(0 8 1 * ? *)", "2026-12-07 10:00", "2027-01-01 08:00"},
		{"cron(0 0 L * ? *)", "2027-02-01 00:00", "2027-02-28 00:00"},
		{"cron(0 9 ? * 2#1 *)", "2026-12-07 10:00", "2027-01-04 09:00"}, // the first Monday
		{"cron(0 0 ? * 6L *)", "2026-12-07 10:00", "2026-12-25 00:00"},  // the last Friday
		{"cron(0 0 ? * L *)", "2026-12-07 10:00", "2026-12-12 00:00"},   // L in day-of-week: Saturday
		{"cron(0 0 15W * ? *)", "2027-05-01 00:00", "2027-05-14 00:00"}, // 15 May 2027 is a Saturday
		{"cron(0 0 1W * ? *)", "2027-05-03 00:00", "2027-06-01 00:00"},
		{"cron(0 0 1W * ? *)", "2027-04-30 00:00", "2027-05-03 00:00"}, // 1 May is a Saturday: Monday the 3rd
		{"cron(30 23 ? JAN,JUL 6L 2027-2030)", "2026-12-07 10:00", "2027-01-29 23:30"},
		{"cron(0 10 * * ? 2026)", "2026-12-31 10:00", ""},
		{"cron(0 0 31 2 ? *)", "2026-12-07 10:00", ""},
	}
	for _, tc := range cases {
		s, err := Parse(tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		got, ok := s.Next(created, at(tc.after))
		if tc.want == "" {
			if ok {
				t.Errorf("%s after %s: %s, want never", tc.expr, tc.after, got)
			}
			continue
		}
		if !ok || !got.Equal(at(tc.want)) {
			t.Errorf("%s after %s: %s (%v), want %s", tc.expr, tc.after, got.Format("2006-01-02 15:04 Mon"), ok, tc.want)
		}
	}
}
