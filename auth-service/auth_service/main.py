import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from starlette.exceptions import HTTPException as StarletteHTTPException

from auth_service.accounts import users
from auth_service.accounts.housekeeping import tidy_forever
from auth_service.accounts.recovery import RecoveryPolicy
from auth_service.accounts.secret_box import SecretBox, development_box
from auth_service.accounts.throttle import Limit, LoginLimits, purge_login_throttle_forever
from auth_service.accounts.totp import MfaPolicy
from auth_service.config import Settings, get_settings
from auth_service.delivery.account_mail import AccountMail, MailTemplates
from auth_service.delivery.mail import FileMailer, Mailer, SmtpConfig, SmtpMailer
from auth_service.delivery.notes_client import NotesClient
from auth_service.delivery.outbox import OutboxDispatcher
from auth_service.delivery.webhooks_client import WebhooksClient
from auth_service.errors import http_error_handler, service_error_handler, validation_error_handler
from auth_service.oauth import clients
from auth_service.oauth.introspection import Introspector, authorization_server_metadata
from auth_service.oauth.keys import KeyRing, development_key_ring, load_key_ring
from auth_service.oauth.service_tokens import ServiceTokenCache
from auth_service.oauth.tokens import TokenPolicy
from auth_service.routes.account import events_router, well_known_router
from auth_service.routes.account import router as account_router
from auth_service.routes.auth import internal_router, router, users_router
from auth_service.routes.authorize import router as authorize_router
from auth_service.routes.clients import router as clients_router
from auth_service.routes.mfa import router as mfa_router
from auth_service.routes.notices import internal_router as notices_internal
from auth_service.routes.oidc import router as oidc_router
from auth_service.routes.personal_tokens import admin_router as personal_tokens_admin_router
from auth_service.routes.personal_tokens import internal_router as personal_tokens_internal
from auth_service.routes.personal_tokens import router as personal_tokens_router
from auth_service.security import AccessTokenSigner, Argon2Parameters, PasswordHasher
from auth_service.state import AuthState
from platform_common.app import create_backend_app, uvicorn_factory
from platform_common.background import background_task
from platform_common.database import (
    async_database_url,
    create_database_engine,
    database_ready,
)
from platform_common.errors import ServiceError
from platform_common.outbox_pacing import OutboxPacing
from platform_common.replicas import replica_client
from platform_common.telemetry import inject_trace_context
from platform_common.tokens import AccessTokenVerifier, StaticKeys, parse_jwks

SERVICE = "auth-service"
# What the dispatcher's tokens are good for; notes-service checks both.
PURGE_AUDIENCE = "notes-service"
PURGE_SCOPE = "notes:purge"
# webhooks-service's purge of an account's endpoints: the same, for webhooks-service.
WEBHOOKS_PURGE_AUDIENCE = "webhooks-service"
WEBHOOKS_PURGE_SCOPE = "webhooks:purge"
logger = logging.getLogger(__name__)


async def readiness(request: Request) -> dict[str, Any]:
    # Its own connection, not the request pool's: a pool busy with a burst of
    # logins is not a reason to take this replica out of service.
    state: AuthState = request.app.state.auth
    return {"database": await database_ready(state.readiness_engine)}


def signing_keys(settings: Settings) -> KeyRing:
    if settings.signing_keys_dir is None:
        return development_key_ring(settings.development_keys_dir, settings.active_key_id)
    return load_key_ring(settings.signing_keys_dir, settings.active_key_id)


def revocation_window(settings: Settings) -> timedelta:
    """How long a revocation must stay listed: as long as a token issued just
    before it can still be accepted (its lifetime plus the verifiers' leeway)."""
    return timedelta(
        seconds=settings.access_token_lifetime_seconds + settings.revocation_leeway_seconds
    )


