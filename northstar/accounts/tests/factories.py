import factory
from django.contrib.auth import get_user_model

from northstar.accounts.services import create_user

TEST_PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory):
    """A user in one role, made through the same service as `northstar createadmin`."""

    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = "officer"

    @classmethod
    def _create(cls, model_class, *args, username, email, role, password=TEST_PASSWORD, **kwargs):
        return create_user(username, password, role=role, email=email)
