import pytest

from verify.testing import assert_expected, ids


@pytest.mark.parametrize("sid", ids(chapter="3"))
def test_statement(sid):
    assert_expected(sid)
