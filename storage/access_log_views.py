"""The access log page for a project's admins: filters, pages, and a CSV of
the filtered rows (streamed)."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.utils import timezone
from django.views.decorators.http import require_GET

from omx.htmx import paginate, render_page
from projects.selectors import project_get_by_slugs_for_user
from storage import access_log
from storage.models import AccessLogEntry
from storage.share_api import csv_response
from workspaces.models import Role


class AccessLogFilter(forms.Form):
    action = forms.ChoiceField(choices=[("", "Any action"), *AccessLogEntry.Action.choices], required=False)
    person = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False,
                                    empty_label="Anyone", to_field_name="email")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = get_user_model().objects.filter(
            memberships__workspace=workspace).order_by("email")

    def rows(self, project):
        data = self.cleaned_data if self.is_valid() else {}

        def day_start(day):
            return timezone.make_aware(datetime.combine(day, time.min)) if day else None

        until = data.get("until")
        return access_log.access_list(
            project=project, action=data.get("action") or None,
            actor_id=data["person"].pk if data.get("person") else None,
            since=day_start(data.get("since")), until=day_start(until + timedelta(days=1)) if until else None)


def _project_and_filter(request, workspace, project):
    project = project_get_by_slugs_for_user(user=request.user, workspace_ref=workspace, project_slug=project,
                                           need=Role.ADMIN, counts=False)
    return project, AccessLogFilter(request.GET or None, workspace=project.workspace)


@login_required
@require_GET
def access_log_page(request, workspace, project):
    project, form = _project_and_filter(request, workspace, project)
    page = paginate(request, form.rows(project), per_page=50)
    query = request.GET.copy()
    query.pop("page", None)
    return render_page(request, "storage/access_log.html", {
        "project": project, "workspace": project.workspace, "form": form, "page": page,
        "csv_query": query.urlencode()}, partials=("log",))


@login_required
@require_GET
def access_log_csv(request, workspace, project):
    project, form = _project_and_filter(request, workspace, project)
    return csv_response(form.rows(project), f"access-log-{project.slug}.csv")
