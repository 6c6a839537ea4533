package password

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Validator checks a proposed new password, like one of Django's
// AUTH_PASSWORD_VALIDATORS. Validate returns nil when the password is
// acceptable and otherwise an error whose text is shown to the user, usually
// a ValidationError.
type Validator interface {
	// Validate checks password against the rules and the user's attrs (nil when no user is known).
	Validate(password string, attrs Attributes) error
}

// Attributes are facts about the user that a password should not resemble,
// keyed by attribute name: for example {"username": "john", "email":
// "j@x.org"}. The names appear in messages; the Django field names
// "first_name", "last_name" and "email" are shown as Django shows them
// ("first name", "last name", "email address"), any other key verbatim. A nil
// map means no user is known (Django's user=None).
type Attributes map[string]string

// ValidationError lists every reason a password was refused, in validator
// order, as messages for the user.
type ValidationError []string

// Error joins the messages with spaces.
func (e ValidationError) Error() string {
	return strings.Join(e, " ")
}

// DefaultValidators returns the equivalents of the validators a new Django
// project enables, in the same order: UserAttributeSimilarity (0.7),
// MinimumLength (8), CommonPassword and Numeric.
func DefaultValidators() []Validator {
	return []Validator{
		UserAttributeSimilarity{},
		MinimumLength{},
		CommonPassword{},
		Numeric{},
	}
}

// Validate runs every validator (DefaultValidators when none are given) on
// password and returns nil if all accept it, or else a ValidationError with
// all their messages. A validator's error that is not a ValidationError
// contributes its Error() text.
func Validate(password string, attrs Attributes, validators ...Validator) error {
	if len(validators) == 0 {
		validators = DefaultValidators()
	}
	var msgs ValidationError
	for _, v := range validators {
		err := v.Validate(password, attrs)
		if err == nil {
			continue
		}
		if ve, ok := err.(ValidationError); ok {
			msgs = append(msgs, ve...)
		} else {
			msgs = append(msgs, err.Error())
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return msgs
}

// MinimumLength refuses passwords with fewer than Min characters (Unicode
// code points, as Django counts them); Min <= 0 means 8.
type MinimumLength struct {
	Min int // the least number of characters accepted; 0 means 8
}

// Validate implements Validator.
func (v MinimumLength) Validate(password string, _ Attributes) error {
	n := v.Min
	if n <= 0 {
		n = 8
	}
	if utf8.RuneCountInString(password) >= n {
		return nil
	}
	unit := "characters"
	if n == 1 {
		unit = "character"
	}
	return ValidationError{"This password is too short. It must contain at least " + strconv.Itoa(n) + " " + unit + "."}
}

// Numeric refuses passwords made only of digits (decimal digits of any
// script, Unicode category Nd). The empty password is not numeric.
type Numeric struct{}

// Validate implements Validator.
func (Numeric) Validate(password string, _ Attributes) error {
	if password == "" {
		return nil
	}
	for _, r := range password {
		if !unicode.IsDigit(r) {
			return nil
		}
	}
	return ValidationError{"This password is entirely numeric."}
}
