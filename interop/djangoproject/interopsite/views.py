"""The JSON endpoints, on the same paths as the Go server's, so one test client talks to either.

login and logout are plain Django views (CSRF enforced by CsrfViewMiddleware); the rest are
DRF APIViews (CSRF enforced by SessionAuthentication for authenticated unsafe requests).
"""
import json
from datetime import timezone
from functools import wraps

from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

REQUIRED = 'This field is required.'
BLANK = 'This field may not be blank.'
NOT_STRING = 'Not a valid string.'


def user_json(user):
    return {
        'id': user.pk,
        'username': user.username,
        'email': user.email,
        'is_staff': user.is_staff,
        'is_superuser': user.is_superuser,
        'date_joined': iso8601(user.date_joined),
        'last_login': iso8601(user.last_login),
    }


def iso8601(dt):
    """As DRF renders datetimes: UTC as 'Z'; microseconds only when non-zero; None stays null."""
    if dt is None:
        return None
    value = dt.astimezone(timezone.utc).isoformat()
    return value[:-6] + 'Z' if value.endswith('+00:00') else value


def string_fields(data, *names, allow_blank=False):
    """DRF-style field validation for required string fields: (values, errors)."""
    values, errors = {}, {}
    for name in names:
        value = data.get(name)
        if value is None:
            errors[name] = [REQUIRED]
        elif not isinstance(value, str):
            errors[name] = [NOT_STRING]
        elif value == '' and not allow_blank:
            errors[name] = [BLANK]
        else:
            values[name] = value
    return values, errors


def detail(message, status):
    return JsonResponse({'detail': message}, status=status)


def post_only(view):
    """Like require_POST, but the 405 has a DRF-shaped JSON body."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != 'POST':
            response = detail(f'Method "{request.method}" not allowed.', 405)
            response['Allow'] = 'POST'
            return response
        return view(request, *args, **kwargs)
    return wrapper


def csrf_failure(request, reason=''):
    """CSRF_FAILURE_VIEW: the same 403 body DRF's SessionAuthentication gives."""
    return detail(f'CSRF Failed: {reason}', 403)


def csrf_token(request):
    """GET /api/auth/csrf: a masked token for X-CSRFToken; get_token() makes the middleware
    set (or refresh) the csrftoken cookie on this response."""
    if request.method != 'GET':
        response = detail(f'Method "{request.method}" not allowed.', 405)
        response['Allow'] = 'GET'
        return response
    return JsonResponse({'csrfToken': get_token(request)})


@post_only
def login_view(request):
    """POST /api/auth/login {"username", "password"}. Not csrf_exempt: the middleware checks first."""
    try:
        data = json.loads(request.body or b'{}')
    except ValueError as e:
        return detail(f'JSON parse error - {e}', 400)
    if not isinstance(data, dict):
        return JsonResponse({'non_field_errors': ['Invalid data. Expected a dictionary.']}, status=400)
    values, errors = string_fields(data, 'username', 'password')
    if errors:
        return JsonResponse(errors, status=400)
    # ModelBackend returns None for a wrong password, an unknown user and an inactive user alike.
    user = authenticate(request, username=values['username'], password=values['password'])
    if user is None:
        return detail('Unable to log in with provided credentials.', 400)
    login(request, user)  # new session key, CSRF token rotated, last_login updated
    return JsonResponse({'user': user_json(user)})


@post_only
def logout_view(request):
    """POST /api/auth/logout: flushes the session (record deleted, cookie cleared)."""
    logout(request)
    return HttpResponse(status=204)


class MeView(APIView):
    """GET /api/auth/me, with the default Session + Token authentication."""

    def get(self, request):
        return Response(user_json(request.user))


class PasswordView(APIView):
    """POST /api/auth/password {"old_password", "new_password"}; session users only, as on the Go side."""
    authentication_classes = [SessionAuthentication]

    def post(self, request):
        values, errors = string_fields(request.data, 'old_password', 'new_password')
        if errors:
            return Response(errors, status=400)
        user = request.user
        if not user.check_password(values['old_password']):
            return Response({'old_password': [
                'Your old password was entered incorrectly. Please enter it again.']}, status=400)
        user.set_password(values['new_password'])
        user.save()
        # Keeps this session valid (new key, new auth hash); every other session of the user dies.
        update_session_auth_hash(request, user)
        return Response(status=204)


class SessionDataView(APIView):
    """GET /api/session: the session's public keys; POST {"key", "value"} stores one."""
    authentication_classes = [SessionAuthentication]

    def get(self, request):
        data = {k: v for k, v in request.session.items() if not k.startswith('_')}
        return Response({'data': data})

    def post(self, request):
        values, errors = string_fields(request.data, 'key')
        if 'value' not in request.data:
            errors['value'] = [REQUIRED]
        elif 'key' in values and values['key'].startswith('_'):
            errors['key'] = ['Keys starting with "_" are reserved.']
        if errors:
            return Response(errors, status=400)
        request.session[values['key']] = request.data['value']
        return Response(status=204)
