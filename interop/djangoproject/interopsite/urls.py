from django.urls import path

from . import views

urlpatterns = [
    path('api/auth/csrf', views.csrf_token),
    path('api/auth/login', views.login_view),
    path('api/auth/logout', views.logout_view),
    path('api/auth/me', views.MeView.as_view()),
    path('api/auth/password', views.PasswordView.as_view()),
    path('api/session', views.SessionDataView.as_view()),
]