def password_hasher(settings: Settings) -> PasswordHasher:
    return PasswordHasher(
        Argon2Parameters(
            memory_cost_kib=settings.argon2_memory_cost_kib,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
        ),
        concurrency=settings.password_hashing_concurrency,
        queue_size=settings.password_hashing_queue_size,
        max_wait=settings.password_hashing_max_wait_seconds,
    )


def login_limits(settings: Settings) -> LoginLimits:
    def limit(attempts: int, window_seconds: int) -> Limit:
        return Limit(attempts=attempts, window=timedelta(seconds=window_seconds))

    return LoginLimits(
        per_account_address=limit(
            settings.login_limit_per_account_address,
            settings.login_window_per_account_address_seconds,
        ),
        per_address=limit(
            settings.login_limit_per_address, settings.login_window_per_address_seconds
        ),
        per_account=limit(
            settings.login_limit_per_account, settings.login_window_per_account_seconds
        ),
        known_address_ttl=timedelta(days=settings.login_known_address_days),
    )


def totp_secret_box(settings: Settings) -> SecretBox:
    """AUTH_TOTP_ENCRYPTION_KEYS, or (development) a key generated once."""
    keys = [key.get_secret_value() for key in settings.totp_encryption_keys]
    if not keys:
        return development_box(settings.development_keys_dir)
    return SecretBox(keys)


def token_policy(settings: Settings, signer: AccessTokenSigner) -> TokenPolicy:
    return TokenPolicy(
        signer=signer,
        user_audience=settings.jwt_audience,
        user_scope=settings.user_scope,
        refresh_lifetime=timedelta(seconds=settings.refresh_token_lifetime_seconds),
        login_limits=login_limits(settings),
        mfa=MfaPolicy(box=totp_secret_box(settings)),
        require_verified_email=settings.require_verified_email,
        client_secret_grace=timedelta(seconds=settings.client_secret_grace_seconds),
        password_grant_without_client=settings.password_grant_without_client,
    )


def recovery_policy(settings: Settings) -> RecoveryPolicy:
    window = timedelta(seconds=settings.password_reset_window_seconds)
    return RecoveryPolicy(
        reset_lifetime=timedelta(seconds=settings.password_reset_lifetime_seconds),
        verification_lifetime=timedelta(seconds=settings.verification_lifetime_seconds),
        reset_per_account_address=Limit(
            attempts=settings.password_reset_limit_per_account_address, window=window
        ),
        reset_per_address=Limit(attempts=settings.password_reset_limit_per_address, window=window),
        reset_per_account=Limit(attempts=settings.password_reset_limit_per_account, window=window),
        known_address_ttl=timedelta(days=settings.login_known_address_days),
        registration_mail=Limit(
            attempts=settings.registration_mail_limit,
            window=timedelta(seconds=settings.registration_mail_window_seconds),
        ),
    )


def mailer(settings: Settings) -> Mailer:
    if settings.smtp_url is None:
        logger.info("no AUTH_SMTP_URL: emails are written to %s", settings.mail_dir)
        return FileMailer(settings.mail_dir)
    return SmtpMailer(
        SmtpConfig.from_url(settings.smtp_url.get_secret_value()),
        timeout=settings.smtp_timeout_seconds,
    )


def introspector(settings: Settings, key_ring: KeyRing, policy: TokenPolicy) -> Introspector:
    audiences = {settings.jwt_audience, *(c.audience for c in settings.clients.values())}
    return Introspector(
        verifier=AccessTokenVerifier(
            StaticKeys(parse_jwks(key_ring.jwks())),
            issuer=settings.jwt_issuer,
            previous_issuers=settings.jwt_previous_issuers,
            audiences=audiences,
            leeway=0,
        ),
        policy=policy,
        issuer=settings.jwt_issuer,
    )


def metadata(settings: Settings, *, openid: bool = False) -> dict[str, Any]:
    """The RFC 8414 document, or with `openid` the OpenID Connect Discovery one."""
    # Only what a third party may ask for: the service clients' scopes
    # (AUTH_CLIENTS: notes:purge, introspection...) are ours to hand out, and
    # naming them tells an attacker what to aim for (issue 33).
    return authorization_server_metadata(
        issuer=settings.jwt_issuer,
        public_url=settings.public_url,
        scopes=sorted(clients.USER_SCOPES),
        openid=openid,
    )


