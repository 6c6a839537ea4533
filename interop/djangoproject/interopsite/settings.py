"""Settings for the Django side of the interop tests.

Everything that differs between runs comes from the environment (see README.md):
DJANGO_SECRET_KEY_FILE, DJANGO_SECRET_KEY_FALLBACKS, DJANGO_DATABASE, and optionally
DJANGO_PASSWORD_HASHER and DJANGO_AUTHENTICATION_BACKENDS. The rest is Django's and DRF's
defaults wherever the Go server claims compatibility with them.
"""
import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def _required_env(name):
    value = os.environ.get(name, '')
    if not value:
        raise ImproperlyConfigured(f'environment variable {name} is required (see README.md)')
    return value


def _read_secret_key(path):
    with open(path, encoding='utf-8') as f:
        key = f.read().rstrip()  # trailing whitespace/newline is not part of the key
    if not key:
        raise ImproperlyConfigured(f'DJANGO_SECRET_KEY_FILE {path!r} is empty')
    return key


def _database(spec):
    """DJANGO_DATABASE: a postgres:// or postgresql:// URL, otherwise a SQLite file path."""
    url = urlsplit(spec)
    if url.scheme in ('postgres', 'postgresql'):
        db = {
            'ENGINE': 'django.db.backends.postgresql',
            'NAME': unquote(url.path.lstrip('/')),
            'USER': unquote(url.username or ''),
            'PASSWORD': unquote(url.password or ''),
            'HOST': url.hostname or '',
            'PORT': str(url.port or ''),
            'OPTIONS': {},
        }
        if not db['NAME']:
            raise ImproperlyConfigured('DJANGO_DATABASE URL has no database name')
        sslmode = parse_qs(url.query).get('sslmode')
        if sslmode:
            db['OPTIONS']['sslmode'] = sslmode[-1]
        return db
    if url.scheme and len(url.scheme) > 1:  # len 1 would be a Windows drive letter
        raise ImproperlyConfigured(f'DJANGO_DATABASE: unsupported scheme {url.scheme!r}')
    return {'ENGINE': 'django.db.backends.sqlite3', 'NAME': os.path.abspath(spec)}


SECRET_KEY = _read_secret_key(_required_env('DJANGO_SECRET_KEY_FILE'))
# Honoured by Django 4.1+ only; Django 3.2 ignores the setting.
SECRET_KEY_FALLBACKS = [k.strip() for k in os.environ.get('DJANGO_SECRET_KEY_FALLBACKS', '').split(',')
                        if k.strip()]

DATABASES = {'default': _database(_required_env('DJANGO_DATABASE'))}


def _password_hashers(first):
    """Django's default PASSWORD_HASHERS, with the hasher of algorithm name `first` moved to the front."""
    from django.conf.global_settings import PASSWORD_HASHERS as defaults
    paths = {
        'pbkdf2_sha256': 'django.contrib.auth.hashers.PBKDF2PasswordHasher',
        'argon2': 'django.contrib.auth.hashers.Argon2PasswordHasher',
        'bcrypt_sha256': 'django.contrib.auth.hashers.BCryptSHA256PasswordHasher',
    }
    if first not in paths:
        raise ImproperlyConfigured(f'DJANGO_PASSWORD_HASHER {first!r}: want one of {sorted(paths)}')
    return [paths[first]] + [h for h in defaults if h != paths[first]]


# DJANGO_PASSWORD_HASHER (an algorithm name) picks the hasher new passwords are written with, as
# the Go server's --django-password-hasher does; unset keeps Django's default order.
PASSWORD_HASHERS = _password_hashers(os.environ.get('DJANGO_PASSWORD_HASHER') or 'pbkdf2_sha256')

# DJANGO_AUTHENTICATION_BACKENDS (comma-separated dotted paths) replaces Django's default
# ['django.contrib.auth.backends.ModelBackend'], as the Go server's --django-auth-backends does.
AUTHENTICATION_BACKENDS = [b.strip() for b in os.environ.get('DJANGO_AUTHENTICATION_BACKENDS', '').split(',')
                           if b.strip()] or ['django.contrib.auth.backends.ModelBackend']

DEBUG = False
ALLOWED_HOSTS = ['127.0.0.1', 'localhost', '[::1]']

USE_TZ = True
TIME_ZONE = 'UTC'
USE_I18N = False  # messages stay English: the Go tests compare them
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'

INSTALLED_APPS = [
    'django.contrib.contenttypes',
    'django.contrib.auth',
    'django.contrib.sessions',
    'rest_framework',
    'rest_framework.authtoken',
]

MIDDLEWARE = [
    'django.contrib.sessions.middleware.SessionMiddleware',
    'django.middleware.common.CommonMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
]

ROOT_URLCONF = 'interopsite.urls'
WSGI_APPLICATION = None  # runserver then uses django.core.wsgi.get_wsgi_application()
APPEND_SLASH = False  # the API paths have no trailing slash; never redirect a POST

# Sessions, password hashers and CSRF are deliberately left at Django's defaults
# (db session engine, JSONSerializer, PBKDF2, csrftoken cookie, X-CSRFToken header).
# Only the failure view is replaced, so that a CSRF rejection is JSON like DRF's.
CSRF_FAILURE_VIEW = 'interopsite.views.csrf_failure'

REST_FRAMEWORK = {
    'DEFAULT_AUTHENTICATION_CLASSES': [
        'rest_framework.authentication.SessionAuthentication',
        'rest_framework.authentication.TokenAuthentication',
    ],
    'DEFAULT_PERMISSION_CLASSES': [
        'rest_framework.permissions.IsAuthenticated',
    ],
    'DEFAULT_RENDERER_CLASSES': ['rest_framework.renderers.JSONRenderer'],
    'DEFAULT_PARSER_CLASSES': ['rest_framework.parsers.JSONParser'],
}

# One line per request (runserver's django.server logger) and errors, all to stderr.
LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'formatters': {
        'plain': {'format': '[{asctime}] {levelname} {name}: {message}', 'style': '{'},
    },
    'handlers': {
        'stderr': {'class': 'logging.StreamHandler', 'stream': 'ext://sys.stderr', 'formatter': 'plain'},
    },
    'loggers': {
        'django': {'handlers': ['stderr'], 'level': 'WARNING', 'propagate': False},
        # 4xx answers are expected in the tests; log only 5xx (with traceback) here.
        'django.request': {'handlers': ['stderr'], 'level': 'ERROR', 'propagate': False},
        'django.server': {'handlers': ['stderr'], 'level': 'INFO', 'propagate': False},
    },
}
