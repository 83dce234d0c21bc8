"""Contains all the data models used in inputs/outputs"""

from .accepted import Accepted
from .account_deletion import AccountDeletion
from .attempt_read import AttemptRead
from .auth_authorize_step_body import AuthAuthorizeStepBody
from .authorization_read import AuthorizationRead
from .client_create import ClientCreate
from .client_create_grant_types_item import ClientCreateGrantTypesItem
from .client_created import ClientCreated
from .client_read import ClientRead
from .client_secret import ClientSecret
from .client_update import ClientUpdate
from .client_update_grant_types_item import ClientUpdateGrantTypesItem
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
from .events_list_type_type_0 import EventsListTypeType0
from .http_validation_error import HTTPValidationError
from .incoming_event import IncomingEvent
from .incoming_event_type import IncomingEventType
from .ingest_result import IngestResult
from .introspect_form import IntrospectForm
from .introspection_response import IntrospectionResponse
from .leak_feedback import LeakFeedback
from .leaked_token import LeakedToken
from .note_patch import NotePatch
from .note_read import NoteRead
from .note_write import NoteWrite
from .notes_list_sort_type_0 import NotesListSortType0
from .notice_request import NoticeRequest
from .o_auth_error_body import OAuthErrorBody
from .password_reset_confirm import PasswordResetConfirm
from .password_reset_request import PasswordResetRequest
from .personal_token_check import PersonalTokenCheck
from .personal_token_check_request import PersonalTokenCheckRequest
from .personal_token_create import PersonalTokenCreate
from .personal_token_create_scopes_item import PersonalTokenCreateScopesItem
from .personal_token_created import PersonalTokenCreated
from .personal_token_of_user import PersonalTokenOfUser
from .personal_token_read import PersonalTokenRead
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
from .validation_error import ValidationError

__all__ = (
    "Accepted",
    "AccountDeletion",
    "AttemptRead",
    "AuthAuthorizeStepBody",
    "AuthorizationRead",
    "ClientCreate",
    "ClientCreateGrantTypesItem",
    "ClientCreated",
    "ClientRead",
    "ClientSecret",
    "ClientUpdate",
    "ClientUpdateGrantTypesItem",
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
    "EventsListTypeType0",
    "HTTPValidationError",
    "IncomingEvent",
    "IncomingEventType",
    "IngestResult",
    "IntrospectForm",
    "IntrospectionResponse",
    "LeakFeedback",
    "LeakedToken",
    "NotePatch",
    "NoteRead",
    "NoteWrite",
    "NotesListSortType0",
    "NoticeRequest",
    "OAuthErrorBody",
    "PasswordResetConfirm",
    "PasswordResetRequest",
    "PersonalTokenCheck",
    "PersonalTokenCheckRequest",
    "PersonalTokenCreate",
    "PersonalTokenCreateScopesItem",
    "PersonalTokenCreated",
    "PersonalTokenOfUser",
    "PersonalTokenRead",
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
    "ValidationError",
)
