"""webhooks-service's errors (platform_common.errors answers them)."""

from fastapi import status

from platform_common.errors import ServiceError


class EndpointNotFound(ServiceError):
    status_code = status.HTTP_404_NOT_FOUND

    def __init__(self) -> None:
        # The same answer for a missing endpoint and someone else's.
        super().__init__("Endpoint not found")


class DeliveryNotFound(ServiceError):
    status_code = status.HTTP_404_NOT_FOUND

    def __init__(self) -> None:
        super().__init__("Delivery not found")


class TooManyEndpoints(ServiceError):
    status_code = status.HTTP_409_CONFLICT

    def __init__(self, limit: int) -> None:
        super().__init__(f"At most {limit} endpoints per person")


class EndpointDisabled(ServiceError):
    status_code = status.HTTP_409_CONFLICT

    def __init__(self) -> None:
        super().__init__("The endpoint is disabled: enable it first")
