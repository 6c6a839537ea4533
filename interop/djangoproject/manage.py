#!/usr/bin/python3
"""Django's command-line utility for the interop project.

Run it with Debian's interpreter from any working directory, e.g.
    /usr/bin/python3 /work/main/interop/djangoproject/manage.py migrate --noinput
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))


def _shadows_django(entry):
    """True for a sys.path entry that would hide the real Django.

    The Go repository root holds a Go package directory named django/ (no
    __init__.py). Python would import it as a namespace package if the repo
    root, or '' with cwd there, came before dist-packages on sys.path.
    """
    if entry in ('', '.'):
        return True
    path = os.path.realpath(entry)
    if path == os.path.realpath(REPO_ROOT):
        return True
    pkg = os.path.join(path, 'django')
    return os.path.isdir(pkg) and not os.path.isfile(os.path.join(pkg, '__init__.py'))


def main():
    # Django's command runner hides an ImproperlyConfigured raised by the settings behind a
    # confusing later error, so say plainly what is missing before Django starts.
    for name in ('DJANGO_SECRET_KEY_FILE', 'DJANGO_DATABASE'):
        if not os.environ.get(name):
            sys.exit(f'manage.py: environment variable {name} is required (see README.md)')
    # This directory first (for interopsite), then everything else that cannot shadow Django.
    sys.path[:] = [HERE] + [p for p in sys.path
                            if os.path.realpath(p or '.') != HERE and not _shadows_django(p)]
    os.environ['DJANGO_SETTINGS_MODULE'] = 'interopsite.settings'  # never another project's
    # runserver never flushes its banner; with stdout on a pipe the "Starting development
    # server at ..." line would sit in a buffer. Line buffering makes it appear at once.
    sys.stdout.reconfigure(line_buffering=True)
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)


if __name__ == '__main__':
    main()
