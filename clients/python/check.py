"""A Python client as analysts write them (gql, schema fetched by introspection):
every operation is validated client-side against the served schema, answers
keep their keys in query order, and an error in a nullable field leaves the
rest of the answer. Run by .ci/run against the built server.

Usage: STEERQL_URL=http://127.0.0.1:8080/graphql STEERQL_TOKEN=... python3 check.py
"""

import os
import sys

from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.requests import RequestsHTTPTransport

url = os.environ.get("STEERQL_URL", "http://127.0.0.1:8080/graphql")
token = os.environ["STEERQL_TOKEN"]
transport = RequestsHTTPTransport(url=url, headers={"authorization": f"Bearer {token}"}, retries=0)
client = Client(transport=transport, fetch_schema_from_transport=True)

lineup = gql("""
query($code: String!, $on: Date) {
  committeeByCode(code: $code) {
    name
    code
    positions(first: 5, filter: {held: {on: $on}}) { totalCount nodes { title role person { fullName } } }
  }
  me { subject }
}
""")
data = client.execute(lineup, variable_values={"code": "NGHE_AN", "on": "2024-07-08"})
assert list(data) == ["committeeByCode", "me"], data
committee = data["committeeByCode"]
assert list(committee) == ["name", "code", "positions"], committee
assert list(committee["positions"]["nodes"][0]) == ["title", "role", "person"], committee
assert committee["positions"]["totalCount"] > 0, committee

# A missing record: null with NOT_FOUND, the rest of the answer kept.
try:
    client.execute(gql('{ missing: committeeByCode(code: "NO_SUCH") { name } me { subject } }'))
    sys.exit("expected a NOT_FOUND error")
except TransportQueryError as err:
    assert list(err.data) == ["missing", "me"] and err.data["missing"] is None, err.data
    assert err.data["me"]["subject"], err.data
    assert err.errors[0]["extensions"]["code"] == "NOT_FOUND", err.errors

print("python gql client: 2 operations validated against the introspected schema and answered as the spec says")
