from django import forms

from workspaces.models import Role


class PrefixedIdsForm(forms.Form):
    """Several forms share the workspace page: each gets its own element ids."""

    id_prefix = "form"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class WorkspaceForm(PrefixedIdsForm):
    id_prefix = "workspace"

    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class InvitationForm(PrefixedIdsForm):
    id_prefix = "invite"

    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in Role.invitable()], initial=Role.MEMBER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
