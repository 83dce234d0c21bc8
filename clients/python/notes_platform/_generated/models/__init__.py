"""Contains all the data models used in inputs/outputs"""

from .accepted import Accepted
from .account_deletion import AccountDeletion
from .attempt_read import AttemptRead
from .auth_authorize_response_429 import AuthAuthorizeResponse429
from .auth_authorize_response_503 import AuthAuthorizeResponse503
from .auth_authorize_response_504 import AuthAuthorizeResponse504
from .auth_authorize_step_body import AuthAuthorizeStepBody
from .auth_authorize_step_response_504 import AuthAuthorizeStepResponse504
from .auth_introspect_response_429 import AuthIntrospectResponse429
from .auth_introspect_response_503 import AuthIntrospectResponse503
from .auth_introspect_response_504 import AuthIntrospectResponse504
from .auth_jwks_response_429 import AuthJwksResponse429
from .auth_jwks_response_503 import AuthJwksResponse503
from .auth_jwks_response_504 import AuthJwksResponse504
from .auth_leaked_tokens_report_response_429 import AuthLeakedTokensReportResponse429
from .auth_leaked_tokens_report_response_503 import AuthLeakedTokensReportResponse503
from .auth_leaked_tokens_report_response_504 import AuthLeakedTokensReportResponse504
from .auth_logout_response_429 import AuthLogoutResponse429
from .auth_logout_response_503 import AuthLogoutResponse503
from .auth_logout_response_504 import AuthLogoutResponse504
from .auth_password_reset_confirm_response_429 import (
    AuthPasswordResetConfirmResponse429,
)
from .auth_password_reset_confirm_response_504 import (
    AuthPasswordResetConfirmResponse504,
)
from .auth_password_reset_response_503 import AuthPasswordResetResponse503
from .auth_password_reset_response_504 import AuthPasswordResetResponse504
from .auth_register_response_429 import AuthRegisterResponse429
from .auth_register_response_504 import AuthRegisterResponse504
from .auth_revoke_response_429 import AuthRevokeResponse429
from .auth_revoke_response_503 import AuthRevokeResponse503
from .auth_revoke_response_504 import AuthRevokeResponse504
from .auth_server_metadata_response_429 import AuthServerMetadataResponse429
from .auth_server_metadata_response_503 import AuthServerMetadataResponse503
from .auth_server_metadata_response_504 import AuthServerMetadataResponse504
from .auth_server_metadata_root_response_429 import AuthServerMetadataRootResponse429
from .auth_server_metadata_root_response_503 import AuthServerMetadataRootResponse503
from .auth_server_metadata_root_response_504 import AuthServerMetadataRootResponse504
from .auth_token_response_504 import AuthTokenResponse504
from .auth_verify_email_response_429 import AuthVerifyEmailResponse429
from .auth_verify_email_response_503 import AuthVerifyEmailResponse503
from .auth_verify_email_response_504 import AuthVerifyEmailResponse504
from .authorization_read import AuthorizationRead
from .client_create import ClientCreate
from .client_create_grant_types_item import ClientCreateGrantTypesItem
from .client_created import ClientCreated
from .client_read import ClientRead
from .client_secret import ClientSecret
from .client_update import ClientUpdate
from .client_update_grant_types_item import ClientUpdateGrantTypesItem
from .clients_create_response_429 import ClientsCreateResponse429
from .clients_create_response_503 import ClientsCreateResponse503
from .clients_create_response_504 import ClientsCreateResponse504
from .clients_delete_response_429 import ClientsDeleteResponse429
from .clients_delete_response_503 import ClientsDeleteResponse503
from .clients_delete_response_504 import ClientsDeleteResponse504
from .clients_list_response_429 import ClientsListResponse429
from .clients_list_response_503 import ClientsListResponse503
from .clients_list_response_504 import ClientsListResponse504
from .clients_read_response_429 import ClientsReadResponse429
from .clients_read_response_503 import ClientsReadResponse503
from .clients_read_response_504 import ClientsReadResponse504
from .clients_secret_rotate_response_429 import ClientsSecretRotateResponse429
from .clients_secret_rotate_response_503 import ClientsSecretRotateResponse503
from .clients_secret_rotate_response_504 import ClientsSecretRotateResponse504
from .clients_update_response_429 import ClientsUpdateResponse429
from .clients_update_response_503 import ClientsUpdateResponse503
from .clients_update_response_504 import ClientsUpdateResponse504
from .context import Context
from .data import Data
from .delivery_queued import DeliveryQueued
from .delivery_read import DeliveryRead
from .delivery_read_state import DeliveryReadState
from .email_verification import EmailVerification
from .endpoint_create import EndpointCreate
from .endpoint_create_event_types_item import EndpointCreateEventTypesItem
from .endpoint_read import EndpointRead
from .endpoint_update import EndpointUpdate
from .endpoint_update_event_types_item import EndpointUpdateEventTypesItem
from .endpoint_with_secret import EndpointWithSecret
from .endpoints_purge_result import EndpointsPurgeResult
from .error_detail import ErrorDetail
from .event_batch import EventBatch
from .events_list_response_429 import EventsListResponse429
from .events_list_response_503 import EventsListResponse503
from .events_list_response_504 import EventsListResponse504
from .events_list_type_type_0 import EventsListTypeType0
from .health_ready_response_429 import HealthReadyResponse429
from .http_validation_error import HTTPValidationError
from .incoming_event import IncomingEvent
from .incoming_event_type import IncomingEventType
from .ingest_result import IngestResult
from .introspect_form import IntrospectForm
from .introspection_response import IntrospectionResponse
from .leak_feedback import LeakFeedback
from .leaked_token import LeakedToken
from .me_authorizations_delete_response_429 import MeAuthorizationsDeleteResponse429
from .me_authorizations_delete_response_503 import MeAuthorizationsDeleteResponse503
from .me_authorizations_delete_response_504 import MeAuthorizationsDeleteResponse504
from .me_authorizations_list_response_429 import MeAuthorizationsListResponse429
from .me_authorizations_list_response_503 import MeAuthorizationsListResponse503
from .me_authorizations_list_response_504 import MeAuthorizationsListResponse504
from .me_delete_response_504 import MeDeleteResponse504
from .me_events_list_response_429 import MeEventsListResponse429
from .me_events_list_response_503 import MeEventsListResponse503
from .me_events_list_response_504 import MeEventsListResponse504
from .me_read_response_429 import MeReadResponse429
from .me_read_response_503 import MeReadResponse503
from .me_read_response_504 import MeReadResponse504
from .me_sessions_delete_response_429 import MeSessionsDeleteResponse429
from .me_sessions_delete_response_503 import MeSessionsDeleteResponse503
from .me_sessions_delete_response_504 import MeSessionsDeleteResponse504
from .me_sessions_list_response_429 import MeSessionsListResponse429
from .me_sessions_list_response_503 import MeSessionsListResponse503
from .me_sessions_list_response_504 import MeSessionsListResponse504
from .me_tokens_create_response_503 import MeTokensCreateResponse503
from .me_tokens_create_response_504 import MeTokensCreateResponse504
from .me_tokens_delete_response_429 import MeTokensDeleteResponse429
from .me_tokens_delete_response_503 import MeTokensDeleteResponse503
from .me_tokens_delete_response_504 import MeTokensDeleteResponse504
from .me_tokens_list_response_429 import MeTokensListResponse429
from .me_tokens_list_response_503 import MeTokensListResponse503
from .me_tokens_list_response_504 import MeTokensListResponse504
from .me_totp_confirm_response_503 import MeTotpConfirmResponse503
from .me_totp_confirm_response_504 import MeTotpConfirmResponse504
from .me_totp_create_response_429 import MeTotpCreateResponse429
from .me_totp_create_response_503 import MeTotpCreateResponse503
from .me_totp_create_response_504 import MeTotpCreateResponse504
from .me_totp_disable_response_504 import MeTotpDisableResponse504
from .me_totp_read_response_429 import MeTotpReadResponse429
from .me_totp_read_response_503 import MeTotpReadResponse503
from .me_totp_read_response_504 import MeTotpReadResponse504
from .me_totp_recovery_codes_create_response_503 import (
    MeTotpRecoveryCodesCreateResponse503,
)
from .me_totp_recovery_codes_create_response_504 import (
    MeTotpRecoveryCodesCreateResponse504,
)
from .me_update_response_504 import MeUpdateResponse504
from .note_patch import NotePatch
from .note_read import NoteRead
from .note_write import NoteWrite
from .notes_create_response_429 import NotesCreateResponse429
from .notes_create_response_503 import NotesCreateResponse503
from .notes_create_response_504 import NotesCreateResponse504
from .notes_delete_response_429 import NotesDeleteResponse429
from .notes_delete_response_503 import NotesDeleteResponse503
from .notes_delete_response_504 import NotesDeleteResponse504
from .notes_list_response_429 import NotesListResponse429
from .notes_list_response_504 import NotesListResponse504
from .notes_list_sort_type_0 import NotesListSortType0
from .notes_patch_response_429 import NotesPatchResponse429
from .notes_patch_response_503 import NotesPatchResponse503
from .notes_patch_response_504 import NotesPatchResponse504
from .notes_read_response_429 import NotesReadResponse429
from .notes_read_response_503 import NotesReadResponse503
from .notes_read_response_504 import NotesReadResponse504
from .notes_replace_response_429 import NotesReplaceResponse429
from .notes_replace_response_503 import NotesReplaceResponse503
from .notes_replace_response_504 import NotesReplaceResponse504
from .notice_request import NoticeRequest
from .o_auth_error_body import OAuthErrorBody
from .openid_configuration_response_429 import OpenidConfigurationResponse429
from .openid_configuration_response_503 import OpenidConfigurationResponse503
from .openid_configuration_response_504 import OpenidConfigurationResponse504
from .openid_userinfo_post_response_429 import OpenidUserinfoPostResponse429
from .openid_userinfo_post_response_503 import OpenidUserinfoPostResponse503
from .openid_userinfo_post_response_504 import OpenidUserinfoPostResponse504
from .openid_userinfo_response_429 import OpenidUserinfoResponse429
from .openid_userinfo_response_503 import OpenidUserinfoResponse503
from .openid_userinfo_response_504 import OpenidUserinfoResponse504
from .password_reset_confirm import PasswordResetConfirm
from .password_reset_request import PasswordResetRequest
from .personal_token_check import PersonalTokenCheck
from .personal_token_check_request import PersonalTokenCheckRequest
from .personal_token_create import PersonalTokenCreate
from .personal_token_create_scopes_item import PersonalTokenCreateScopesItem
from .personal_token_created import PersonalTokenCreated
from .personal_token_of_user import PersonalTokenOfUser
from .personal_token_read import PersonalTokenRead
from .personal_tokens_delete_response_429 import PersonalTokensDeleteResponse429
from .personal_tokens_delete_response_503 import PersonalTokensDeleteResponse503
from .personal_tokens_delete_response_504 import PersonalTokensDeleteResponse504
from .personal_tokens_list_response_429 import PersonalTokensListResponse429
from .personal_tokens_list_response_503 import PersonalTokensListResponse503
from .personal_tokens_list_response_504 import PersonalTokensListResponse504
from .purge_result import PurgeResult
from .recovery_code_list import RecoveryCodeList
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
from .rotated_endpoint import RotatedEndpoint
from .security_event_read import SecurityEventRead
from .session_read import SessionRead
from .token_form import TokenForm
from .token_response import TokenResponse
from .totp_code import TotpCode
from .totp_disable import TotpDisable
from .totp_enrolment import TotpEnrolment
from .totp_status import TotpStatus
from .user_create import UserCreate
from .user_info import UserInfo
from .user_read import UserRead
from .user_update_admin import UserUpdateAdmin
from .user_update_me import UserUpdateMe
from .users_delete_response_429 import UsersDeleteResponse429
from .users_delete_response_503 import UsersDeleteResponse503
from .users_delete_response_504 import UsersDeleteResponse504
from .users_list_response_429 import UsersListResponse429
from .users_list_response_503 import UsersListResponse503
from .users_list_response_504 import UsersListResponse504
from .users_read_response_429 import UsersReadResponse429
from .users_read_response_503 import UsersReadResponse503
from .users_read_response_504 import UsersReadResponse504
from .users_update_response_429 import UsersUpdateResponse429
from .users_update_response_504 import UsersUpdateResponse504
from .validation_error import ValidationError
from .webhooks_deliveries_list_response_429 import WebhooksDeliveriesListResponse429
from .webhooks_deliveries_list_response_503 import WebhooksDeliveriesListResponse503
from .webhooks_deliveries_list_response_504 import WebhooksDeliveriesListResponse504
from .webhooks_deliveries_retry_response_429 import WebhooksDeliveriesRetryResponse429
from .webhooks_deliveries_retry_response_503 import WebhooksDeliveriesRetryResponse503
from .webhooks_deliveries_retry_response_504 import WebhooksDeliveriesRetryResponse504
from .webhooks_endpoints_create_response_429 import WebhooksEndpointsCreateResponse429
from .webhooks_endpoints_create_response_503 import WebhooksEndpointsCreateResponse503
from .webhooks_endpoints_create_response_504 import WebhooksEndpointsCreateResponse504
from .webhooks_endpoints_delete_response_429 import WebhooksEndpointsDeleteResponse429
from .webhooks_endpoints_delete_response_503 import WebhooksEndpointsDeleteResponse503
from .webhooks_endpoints_delete_response_504 import WebhooksEndpointsDeleteResponse504
from .webhooks_endpoints_list_response_429 import WebhooksEndpointsListResponse429
from .webhooks_endpoints_list_response_503 import WebhooksEndpointsListResponse503
from .webhooks_endpoints_list_response_504 import WebhooksEndpointsListResponse504
from .webhooks_endpoints_patch_response_429 import WebhooksEndpointsPatchResponse429
from .webhooks_endpoints_patch_response_503 import WebhooksEndpointsPatchResponse503
from .webhooks_endpoints_patch_response_504 import WebhooksEndpointsPatchResponse504
from .webhooks_endpoints_read_response_429 import WebhooksEndpointsReadResponse429
from .webhooks_endpoints_read_response_503 import WebhooksEndpointsReadResponse503
from .webhooks_endpoints_read_response_504 import WebhooksEndpointsReadResponse504
from .webhooks_endpoints_secret_rotate_response_429 import (
    WebhooksEndpointsSecretRotateResponse429,
)
from .webhooks_endpoints_secret_rotate_response_503 import (
    WebhooksEndpointsSecretRotateResponse503,
)
from .webhooks_endpoints_secret_rotate_response_504 import (
    WebhooksEndpointsSecretRotateResponse504,
)
from .webhooks_endpoints_test_response_429 import WebhooksEndpointsTestResponse429
from .webhooks_endpoints_test_response_503 import WebhooksEndpointsTestResponse503
from .webhooks_endpoints_test_response_504 import WebhooksEndpointsTestResponse504

