from rest_framework import serializers

from accounts.models import User
from omx.api import datetime_text


def user_data(user, tz=None) -> dict:
    """The User object of API.md, as UserSerializer renders it."""
    return {"id": str(user.pk), "email": user.email, "full_name": user.full_name,
            "date_joined": datetime_text(user.date_joined, tz)}


class UserSerializer(serializers.ModelSerializer):
    """Fields for the schema; the output is built directly (user_data): a
    ModelSerializer derives its fields from the model on every use, which
    cost more than the rest of `auth/me` and every nested `created_by`."""

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "date_joined"]
        read_only_fields = fields

    def to_representation(self, user):
        return user_data(user)


class TokenSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["bearer"])
    expires_in = serializers.IntegerField(help_text="Access token lifetime in seconds.")
