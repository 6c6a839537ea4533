package memory_test

import (
	"testing"

	"github.com/sessionauth/sessionauth/throttle"
	"github.com/sessionauth/sessionauth/throttle/throttletest"
)

func TestThrottleStore(t *testing.T) {
	throttletest.Run(t, func(t *testing.T) throttle.Store { return newStore(t) })
}