__all__ = (
    "Accepted",
    "AccountDeletion",
    "AttemptRead",
    "AuthAuthorizeResponse429",
    "AuthAuthorizeResponse503",
    "AuthAuthorizeResponse504",
    "AuthAuthorizeStepBody",
    "AuthAuthorizeStepResponse504",
    "AuthIntrospectResponse429",
    "AuthIntrospectResponse503",
    "AuthIntrospectResponse504",
    "AuthJwksResponse429",
    "AuthJwksResponse503",
    "AuthJwksResponse504",
    "AuthLeakedTokensReportResponse429",
    "AuthLeakedTokensReportResponse503",
    "AuthLeakedTokensReportResponse504",
    "AuthLogoutResponse429",
    "AuthLogoutResponse503",
    "AuthLogoutResponse504",
    "AuthPasswordResetConfirmResponse429",
    "AuthPasswordResetConfirmResponse504",
    "AuthPasswordResetResponse503",
    "AuthPasswordResetResponse504",
    "AuthRegisterResponse429",
    "AuthRegisterResponse504",
    "AuthRevokeResponse429",
    "AuthRevokeResponse503",
    "AuthRevokeResponse504",
    "AuthServerMetadataResponse429",
    "AuthServerMetadataResponse503",
    "AuthServerMetadataResponse504",
    "AuthServerMetadataRootResponse429",
    "AuthServerMetadataRootResponse503",
    "AuthServerMetadataRootResponse504",
    "AuthTokenResponse504",
    "AuthVerifyEmailResponse429",
    "AuthVerifyEmailResponse503",
    "AuthVerifyEmailResponse504",
    "AuthorizationRead",
    "ClientCreate",
    "ClientCreateGrantTypesItem",
    "ClientCreated",
    "ClientRead",
    "ClientSecret",
    "ClientUpdate",
    "ClientUpdateGrantTypesItem",
    "ClientsCreateResponse429",
    "ClientsCreateResponse503",
    "ClientsCreateResponse504",
    "ClientsDeleteResponse429",
    "ClientsDeleteResponse503",
    "ClientsDeleteResponse504",
    "ClientsListResponse429",
    "ClientsListResponse503",
    "ClientsListResponse504",
    "ClientsReadResponse429",
    "ClientsReadResponse503",
    "ClientsReadResponse504",
    "ClientsSecretRotateResponse429",
    "ClientsSecretRotateResponse503",
    "ClientsSecretRotateResponse504",
    "ClientsUpdateResponse429",
    "ClientsUpdateResponse503",
    "ClientsUpdateResponse504",
    "Context",
    "Data",
    "DeliveryQueued",
    "DeliveryRead",
    "DeliveryReadState",
    "EmailVerification",
    "EndpointCreate",
    "EndpointCreateEventTypesItem",
    "EndpointRead",
    "EndpointUpdate",
    "EndpointUpdateEventTypesItem",
    "EndpointWithSecret",
    "EndpointsPurgeResult",
    "ErrorDetail",
    "EventBatch",
    "EventsListResponse429",
    "EventsListResponse503",
    "EventsListResponse504",
    "EventsListTypeType0",
    "HTTPValidationError",
    "HealthReadyResponse429",
    "IncomingEvent",
    "IncomingEventType",
    "IngestResult",
    "IntrospectForm",
    "IntrospectionResponse",
    "LeakFeedback",
    "LeakedToken",
    "MeAuthorizationsDeleteResponse429",
    "MeAuthorizationsDeleteResponse503",
    "MeAuthorizationsDeleteResponse504",
    "MeAuthorizationsListResponse429",
    "MeAuthorizationsListResponse503",
    "MeAuthorizationsListResponse504",
    "MeDeleteResponse504",
    "MeEventsListResponse429",
    "MeEventsListResponse503",
    "MeEventsListResponse504",
    "MeReadResponse429",
    "MeReadResponse503",
    "MeReadResponse504",
    "MeSessionsDeleteResponse429",
    "MeSessionsDeleteResponse503",
    "MeSessionsDeleteResponse504",
    "MeSessionsListResponse429",
    "MeSessionsListResponse503",
    "MeSessionsListResponse504",
    "MeTokensCreateResponse503",
    "MeTokensCreateResponse504",
    "MeTokensDeleteResponse429",
    "MeTokensDeleteResponse503",
    "MeTokensDeleteResponse504",
    "MeTokensListResponse429",
    "MeTokensListResponse503",
    "MeTokensListResponse504",
    "MeTotpConfirmResponse503",
    "MeTotpConfirmResponse504",
    "MeTotpCreateResponse429",
    "MeTotpCreateResponse503",
    "MeTotpCreateResponse504",
    "MeTotpDisableResponse504",
    "MeTotpReadResponse429",
    "MeTotpReadResponse503",
    "MeTotpReadResponse504",
    "MeTotpRecoveryCodesCreateResponse503",
    "MeTotpRecoveryCodesCreateResponse504",
    "MeUpdateResponse504",
    "NotePatch",
    "NoteRead",
    "NoteWrite",
    "NotesCreateResponse429",
    "NotesCreateResponse503",
    "NotesCreateResponse504",
    "NotesDeleteResponse429",
    "NotesDeleteResponse503",
    "NotesDeleteResponse504",
    "NotesListResponse429",
    "NotesListResponse504",
    "NotesListSortType0",
    "NotesPatchResponse429",
    "NotesPatchResponse503",
    "NotesPatchResponse504",
    "NotesReadResponse429",
    "NotesReadResponse503",
    "NotesReadResponse504",
    "NotesReplaceResponse429",
    "NotesReplaceResponse503",
    "NotesReplaceResponse504",
    "NoticeRequest",
    "OAuthErrorBody",
    "OpenidConfigurationResponse429",
    "OpenidConfigurationResponse503",
    "OpenidConfigurationResponse504",
    "OpenidUserinfoPostResponse429",
    "OpenidUserinfoPostResponse503",
    "OpenidUserinfoPostResponse504",
    "OpenidUserinfoResponse429",
    "OpenidUserinfoResponse503",
    "OpenidUserinfoResponse504",
    "PasswordResetConfirm",
    "PasswordResetRequest",
    "PersonalTokenCheck",
    "PersonalTokenCheckRequest",
    "PersonalTokenCreate",
    "PersonalTokenCreateScopesItem",
    "PersonalTokenCreated",
    "PersonalTokenOfUser",
    "PersonalTokenRead",
    "PersonalTokensDeleteResponse429",
    "PersonalTokensDeleteResponse503",
    "PersonalTokensDeleteResponse504",
    "PersonalTokensListResponse429",
    "PersonalTokensListResponse503",
    "PersonalTokensListResponse504",
    "PurgeResult",
    "RecoveryCodeList",
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
    "RotatedEndpoint",
    "SecurityEventRead",
    "SessionRead",
    "TokenForm",
    "TokenResponse",
    "TotpCode",
    "TotpDisable",
    "TotpEnrolment",
    "TotpStatus",
    "UserCreate",
    "UserInfo",
    "UserRead",
    "UserUpdateAdmin",
    "UserUpdateMe",
    "UsersDeleteResponse429",
    "UsersDeleteResponse503",
    "UsersDeleteResponse504",
    "UsersListResponse429",
    "UsersListResponse503",
    "UsersListResponse504",
    "UsersReadResponse429",
    "UsersReadResponse503",
    "UsersReadResponse504",
    "UsersUpdateResponse429",
    "UsersUpdateResponse504",
    "ValidationError",
    "WebhooksDeliveriesListResponse429",
    "WebhooksDeliveriesListResponse503",
    "WebhooksDeliveriesListResponse504",
    "WebhooksDeliveriesRetryResponse429",
    "WebhooksDeliveriesRetryResponse503",
    "WebhooksDeliveriesRetryResponse504",
    "WebhooksEndpointsCreateResponse429",
    "WebhooksEndpointsCreateResponse503",
    "WebhooksEndpointsCreateResponse504",
    "WebhooksEndpointsDeleteResponse429",
    "WebhooksEndpointsDeleteResponse503",
    "WebhooksEndpointsDeleteResponse504",
    "WebhooksEndpointsListResponse429",
    "WebhooksEndpointsListResponse503",
    "WebhooksEndpointsListResponse504",
    "WebhooksEndpointsPatchResponse429",
    "WebhooksEndpointsPatchResponse503",
    "WebhooksEndpointsPatchResponse504",
    "WebhooksEndpointsReadResponse429",
    "WebhooksEndpointsReadResponse503",
    "WebhooksEndpointsReadResponse504",
    "WebhooksEndpointsSecretRotateResponse429",
    "WebhooksEndpointsSecretRotateResponse503",
    "WebhooksEndpointsSecretRotateResponse504",
    "WebhooksEndpointsTestResponse429",
    "WebhooksEndpointsTestResponse503",
    "WebhooksEndpointsTestResponse504",
)