def outbox_dispatcher(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    notes_http: httpx.AsyncClient,
    signer: AccessTokenSigner,
    mail: AccountMail | None = None,
    webhooks_http: httpx.AsyncClient | None = None,
) -> OutboxDispatcher:
    def token(audience: str, scope: str) -> Callable[[], str]:
        """The outbox's own tokens, one cache per audience."""
        cache = ServiceTokenCache(
            signer, subject=settings.outbox_client_id, audience=audience, scope=scope
        )
        return cache.token

    webhooks = None
    if webhooks_http is not None:
        webhooks = WebhooksClient(
            webhooks_http, access_token=token(WEBHOOKS_PURGE_AUDIENCE, WEBHOOKS_PURGE_SCOPE)
        )
    return OutboxDispatcher(
        sessionmaker,
        NotesClient(notes_http, access_token=token(PURGE_AUDIENCE, PURGE_SCOPE)),
        pacing=OutboxPacing.from_settings(settings),
        revocation_window=revocation_window(settings),
        mail=mail,
        webhooks=webhooks,
    )


async def create_first_superuser(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], hasher: PasswordHasher
) -> None:
    if not (settings.first_superuser_email and settings.first_superuser_password):
        return
    async with sessionmaker() as session:
        created = await users.ensure_superuser(
            session,
            email=settings.first_superuser_email,
            password=settings.first_superuser_password.get_secret_value(),
            hasher=hasher,
        )
    if created:
        logger.info("created the first superuser")


