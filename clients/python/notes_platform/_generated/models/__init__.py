"""Contains all the data models used in inputs/outputs"""

from .accepted import Accepted
from .account_deletion import AccountDeletion
from .auth_authorize_response_429 import AuthAuthorizeResponse429
from .auth_authorize_step_body import AuthAuthorizeStepBody
from .auth_introspect_response_429 import AuthIntrospectResponse429
from .auth_jwks_response_429 import AuthJwksResponse429
from .auth_logout_response_429 import AuthLogoutResponse429
from .auth_password_reset_confirm_response_429 import (
    AuthPasswordResetConfirmResponse429,
)
from .auth_register_response_429 import AuthRegisterResponse429
from .auth_revoke_response_429 import AuthRevokeResponse429
from .auth_server_metadata_response_429 import AuthServerMetadataResponse429
from .auth_server_metadata_root_response_429 import AuthServerMetadataRootResponse429
from .auth_verify_email_response_429 import AuthVerifyEmailResponse429
from .authorization_read import AuthorizationRead
from .client_create import ClientCreate
from .client_create_grant_types_item import ClientCreateGrantTypesItem
from .client_created import ClientCreated
from .client_read import ClientRead
from .client_secret import ClientSecret
from .client_update import ClientUpdate
from .client_update_grant_types_item import ClientUpdateGrantTypesItem
from .clients_create_response_429 import ClientsCreateResponse429
from .clients_delete_response_429 import ClientsDeleteResponse429
from .clients_list_response_429 import ClientsListResponse429
from .clients_read_response_429 import ClientsReadResponse429
from .clients_secret_rotate_response_429 import ClientsSecretRotateResponse429
from .clients_update_response_429 import ClientsUpdateResponse429
from .context import Context
from .email_verification import EmailVerification
from .error_detail import ErrorDetail
from .events_list_response_429 import EventsListResponse429
from .events_list_type_type_0 import EventsListTypeType0
from .health_ready_response_429 import HealthReadyResponse429
from .http_validation_error import HTTPValidationError
from .introspect_form import IntrospectForm
from .introspection_response import IntrospectionResponse
from .me_authorizations_delete_response_429 import MeAuthorizationsDeleteResponse429
from .me_authorizations_list_response_429 import MeAuthorizationsListResponse429
from .me_events_list_response_429 import MeEventsListResponse429
from .me_read_response_429 import MeReadResponse429
from .me_sessions_delete_response_429 import MeSessionsDeleteResponse429
from .me_sessions_list_response_429 import MeSessionsListResponse429
from .note_patch import NotePatch
from .note_read import NoteRead
from .note_write import NoteWrite
from .notes_create_response_429 import NotesCreateResponse429
from .notes_delete_response_429 import NotesDeleteResponse429
from .notes_list_response_429 import NotesListResponse429
from .notes_list_sort_type_0 import NotesListSortType0
from .notes_patch_response_429 import NotesPatchResponse429
from .notes_read_response_429 import NotesReadResponse429
from .notes_replace_response_429 import NotesReplaceResponse429
from .o_auth_error_body import OAuthErrorBody
from .openid_configuration_response_429 import OpenidConfigurationResponse429
from .openid_userinfo_post_response_429 import OpenidUserinfoPostResponse429
from .openid_userinfo_response_429 import OpenidUserinfoResponse429
from .password_reset_confirm import PasswordResetConfirm
from .password_reset_request import PasswordResetRequest
from .purge_result import PurgeResult
from .registration_accepted import RegistrationAccepted
from .response_auth_jwks import ResponseAuthJwks
from .response_auth_server_metadata import ResponseAuthServerMetadata
from .response_auth_server_metadata_root import ResponseAuthServerMetadataRoot
from .response_health_live import ResponseHealthLive
from .response_health_ping import ResponseHealthPing
from .response_health_ready import ResponseHealthReady
from .response_openid_configuration import ResponseOpenidConfiguration
from .revocation_list import RevocationList
from .revoke_form import RevokeForm
from .revoked_client import RevokedClient
from .revoked_session import RevokedSession
from .revoked_subject import RevokedSubject
from .security_event_read import SecurityEventRead
from .session_read import SessionRead
from .token_form import TokenForm
from .token_response import TokenResponse
from .user_create import UserCreate
from .user_info import UserInfo
from .user_read import UserRead
from .user_update_admin import UserUpdateAdmin
from .user_update_me import UserUpdateMe
from .users_delete_response_429 import UsersDeleteResponse429
from .users_list_response_429 import UsersListResponse429
from .users_read_response_429 import UsersReadResponse429
from .users_update_response_429 import UsersUpdateResponse429
from .validation_error import ValidationError

__all__ = (
    "Accepted",
    "AccountDeletion",
    "AuthAuthorizeResponse429",
    "AuthAuthorizeStepBody",
    "AuthIntrospectResponse429",
    "AuthJwksResponse429",
    "AuthLogoutResponse429",
    "AuthPasswordResetConfirmResponse429",
    "AuthRegisterResponse429",
    "AuthRevokeResponse429",
    "AuthServerMetadataResponse429",
    "AuthServerMetadataRootResponse429",
    "AuthVerifyEmailResponse429",
    "AuthorizationRead",
    "ClientCreate",
    "ClientCreateGrantTypesItem",
    "ClientCreated",
    "ClientRead",
    "ClientSecret",
    "ClientUpdate",
    "ClientUpdateGrantTypesItem",
    "ClientsCreateResponse429",
    "ClientsDeleteResponse429",
    "ClientsListResponse429",
    "ClientsReadResponse429",
    "ClientsSecretRotateResponse429",
    "ClientsUpdateResponse429",
    "Context",
    "EmailVerification",
    "ErrorDetail",
    "EventsListResponse429",
    "EventsListTypeType0",
    "HTTPValidationError",
    "HealthReadyResponse429",
    "IntrospectForm",
    "IntrospectionResponse",
    "MeAuthorizationsDeleteResponse429",
    "MeAuthorizationsListResponse429",
    "MeEventsListResponse429",
    "MeReadResponse429",
    "MeSessionsDeleteResponse429",
    "MeSessionsListResponse429",
    "NotePatch",
    "NoteRead",
    "NoteWrite",
    "NotesCreateResponse429",
    "NotesDeleteResponse429",
    "NotesListResponse429",
    "NotesListSortType0",
    "NotesPatchResponse429",
    "NotesReadResponse429",
    "NotesReplaceResponse429",
    "OAuthErrorBody",
    "OpenidConfigurationResponse429",
    "OpenidUserinfoPostResponse429",
    "OpenidUserinfoResponse429",
    "PasswordResetConfirm",
    "PasswordResetRequest",
    "PurgeResult",
    "RegistrationAccepted",
    "ResponseAuthJwks",
    "ResponseAuthServerMetadata",
    "ResponseAuthServerMetadataRoot",
    "ResponseHealthLive",
    "ResponseHealthPing",
    "ResponseHealthReady",
    "ResponseOpenidConfiguration",
    "RevocationList",
    "RevokeForm",
    "RevokedClient",
    "RevokedSession",
    "RevokedSubject",
    "SecurityEventRead",
    "SessionRead",
    "TokenForm",
    "TokenResponse",
    "UserCreate",
    "UserInfo",
    "UserRead",
    "UserUpdateAdmin",
    "UserUpdateMe",
    "UsersDeleteResponse429",
    "UsersListResponse429",
    "UsersReadResponse429",
    "UsersUpdateResponse429",
    "ValidationError",
)
