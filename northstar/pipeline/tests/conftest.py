import pytest


@pytest.fixture
def pipeline_officer(officer):
    return officer
