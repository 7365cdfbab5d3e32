"""The internal credential tests give every service they start, and send with every call."""
from revgen_common.internal_api import internal_headers

TEST_API_TOKEN = "internal-api-token-for-tests-7d3f9a1c5e"
TEST_API_HEADERS = internal_headers(TEST_API_TOKEN)
