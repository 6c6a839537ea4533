package password

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestUserAttributeSimilarityDjango: every expectation below is what Django
// 3.2.25's UserAttributeSimilarityValidator answered for the same input (the
// first four are the cases of Django's own validator test).
func TestUserAttributeSimilarityDjango(t *testing.T) {
	const similar = "The password is too similar to the "
	cases := []struct {
		pw    string
		v     UserAttributeSimilarity
		attrs Attributes
		want  string
	}{
		{"testclient", UserAttributeSimilarity{}, testUser, similar + "username."},
		{"example.com", UserAttributeSimilarity{}, testUser, similar + "email address."},
		{"testclient", UserAttributeSimilarity{Attributes: []string{"first_name"}, MaxSimilarity: 0.3}, testUser, similar + "first name."},
		{"Test", UserAttributeSimilarity{Attributes: []string{"first_name"}, MaxSimilarity: 1}, testUser, similar + "first name."},
		{"testclient", UserAttributeSimilarity{Attributes: []string{"first_name"}}, testUser, ""},
		{"testclient", UserAttributeSimilarity{}, nil, ""},
		{"TESTCLIENT", UserAttributeSimilarity{}, testUser, similar + "username."},
		{"clienttest", UserAttributeSimilarity{}, testUser, similar + "username."},
		{"testcl", UserAttributeSimilarity{}, testUser, similar + "username."},
		{"test", UserAttributeSimilarity{}, testUser, similar + "first name."},
		{"tes", UserAttributeSimilarity{}, testUser, similar + "first name."},
		{"client", UserAttributeSimilarity{}, testUser, similar + "username."},
		{"exampleexample", UserAttributeSimilarity{}, testUser, ""},
		{"correct horse battery staple", UserAttributeSimilarity{}, testUser, ""},
		{"", UserAttributeSimilarity{}, testUser, ""},
		{strings.Repeat("x", 200), UserAttributeSimilarity{}, testUser, ""},
		{"ttteeesssttt", UserAttributeSimilarity{}, testUser, ""},
		// "@john" splits into "", "john" (and the whole value): the empty
		// part is identical to the empty password.
		{"", UserAttributeSimilarity{}, Attributes{"username": "@john", "email": ""}, similar + "username."},
		{"john", UserAttributeSimilarity{}, Attributes{"username": "@john", "email": ""}, similar + "username."},
		{"jo", UserAttributeSimilarity{}, Attributes{"username": "@john", "email": ""}, ""},
	}
	for _, c := range cases {
		got := ""
		if err := c.v.Validate(c.pw, c.attrs); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%+v.Validate(%q) = %q, want %q", c.v, c.pw, got, c.want)
		}
	}
}

func TestUserAttributeSimilarityNames(t *testing.T) {
	attrs := Attributes{"email address": "johnny@example.org", "nickname": "johnny", "last_name": "Walker"}
	// Defaults first (last_name), then the rest sorted: "email address"
	// before "nickname"; both match "johnny", the first one is reported.
	if err := (UserAttributeSimilarity{}).Validate("johnny", attrs); err == nil || err.Error() != "The password is too similar to the email address." {
		t.Errorf("got %v", err)
	}
	if err := (UserAttributeSimilarity{Attributes: []string{"nickname"}}).Validate("johnny", attrs); err == nil || err.Error() != "The password is too similar to the nickname." {
		t.Errorf("got %v", err)
	}
	if err := (UserAttributeSimilarity{}).Validate("walker", attrs); err == nil || err.Error() != "The password is too similar to the last name." {
		t.Errorf("got %v", err)
	}
	// Deterministic whatever the map order.
	for i := 0; i < 50; i++ {
		got := UserAttributeSimilarity{}.order(Attributes{"b": "", "email": "", "a": "", "username": "", "c": ""})
		if want := []string{"username", "email", "a", "b", "c"}; !slices.Equal(got, want) {
			t.Fatalf("order = %q", got)
		}
	}
	// A very low threshold is raised to 0.1.
	if err := (UserAttributeSimilarity{MaxSimilarity: 0.01}).Validate("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", Attributes{"username": "z"}); err != nil {
		t.Errorf("ratio 2/81 refused with threshold 0.01 (should be 0.1): %v", err)
	}
}

func TestSplitNonWord(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", []string{""}},
		{"john", []string{"john"}},
		{"j.smith@x.org", []string{"j", "smith", "x", "org"}},
		{"@john", []string{"", "john"}},
		{"john@", []string{"john", ""}},
		{"a--b", []string{"a", "b"}},
		{"snake_case", []string{"snake_case"}},
		{"\u00e9l\u00e8ve 42", []string{"\u00e9l\u00e8ve", "42"}},
		{"--", []string{"", ""}},
	} {
		if got := splitNonWord(c.in); !slices.Equal(got, c.want) {
			t.Errorf("splitNonWord(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestQuickRatio(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"", "", 1},
		{"abc", "", 0},
		{"abcd", "bcde", 0.75},
		{"aab", "abb", 2 * 2.0 / 6},
		{"\U0001F600x", "x\U0001F600", 1},
	} {
		if got := quickRatio([]rune(c.a), []rune(c.b)); got != c.want {
			t.Errorf("quickRatio(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestTooLongToBeSimilar checks the shortcut never changes a result.
func TestTooLongToBeSimilar(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	letters := []rune("abc")
	word := func(n int) []rune {
		w := make([]rune, n)
		for i := range w {
			w[i] = letters[r.IntN(len(letters))]
		}
		return w
	}
	for i := 0; i < 20000; i++ {
		pw, part := word(r.IntN(60)), word(r.IntN(8))
		limit := 0.1 + r.Float64()*0.9
		if tooLongToBeSimilar(len(pw), len(part), limit) && quickRatio(pw, part) >= limit {
			t.Fatalf("shortcut skipped a match: %q %q %v", string(pw), string(part), limit)
		}
	}
}
