"""Chapter 6 (learning a convolutional filter): every registered statement gets the verdict the registry expects."""
import pytest

from verify.testing import assert_expected, ids


@pytest.mark.parametrize("sid", ids(chapter="6"))
def test_statement(sid):
    assert_expected(sid)
