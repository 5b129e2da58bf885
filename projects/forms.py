from django import forms

from workspaces.forms import PrefixedIdsForm


class ProjectForm(PrefixedIdsForm):
    id_prefix = "project"

    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
