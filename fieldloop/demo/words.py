"""Chinese person names, mobile numbers, street addresses and company prefixes for the demo's customers and
contacts: drawn from Faker's own zh_CN word lists (last names by their weights), as its providers compose them,
but without its template parser, which costs about fifty times as much a call and the large demo asks for a
million. Drawn from the Faker's seeded random generator, so a seed gives the same words."""

import random
import string
from itertools import accumulate

from faker import Faker
from faker.providers.address.zh_CN import Provider as Address
from faker.providers.company.zh_CN import Provider as Company
from faker.providers.person.zh_CN import Provider as Person
from faker.providers.phone_number.zh_CN import Provider as Phone

LAST_NAMES = list(Person.last_names)
LAST_NAME_WEIGHTS = list(accumulate(Person.last_names.values()))
FIRST_NAMES = list(Person.first_names)
MOBILE_PREFIXES = [str(prefix) for prefix in Phone.phonenumber_prefixes]
CITIES = list(Address.cities)
STREET_SUFFIXES = list(Address.street_suffixes)
COMPANY_PREFIXES = list(Company.company_prefixes)
LETTERS = string.ascii_letters  # a building number is "?座", a letter


class Words:
    def __init__(self, faker: Faker) -> None:
        self.rng: random.Random = faker.random

    def last_name(self) -> str:
        return self.rng.choices(LAST_NAMES, cum_weights=LAST_NAME_WEIGHTS)[0]

    def name(self) -> str:
        return self.last_name() + self.rng.choice(FIRST_NAMES)

    def phone_number(self) -> str:
        return f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(100_000_000):08d}"

    def street_address(self) -> str:
        place = self.rng.choice(CITIES) if self.rng.random() < 0.5 else self.last_name()
        return f"{place}{self.rng.choice(STREET_SUFFIXES)}{self.rng.choice(LETTERS)}座"

    def company_prefix(self) -> str:
        return self.rng.choice(COMPANY_PREFIXES)
