package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// MaxLength is the longest password, in bytes, that is hashed or verified.
// Longer passwords are refused with [ErrTooLong] before any work is done, so
// that a huge password cannot be used to burn CPU.
const MaxLength = 4096

// Defaults used by the zero [Hasher] (OWASP Password Storage Cheat Sheet:
// argon2id, m=19 MiB, t=2, p=1).
const (
	DefaultMemory  = 19456 // KiB
	DefaultTime    = 2
	DefaultThreads = 1
)

// Upper limits on the cost parameters of a stored hash. A stored hash asking
// for more is refused with [ErrUnsafeParameters] without being computed, and
// a [Hasher] configured with more refuses to hash.
const (
	MaxArgon2Memory     = 262144 // KiB (256 MiB)
	MaxArgon2Time       = 20
	MaxArgon2Threads    = 32
	MaxPBKDF2Iterations = 10_000_000
	MaxBCryptCost       = 16
)

// maxEncodedLength bounds the length of a stored hash that is parsed at all;
// every supported format is far shorter.
const maxEncodedLength = 1024

var (
	// ErrTooLong is returned for passwords longer than MaxLength bytes.
	ErrTooLong = errors.New("password is too long")

	// ErrUnknownFormat is returned by Verify for a stored value that names a
	// supported algorithm but cannot be parsed (or uses a variant this
	// package does not implement, such as argon2d or argon2 version 16).
	// Values that name no supported algorithm at all, including unusable and
	// empty ones, are not an error: they simply never match.
	ErrUnknownFormat = errors.New("password: unknown or malformed password hash")

	// ErrUnsafeParameters is returned by Verify for a stored hash whose cost
	// parameters exceed the Max* limits (or are below what the algorithm
	// allows), and by Hash, Verify, Burn and Check for a Hasher configured
	// that way. errors.Is(ErrUnsafeParameters, ErrUnknownFormat) is true, so
	// callers that only check ErrUnknownFormat treat both alike.
	ErrUnsafeParameters error = unsafeParamsError{}

	// ErrBusy is returned when MaxConcurrent computations are running and
	// the queue of callers waiting for one is full.
	ErrBusy = errors.New("password: too many password hashing operations waiting")

	// ErrWeakParameters is returned by Hasher.Check for argon2 parameters,
	// or a PBKDF2 iteration count, below the OWASP recommendations. Hash and
	// Verify still work with them (tests use very cheap parameters on
	// purpose, and Django before 4.2 used fewer PBKDF2 iterations).
	ErrWeakParameters = errors.New("password: argon2 parameters below the OWASP recommendations")
)

// unsafeParamsError is the type of ErrUnsafeParameters.
type unsafeParamsError struct{}

func (unsafeParamsError) Error() string { return "password: cost parameters out of the accepted range" }

// Is makes errors.Is(ErrUnsafeParameters, ErrUnknownFormat) true.
func (unsafeParamsError) Is(target error) bool { return target == ErrUnknownFormat }

// Hasher hashes new passwords with argon2id (or, with Django set, with one
// of Django's hashers) and verifies those and Django's other encodings. The zero value is ready to use with the OWASP parameters.
//
// Set the fields before the first use and do not change or copy a Hasher
// after that; one Hasher is meant to be shared by the whole process (its
// concurrency limit is per Hasher). All methods are safe for concurrent use.
//
// Any parameters argon2 accepts are allowed, including very cheap ones such
// as Memory 64 and Time 1 for tests; [Hasher.Check] tells whether they meet
// the OWASP minimums, for a server to refuse weak settings at start-up.
type Hasher struct {
	// Memory is the argon2 memory cost in KiB; 0 means DefaultMemory.
	Memory uint32
	// Time is the number of argon2 passes; 0 means DefaultTime.
	Time uint32
	// Threads is the argon2 parallelism (lanes); 0 means DefaultThreads.
	Threads uint8

	// Django, when set, makes one of Django's password hashers the preferred
	// algorithm instead of argon2id: the first entry of the PASSWORD_HASHERS
	// of a Django project that shares the user table ([PBKDF2SHA256],
	// Django's default, [DjangoArgon2] or [BCryptSHA256], each with that
	// Django version's parameters). Hash then writes that hasher's format
	// with exactly Django's parameters and salt, Burn costs as much as
	// verifying such a hash, and Verify asks for an upgrade exactly when
	// Django's check_password would rehash: the stored hash names another
	// algorithm, or Django's must_update is true for it. So logins on either
	// side do not keep rewriting each other's hashes (every rewrite changes
	// the session auth hash, which logs the user's other sessions out).
	// Memory, Time and Threads are then unused.
	Django DjangoHasher

	// MaxConcurrent is the most password-hash computations (Hash, Verify,
	// Burn) that run at the same time; 0 means 2*GOMAXPROCS. Peak memory is
	// about MaxConcurrent times the largest argon2 memory cost in use.
	MaxConcurrent int
	// MaxWaiting is the most callers that wait for a free computation slot;
	// a caller arriving when that many wait gets ErrBusy at once. 0 means
	// 64*MaxConcurrent; a negative value means nobody waits.
	MaxWaiting int

	// OnCompute, when set, is called once for each password-hash computation
	// (exactly one per Hash, Verify or Burn call, whatever the password and
	// the stored value), just before it starts, while a concurrency slot is
	// held. Calls refused up front (ErrTooLong, ErrBusy, a Hasher parameter
	// error, or a context that ended before a slot was free) do not. Tests
	// use it to count computations ("exactly one per login attempt") or to
	// hold a slot. It must be safe for concurrent use.
	OnCompute func()

	// caps overrides the Max* limits; tests and fuzzing use small ones.
	caps *limits

	once      sync.Once
	lim       *limiter
	computed  atomic.Uint64
	dummySalt [16]byte
}

