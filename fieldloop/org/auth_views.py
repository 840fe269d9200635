"""Sign-in, sign-out, sign-up and the lockout answer."""

from typing import Any

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _

from fieldloop.core.errors import ServiceError
from fieldloop.core.forms import add_service_error

from . import services
from .forms import SignupForm
from .models import Employee
from .selectors import starts_on_today


class LoginView(auth_views.LoginView):
    template_name = "org/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Where a sign-in without `next` lands: the employee's home (Today for a rep), with no extra hop
        through the overview on a slow connection."""
        employee = getattr(self.request.user, "employee", None)
        if isinstance(employee, Employee) and employee.is_active and starts_on_today(actor=employee):
            return resolve_url("phone_today")
        return super().get_default_redirect_url()


def lockout_response(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """Too many failed sign-ins for this account or this address: say so, in the user's language."""
    message = _("Too many failed sign-in attempts. Please wait 15 minutes and try again, or ask your administrator.")
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"code": "locked_out", "message": message, "fields": {}}, status=429)
    from django.contrib.auth.forms import AuthenticationForm

    form = AuthenticationForm(request)
    return render(request, "org/login.html", {"form": form, "lockout_message": message}, status=429)


def signup(request: HttpRequest) -> HttpResponse:
    """A new company signs up; its first user becomes the administrator."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.organization_sign_up(**form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            login(request, result.admin.user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("home")
    return render(request, "org/signup.html", {"form": form})
