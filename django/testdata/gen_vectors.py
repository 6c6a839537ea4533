#!/usr/bin/env python3
"""Test vectors for package django, made by a real Django.

    python3 gen_vectors.py > vectors.json    # the committed vectors
    python3 gen_vectors.py --check < req.json # Django's verdict on values Go made

Run it with an interpreter that imports django (Debian: /usr/bin/python3 with
python3-django). Everything is deterministic: time.time() and the random
choices (CSRF masks) are fixed, salts are given. Only Django 3.2-era APIs are
used that also exist in later versions; SECRET_KEY_FALLBACKS (4.1+) is not.
The Go test TestDjangoRegenerate (SESSIONAUTH_TEST_DJANGO=1) runs both modes.
"""
import json
import sys
from unittest import mock

import django
from django.conf import settings

SECRET_KEY = "probe-secret-key-not-secret"  # the spec's key (drf-django-spec.md §2.5)
OTHER_KEY = "another secret key, for rotation tests"
TIME = 1700000000  # the spec's time, base62 "1r31eq"

settings.configure(
    SECRET_KEY=SECRET_KEY,
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"],
    PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                      "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher"],
    USE_TZ=True,
)
django.setup()

from django.contrib.auth import hashers  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.backends.signed_cookies import SessionStore as CookieStore  # noqa: E402
from django.core import signing  # noqa: E402
from django.middleware import csrf  # noqa: E402


def at(t):
    """Patch time.time (used by TimestampSigner) to return t."""
    return mock.patch("time.time", return_value=t)


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def b62(n):
    if hasattr(signing, "b62_encode"):  # Django 4.0+
        return signing.b62_encode(n)
    from django.utils import baseconv
    return baseconv.base62.encode(n)


# Values for signing.dumps. Dict keys are sorted where Go must produce the same
# bytes (Go's encoding/json sorts map keys; Python keeps insertion order).
DUMPS_VALUES = [
    "hello",
    {"a": 1},
    {},
    [],
    None,
    True,
    0,
    -12345678901234567,
    1.5,
    "",
    "h\u00e9llo w\u00f6rld \u2603 \U0001F600",
    "</script>&<!-- \u2028\u2029",
    "\x00\x01\x1f\x7f\b\f\n\r\t\"\\/",
    {"a": [1, 2, {"b": None}], "c": "d"},
    list(range(1, 20)),
    "x" * 300,
    {"_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
     "_auth_user_hash": "x" * 64, "_auth_user_id": "1"},
]