async def register_configured_clients(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """AUTH_CLIENTS, and the /docs page's client, into the client registry
    (auth_service.oauth.clients). With Postgres down the service still starts
    (and answers 503 until it is back); the next start registers them."""
    try:
        async with sessionmaker() as session:
            if settings.clients:
                await clients.sync_configured(session, settings.clients)
            if settings.docs_client_id:
                await clients.register_docs_client(
                    session, client_id=settings.docs_client_id, public_url=settings.public_url
                )
    except (OSError, DBAPIError) as exc:
        logger.warning("clients not registered, the database is unreachable: %s", exc)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        key_ring = signing_keys(settings)
        engine = create_database_engine(settings.database_url, pool_size=settings.db_pool_size)
        readiness_engine = create_async_engine(
            async_database_url(settings.database_url), poolclass=NullPool
        )
        sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        hasher = password_hasher(settings)
        await hasher.prepare()
        signer = AccessTokenSigner(
            key_ring.active,
            issuer=settings.jwt_issuer,
            lifetime_seconds=settings.access_token_lifetime_seconds,
        )
        # Its own tokens are checked against its own keys: no HTTP round trip.
        app.state.token_verifier = AccessTokenVerifier(
            StaticKeys(parse_jwks(key_ring.jwks())),
            issuer=settings.jwt_issuer,
            previous_issuers=settings.jwt_previous_issuers,
            audiences=[settings.jwt_audience],
        )
        logger.info(
            "signing with key %s; publishing %s",
            key_ring.active.kid,
            ", ".join(key.kid for key in key_ring.keys),
        )
        await create_first_superuser(settings, sessionmaker, hasher)
        await register_configured_clients(settings, sessionmaker)
        policy = token_policy(settings, signer)
        recovery = recovery_policy(settings)
        app.state.auth = AuthState(
            engine=engine,
            readiness_engine=readiness_engine,
            sessionmaker=sessionmaker,
            key_ring=key_ring,
            hasher=hasher,
            token_policy=policy,
            revocation_window=revocation_window(settings),
            recovery=recovery,
            introspector=introspector(settings, key_ring, policy),
            metadata=metadata(settings),
            openid_configuration=metadata(settings, openid=True),
            issuer=settings.jwt_issuer,
            secure_cookies=settings.public_url.startswith("https://"),
        )
        mail = AccountMail(
            sessionmaker,
            mailer(settings),
            templates=MailTemplates(sender=settings.mail_from, public_url=settings.public_url),
            policy=recovery,
        )
        # AUTH_NOTES_URL may name every notes-service replica: purges go to
        # each in turn, and to the next when one refuses (platform_common.replicas).
        # trust_env=False: an internal call never goes through a proxy from the environment.
        notes_http = replica_client(
            settings.notes_url,
            timeout=settings.notes_timeout_seconds,
            trust_env=False,
            event_hooks={"request": [inject_trace_context]},  # the purge continues the trace
        )
        # AUTH_WEBHOOKS_URL likewise: a deleted account's endpoints are purged there.
        webhooks_http = (
            replica_client(
                settings.webhooks_url,
                timeout=settings.webhooks_timeout_seconds,
                trust_env=False,
                event_hooks={"request": [inject_trace_context]},
            )
            if settings.webhooks_url
            else None
        )
        outbox = outbox_dispatcher(settings, sessionmaker, notes_http, signer, mail, webhooks_http)
        # Cancelled mid-delivery at shutdown, an event stays leased and is
        # delivered again after the lease: the purge is idempotent.
        dispatcher = outbox.run_forever() if settings.outbox_enabled else None
        housekeeping = purge_login_throttle_forever(
            sessionmaker, policy.login_limits, [*recovery.windows, policy.mfa.attempts.window]
        )
        event_purge = tidy_forever(
            sessionmaker, retention=timedelta(days=settings.event_retention_days)
        )
        try:
            async with (
                background_task(dispatcher, name="outbox-dispatcher"),
                background_task(housekeeping, name="login-throttle-purge"),
                background_task(event_purge, name="account-housekeeping"),
            ):
                yield
        finally:
            await notes_http.aclose()
            if webhooks_http is not None:
                await webhooks_http.aclose()
            await engine.dispose()
            await readiness_engine.dispose()

    return create_backend_app(
        settings,
        service=SERVICE,
        readiness=readiness,
        routers=[
            router,
            account_router,
            users_router,
            events_router,
            clients_router,
            mfa_router,
            authorize_router,
            personal_tokens_router,
            personal_tokens_admin_router,
            # After every route with the plain bearer scheme: the document
            # keeps the last one's, and userinfo's lists what each scope allows.
            oidc_router,
            well_known_router,
            internal_router,
            personal_tokens_internal,
            notices_internal,
        ],
        # 1.0.0: DELETE /auth/me takes current_password; the revocation list
        # publishes token versions (breaking for consumers of 0.x).
        # 2.0.0: POST /auth/register answers 202 {email, detail}, the same for
        # a taken address (no 409, no user in the body).
        # 2.1.0: the RFC 8414 metadata at /.well-known/oauth-authorization-server/auth too.
        # 2.2.0: the revocation list names sessions and clients too.
        # 2.3.0: TOTP (/auth/me/mfa/totp), mfa_required and the mfa-otp grant;
        # personal access tokens (/auth/me/tokens, /auth/personal-tokens).
        # 3.0.0: stable operation ids (`auth-token`, `me-read`...), FastAPI's
        # generated ones renamed (docs/architecture.md, "Operation ids").
        # 3.1.0: POST /internal/users/{user_id}/notices (scope notices:send).
        # 3.2.0: GET /auth/personal-tokens pages (offset, limit, X-Total-Count).
        version="3.2.0",
        description="Users, registration, login and every token of the notes platform.",
        lifespan=lifespan,
        exception_handlers={
            ServiceError: service_error_handler,
            StarletteHTTPException: http_error_handler,
            RequestValidationError: validation_error_handler,
        },
    )


app = uvicorn_factory(SERVICE, create_app, get_settings)