// params are effective argon2 parameters.
type params struct {
	memory  uint32
	time    uint32
	threads uint8
}

// limits are the largest cost parameters accepted.
type limits struct {
	memory     uint32
	time       uint32
	threads    uint8
	iterations int
	bcryptCost int
}

var defaultLimits = limits{
	memory:     MaxArgon2Memory,
	time:       MaxArgon2Time,
	threads:    MaxArgon2Threads,
	iterations: MaxPBKDF2Iterations,
	bcryptCost: MaxBCryptCost,
}

func (h *Hasher) limits() *limits {
	if h.caps != nil {
		return h.caps
	}
	return &defaultLimits
}

func (h *Hasher) init() {
	h.once.Do(func() {
		n := h.MaxConcurrent
		if n <= 0 {
			n = 2 * runtime.GOMAXPROCS(0)
		}
		w := h.MaxWaiting
		switch {
		case w == 0:
			w = 64 * n
		case w < 0:
			w = 0
		}
		h.lim = newLimiter(n, w)
		rand.Read(h.dummySalt[:])
	})
}

// params returns the effective argon2 parameters (defaults applied).
func (h *Hasher) params() params {
	return params{memory: h.Memory, time: h.Time, threads: h.Threads}.or(params{DefaultMemory, DefaultTime, DefaultThreads})
}

// or returns p with its zero fields taken from defaults.
func (p params) or(defaults params) params {
	if p.memory == 0 {
		p.memory = defaults.memory
	}
	if p.time == 0 {
		p.time = defaults.time
	}
	if p.threads == 0 {
		p.threads = defaults.threads
	}
	return p
}

// validParams checks the Hasher's own parameters against what argon2 allows
// and against the Max* limits, and the Django hasher's if set.
func (h *Hasher) validParams() (params, error) {
	p := h.params()
	if err := p.check(h.limits()); err != nil {
		return p, fmt.Errorf("%w: Hasher has m=%d,t=%d,p=%d (argon2 needs t>=1, m>=8p; limits m<=%d, t<=%d, p<=%d)",
			err, p.memory, p.time, p.threads, h.limits().memory, h.limits().time, h.limits().threads)
	}
	if h.Django != nil {
		if err := h.Django.validate(h.limits()); err != nil {
			return p, err
		}
	}
	return p, nil
}

// Check reports whether the Hasher's parameters are usable: an error wrapping
// ErrUnsafeParameters when argon2 cannot use them or they exceed the Max*
// limits (Hash would fail), ErrWeakParameters when they are usable but below
// the OWASP recommendations for argon2id (m=47104 KiB with t=1, 19456 with
// t=2, 12288 with t=3, 9216 with t=4, 7168 with t>=5), nil otherwise. With
// Django set, the argon2 parameters are unused and the Django hasher's are
// judged instead: at least [OWASPPBKDF2Iterations] for pbkdf2_sha256 (Django
// 4.2 and later meet it), the argon2id rule above for DjangoArgon2 (Django's
// parameters meet it), a cost of at least [OWASPBCryptCost] for bcrypt_sha256.
func (h *Hasher) Check() error {
	p, err := h.validParams()
	if err != nil {
		return err
	}
	if h.Django != nil {
		return h.Django.weak()
	}
	return p.weak()
}

// weak reports argon2id parameters below the OWASP recommendations as
// ErrWeakParameters.
func (p params) weak() error {
	var min uint32
	switch p.time {
	case 1:
		min = 47104
	case 2:
		min = 19456
	case 3:
		min = 12288
	case 4:
		min = 9216
	default:
		min = 7168
	}
	if p.memory < min {
		return fmt.Errorf("%w: m=%d,t=%d needs m>=%d", ErrWeakParameters, p.memory, p.time, min)
	}
	return nil
}

// Computations returns how many password-hash computations this Hasher has
// run (the same events OnCompute sees). It is cheap enough for a metrics
// endpoint.
func (h *Hasher) Computations() uint64 {
	return h.computed.Load()
}

// compute runs f as one password-hash computation: it waits for a slot
// (honouring ctx and the waiting limit), counts the computation and calls
// OnCompute.
func (h *Hasher) compute(ctx context.Context, f func()) error {
	h.init()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := h.lim.acquire(ctx); err != nil {
		return err
	}
	defer h.lim.release()
	h.computed.Add(1)
	if h.OnCompute != nil {
		h.OnCompute()
	}
	f()
	return nil
}

