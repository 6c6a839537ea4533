package password

import (
	"slices"
	"strings"
	"unicode"
)

// defaultUserAttributes are the attributes UserAttributeSimilarity compares
// first, in this order (Django's defaults).
var defaultUserAttributes = []string{"username", "first_name", "last_name", "email"}

// verboseNames are Django's User field labels, used in messages.
var verboseNames = map[string]string{
	"first_name": "first name",
	"last_name":  "last name",
	"email":      "email address",
}

// UserAttributeSimilarity refuses passwords too similar to one of the user's
// attributes, with Django's measure: the lowercased password is compared with
// each lowercased attribute value and with each part of it split at runs of
// non-word characters (so "j.smith@x.org" also gives "j", "smith", "x",
// "org"), and it fails when 2*M/(len(password)+len(part)) >= MaxSimilarity,
// M being the number of characters the two have in common counted as
// multisets (Python difflib's quick_ratio). Only the first attribute found too
// similar is reported.
type UserAttributeSimilarity struct {
	// MaxSimilarity is the threshold; 0 (or less) means 0.7, and values
	// below 0.1 are raised to 0.1 (Django 4.0+ refuses them). 1 still refuses
	// a password equal to an attribute.
	MaxSimilarity float64
	// Attributes are the keys of Attributes to compare, in order. When nil,
	// every key is compared: Django's default attributes first, in Django's
	// order ("username", "first_name", "last_name", "email"), then the
	// others in sorted order.
	Attributes []string
}

// Validate implements Validator.
func (v UserAttributeSimilarity) Validate(password string, attrs Attributes) error {
	if attrs == nil {
		return nil
	}
	limit := v.MaxSimilarity
	switch {
	case limit <= 0:
		limit = 0.7
	case limit < 0.1:
		limit = 0.1
	}
	pw := []rune(strings.ToLower(password))
	for _, name := range v.order(attrs) {
		value := attrs[name]
		if value == "" {
			continue
		}
		lower := strings.ToLower(value)
		parts := append(splitNonWord(lower), lower)
		for _, part := range parts {
			pr := []rune(part)
			if tooLongToBeSimilar(len(pw), len(pr), limit) {
				continue
			}
			if quickRatio(pw, pr) >= limit {
				label := name
				if l, ok := verboseNames[name]; ok {
					label = l
				}
				return ValidationError{"The password is too similar to the " + label + "."}
			}
		}
	}
	return nil
}

// order returns the attribute names to compare, in order.
func (v UserAttributeSimilarity) order(attrs Attributes) []string {
	if v.Attributes != nil {
		return v.Attributes
	}
	names := make([]string, 0, len(attrs))
	for _, n := range defaultUserAttributes {
		if _, ok := attrs[n]; ok {
			names = append(names, n)
		}
	}
	var rest []string
	for n := range attrs {
		if !slices.Contains(defaultUserAttributes, n) {
			rest = append(rest, n)
		}
	}
	slices.Sort(rest)
	return append(names, rest...)
}

// splitNonWord splits s at every run of non-word characters, keeping empty
// leading and trailing fields like Python's re.split(r'\W+', s). Word
// characters are letters, numbers and '_'.
func splitNonWord(s string) []string {
	var parts []string
	start, inSep := 0, false
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_'
		switch {
		case !word && !inSep:
			parts = append(parts, s[start:i])
			inSep = true
		case word && inSep:
			start = i
			inSep = false
		}
	}
	if inSep {
		parts = append(parts, "")
	} else {
		parts = append(parts, s[start:])
	}
	return parts
}

// quickRatio is 2*M/(len(a)+len(b)), with M the size of the multiset
// intersection of a's and b's characters; 1 when both are empty.
func quickRatio(a, b []rune) float64 {
	total := len(a) + len(b)
	if total == 0 {
		return 1
	}
	avail := make(map[rune]int, len(b))
	for _, r := range b {
		avail[r]++
	}
	matches := 0
	for _, r := range a {
		if avail[r] > 0 {
			avail[r]--
			matches++
		}
	}
	return 2 * float64(matches) / float64(total)
}

// tooLongToBeSimilar reports (cheaply) that a password at least ten times
// longer than the part cannot reach the threshold: then M <= len(part) and
// the ratio is below 2*len(part)/len(password) < limit. (Django 4.0+ skips the
// same cases; the result is the same either way.)
func tooLongToBeSimilar(pwLen, partLen int, limit float64) bool {
	return pwLen >= 10*partLen && float64(partLen) < limit/2*float64(pwLen)
}
