"""Return addresses per destination country, kept per channel by staff (C5).

A buyer sees the address for their order's shipping country on their claims (and in
``rewardsMe``). Each change writes its audit event (P4).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from ...events.claims import return_address_deleted_event, return_address_set_event
from ...ledger import Actor
from ...ledger.errors import InvalidInput, NotFound
from ...ledger.models import Program
from .. import locks
from .models import ReturnAddress

FIELDS = (
    "name",
    "company",
    "street_address_1",
    "street_address_2",
    "city",
    "postal_code",
    "country_area",
    "phone",
)
REQUIRED = ("name", "street_address_1", "city")


def _country(value) -> str:
    country = value.strip().upper() if isinstance(value, str) else ""
    if len(country) != 2 or not country.isalpha() or not country.isascii():
        raise InvalidInput("country must be a two-letter ISO code (CN, HK, TW).", field="country")
    return country


def _state(address: ReturnAddress) -> dict:
    return {"country": address.country, **{name: getattr(address, name) for name in FIELDS}}


def set_return_address(program: Program, country, values: dict, *, actor: Actor) -> ReturnAddress:
    """Create or replace the channel's return address for ``country``."""
    country = _country(country)
    cleaned = {}
    for name in FIELDS:
        value = values.get(name) or ""
        if not isinstance(value, str) or len(value) > 256:
            raise InvalidInput(f"{name} must be text of at most 256 characters.", field=name)
        cleaned[name] = value.strip()
    for name in REQUIRED:
        if not cleaned[name]:
            raise InvalidInput(f"{name} is required.", field=name)
    with transaction.atomic():
        address = locks.return_addresses().filter(program=program, country=country).first()
        before = _state(address) if address else None
        try:
            with transaction.atomic():
                if address is None:
                    address = ReturnAddress.objects.create(
                        program=program, country=country, **cleaned
                    )
                else:
                    for name, value in cleaned.items():
                        setattr(address, name, value)
                    address.updated_at = timezone.now()
                    address.save()
        except IntegrityError:
            raise InvalidInput(
                "This country's address was set at the same moment; try again.", field="country"
            ) from None
        return_address_set_event(program, address.id, before, _state(address), actor=actor)
        return address


def delete_return_address(program: Program, country, *, actor: Actor) -> None:
    country = _country(country)
    with transaction.atomic():
        address = ReturnAddress.objects.filter(program=program, country=country).first()
        if address is None:
            raise NotFound(f"No return address for {country}.", field="country")
        before = _state(address)
        address_id = address.id
        address.delete()
        return_address_deleted_event(program, address_id, before, actor=actor)


def return_address_for(program: Program, country: str) -> ReturnAddress | None:
    if not country:
        return None
    return ReturnAddress.objects.filter(program=program, country=country.upper()).first()