def gen():
    out = {
        "django_version": django.get_version(),
        "secret_key": SECRET_KEY,
        "other_key": OTHER_KEY,
        "time": TIME,
    }

    out["base62"] = [{"n": n, "s": b62(n)} for n in
                     [0, 1, 61, 62, 63, 3843, 3844, TIME, 2 ** 40, -1, -62, -TIME]]

    signer = []
    for key in [SECRET_KEY, OTHER_KEY]:
        for salt in [None, "", "my.salt", "django.contrib.sessions.SessionStore"]:
            for algorithm in ["sha256", "sha1"]:
                for value in ["hello", "", "a:b:c", "\u00e9t\u00e9"]:
                    s = signing.Signer(key, salt=salt, algorithm=algorithm)
                    signer.append({"key": key, "salt": salt, "algorithm": algorithm,
                                   "sep": ":", "value": value, "signed": s.sign(value)})
    for sep in ["/", "!", "::"]:
        s = signing.Signer(SECRET_KEY, sep=sep, salt="sep")
        signer.append({"key": SECRET_KEY, "salt": "sep", "algorithm": "sha256", "sep": sep,
                       "value": "x" + sep + "y", "signed": s.sign("x" + sep + "y")})
    out["signer"] = signer

    ts = []
    for t in [0, 1, TIME, 4102444800]:
        for salt in [None, "my.salt"]:
            for algorithm in ["sha256", "sha1"]:
                with at(t):
                    s = signing.TimestampSigner(SECRET_KEY, salt=salt, algorithm=algorithm)
                    ts.append({"key": SECRET_KEY, "salt": salt, "algorithm": algorithm, "time": t,
                               "value": "hello", "signed": s.sign("hello")})
    out["timestamp_signer"] = ts

    # Django's verdict on a value's age: max_age None checks nothing, 0 expires a value as soon as
    # any time has passed since its (whole-second) timestamp, a negative one expires everything.
    with at(TIME):
        signed = signing.TimestampSigner(SECRET_KEY).sign("hello")
    ages = []
    for now in [TIME, TIME + 0.5, TIME + 60, TIME + 60.5, TIME - 5]:
        for max_age in [None, 0, -1, 0.25, 60]:
            with at(now):
                try:
                    signing.TimestampSigner(SECRET_KEY).unsign(signed, max_age=max_age)
                    expired = False
                except signing.SignatureExpired:
                    expired = True
            ages.append({"signed": signed, "now": now, "max_age": max_age, "expired": expired})
    out["max_age"] = ages

    dumps = []
    for key in [SECRET_KEY, OTHER_KEY]:
        for salt in ["django.core.signing", "django.contrib.sessions.SessionStore"]:
            for compress in [False, True]:
                for v in DUMPS_VALUES:
                    with at(TIME):
                        signed = signing.dumps(v, key=key, salt=salt, compress=compress)
                    dumps.append({"key": key, "salt": salt, "compress": compress, "time": TIME,
                                  "json": compact(v), "signed": signed})
    # The legacy (sha1) algorithm that Django 3.1/3.2 still accepts on reading.
    for v in [{"a": 1}, list(range(1, 20))]:
        with at(TIME):
            signed = signing.TimestampSigner(SECRET_KEY, salt="django.core.signing",
                                             algorithm="sha1").sign_object(v, compress=True)
        dumps.append({"key": SECRET_KEY, "salt": "django.core.signing", "compress": True,
                      "time": TIME, "json": compact(v), "signed": signed, "algorithm": "sha1"})
    out["dumps"] = dumps

    sessions = []
    for data in [{}, {"a": 1},
                 {"_auth_user_id": "1", "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                  "_auth_user_hash": "x" * 64},
                 {"cart": list(range(50)), "name": "J\u00fcrgen \U0001F600", "n": None, "ok": False},
                 {"_csrftoken": "4Hoc0aephIWlg94iTOvUbfEs98OMqOSMJieuTXtJ9HuOU8vZ1UPdfwiagmjZ1EI7",
                  "touched": 1}]:
        with at(TIME):
            encoded = SessionStore().encode(data)
            legacy = SessionStore()._legacy_encode(data)
            cookie = signing.dumps(data, compress=True,
                                   salt="django.contrib.sessions.backends.signed_cookies")
        sessions.append({"json": compact(data), "time": TIME, "encoded": encoded,
                         "legacy": legacy, "signed_cookie": cookie})
    out["sessions"] = sessions

    auth_hashes = []
    for pw in ["pbkdf2_sha256$260000$abcdefghijklmnopqrstuv$9jpp8cVQt7a7ujJrWzr0KoytR5UBy9qbF8d2OUhc1SY=",
               "argon2$argon2id$v=19$m=102400,t=2,p=8$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$vig2txb5cKbyUuIOSPXung",
               "!unusable", "", "p\u00e4ss"]:
        for key in [SECRET_KEY, OTHER_KEY]:
            with mock.patch.object(settings, "SECRET_KEY", key):
                u = User(password=pw)
                auth_hashes.append({"key": key, "password": pw, "sha256": u.get_session_auth_hash(),
                                    "sha1": u._legacy_get_session_auth_hash()})
    out["session_auth_hash"] = auth_hashes

    passwords = []
    for pw, salt, it, alg in [
        ("password", "abcdefghijklmnopqrstuv", None, "pbkdf2_sha256"),
        ("password", "abcdefghijklmnopqrstuv", None, "pbkdf2_sha1"),
        ("password", "abcdefghijklmnopqrstuv", 1000, "pbkdf2_sha256"),
        ("p\u00e4ssw\u00f6rd \U0001F600", "0123456789ABCDEFGHIJKL", 1000, "pbkdf2_sha256"),
        ("", "saltsaltsaltsaltsaltsa", 1, "pbkdf2_sha256"),
        ("pw", "short", 1000, "pbkdf2_sha256"),
    ]:
        hasher = hashers.get_hasher(alg)
        if it is None:
            encoded = hashers.make_password(pw, salt, alg)
            it = hasher.iterations
        else:
            encoded = hasher.encode(pw, salt, it)
        passwords.append({"password": pw, "salt": salt, "iterations": it, "algorithm": alg,
                          "encoded": encoded, "must_update": hasher.must_update(encoded)})
    out["passwords"] = passwords
    out["default_pbkdf2_iterations"] = hashers.PBKDF2PasswordHasher.iterations

    masks = []
    for secret, mask in [("PL0s3Xpu29IDO9BRiguterOShoFnL00v", "4Hoc0aephIWlg94iTOvUbfEs98OMqOSM"),
                         ("a" * 32, "9" * 32), ("9" * 32, "9" * 32), ("0" * 32, "a" * 32),
                         ("abcdefghijklmnopqrstuvwxyzABCDEF", "GHIJKLMNOPQRSTUVWXYZ0123456789ab")]:
        with mock.patch.object(csrf, "_get_new_csrf_string", return_value=mask):
            token = csrf._mask_cipher_secret(secret)
        masks.append({"secret": secret, "mask": mask, "token": token,
                      "unmasked": csrf._unmask_cipher_token(token)})
    out["csrf"] = masks
    return out


def check(req):
    """Django's verdict on values made by Go."""
    key = req["secret_key"]
    res = {}
    with mock.patch.object(settings, "SECRET_KEY", key):
        res["sessions"] = [SessionStore().decode(s) for s in req.get("sessions", [])]
        res["loads"] = []
        for d in req.get("dumps", []):
            try:
                res["loads"].append({"ok": True, "value": signing.loads(d["signed"], salt=d["salt"])})
            except Exception as e:  # report, do not crash: the Go test compares
                res["loads"].append({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
        res["passwords"] = [{"ok": hashers.check_password(p["password"], p["encoded"]),
                             "must_update": hashers.get_hasher("pbkdf2_sha256").must_update(p["encoded"])
                             if p["encoded"].startswith("pbkdf2_sha256$") else None}
                            for p in req.get("passwords", [])]
        res["csrf_unmask"] = [csrf._unmask_cipher_token(t) for t in req.get("csrf_tokens", [])]
        res["session_auth_hash"] = [User(password=p).get_session_auth_hash()
                                    for p in req.get("auth_passwords", [])]
    return res


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        json.dump(check(json.load(sys.stdin)), sys.stdout, indent=1, sort_keys=True)
    elif sys.argv[1:]:
        sys.exit("usage: gen_vectors.py [--check]")
    else:
        json.dump(gen(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