// Hash returns a new argon2id hash of password in Django's argon2 encoding,
// with a fresh 16-byte random salt and a 32-byte key; with Django set, a hash
// in that Django hasher's encoding, parameters and salt (what Django's
// make_password writes with it first in PASSWORD_HASHERS). It fails with
// ErrTooLong for passwords over MaxLength bytes, with ErrBusy or the
// context's error when no computation slot could be had, and with an error
// wrapping ErrUnsafeParameters when the Hasher's parameters are unusable.
// The empty password is hashed like any other; refusing it is the password
// policy's job (see Validate).
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if len(password) > MaxLength {
		return "", ErrTooLong
	}
	p, err := h.validParams()
	if err != nil {
		return "", err
	}
	if h.Django != nil {
		var encoded string
		var herr error
		if err := h.compute(ctx, func() { encoded, herr = h.Django.Hash(password) }); err != nil {
			return "", err
		}
		return encoded, herr
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	var key []byte
	if err := h.compute(ctx, func() {
		key = argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, 32)
	}); err != nil {
		return "", err
	}
	return encodeArgon2(argon2ID, p, salt, key), nil
}

// Verify reports whether password matches the stored hash encoded, and
// whether encoded should be replaced by Hash(password) because it uses
// another algorithm or variant than argon2id, other memory/time/parallelism
// parameters than the Hasher's, or an argon2 salt shorter than 16 bytes
// (with Django set: because Django's check_password would rehash it with
// that hasher preferred).
// upgrade is only ever true together with ok, so a caller can never be led to
// store a hash of a wrong password.
//
// Unusable ("!..."), empty and unrecognised values give ok=false and err=nil;
// stored values that name a supported algorithm but are malformed give
// ErrUnknownFormat, and those with out-of-range costs ErrUnsafeParameters.
// In all those cases Verify first does the same work as Burn, so every call
// costs exactly one password-hash computation. The exceptions are the errors
// returned before any work: ErrTooLong, ErrBusy and the context's error.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, upgrade bool, err error) {
	if len(password) > MaxLength {
		return false, false, ErrTooLong
	}
	p, err := h.validParams()
	if err != nil {
		return false, false, err
	}
	st, perr := parseEncoded(encoded, h.limits())
	if st == nil {
		if err := h.burn(ctx, password, p); err != nil {
			return false, false, err
		}
		return false, false, perr
	}
	if err := h.compute(ctx, func() { ok = st.check(password) }); err != nil {
		return false, false, err
	}
	return ok, ok && h.outdated(st, p), nil
}

// outdated reports whether st should be replaced by a hash of the Hasher's
// preferred algorithm and parameters.
func (h *Hasher) outdated(st storedHash, p params) bool {
	if h.Django != nil {
		return !h.Django.current(st)
	}
	return st.outdated(p)
}

// Burn does the work of verifying password against a hash made with the
// Hasher's own parameters and throws the result away. Call it for users that
// do not exist (or that must fail for another reason) so that they cost the
// same time as real ones. It returns ErrTooLong, ErrBusy, the context's error
// or a parameter error, like Verify, and nil otherwise.
func (h *Hasher) Burn(ctx context.Context, password string) error {
	if len(password) > MaxLength {
		return ErrTooLong
	}
	p, err := h.validParams()
	if err != nil {
		return err
	}
	return h.burn(ctx, password, p)
}

func (h *Hasher) burn(ctx context.Context, password string, p params) error {
	if h.Django != nil {
		st := h.Django.dummy(h.dummySalt[:])
		return h.compute(ctx, func() { st.check(password) })
	}
	return h.compute(ctx, func() {
		key := argon2.IDKey([]byte(password), h.dummySalt[:], p.time, p.memory, p.threads, 32)
		// Match the comparison a real verification makes.
		subtle.ConstantTimeCompare(key, h.dummySalt[:])
	})
}

// storedHash is a parsed stored hash of one of the supported formats.
type storedHash interface {
	// check reports whether password matches; it is one KDF computation.
	check(password string) bool
	// outdated reports whether the hash should be replaced by one made with
	// the argon2id parameters p.
	outdated(p params) bool
}

// parseEncoded recognises a stored hash. It returns (nil, nil) for values
// that are unusable, empty or name no supported algorithm, (nil, err) for a
// supported algorithm that cannot be used, and the parsed hash otherwise.
func parseEncoded(encoded string, lim *limits) (storedHash, error) {
	alg, rest, found := strings.Cut(encoded, "$")
	if !found {
		return nil, nil
	}
	var parse func(alg, rest string, lim *limits) (storedHash, error)
	switch alg {
	case "argon2":
		parse = parseArgon2
	case algPBKDF2SHA256, algPBKDF2SHA1:
		parse = parsePBKDF2
	case algBCryptSHA256, algBCrypt:
		parse = parseBCrypt
	default:
		return nil, nil
	}
	if len(encoded) > maxEncodedLength {
		return nil, ErrUnknownFormat
	}
	return parse(alg, rest, lim)
}
