package rest

// Exports for the tests of package rest_test (fuzz_test.go).
var (
	DecodeBasic  = decodeBasic
	SplitHeader  = splitHeader
	DecodeObject = decodeObject
)
