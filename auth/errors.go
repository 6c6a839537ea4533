package auth

import (
	"sort"
	"strings"
)

// FieldErrors reports invalid input per field, the way DRF's ValidationError does:
// {"new_password": ["This password is too short. ..."]}.
type FieldErrors map[string][]string

// Error lists the fields and their messages.
func (e FieldErrors) Error() string {
	fields := make([]string, 0, len(e))
	for f := range e {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f + ": " + strings.Join(e[f], " "))
	}
	return b.String()
}
