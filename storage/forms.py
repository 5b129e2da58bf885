from django import forms


class LinkBucketForm(forms.Form):
    bucket_name = forms.CharField(
        label="Bucket", max_length=222,
        widget=forms.TextInput(attrs={"list": "fb-bucket-names", "autocomplete": "off",
                                      "spellcheck": "false", "placeholder": "my-bucket"}),
    )
    prefix = forms.CharField(
        label="Prefix (optional)", max_length=1024, required=False, strip=False,
        help_text="Link only this folder of the bucket, for example <code>data/2026/</code>.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "fb-link-%s")
        super().__init__(*args, **kwargs)


class FolderForm(forms.Form):
    name = forms.CharField(
        label="Folder name", max_length=1024,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "new-folder"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "fb-folder-%s")
        super().__init__(*args, **kwargs)

    def clean_name(self):
        name = self.cleaned_data["name"].strip().strip("/")
        if not name:
            raise forms.ValidationError("Name the folder.")
        return name
