package events

import (
	"errors"
	"strconv"
	"strings"
)

// Cents is an amount of money in hundredths of the currency unit. Amounts are
// whole cents by contract: an amount with a third decimal is refused rather
// than rounded, so "total equals the sum of quantity × price" is exact.
type Cents int64

// String formats the amount as the JSON number literal it came from would be
// written with two decimals ("59.98", "0.50", "3.00").
func (c Cents) String() string {
	sign := ""
	v := int64(c)
	if v < 0 {
		sign, v = "-", -v
	}
	return sign + strconv.FormatInt(v/100, 10) + "." + pad2(v%100)
}

func pad2(v int64) string {
	if v < 10 {
		return "0" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

// Limits keep every product and sum far from int64 overflow:
// maxItems × maxQuantity × maxPriceCents = 100 × 1e6 × 1e10 = 1e18 < 9.2e18.
const (
	maxItems      = 100
	maxQuantity   = 1_000_000
	maxPriceCents = 10_000_000_000 // 100 million in currency units
	maxTotalCents = maxItems * maxQuantity * maxPriceCents
)

var (
	errNotNumber   = errors.New("is not a number")
	errTooPrecise  = errors.New("has more decimal places than allowed")
	errOutOfRange  = errors.New("is out of range")
	errNumberEmpty = errors.New("is required")
)

// parseDecimal parses a JSON number literal (or a DynamoDB N string, which has
// the same grammar) and returns its value times 10^places, exactly. It fails
// when the literal is not a number, when the value has more than places
// decimals, or when the result would not fit in 18 digits. It works on the
// digits, never through float64 or an unbounded big number, so any input
// costs time linear in its length.
func parseDecimal(lit string, places int) (int64, error) {
	if lit == "" {
		return 0, errNumberEmpty
	}
	s := lit
	neg := false
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	intPart, frac, exp := s, "", 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, negExp := s[i+1:], false
		if e != "" && (e[0] == '+' || e[0] == '-') {
			negExp, e = e[0] == '-', e[1:]
		}
		if e == "" || !allDigits(e) {
			return 0, errNotNumber
		}
		e = strings.TrimLeft(e, "0")
		n := 0
		if len(e) > 6 {
			// Far beyond any digit count: the sign decides which way it fails
			// (unless the number is zero, see below).
			n = 1_000_000
		} else if e != "" {
			n, _ = strconv.Atoi(e) // at most six digits: cannot fail
		}
		if negExp {
			n = -n
		}
		exp, intPart = n, s[:i]
	}
	if i := strings.IndexByte(intPart, '.'); i >= 0 {
		intPart, frac = intPart[:i], intPart[i+1:]
		if frac == "" {
			return 0, errNotNumber
		}
	}
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) || (len(intPart) > 1 && intPart[0] == '0') {
		return 0, errNotNumber
	}
	// value = digits × 10^(exp - len(frac)); we want value × 10^places.
	digits := strings.TrimLeft(intPart+frac, "0")
	shift := exp - len(frac) + places
	if digits == "" {
		return 0, nil // zero, whatever its exponent or sign
	}
	if shift < 0 {
		// Dividing by 10^-shift must leave no remainder: those digits must be zeros.
		if -shift >= len(digits) || strings.TrimRight(digits[len(digits)+shift:], "0") != "" {
			return 0, errTooPrecise
		}
		digits = digits[:len(digits)+shift]
	} else {
		if len(digits)+shift > 18 {
			return 0, errOutOfRange
		}
		digits += strings.Repeat("0", shift)
	}
	if len(digits) > 18 {
		return 0, errOutOfRange
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, errOutOfRange
	}
	if neg {
		v = -v
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
