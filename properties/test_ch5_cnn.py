"""Chapter 5 (one-hidden-layer CNN): every registered statement gets the verdict the registry expects."""
import pytest

from verify.testing import assert_expected, ids


@pytest.mark.parametrize("sid", ids(chapter="5"))
def test_statement(sid):
    assert_expected(sid)
