from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from fieldloop.org import auth_views as org_auth_views
from fieldloop.org import views as org_views

from .api import api, route_not_found

urlpatterns = [
    path("", org_views.home, name="home"),
    path("login/", org_auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", org_auth_views.signup, name="signup"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", route_not_found),  # the API has no home page (ninja's would answer an HTML 404)
    path("api/v1/", api.urls),
    re_path(r"^api/", route_not_found),  # after every route: an unknown one answers in the error format
    path("", include("fieldloop.core.urls")),
    path("", include("fieldloop.org.urls")),
    path("", include("fieldloop.customers.urls")),
    path("", include("fieldloop.formtemplates.urls")),
    path("", include("fieldloop.notifications.urls")),
    path("", include("fieldloop.activities.urls")),
    path("", include("fieldloop.schedules.urls")),
    path("", include("fieldloop.schedules.plan_urls")),
    path("", include("fieldloop.schedules.card_urls")),
    path("", include("fieldloop.tracking.urls")),
    path("", include("fieldloop.attendance.urls")),
    path("", include("fieldloop.targets.urls")),
]
