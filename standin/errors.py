"""The two error dialects the stand-in speaks: the /v1 API's `{"error": {…}}` object and the OAuth
endpoints' flat `{"error": "…", "error_description": "…"}`."""

from __future__ import annotations

from typing import Any

from aiohttp import web


class ApiError(Exception):
    """A /v1 error; stripe-python maps 400/404 to InvalidRequestError, 401 to AuthenticationError,
    403 to PermissionError."""

    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.param = param

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code is not None:
            error["code"] = self.code
        if self.param is not None:
            error["param"] = self.param
        return {"error": error}

    def response(self) -> web.Response:
        return web.json_response(self.body(), status=self.status)


class OAuthError(Exception):
    """An error of connect.stripe.com's /oauth/token and /oauth/deauthorize."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def response(self) -> web.Response:
        return web.json_response({"error": self.error, "error_description": self.description},
                                 status=self.status)


def missing_param(name: str) -> ApiError:
    return ApiError(400, f"Missing required param: {name}.", code="parameter_missing", param=name)


def invalid_param(name: str, message: str) -> ApiError:
    return ApiError(400, message, param=name)


def no_such(noun: str, object_id: str, param: str = "id") -> ApiError:
    return ApiError(404, f"No such {noun}: '{object_id}'", code="resource_missing", param=param)


def unrecognized_url(method: str, path: str) -> ApiError:
    return ApiError(404, f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
                         "or we can help at https://support.stripe.com/.")
