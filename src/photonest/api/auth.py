"""Authentication routes (`auth.controller.ts`)."""

from __future__ import annotations

from fastapi import Request, Response
from ua_parser import parse

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.services.auth import AuthService, ClientInfo

router = ApiRouter(prefix="/auth", tags=["Authentication"])

COOKIE_MAX_AGE = 400 * 24 * 3600
AUTH_COOKIES = ("immich_access_token", "immich_auth_type", "immich_is_authenticated")


def client_info(request: Request) -> ClientInfo:
    """Device type and OS from the User-Agent, or the headers the mobile app sends."""
    agent = parse(request.headers.get("user-agent", ""))
    browser = agent.user_agent.family if agent.user_agent and agent.user_agent.family != "Other" else ""
    os_name = " ".join(p for p in (agent.os.family, agent.os.major) if p) if agent.os else ""
    return ClientInfo(
        device_type=browser or request.headers.get("devicetype", ""),
        device_os=(os_name if os_name != "Other" else "") or request.headers.get("devicemodel", ""),
        client_ip=request.client.host if request.client else "",
    )


def set_auth_cookies(request: Request, response: Response, token: str) -> None:
    secure = request.url.scheme == "https"
    options = {"max_age": COOKIE_MAX_AGE, "path": "/", "samesite": "lax", "secure": secure}
    response.set_cookie("immich_access_token", token, httponly=True, **options)  # type: ignore[arg-type]
    response.set_cookie("immich_auth_type", "password", httponly=True, **options)  # type: ignore[arg-type]
    response.set_cookie("immich_is_authenticated", "true", httponly=False, **options)  # type: ignore[arg-type]


@router.post("/login", operation_id="login", status_code=201, response_model=g.LoginResponseDto)
def login(
    dto: g.LoginCredentialDto, request: Request, response: Response, svc: AuthService = service(AuthService)
) -> g.LoginResponseDto:
    result = svc.login(dto, client_info(request))
    set_auth_cookies(request, response, result.access_token)
    return result


@router.post("/admin-sign-up", operation_id="signUpAdmin", status_code=201, response_model=g.UserAdminResponseDto)
def sign_up_admin(dto: g.SignUpDto, svc: AuthService = service(AuthService)) -> g.UserAdminResponseDto:
    return svc.admin_sign_up(dto)


@router.post(
    "/validateToken",
    operation_id="validateAccessToken",
    status_code=200,
    response_model=g.ValidateAccessTokenResponseDto,
)
def validate_access_token(auth: Auth = authenticated()) -> g.ValidateAccessTokenResponseDto:
    return g.ValidateAccessTokenResponseDto(auth_status=True)


@router.post("/change-password", operation_id="changePassword", status_code=200, response_model=g.UserAdminResponseDto)
def change_password(
    dto: g.ChangePasswordDto, auth: Auth = authenticated(), svc: AuthService = service(AuthService)
) -> g.UserAdminResponseDto:
    return svc.change_password(auth, dto)


@router.post("/logout", operation_id="logout", status_code=200, response_model=g.LogoutResponseDto)
def logout(
    response: Response, auth: Auth = authenticated(), svc: AuthService = service(AuthService)
) -> g.LogoutResponseDto:
    for name in AUTH_COOKIES:
        response.delete_cookie(name, path="/")
    return svc.logout(auth)


@router.get("/status", operation_id="getAuthStatus", response_model=g.AuthStatusResponseDto)
def get_auth_status(auth: Auth = authenticated(), svc: AuthService = service(AuthService)) -> g.AuthStatusResponseDto:
    return svc.get_status(auth)


@router.post("/pin-code", operation_id="setupPinCode", status_code=201)
def setup_pin_code(
    dto: r.PinCodeSetupDto, auth: Auth = authenticated(), svc: AuthService = service(AuthService)
) -> None:
    svc.setup_pin_code(auth, dto)


@router.put("/pin-code", operation_id="changePinCode", status_code=200)
def change_pin_code(
    dto: r.PinCodeChangeDto, auth: Auth = authenticated(), svc: AuthService = service(AuthService)
) -> None:
    svc.change_pin_code(auth, dto)


@router.delete("/pin-code", operation_id="resetPinCode", status_code=200)
def reset_pin_code(
    dto: r.PinCodeResetDto, auth: Auth = authenticated(), svc: AuthService = service(AuthService)
) -> None:
    svc.reset_pin_code(auth, dto)


@router.post("/session/unlock", operation_id="unlockAuthSession", status_code=200)
def unlock_auth_session(
    dto: r.SessionUnlockDto, auth: Auth = authenticated(), svc: AuthService = service(AuthService)
) -> None:
    svc.unlock_session(auth, dto)


@router.post("/session/lock", operation_id="lockAuthSession", status_code=200)
def lock_auth_session(auth: Auth = authenticated(), svc: AuthService = service(AuthService)) -> None:
    svc.lock_session(auth)
