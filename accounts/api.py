from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.serializers import TokenSerializer, UserSerializer
from omx.api_docs import ERRORS, ErrorSerializer
from omx.net import client_ip

TAG = ["auth"]
SIGNUP_CLOSED = OpenApiResponse(
    ErrorSerializer, description="Sign-up is closed, or open to invited addresses only (code `signup_closed`)."
)


class RegisterApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        full_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    @extend_schema(tags=TAG, operation_id="auth_register", request=InputSerializer,
                   responses={201: UserSerializer, 400: ERRORS[400], 403: SIGNUP_CLOSED}, auth=[])
    def post(self, request):
        services.signup_check_open()  # closed: 403 whatever the body holds
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_create(**data.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    class InputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(tags=TAG, operation_id="auth_login", request=InputSerializer,
                   responses={200: TokenSerializer, 400: ERRORS[400], 401: ERRORS[401], 429: ERRORS[429]},
                   auth=[])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tokens = services.token_obtain(**data.validated_data, ip=client_ip(request))
        return Response(tokens)


class RefreshTokenInput(serializers.Serializer):
    refresh_token = serializers.CharField(min_length=1, max_length=4096)


class RefreshApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(tags=TAG, operation_id="auth_refresh", request=RefreshTokenInput,
                   responses={200: TokenSerializer, 400: ERRORS[400], 401: ERRORS[401]}, auth=[])
    def post(self, request):
        data = RefreshTokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.token_refresh(**data.validated_data))


class LogoutApi(APIView):
    @extend_schema(tags=TAG, operation_id="auth_logout", request=RefreshTokenInput,
                   responses={204: None, 400: ERRORS[400], 401: ERRORS[401]})
    def post(self, request):
        data = RefreshTokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.token_revoke(user=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllApi(APIView):
    @extend_schema(tags=TAG, operation_id="auth_logout_all", request=None,
                   responses={204: None, 401: ERRORS[401]})
    def post(self, request):
        services.user_tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    class InputSerializer(serializers.Serializer):
        full_name = serializers.CharField(max_length=150, allow_blank=True)

    @extend_schema(tags=TAG, operation_id="auth_me", responses={200: UserSerializer, 401: ERRORS[401]})
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(tags=TAG, operation_id="auth_me_update", request=InputSerializer,
                   responses={200: UserSerializer, 400: ERRORS[400], 401: ERRORS[401]})
    def patch(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_update(user=request.user, **data.validated_data)
        return Response(UserSerializer(user).data)


class PasswordChangeApi(APIView):
    class InputSerializer(serializers.Serializer):
        current_password = serializers.CharField(max_length=128, trim_whitespace=False)
        new_password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(tags=TAG, operation_id="auth_password_change", request=InputSerializer,
                   responses={204: None, 400: ERRORS[400], 401: ERRORS[401]})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_password_change(user=request.user, **data.validated_data)
        if request.auth is None:  # a browser session: keep it alive after the change
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request._request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254)

    @extend_schema(tags=TAG, operation_id="auth_password_reset", request=InputSerializer,
                   responses={204: None, 400: ERRORS[400]}, auth=[])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_request(
            email=data.validated_data["email"], base_url=request.build_absolute_uri("/")
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetConfirmApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    class InputSerializer(serializers.Serializer):
        uid = serializers.CharField(max_length=64)
        token = serializers.CharField(max_length=128)
        new_password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(tags=TAG, operation_id="auth_password_reset_confirm", request=InputSerializer,
                   responses={204: None, 400: ERRORS[400]}, auth=[])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_confirm(**data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
