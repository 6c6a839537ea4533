package password

import (
	"errors"
	"slices"
	"testing"
)

// testUser mirrors the user of Django's validator tests.
var testUser = Attributes{
	"username":   "testclient",
	"email":      "testclient@example.com",
	"first_name": "Test",
	"last_name":  "Client",
}

const (
	msgShort   = "This password is too short. It must contain at least 8 characters."
	msgCommon  = "This password is too common."
	msgNumeric = "This password is entirely numeric."
)

func messages(err error) []string {
	if err == nil {
		return nil
	}
	var ve ValidationError
	if !errors.As(err, &ve) {
		return []string{"not a ValidationError: " + err.Error()}
	}
	return ve
}

// TestValidateDefaults: expected messages produced by Django 3.2.25's
// validate_password with the four default validators and testUser.
func TestValidateDefaults(t *testing.T) {
	cases := []struct {
		password string
		want     []string
	}{
		{"", []string{msgShort}},
		{"short", []string{msgShort}},
		{"1234567", []string{msgShort, msgCommon, msgNumeric}},
		{"12345678", []string{msgCommon, msgNumeric}},
		{"\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669", []string{msgNumeric}}, // Arabic-Indic digits
		{"godzilla", []string{msgCommon}},
		{" GODZILLA ", []string{msgCommon}},
		{"password", []string{msgCommon}},
		{"testclient1", []string{"The password is too similar to the username."}},
		{"a-safe-password", nil},
		{"Zx9!kq#Lm2", nil},
	}
	for _, c := range cases {
		err := Validate(c.password, testUser)
		if got := messages(err); !slices.Equal(got, c.want) {
			t.Errorf("Validate(%q) = %q, want %q", c.password, got, c.want)
		}
		if c.want == nil && err != nil {
			t.Errorf("Validate(%q) returned a non-nil error %#v", c.password, err)
		}
	}
}

func TestValidateCustomValidators(t *testing.T) {
	plain := validatorFunc(func(pw string, _ Attributes) error {
		if pw == "x" {
			return errors.New("no x")
		}
		return nil
	})
	err := Validate("x", nil, MinimumLength{Min: 2}, plain, Numeric{})
	want := []string{"This password is too short. It must contain at least 2 characters.", "no x"}
	if got := messages(err); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if err.Error() != want[0]+" "+want[1] {
		t.Errorf("Error() = %q", err.Error())
	}
	if err := Validate("xy", nil, MinimumLength{Min: 2}, plain); err != nil {
		t.Errorf("Validate = %v", err)
	}
}

type validatorFunc func(string, Attributes) error

func (f validatorFunc) Validate(pw string, a Attributes) error { return f(pw, a) }

func TestMinimumLength(t *testing.T) {
	cases := []struct {
		v    MinimumLength
		pw   string
		want string
	}{
		{MinimumLength{}, "1234567", msgShort},
		{MinimumLength{}, "12345678", ""},
		{MinimumLength{Min: 1}, "", "This password is too short. It must contain at least 1 character."},
		{MinimumLength{Min: 1}, "x", ""},
		{MinimumLength{Min: 12}, "elevenchars", "This password is too short. It must contain at least 12 characters."},
		{MinimumLength{}, "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", msgShort}, // 7 characters, 14 bytes
		{MinimumLength{}, "\U0001F600\U0001F600\U0001F600\U0001F600\U0001F600\U0001F600\U0001F600\U0001F600", ""},
		{MinimumLength{Min: -5}, "1234567", msgShort},
	}
	for _, c := range cases {
		got := ""
		if err := c.v.Validate(c.pw, nil); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("MinimumLength{%d}.Validate(%q) = %q, want %q", c.v.Min, c.pw, got, c.want)
		}
	}
}

func TestNumeric(t *testing.T) {
	for _, c := range []struct {
		pw      string
		numeric bool
	}{
		{"123", true},
		{"0", true},
		{"\u0661\u0662\u0663", true},
		{"\uff11\uff12\uff13", true}, // fullwidth digits
		{"12a", false},
		{"12 3", false},
		{"-123", false},
		{"1.5", false},
		{"", false},
	} {
		err := Numeric{}.Validate(c.pw, nil)
		if (err != nil) != c.numeric {
			t.Errorf("Numeric(%q) = %v", c.pw, err)
		}
		if err != nil && err.Error() != msgNumeric {
			t.Errorf("message %q", err)
		}
	}
}

func TestDefaultValidators(t *testing.T) {
	v := DefaultValidators()
	if len(v) != 4 {
		t.Fatalf("%d validators", len(v))
	}
	if _, ok := v[0].(UserAttributeSimilarity); !ok {
		t.Error("first is not UserAttributeSimilarity")
	}
	if _, ok := v[1].(MinimumLength); !ok {
		t.Error("second is not MinimumLength")
	}
	if _, ok := v[2].(CommonPassword); !ok {
		t.Error("third is not CommonPassword")
	}
	if _, ok := v[3].(Numeric); !ok {
		t.Error("fourth is not Numeric")
	}
}
