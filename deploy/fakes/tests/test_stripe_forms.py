from urllib.parse import urlencode

import pytest
from stripe._encode import _api_encode

from revgen_fakes.stripe.forms import decode_form


def sdk_encoding(params: dict) -> str:
    """Exactly what the SDK puts on the wire for v1 requests."""
    return urlencode(list(_api_encode(params))).replace("%5B", "[").replace("%5D", "]")


def test_bracket_notation_from_the_sdk_decodes_back_to_the_nested_params():
    params = {"customer": "cus_1", "items": [{"price": "price_1", "quantity": 2}, {"id": "si_1", "deleted": True}],
              "metadata": {"client_id": "abc"}, "discounts": [{"coupon": "TEN"}], "expand": ["latest_invoice"]}
    assert decode_form(sdk_encoding(params)) == {
        "customer": "cus_1", "items": [{"price": "price_1", "quantity": "2"}, {"id": "si_1", "deleted": "true"}],
        "metadata": {"client_id": "abc"}, "discounts": [{"coupon": "TEN"}], "expand": ["latest_invoice"]}


def test_an_empty_value_is_kept_because_it_means_unset():
    assert decode_form("pause_collection=&metadata[old]=") == {"pause_collection": "", "metadata": {"old": ""}}


def test_empty_brackets_append_and_indexes_keep_their_order():
    assert decode_form("types[]=a&types[]=b&created[gte]=5") == {"types": ["a", "b"], "created": {"gte": "5"}}
    assert decode_form("items[1][price]=b&items[0][price]=a") == {"items": [{"price": "a"}, {"price": "b"}]}


def test_a_name_used_as_value_and_hash_is_rejected():
    with pytest.raises(ValueError):
        decode_form("metadata=x&metadata[a]=b")
